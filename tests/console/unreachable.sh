#!/usr/bin/env bash
# A database that cannot be reached: the console says so in the panes and on
# the message line, never shows the password, and the files can be browsed.
. "$RT_SRCDIR/tests/lib/tap.sh"
. "$RT_SRCDIR/tests/lib/pg.sh"
. "$RT_SRCDIR/tests/console/lib.sh"
copy_sample
console_start -d "$T/proj/migrations" --url "postgresql://u:Unr3achablePw@/nosuch?host=$T/nosocket" ui

check "the console draws its panes" wait_until 15 drawn
check "the status line says not connected" wait_for 'not connected' 1
check "the Tables pane says the database is not reachable" in_pane Tables 'not reachable'
unlike "the password is never shown" "$(screen)" 'Unr3achablePw'
like "the URL is shown masked" "$(screen)" 'u:\*\*\*\*@'
check "History still lists the revisions" wait_for "$(rev7 $HEAD)" 1
keys End
check "... and can be browsed to the root" wait_for "$(rev7 $ROOT)" 5
keys d
check "an action says it needs the database" wait_for 'not connected|not reachable|cannot connect' 5
check "the console is still running" console_running
keys q
check "q quits" wait_until 5 console_exited
done_testing
