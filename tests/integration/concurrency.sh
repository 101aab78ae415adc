#!/usr/bin/env bash
# Several runners at once: the advisory lock makes each revision apply once;
# the others wait, name the holder, then find nothing to do; a lock timeout
# exits 1 naming the holder.
. "$RT_SRCDIR/tests/lib/tap.sh"
. "$RT_SRCDIR/tests/lib/pg.sh"
. "$RT_SRCDIR/tests/lib/mig.sh"
pg_start
P="$T/p"
R() { rt -d "$P" --url "$PGURL" "$@"; }
prev=none
for i in $(seq 1 20); do
	id=$(printf 'c%03d' "$i")
	mig "$P" "$id" "$prev" "step $i" "CREATE TABLE t$i (id int); INSERT INTO t$i VALUES ($i); SELECT pg_sleep(0.02);" "DROP TABLE t$i;"
	prev=$id
done

for round in 1 2; do
	pids=()
	for k in $(seq 1 8); do
		R upgrade head >"$T/out.$k" 2>"$T/err.$k" & pids+=($!)
	done
	fails=0
	for p in "${pids[@]}"; do wait "$p" || fails=$((fails + 1)); done
	is "round $round: all 8 runners exit 0" "$fails" 0
	is "round $round: each revision applied exactly once" \
		"$(psqlc "SELECT count(*), count(DISTINCT revision) FROM retort_history WHERE direction = 'upgrade' AND outcome = 'ok'")" "20|20"
	is "round $round: at head" "$(psqlc 'SELECT version_num FROM alembic_version')" c020
	is "round $round: seven runners found nothing to do" "$(cat "$T"/out.* | grep -c '^nothing to do')" 7
	like "round $round: waiting runners named the holder" "$(cat "$T"/err.*)" \
		"waiting for the migration lock, held by pid [0-9]+, application 'retort'"
	R -q downgrade base
	psqlc "DELETE FROM retort_history"
done

# a lock timeout exits 1 and names the holder
mig "$P" c021 c020 "slow" "SELECT pg_sleep(3);" "SELECT 1;"
# the twenty quick steps first, so the holder below is in c021's pg_sleep
# (and not still on c015) when the second runner gives up
R -q upgrade c020
R -q upgrade head >/dev/null 2>&1 &
slow=$!
for _ in $(seq 100); do
	[ "$(psqlc "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query LIKE '%pg_sleep(3)%' AND pid <> pg_backend_pid()")" = 1 ] && break
	sleep 0.05
done
R upgrade head --lock-timeout 0.3 >/dev/null 2>"$T/err"; rc=$?
is "a lock timeout exits 1" "$rc" 1
like "... naming the holder" "$(tail -1 "$T/err")" "^retort: lock timeout after 0.3 s: the migration lock is held by pid [0-9]+, application 'retort', client local"
like "... and what it is doing: its statement (the slow revision's pg_sleep)" "$(tail -1 "$T/err")" \
	"connected [0-9]+ s ago, (active: '.*pg_sleep.*'|idle in transaction)"
wait "$slow"; is "the holder finished" "$?" 0
done_testing
