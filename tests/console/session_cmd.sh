#!/usr/bin/env bash
# The ":" command line acts on the session the console shows. retort.conf's
# default env is database A; the console is opened with --url B (with a
# password). A command run as a child retort (:resolve --mark-applied,
# :current) and one run in the console (:upgrade +1) read and change B and
# leave A alone; after :env a they follow the env switched to. The password
# is never in the child's command line (ps) nor on the screen.
CONSOLE_TIMEOUT=${CONSOLE_TIMEOUT:-90}
. "$RT_SRCDIR/tests/lib/tap.sh"
. "$RT_SRCDIR/tests/lib/pg.sh"
. "$RT_SRCDIR/tests/lib/mig.sh"
. "$RT_SRCDIR/tests/console/lib.sh"
pg_start
"$PG_BINDIR/psql" -qX -d postgres -c "CREATE DATABASE appb" >/dev/null
P="$T/proj/migrations"
mig "$P" m1 none "t1" "CREATE TABLE t1 (id int);" "DROP TABLE t1;"
mig "$P" m2 m1 "t2 then a failure" "CREATE TABLE t2 (id int);
SELECT 1/0;" "DROP TABLE IF EXISTS t2;" "-- retort:transaction off"
mig "$P" m3 m2 "t3" "CREATE TABLE t3 (id int);" "DROP TABLE t3;"
PW="S3ssionPw$$"   # unique per run: another suite running at once must not match
AURL="postgresql://postgres@/app?host=$PGSOCK"
BURL="postgresql://postgres:$PW@/appb?host=$PGSOCK"
printf '[retort]\nlock_timeout = 20\n\n[env a]\nurl = %s\ndefault = true\n' "$AURL" >"$P/retort.conf"

# A: m1 applied (through the default env). B: m1, then m2 interrupted
# after its first statement, so that only B has something to resolve.
rt -d "$P" -q upgrade m1 || bail "upgrade of A failed"
rt -d "$P" --url "$BURL" -q upgrade m1 || bail "upgrade of B failed"
rt -d "$P" --url "$BURL" -q upgrade m2 >/dev/null 2>&1
ver() {
	psqlc -d "$1" "SELECT coalesce((SELECT string_agg(version_num, ' ') FROM alembic_version), 'none')"
}
ver_is() { local v; v=$(ver "$1"); [ "$v" = "$2" ] || { echo "$1 at $v, want $2"; return 1; }; }
[ "$(ver app)|$(ver appb)" = "m1|m1" ] || bail "A and B are not both at m1"
[ "$(psqlc -d appb "SELECT outcome FROM retort_history WHERE revision = 'm2'")" = dirty ] \
	|| bail "m2 is not dirty in B"
no_password() { ! screen | grep -qF -- "$PW" || { echo "the password is on the screen"; return 1; }; }

# The migration lock, as tests/console/lockwait.sh takes it.
lock_key() {
	local s=$1 h=2166136261 i c
	for ((i = 0; i < ${#s}; i++)); do
		printf -v c '%d' "'${s:i:1}"
		h=$(( ((h ^ c) * 16777619) & 0xffffffff ))
	done
	echo $(( h & 0x7fffffff ))
}
KEY=$(lock_key alembic_version)
held_in_b() {
	[ "$(psqlc -d appb "SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database
	     WHERE d.datname = 'appb' AND l.locktype = 'advisory' AND l.granted
	       AND l.classid = 1919251572 AND l.objid = $KEY")" = 1 ]
}
child_pid() {
	# this test's child only: other tests may run a retort resolve at the same time
	ps -eo pid=,args= | grep -F -- "-d $P " | grep -F -- 'resolve --mark-applied' | grep -vF grep |
		awk '{ print $1; exit }'
}
child_running() { [ -n "$(child_pid)" ]; }

console_start -d "$P" --url "$BURL" ui
check "the console draws its panes" wait_until 15 drawn
check "the status line shows B's URL masked" wait_for 'appb' 5
check "... and not the password" no_password

# A child retort: hold B's migration lock so that the child waits, alive,
# while its command line is read.
"$PG_BINDIR/psql" -qX -d appb -c "SELECT pg_advisory_lock(1919251572, $KEY); SELECT pg_sleep(3);" \
	>/dev/null 2>&1 &
holder=$!
check "another session holds B's migration lock" wait_until 10 held_in_b
keys :
check ": opens the command line" wait_for '^ *:' 5
type "resolve --mark-applied"
keys Enter
check "the child retort runs" wait_until 10 child_running
pid=$(child_pid)
cmdline=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)
like "its command line has the directory and the command" "$cmdline" "-d $P .*resolve --mark-applied"
unlike "... no --url" "$cmdline" "--url"
unlike "... and not the password" "$cmdline" "$PW"
unlike "the password is nowhere in the process list" "$(ps -eo args)" "$PW"
check "the child waits for B's lock (it acts on B)" \
	wait_until 10 grep -q 'waiting for the migration lock' "$T/console.err"
check "then it resolves" wait_for 'marked applied' 15
wait "$holder"
check "B is at m2" ver_is appb m2
is "... m2 is no longer dirty in B" \
	"$(psqlc -d appb "SELECT string_agg(outcome, ' ' ORDER BY id) FROM retort_history WHERE revision = 'm2'")" ok
check "A is still at m1" ver_is app m1
is "... with no m2 entry in A" \
	"$(psqlc -d app "SELECT count(*) FROM retort_history WHERE revision = 'm2'")" 0
check "the password is not on the screen" no_password
keys Enter
check "a key returns to the console" wait_for 'ran: retort resolve --mark-applied' 10

# A listing in a child retort reads B too.
keys :
check ": opens the command line again" wait_for '^ *:' 5
type "current"
keys Enter
check ":current prints B's revision" wait_for '^m2( |$)' 10
unlike "... not A's" "$(screen)" '^m1( |$)'
keys Enter
check "back in the console" wait_for 'ran: retort current' 10

# An action of the console itself (in the same session) changes B as well.
keys :
type "upgrade +1"
keys Enter
check ":upgrade +1 asks for confirmation" wait_for "$CONFIRM_RE" 10
answer y
check ":upgrade +1 moves B to m3" wait_until 15 ver_is appb m3
check "... and leaves A at m1" ver_is app m1

# After switching env, ":" commands follow the env now in use (A), not --url.
keys :
type "env a"
keys Enter
check ":env a switches" wait_for 'env a' 10
keys :
type "current"
keys Enter
check ":current after :env a prints A's revision" wait_for '^m1( |$)' 10
keys Enter
check "back in the console" wait_for 'ran: retort current' 10

# A --url typed on the line reaches the child out of its argv, shown masked.
keys :
type "current --url $BURL"
keys Enter
check ":current --url B prints B's revision" wait_for '^m3( |$)' 10
keys Enter
check "the message shows the typed URL masked" \
	wait_for 'ran: retort current --url postgresql://postgres:\*\*\*\*@' 10
check "... and the password is not on the screen" no_password

keys q
check "q quits" wait_until 5 console_exited
is "A ends at m1" "$(ver app)" m1
is "B ends at m3" "$(ver appb)" m3
# the console's stderr is also its children's
unlike "no sanitizer report from the console or its children" "$(cat "$T/console.err")" \
	'ERROR: (Address|Leak)Sanitizer|runtime error:'
done_testing
