#!/usr/bin/env bash
# The server stopped with pg_ctl stop -m immediate in the middle of a plan and
# started again: the version table matches the catalog and the history, a
# rerun completes to head, and retort says it lost the server.
. "$RT_SRCDIR/tests/lib/tap.sh"
. "$RT_SRCDIR/tests/lib/pg.sh"
. "$RT_SRCDIR/tests/lib/mig.sh"
. "$RT_SRCDIR/tests/fault/lib.sh"
pg_start
N=50 CRASHES=${FAULT_CRASHES:-6}
slow_chain "$P" $N 0.01

# pg_crash: an immediate stop (no shutdown checkpoint: crash recovery at start)
pg_crash() { as_pg "$PG_BINDIR/pg_ctl" -D "$PGDATA_T" -m immediate -w stop >/dev/null 2>&1; }
# pg_restart: the server again, with pg_start's options
pg_restart() {
	as_pg "$PG_BINDIR/pg_ctl" -D "$PGDATA_T" -l "$T/server.log" -w -t 60 \
		-o "-k $PGSOCK -c listen_addresses= -c fsync=off -c max_connections=60" start \
		>/dev/null 2>&1 || { tail -20 "$T/server.log"; bail "server did not restart"; }
	PGPID=$(head -1 "$PGDATA_T/postmaster.pid")
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
	pg_crash
	wait "$pid"; rc=$?
	rcs+=("$rc")
	pg_restart
	c=$(consistent "$mark")
	k=${c#ok }
	points+=("$k")
	case $c in ok\ *) [ "$k" -gt 0 ] && [ "$k" -lt $N ] && mid=$((mid + 1)) ;;
		*) bad=$((bad + 1)); echo "# round $round: $c" ;; esac
	if [ "$rc" != 0 ]; then
		echo "# round $round: retort exited $rc at r$k: $(head -1 "$T/err.$round")"
		# the first line says what happened and that rerunning is safe
		grep -qx 'retort: lost the connection to the server; the database is at the last completed revision and rerunning is safe' "$T/err.$round" ||
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
echo "# server crashed at revisions: ${points[*]}; retort exit codes: ${rcs[*]}"
is "after each of $CRASHES crashes the version table matches the catalog and the history" "$bad" 0
is "after each crash a rerun completes to head" "$rerun_bad" 0
check "the crashes landed in the middle of the plan ($mid of $CRASHES)" test "$mid" -ge $((CRASHES / 2))
is "retort exits 1 when the server goes away" "$(printf '%s\n' "${rcs[@]}" | grep -vcx 1)" 0
is "... and says it lost the server and that rerunning is safe" "$msgs_bad" 0
done_testing
