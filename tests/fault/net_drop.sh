#!/usr/bin/env bash
# The connection dropped in the middle of a plan (pg_terminate_backend of
# retort's session), 10 times: the version table matches the catalog and
# the history, a rerun completes to head, and retort says the session ended.
. "$RT_SRCDIR/tests/lib/tap.sh"
. "$RT_SRCDIR/tests/lib/pg.sh"
. "$RT_SRCDIR/tests/lib/mig.sh"
. "$RT_SRCDIR/tests/fault/lib.sh"
pg_start
N=50 CRASHES=${FAULT_DROPS:-10}
slow_chain "$P" $N 0.01

# drop: terminates retort's session (retort and its exact-count helper name themselves 'retort...')
drop() {
	psqlc "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = 'retort'" >/dev/null
}

t0=$(now_ms)
R -q upgrade head; rc=$?
D=$(( $(now_ms) - t0 ))
is "a clean run reaches head" "$rc|$(consistent 0)" "0|ok $N"
echo "# a full upgrade of $N revisions takes $D ms"
reset_db

RANDOM=${FAULT_SEED:-777}
points=() mid=0 bad=0 rerun_bad=0 rcs=() msgs_bad=0
for round in $(seq 1 "$CRASHES"); do
	mark=$(hist_mark)
	delay=$(( D / 5 + RANDOM % (D * 3 / 5) ))
	Rbg -q upgrade head >"$T/out" 2>"$T/err.$round"
	pid=$!
	sleep_ms "$delay"
	drop
	wait "$pid"; rc=$?
	rcs+=("$rc")
	c=$(consistent "$mark")
	k=${c#ok }
	points+=("$k")
	case $c in ok\ *) [ "$k" -gt 0 ] && [ "$k" -lt $N ] && mid=$((mid + 1)) ;;
		*) bad=$((bad + 1)); echo "# round $round: $c" ;; esac
	if [ "$rc" != 0 ]; then
		echo "# round $round: retort exited $rc at r$k: $(head -1 "$T/err.$round")"
		# the first line says what happened. (It should also say that rerunning
		# is safe, as it does when the server crashes; a FATAL that arrives as a
		# statement's result is reported as that statement's error instead:
		# see tests/fault/gaps.sh.)
		head -1 "$T/err.$round" | grep -qE '^retort: (lost the connection to the server; the database is at the last completed revision and rerunning is safe|.*: FATAL: terminating connection due to administrator command)$' ||
			{ msgs_bad=$((msgs_bad + 1)); sed 's/^/#   /' "$T/err.$round"; }
	fi
	R -q upgrade head >"$T/out" 2>"$T/err"; rc=$?
	c2=$(consistent "$mark")
	if [ "$rc|$c2" != "0|ok $N" ]; then
		rerun_bad=$((rerun_bad + 1)); echo "# round $round: rerun exit $rc, $c2"
		sed 's/^/#   /' "$T/err" | head -5
	fi
	reset_db
done
echo "# connection dropped at revisions: ${points[*]}; retort exit codes: ${rcs[*]}"
is "after each of $CRASHES dropped connections the version table matches the catalog and the history" "$bad" 0
is "after each drop a rerun completes to head" "$rerun_bad" 0
check "the drops landed in the middle of the plan ($mid of $CRASHES)" test "$mid" -ge $((CRASHES / 2))
is "retort exits 1 when its connection is dropped" "$(printf '%s\n' "${rcs[@]}" | grep -vcx 1)" 0
is "... and says the connection was lost or terminated" "$msgs_bad" 0
done_testing
