#!/usr/bin/env bash
# "?" opens the help overlay titled "Keys" listing every key with its action;
# Escape or q closes it (q there does not quit the console).
. "$RT_SRCDIR/tests/lib/tap.sh"
. "$RT_SRCDIR/tests/lib/pg.sh"
. "$RT_SRCDIR/tests/console/lib.sh"
setup_sample
console_start_sample
check "the console draws its panes" wait_until 15 drawn
unlike "no overlay before ?" "$(screen)" 'Keys'

keys '?'
check "? opens the overlay titled Keys" wait_for 'Keys' 5
s=$(pane Keys)
# the end of the list too (a 30-line screen holds about 25 actions)
keys G
check "G scrolls the overlay to its end" wait_for 'any other key closes this help' 5
s="$s
$(pane Keys)"
# has KEY ACTION-REGEX: a line with KEY standing alone, then the action.
has() {
	local k=$1 re=$2 kre
	kre=$(printf '%s' "$k" | sed 's/[]\/$*.^[?+(){}|]/\\&/g')
	like "the overlay lists $k: $re" "$s" "(^|[^[:alnum:]_-])$kre([^[:alnum:]_]|$).*($re)"
}
has u '[Uu]pgrade'
has d '[Dd]owngrade'
has D '[Dd]owngrade'
has s '[Ss]tamp'
has c '[Cc]ount'
has / '[Ss]earch'
has : '[Cc]ommand'
has e '[Ee]dit'
has E '[Ee]nv'
has q '[Qq]uit'
has '?' '[Hh]elp|[Kk]eys'
has Tab '[Pp]ane'

keys Escape
check "Escape closes the overlay" wait_gone 'Keys' 5
check "... and the panes are back" wait_until 5 drawn

keys '?'
check "? opens it again" wait_for 'Keys' 5
keys q
check "q closes the overlay" wait_gone 'Keys' 5
check "... without quitting" wait_until 5 drawn
check "... the console is still running" console_running

keys q
check "q then quits" wait_until 5 console_exited
is "... with status 0" "$(cat "$CON_RC" 2>/dev/null)" 0
done_testing
