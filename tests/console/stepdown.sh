#!/usr/bin/env bash
# The rollback stepper: d + y three times steps the database down three
# revisions, one at a time, and History follows; u + y goes back to head.
. "$RT_SRCDIR/tests/lib/tap.sh"
. "$RT_SRCDIR/tests/lib/pg.sh"
. "$RT_SRCDIR/tests/console/lib.sh"
setup_sample
console_start_sample
check "the console draws its panes" wait_until 15 drawn

for want in f240f187b0b4 2733b3fe03af 4d68eb8716bd; do
	keys d
	check "d asks before stepping down to $want" wait_for "$CONFIRM_RE" 10
	answer y
	check "... and says it downgraded to $want" wait_for "[Dd]owngraded to $(rev7 $want)" 30
	check "alembic_version holds $want" wait_until 5 version_is "$want"
done
is "retort current: three below head" "$(R current | cut -d' ' -f1)" 4d68eb8716bd
is "users.display_name is username again (f240f187b0b4 undone)" \
	"$(psqlc "SELECT string_agg(column_name, ',' ORDER BY column_name) FROM information_schema.columns WHERE table_name = 'users' AND column_name IN ('username', 'display_name', 'full_name')")" \
	username
check "History: the row of 4d68eb8716bd says current" wait_for "$(current_re 4d68eb8716bd)" 5
unlike "History: the head's row no longer says current" "$(pane History | grep "$(rev7 $HEAD)")" "$CURRENT_LABEL"
unlike "History: no row above says current" "$(pane History | grep -E "$(rev7 f240f187b0b4)|$(rev7 2733b3fe03af)")" "$CURRENT_LABEL"
pending3() { local r; for r in 2733b3fe03af f240f187b0b4 $HEAD; do in_pane Plan "$(rev7 $r)" || return 1; done; }
check "Plan: the three revisions back to head" pending3
like "the status line counts 3 pending to head" "$(screen | tail -2)" 'pending to head: 3([^0-9]|$)'
like "the status line shows the new current revision" "$(screen | tail -2)" "$(rev7 4d68eb8716bd)"

# Back up: the selection goes to the top of History (the head) first.
keys Home
keys u
check "u asks before upgrading" wait_for "$CONFIRM_RE" 10
answer y
check "... and says it upgraded to the head" wait_for "[Uu]pgraded to $(rev7 $HEAD)" 30
check "alembic_version holds the head again" wait_until 5 version_is "$HEAD"
is "retort current: head" "$(R current)" "$HEAD (head)"
check "History: the head's row says current" wait_for "$(current_re $HEAD)" 5
unlike "History: 4d68eb8716bd no longer says current" "$(pane History | grep "$(rev7 4d68eb8716bd)")" "$CURRENT_LABEL"
is "one ok downgrade per step in retort_history" \
	"$(psqlc "SELECT count(*) FROM retort_history WHERE direction = 'downgrade' AND outcome = 'ok'")" 3
done_testing
