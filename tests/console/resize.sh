#!/usr/bin/env bash
# Resizing re-lays the panes out: 100x30 -> 80x24 -> 200x60 -> 30x8 (too
# small) -> 100x30, with nothing left over from the previous layout.
. "$RT_SRCDIR/tests/lib/tap.sh"
. "$RT_SRCDIR/tests/lib/pg.sh"
. "$RT_SRCDIR/tests/console/lib.sh"
setup_sample
console_start_sample
check "the console draws its panes at 100x30" wait_until 15 drawn

# laid_out COLS ROWS: the screen is COLS x ROWS, each pane title shows
# exactly once, the status line is at the bottom, no line is wider than COLS.
laid_out() {
	local s t n
	s=$(screen)
	n=$(printf '%s\n' "$s" | wc -l)
	[ "$n" -eq "$2" ] || { echo "$n lines, want $2"; return 1; }
	[ "$(printf '%s\n' "$s" | wc -L)" -le "$1" ] || { echo "a line is wider than $1"; return 1; }
	# (SQL may also be in the SQL shown, so only once for the others)
	for t in History Plan Tables; do
		n=$(printf '%s\n' "$s" | grep -o -- "$t" | wc -l)
		[ "$n" -eq 1 ] || { echo "\"$t\" shows $n times"; return 1; }
	done
	printf '%s\n' "$s" | grep -q SQL || { echo "no SQL pane"; return 1; }
	printf '%s\n' "$s" | tail -2 | grep -q 'env:' || { echo "no status line at the bottom"; return 1; }
	printf '%s\n' "$s" | grep -q "$(rev7 $HEAD)" || { echo "no head revision"; return 1; }
}
check "100x30 layout" wait_until 5 laid_out 100 30

resize 80 24
check "80x24: re-laid out" wait_until 10 laid_out 80 24
check "80x24: the head's row still says current" wait_for "$(current_re $HEAD)" 5

resize 200 60
check "200x60: re-laid out" wait_until 10 laid_out 200 60
check "200x60: the panes reach the right edge" wait_until 5 eval '[ "$(width)" -ge 190 ]'
check "200x60: History is taller: the root revision shows without scrolling" wait_for "$(rev7 $ROOT)" 5
# The panes use the width: History's head row runs past column 100, or a
# pane title sits right of column 100.
wide() {
	local s line pre
	s=$(screen)
	line=$(printf '%s\n' "$s" | grep -m1 "$(rev7 $HEAD)")
	[ "${#line}" -gt 100 ] && return 0
	for t in History Plan SQL Tables; do
		line=$(printf '%s\n' "$s" | grep -m1 -- "$t")
		pre=${line%%"$t"*}
		[ "${#pre}" -gt 100 ] && return 0
	done
	echo "nothing right of column 100"
	return 1
}
check "200x60: the panes use the width" wide
all_tables() {
	local p tb
	p=$(pane Tables) || { echo "no Tables pane"; return 1; }
	for tb in users resumes resume_templates job_descriptions google_auth google_docs_exports; do
		printf '%s\n' "$p" | grep -Eq "(^|[^[:alnum:]_.])$tb([^[:alnum:]_.]|\$)" || { echo "no $tb"; return 1; }
	done
}
check "200x60: the Tables pane lists all the sample's tables" all_tables

resize 30 8
check "30x8: says the terminal is too small" wait_for '[Tt]oo small' 10
unlike "30x8: no line wider than 30" "$(width)" '^([4-9][0-9]|3[1-9]|[0-9]{3,})$'
check "30x8: the console is still running" console_running

resize 100 30
check "back to 100x30: re-laid out" wait_until 10 laid_out 100 30
unlike "back to 100x30: \"too small\" is gone" "$(screen)" '[Tt]oo small'

keys q
check "q quits after all that" wait_until 5 console_exited
is "... with status 0" "$(cat "$CON_RC" 2>/dev/null)" 0
is "the database is untouched" "$(version)" "$HEAD"
done_testing
