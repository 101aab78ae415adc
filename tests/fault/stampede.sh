#!/usr/bin/env bash
# 8 retort processes upgrading one database at once, 10 rounds, on a
# 50-revision chain: each revision is applied exactly once, the holder of
# the migration lock is named to the others while they wait, and they then
# find nothing to do. Then 8 at once each asking for one more revision
# (upgrade +1): 8 different revisions, each once, in order.
. "$RT_SRCDIR/tests/lib/tap.sh"
. "$RT_SRCDIR/tests/lib/pg.sh"
. "$RT_SRCDIR/tests/lib/mig.sh"
. "$RT_SRCDIR/tests/fault/lib.sh"
pg_start
N=50 ROUNDS=${FAULT_ROUNDS:-10} K=8
slow_chain "$P" $N 0.02

bad_once=0 bad_head=0 bad_exit=0 bad_nothing=0 bad_named=0 bad_holder=0 bad_san=0
for round in $(seq 1 "$ROUNDS"); do
	rm -f "$T"/out.* "$T"/err.*
	pids=()
	for k in $(seq 1 $K); do
		R upgrade head >"$T/out.$k" 2>"$T/err.$k" & pids+=($!)
	done
	fails=0
	for p in "${pids[@]}"; do wait "$p" || fails=$((fails + 1)); done
	[ "$fails" = 0 ] || { bad_exit=$((bad_exit + 1)); echo "# round $round: $fails runners failed"; cat "$T"/err.* | sed 's/^/#   /' | head; }
	once=$(psqlc "SELECT count(*), count(DISTINCT revision), min(revision), max(revision) FROM retort_history WHERE direction = 'upgrade' AND outcome = 'ok'")
	[ "$once" = "$N|$N|r0001|r0050" ] || { bad_once=$((bad_once + 1)); echo "# round $round: history $once"; }
	[ "$(consistent 0)" = "ok $N" ] || { bad_head=$((bad_head + 1)); echo "# round $round: $(consistent 0)"; }
	# exactly one runner applied the plan; the seven others found nothing to do
	applied=$(grep -l '^database now at: r0050$' "$T"/out.* | wc -l)
	nothing=$(grep -l '^nothing to do; database at: r0050$' "$T"/out.* | wc -l)
	[ "$applied|$nothing" = "1|$((K - 1))" ] || { bad_nothing=$((bad_nothing + 1)); echo "# round $round: $applied applied, $nothing found nothing to do"; }
	# every runner that found nothing to do waited, and was told who held the lock
	named=$(grep -lE "^retort: waiting for the migration lock, held by pid [0-9]+, application 'retort', client local, user postgres" "$T"/err.* | wc -l)
	[ "$named" = $((K - 1)) ] || { bad_named=$((bad_named + 1)); echo "# round $round: $named of $((K - 1)) waiters named the holder"; }
	# ... and the pid they named is one pid: the holder's
	holders=$(grep -ohE "held by pid [0-9]+" "$T"/err.* | sort -u | wc -l)
	[ "$holders" -le 1 ] || { bad_holder=$((bad_holder + 1)); echo "# round $round: $holders different holders named"; }
	no_sanitizer_report "$T"/err.* || bad_san=$((bad_san + 1))
	reset_db
done
is "$ROUNDS rounds of $K runners: all exit 0" "$bad_exit" 0
is "... each revision applied exactly once in every round" "$bad_once" 0
is "... the schema is at head in every round" "$bad_head" 0
is "... one runner applied, seven found nothing to do" "$bad_nothing" 0
is "... every waiter named the lock holder" "$bad_named" 0
is "... and all named the same holder" "$bad_holder" 0
is "... no sanitizer report" "$bad_san" 0

# 8 at once, each one step: the lock serializes them and each reads the version
# table after taking it, so the database ends 8 revisions up, each applied once
pids=()
for k in $(seq 1 $K); do R -q upgrade +1 >"$T/out.$k" 2>"$T/err.$k" & pids+=($!); done
fails=0
for p in "${pids[@]}"; do wait "$p" || fails=$((fails + 1)); done
is "8 concurrent 'upgrade +1' all exit 0" "$fails" 0
is "... and leave the database exactly 8 revisions up" "$(consistent 0)" "ok $K"
is "... each revision once" "$(psqlc "SELECT count(*), count(DISTINCT revision) FROM retort_history WHERE outcome = 'ok'")" "$K|$K"
# and 8 at once going down one step each
mark=$(hist_mark)
pids=()
for k in $(seq 1 $K); do R -q downgrade -1 >"$T/out.$k" 2>"$T/err.$k" & pids+=($!); done
fails=0
for p in "${pids[@]}"; do wait "$p" || fails=$((fails + 1)); done
is "8 concurrent 'downgrade -1' all exit 0" "$fails" 0
is "... and leave the database at base" "$(consistent "$mark")" "ok 0"
is "... each revision reverted once" "$(psqlc "SELECT count(*), count(DISTINCT revision) FROM retort_history WHERE outcome = 'ok' AND direction = 'downgrade'")" "$K|$K"
done_testing
