#!/usr/bin/env bash
# SIGKILL of retort at random points of a 50-revision upgrade, 20 times: after
# each kill the version table names a revision whose schema is exactly what
# the catalog shows, retort_history has no ok entry for an unapplied
# revision, and a rerun completes to head.
. "$RT_SRCDIR/tests/lib/tap.sh"
. "$RT_SRCDIR/tests/lib/pg.sh"
. "$RT_SRCDIR/tests/lib/mig.sh"
. "$RT_SRCDIR/tests/fault/lib.sh"
pg_start
N=50 KILLS=${FAULT_KILLS:-20}
slow_chain "$P" $N 0.005

# one clean run measures how long the whole plan takes
t0=$(now_ms)
R -q upgrade head; rc=$?
D=$(( $(now_ms) - t0 ))
is "a clean run reaches head" "$rc|$(consistent 0)" "0|ok $N"
echo "# a full upgrade of $N revisions takes $D ms"
reset_db

RANDOM=${FAULT_SEED:-4242}
points=() killed=0 mid=0 bad=0 rerun_bad=0 lost=0
for round in $(seq 1 "$KILLS"); do
	mark=$(hist_mark)
	delay=$(( RANDOM % (D + 20) ))
	Rbg -q upgrade head >"$T/out" 2>"$T/err"
	pid=$!
	sleep_ms "$delay"
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null; rc=$?
	# 137: killed; 0: it finished first
	case $rc in 137) killed=$((killed + 1)) ;; 0) ;; *) echo "# round $round: retort exited $rc"; bad=$((bad + 1)) ;; esac
	c=$(consistent "$mark")
	k=${c#ok }
	points+=("$k")
	case $c in ok\ *) [ "$k" -gt 0 ] && [ "$k" -lt $N ] && mid=$((mid + 1)) ;;
		*) bad=$((bad + 1)); echo "# round $round (kill after $delay ms): $c" ;; esac
	# the rerun waits for the killed session's lock (if any) and finishes the plan
	R -q upgrade head >"$T/out" 2>"$T/err"; rc=$?
	c2=$(consistent "$mark")
	if [ "$rc|$c2" != "0|ok $N" ]; then
		rerun_bad=$((rerun_bad + 1))
		echo "# round $round: rerun exit $rc, $c2"; sed 's/^/#   /' "$T/err" | head -5
	fi
	# no revision recorded twice as ok in this round
	dup=$(psqlc "SELECT count(*) - count(DISTINCT revision) FROM retort_history WHERE id > $mark AND outcome = 'ok'")
	[ "$dup" = 0 ] || { lost=$((lost + 1)); echo "# round $round: $dup revisions recorded ok twice"; }
	reset_db
done
echo "# killed at revisions: ${points[*]}"
is "after each of $KILLS kills the version table matches the catalog and the history" "$bad" 0
is "after each kill a rerun completes to head" "$rerun_bad" 0
is "no revision is recorded as applied twice" "$lost" 0
check "retort itself was killed by SIGKILL ($killed of $KILLS)" test "$killed" -ge $((KILLS / 2))
check "most kills landed in the middle of the plan ($mid of $KILLS)" test "$mid" -ge $((KILLS / 2))
is "no session is left behind" "$(psqlc "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'retort'")" 0
done_testing
