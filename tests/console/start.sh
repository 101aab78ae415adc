#!/usr/bin/env bash
# The console's first screen on the sample project at head: the four panes,
# the revisions, the tables, the status line and the current marker; q quits;
# --exit-after-draw draws once and exits.
. "$RT_SRCDIR/tests/lib/tap.sh"
. "$RT_SRCDIR/tests/lib/pg.sh"
. "$RT_SRCDIR/tests/console/lib.sh"
setup_sample
console_start_sample

check "the console draws its panes" wait_until 15 drawn
for t in History Plan SQL Tables; do
	check "the $t pane has a title" wait_for "$t" 1
done
check "History shows the head revision" wait_for "$(rev7 $HEAD)" 1
check "History shows the revision below the head" wait_for "$(rev7 f240f187b0b4)" 1
check "the head's row says current" wait_for "$(current_re $HEAD)" 1
unlike "no other row says current" "$(pane History | grep -v "$(rev7 $HEAD)")" "$CURRENT_LABEL"

check "the status line names the env" wait_for 'env:' 1
like "the status line is at the bottom" "$(screen | tail -2)" 'env:'
check "the Tables pane lists tables at once" in_pane Tables "$(word_re alembic_version) +[0-9]"
# Tab, Tab, Tab: History -> Plan -> SQL -> Tables; End: its last rows.
keys Tab Tab Tab End
for tb in users resumes resume_templates; do
	check "the Tables pane lists $tb, with a row count" wait_until 5 in_pane Tables "$(word_re $tb) +~?[0-9]"
done
unlike "nothing says error" "$(screen)" '[Ee]rror|[Ff]ailed|cannot'

# The oldest revision is reachable at the end of History.
keys BTab BTab BTab End
check "End shows the root revision" wait_for "$(rev7 $ROOT)" 5

keys q
check "q quits" wait_until 5 console_exited
is "... with status 0" "$(cat "$CON_RC" 2>/dev/null)" 0
is "the database is untouched" "$(version)" "$HEAD"

# The smoke-test switch: one full screen, then exit 0.
tm kill-server
console_start_sample --exit-after-draw
check "ui --exit-after-draw exits by itself" wait_until 15 console_exited
is "... with status 0" "$(cat "$CON_RC" 2>/dev/null)" 0
done_testing
