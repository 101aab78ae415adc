#!/usr/bin/env bash
# The ":" command line: tab completion of command names and revision ids,
# ":stamp REV" with its confirmation, ":stamp head", history kept in a file.
. "$RT_SRCDIR/tests/lib/tap.sh"
. "$RT_SRCDIR/tests/lib/pg.sh"
. "$RT_SRCDIR/tests/console/lib.sh"
setup_sample
console_start_sample
check "the console draws its panes" wait_until 15 drawn
REV=2733b3fe03af
# confirm: answers y when the console asks (a stamp changes the database).
confirm() {
	check "$1 asks for confirmation" wait_for "$CONFIRM_RE" 10
	answer y
}

keys :
check ": opens the command line" wait_for '^ *:' 5
type s
check "... it echoes what is typed" wait_for ':s' 5
# "s" starts stamp, show, sandbox...: Tab Tab lists them, more letters complete.
unlike "no \"stamp\" on the screen yet" "$(screen)" 'stamp'
keys Tab Tab
check "Tab Tab lists the commands :s may start" wait_for 'stamp.*show|show.*stamp' 5
type ta
keys Tab
check "Tab completes :sta to :stamp" wait_for ':stamp' 5
type " 2733"
keys Tab
if ! check "Tab completes a revision id prefix" wait_for ":stamp +$REV" 5; then
	keys C-u
	type "stamp $REV"
fi
check "the line reads :stamp $REV" wait_for ":stamp +$REV" 5
keys Enter
confirm ":stamp $REV"
check ":stamp $REV stamps the database" wait_until 15 version_is "$REV"
is "retort current after :stamp" "$(R current | cut -d' ' -f1)" "$REV"
check "History: the row of $REV says current" wait_for "$(current_re $REV)" 10
is "stamp ran no SQL: users.display_name still there" \
	"$(psqlc "SELECT count(*) FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'display_name'")" 1

keys :
check ": opens the command line again" wait_for '^ *:' 5
type "stamp head"
check "the line reads :stamp head" wait_for ':stamp head' 5
keys Enter
confirm ":stamp head"
check ":stamp head stamps the head" wait_until 15 version_is "$HEAD"
check "History: the head's row says current" wait_for "$(current_re $HEAD)" 10
is "two stamps in retort_history" "$(psqlc "SELECT count(*) FROM retort_history WHERE direction = 'stamp'")" 2

# History: Up recalls the last command; Escape leaves the line untouched.
keys :
check ": opens the command line once more" wait_for '^ *:' 5
keys Up
check "Up recalls :stamp head" wait_for ':stamp head' 5
keys C-u Escape
check "Escape closes the command line" wait_gone '^ *:' 5
is "nothing ran" "$(version)" "$HEAD"

keys q
check "q quits" wait_until 5 console_exited
check "the command history is kept in a file under HOME or XDG_*" \
	grep -rl 'stamp head' "$T/home" "$T/xdg"
done_testing
