#!/usr/bin/env bash
# Cancelling a running plan from the console: three slow revisions, upgrade,
# Ctrl-C while the second runs: the screen says cancelled, the database is
# at the first revision with the second's table absent (the CLI's result
# after Ctrl-C), and the console still answers keys. The same with Esc.
CONSOLE_TIMEOUT=${CONSOLE_TIMEOUT:-90}
. "$RT_SRCDIR/tests/lib/tap.sh"
. "$RT_SRCDIR/tests/lib/pg.sh"
. "$RT_SRCDIR/tests/lib/mig.sh"
. "$RT_SRCDIR/tests/console/lib.sh"
pg_start
P="$T/proj/migrations"
prev=none
for i in 1 2 3; do
	mig "$P" "c$i" "$prev" "slow $i" "SELECT pg_sleep(3);
CREATE TABLE t$i (id int);" "DROP TABLE t$i;"
	prev=c$i
done
has_table() { [ "$(psqlc "SELECT to_regclass('public.$1') IS NOT NULL")" = t ]; }

console_start -d "$P" --url "$PGURL" ui
check "the console draws its panes" wait_until 15 drawn

# run_and_cancel KEY...: u, y, then KEY while c2 runs.
run_and_cancel() {
	keys Home u
	check "u asks for confirmation ($*)" wait_for "$CONFIRM_RE" 10
	answer y
	check "the running dialog lists the revisions ($*)" wait_for 'c3 +pending' 10
	check "... says how to cancel" wait_for 'Esc or Ctrl-C cancels' 1
	if [ "$(version 2>/dev/null)" != c1 ]; then
		check "... c1 runs, then is ok" wait_for 'c1 +ok' 10
	fi
	check "... c2 runs" wait_for 'c2 +running' 10
	keys "$@"
	check "$* cancels: the screen says so" wait_for 'cancelled; database at c1' 10
	like "... c2 is marked cancelled" "$(screen)" 'c2 +cancelled'
	unlike "... c3 never ran" "$(screen)" 'c3 +(ok|running)'
	check "alembic_version holds c1" wait_until 5 version_is c1
	check "t1 exists" has_table t1
	check "t2 does not" eval '! has_table t2'
	check "t3 does not" eval '! has_table t3'
	is "retort_history: no ok upgrade of c2" \
		"$(psqlc "SELECT count(*) FROM retort_history WHERE revision = 'c2' AND outcome = 'ok'")" 0
	keys '?'
	check "after $*, the console still answers: ? opens help" wait_for 'Keys' 5
	keys Escape
	check "... and Escape closes it" wait_gone 'Keys' 5
	check "... the panes are back" wait_until 5 drawn
}

run_and_cancel C-c
run_and_cancel Escape
is "the CLI agrees: current is c1" "$(rt -d "$P" --url "$PGURL" current | cut -d' ' -f1)" c1

# And without cancelling, the plan runs to the end.
keys Home u
check "u asks once more" wait_for "$CONFIRM_RE" 10
answer y
check "upgraded to c3" wait_for '[Uu]pgraded to c3' 30
check "alembic_version holds c3" wait_until 5 version_is c3
check "t3 exists" has_table t3
keys q
check "q quits" wait_until 5 console_exited
is "... with status 0" "$(cat "$CON_RC" 2>/dev/null)" 0
done_testing
