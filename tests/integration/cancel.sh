#!/usr/bin/env bash
# Ctrl-C and SIGTERM during a running plan: the statement in flight is
# cancelled on the server (no backend keeps running it), the revision in
# progress rolls back, the line ends with "cancelled", the next says where
# the database is, and the exit status is 130 (143 for SIGTERM). A
# transaction-off revision interrupted mid-way is journaled and resumed by
# 'retort resolve'.
. "$RT_SRCDIR/tests/lib/tap.sh"
. "$RT_SRCDIR/tests/lib/pg.sh"
. "$RT_SRCDIR/tests/lib/mig.sh"
pg_start
P="$T/p"
R() { rt -d "$P" --url "$PGURL" "$@"; }
# the command itself, not a shell function, so that $! is retort's pid
RETORT_ARGS=(env -u DATABASE_URL "$RETORT" -d "$P" --url "$PGURL")
for i in 1 2 3; do
	prev=none; [ "$i" -gt 1 ] && prev=s$((i - 1))
	mig "$P" s$i $prev "slow $i" "CREATE TABLE slow$i (id int);
SELECT pg_sleep(3);" "DROP TABLE slow$i;"
done

# wait_sleeping: until a backend runs the pg_sleep of revision s$1's step
wait_sleeping() {
	for _ in $(seq 200); do
		[ "$(psqlc "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(%' AND state = 'active'")" = 1 ] &&
		[ "$(psqlc "SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE 'retort%' AND state = 'active'")" -ge 1 ] &&
		grep -q "\[$1/3\]" "$T/out" && return 0
		sleep 0.05
	done
	return 1
}

# cancel_run SIGNAL EXPECTED_STATUS
cancel_run() {
	local sig=$1 want=$2 pid rc
	"${RETORT_ARGS[@]}" upgrade >"$T/out" 2>"$T/err" &
	pid=$!
	wait_sleeping 2 || echo "# never saw revision 2 sleeping"
	kill -"$sig" "$pid"
	wait "$pid"; rc=$?
	is "$sig during the second of three revisions exits $want" "$rc" "$want"
	like "... the line of the revision in progress ends with 'cancelled'" "$(cat "$T/out")" \
		"\[2/3\] upgrade   s2  slow 2 \.\.\. cancelled \([0-9]+ ms\)"
	like "... the next line says where the database is" "$(cat "$T/out")" \
		"cancelled \([0-9]+ ms\)
database at: s1"
	like "... and the error says it was cancelled and rolled back" "$(cat "$T/err")" \
		"^retort: cancelled during the upgrade of s2; its transaction was rolled back"
	is "... the database is at the first revision" "$(psqlc 'SELECT version_num FROM alembic_version')" s1
	is "... the second revision's table is absent" "$(psqlc "SELECT to_regclass('slow2') IS NULL")" t
	is "... no backend is left running the cancelled statement" \
		"$(psqlc "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(%'")" 0
	is "... retort_history logs the cancelled step as failed" \
		"$(psqlc "SELECT outcome FROM retort_history WHERE revision = 's2' ORDER BY id DESC LIMIT 1")" failed
	R -q downgrade base >/dev/null 2>&1
}

cancel_run INT 130
cancel_run TERM 143

# a second Ctrl-C while cancelling is noted, not fatal
"${RETORT_ARGS[@]}" upgrade >"$T/out" 2>"$T/err" &
pid=$!
wait_sleeping 2 || echo "# never saw revision 2 sleeping"
kill -INT "$pid"; kill -INT "$pid"
wait "$pid"; rc=$?
is "two Ctrl-C in a row still exit 130 after a clean rollback" "$rc|$(psqlc 'SELECT version_num FROM alembic_version')" "130|s1"
R -q downgrade base >/dev/null 2>&1

# Ctrl-C while waiting for the migration lock (held by a first runner): nothing changes
"${RETORT_ARGS[@]}" upgrade >"$T/out" 2>"$T/err" &
first=$!
wait_sleeping 1 || echo "# never saw revision 1 sleeping"
"${RETORT_ARGS[@]}" upgrade --lock-timeout 20 >"$T/out2" 2>"$T/err2" &
pid=$!
for _ in $(seq 100); do grep -q "waiting for the migration lock" "$T/err2" && break; sleep 0.05; done
like "a second runner says it waits for the lock, naming the holder" "$(cat "$T/err2")" \
	"waiting for the migration lock, held by pid [0-9]+, application 'retort'"
kill -INT "$pid"; wait "$pid"; rc=$?
is "Ctrl-C during the lock wait exits 130" "$rc" 130
like "... saying nothing changed" "$(cat "$T/err2")" "cancelled while waiting for the migration lock; nothing changed"
kill -INT "$first"; wait "$first"
is "... and the first runner, cancelled in turn, left the database at base" \
	"$(psqlc 'SELECT count(*) FROM alembic_version')" 0

# a transaction-off revision interrupted mid-way is journaled; resolve resumes it
mig "$P" n1 none "notx" "CREATE TABLE n1 (id int);
SELECT pg_sleep(3);
CREATE TABLE n1b (id int);" "DROP TABLE n1b; DROP TABLE n1;" "-- retort:transaction off"
rm -f "$P"/versions/s*.sql
"${RETORT_ARGS[@]}" upgrade >"$T/out" 2>"$T/err" &
pid=$!
for _ in $(seq 200); do
	[ "$(psqlc "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(%' AND state = 'active'")" = 1 ] && break
	sleep 0.05
done
kill -INT "$pid"; wait "$pid"; rc=$?
is "Ctrl-C in a transaction-off revision exits 130" "$rc" 130
like "... naming the statement and what ran" "$(cat "$T/err")" "n1_notx\.sql:[0-9]+: cancelled during this statement \(transaction off: 1 of 3 statements ran\)"
is "... journaled as dirty after one statement" \
	"$(psqlc "SELECT outcome, statements_done FROM retort_history WHERE revision = 'n1' ORDER BY id DESC LIMIT 1")" "dirty|1"
R upgrade >"$T/out" 2>&1; rc=$?
is "... a new upgrade is refused until it is resolved" "$rc" 2
R -y resolve >"$T/out" 2>&1; rc=$?
is "resolve resumes it from the next statement" "$rc|$(psqlc 'SELECT version_num FROM alembic_version')" "0|n1"
is "... and both tables exist" "$(psqlc "SELECT count(*) FROM pg_class WHERE relname IN ('n1', 'n1b')")" 2

# the playbook's way out: finish by hand, stamp, then record it truthfully
R -q downgrade base >/dev/null 2>&1
"${RETORT_ARGS[@]}" upgrade >"$T/out" 2>"$T/err" &
pid=$!
for _ in $(seq 200); do
	[ "$(psqlc "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(%' AND state = 'active'")" = 1 ] && break
	sleep 0.05
done
kill -INT "$pid"; wait "$pid"
psqlc "CREATE TABLE n1b (id int)" >/dev/null
R -q stamp n1 >/dev/null 2>&1
R resolve --mark-applied >"$T/out" 2>&1; rc=$?
is "after a hand fix and a stamp, resolve --mark-applied succeeds" "$rc|$(cat "$T/out" | tail -1)" "0|marked applied"
is "... and records it as ok, saying the version table already showed it" \
	"$(psqlc "SELECT outcome, error LIKE '%already showed it%' FROM retort_history WHERE revision = 'n1' AND direction = 'upgrade' ORDER BY id DESC LIMIT 1")" "ok|t"
R upgrade >"$T/out" 2>&1; rc=$?
is "... and upgrades are no longer blocked" "$rc" 0
done_testing
