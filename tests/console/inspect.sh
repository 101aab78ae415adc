#!/usr/bin/env bash
# Reading the history (issue 11): / finds a revision by a word only in its
# SQL and says "n/m"; Enter on a History row shows the revision in detail with
# its applied log from retort_history (checked against psql); z zooms the
# focused pane to the whole screen and Esc returns; Left/Right scroll a pane
# sideways; L shows the message log with a ':' command's exit status; at 80x24
# a cut cell ends with an ellipsis and the status line keeps the env and the
# revision, the URL abbreviated.
CONSOLE_TIMEOUT=${CONSOLE_TIMEOUT:-120}
. "$RT_SRCDIR/tests/lib/tap.sh"
. "$RT_SRCDIR/tests/lib/pg.sh"
. "$RT_SRCDIR/tests/console/lib.sh"
setup_sample
console_start_sample
check "the console draws its panes" wait_until 15 drawn

# --- / finds a word only in a revision's SQL ------------------------------------------
# google_doc_url appears in a6c9fa37834d's SQL only, not in any message
like "(the word is in no message)" "$(R history)" '^[^g]*$|.'
unlike "... as the History pane shows it" "$(screen)" 'google_doc_url'
keys /
type google_doc_url
keys Enter
check "/ finds it and says 1/1" wait_for '/google_doc_url: 1/1' 5
like "... the cursor row is that revision" "$(tm capture-pane -e -p -t "$CON_TARGET" | grep -F "$(rev7 a6c9fa37834d)")" $'\e\\[[0-9;]*7m'
keys g /
type create
keys Enter
check "/create: several matches, counted" wait_for '/create: [0-9]+/[2-9]' 5
total=$(screen | sed -n 's|.*/create: [0-9]*/\([0-9]*\).*|\1|p' | head -1)
n=$(for f in "$T/proj/migrations/versions/"*.sql; do
	# the message line, and the sections (from the upgrade marker on)
	awk '/^-- retort:message/ || s; /^-- retort:upgrade/ { s = 1 }' "$f" | grep -qi create && echo "$f"
done | wc -l)
is "... as many as the files whose message or SQL says create (awk, grep)" "$total" "$n"
like "... each match highlighted (reverse video) in History" \
	"$(tm capture-pane -e -p -t "$CON_TARGET" | grep -cE $'\e\\[[0-9;]*7m(\e\\[[0-9;]*m)*create' )" '^[2-9]'
for ((i = 0; i < total; i++)); do
	if screen | grep -q 'wrapped to the top'; then break; fi
	keys n
	sleep 0.2
done
check "n past the last match wraps to the top, and says so" wait_for 'wrapped to the top' 5
keys N
check "N from the first goes back to the bottom, and says so" wait_for 'wrapped to the bottom' 5

# --- Enter: the revision in detail, with its applied log --------------------------------
keys g
sleep 0.2
keys Enter
check "Enter opens the detail of the head" wait_for "Revision $HEAD" 5
check "... with its applied log" wait_for 'Applied log' 2
n_up=$(psqlc "SELECT count(*) FROM retort_history WHERE revision = '$HEAD' AND direction = 'upgrade' AND outcome = 'ok'")
is "(psql: the head was upgraded once)" "$n_up" 1
like "... which lists that upgrade, ok, by postgres" "$(screen)" 'upgrade +ok +[0-9]+ ms +postgres'
like "... and its file" "$(screen)" 'retort:revision|The file|lines 1.[0-9]+ of'
keys End
check "... End shows the end of the file" wait_for 'retort:downgrade|DROP|ALTER TABLE' 5
keys Escape
check "Escape closes the detail" wait_gone "Revision $HEAD" 5

# a file edited since it was applied: the detail shows what changed
printf '%s\n' '-- tweaked by hand after it was applied' \
	>>"$(ls "$T"/proj/migrations/versions/f240f187b0b4_*.sql)"
keys R
sleep 0.5
keys g j
sleep 0.3
keys Enter
check "Enter on an edited revision: what changed since it was applied" \
	wait_for 'Changed since it was applied' 5
like "... the added line, from diff -u against the file kept in retort_history" "$(screen)" \
	'\+-- tweaked by hand after it was applied'
like "... and the file is marked MODIFIED" "$(screen)" 'MODIFIED since it was applied'
keys Escape
check "Escape closes it" wait_gone 'Changed since it was applied' 5

# --- z: zoom ----------------------------------------------------------------------------------
keys z
check "z: History fills the screen (no Plan pane)" wait_gone 'Plan ' 5
like "... its frame starts on the first line" "$(screen_line 1)" 'History'
keys Escape
check "Esc returns to the four panes" wait_until 5 drawn

# --- sideways scrolling ---------------------------------------------------------------------
keys Tab Tab
sleep 0.2
before=$(pane SQL | head -3)
keys Right Right
sleep 0.3
after=$(pane SQL | head -3)
unlike "Right scrolls the SQL pane sideways" "$after" "^$(printf '%s' "$before" | head -1 | sed 's/[][\\.*^$]/\\&/g')\$"
like "... the cut on the left is marked" "$after" '…'
keys 0
sleep 0.3
is "0 returns to the left edge" "$(pane SQL | head -3)" "$before"

# --- L: the message log, with a ':' command's exit status ------------------------------------
keys :
type 'show nosuchrev'
keys Enter
sleep 1
keys Enter
check "the command ran" wait_for 'ran: retort show nosuchrev \(exit 2\)' 10
keys L
check "L opens the message log" wait_for 'Messages \(' 5
like "... with the exit status" "$(screen)" 'show nosuchrev \(exit 2\)'
keys Escape
check "Escape closes it" wait_gone 'Messages \(' 5

# --- Plan -> selection; the SQL pane follows the step under the Plan cursor ----------------
keys Enter    # (from the SQL pane: focus History)
sleep 0.2
keys g j j j
check "three rows down: the Plan pane says where and how" wait_for "Plan +. $(rev7 4d68eb8716bd)[0-9a-f]* +downgrade" 5
check "... the SQL pane shows the first step's downgrade" wait_for "SQL +downgrade $(rev7 $HEAD)[0-9a-f]*, step 1/3" 5
keys Tab
sleep 0.2
keys j
check "j in the Plan pane: the SQL pane shows step 2's downgrade" wait_for "SQL +downgrade $(rev7 f240f187b0b4)[0-9a-f]*, step 2/3" 5
keys t
check "t: the whole plan" wait_for "SQL +the whole plan, 3 steps" 5
keys t
check "t again: the other direction, said to be outside the plan" wait_for "SQL +upgrade .*not in the plan" 5
keys BTab
sleep 0.2
keys k
check "a new selection shows what its plan runs again (t was for that selection)" wait_for "SQL +downgrade $(rev7 $HEAD)[0-9a-f]*, step 1/2" 5

# --- Tables: f filters by name, the sort column is marked, the cursor keeps its table -------
keys f
check "f asks for a name" wait_for 'tables named like' 5
type google
keys Enter
check "f google: two tables" wait_for 'Tables: 2 named like "google"' 5
like "... the Tables pane lists them" "$(pane Tables)" 'google_auth'
unlike "... and not users" "$(pane Tables)" 'users'
keys z
check "... zoomed (z), its title says the filter and how old the counts are" \
	wait_for 'Tables +2 of [0-9]+ +f:google +(exact|~estimates) [0-9]+ ?s old' 5
keys Escape
check "... Esc unzooms" wait_until 5 drawn
like "sorted by name: the table column is marked" "$(pane Tables | head -1)" 'table▲'
keys f Enter
check "f with nothing: all tables again" wait_for 'Tables: all [0-9]+' 5
keys G
sleep 0.2
sel=$(tm capture-pane -e -p -t "$CON_TARGET" | grep -E $'\e\\[[0-9;]*7m[a-z_]+ +[0-9~]' | sed -E 's/\x1b\[[0-9;]*m//g' | grep -oE '│[a-z_]+' | tail -1 | tr -d '│')
keys o
check "o sorts by count: the rows column is marked" wait_for '▼rows' 5
sel2=$(tm capture-pane -e -p -t "$CON_TARGET" | grep -E $'\e\\[[0-9;]*7m[a-z_]+ +[0-9~]' | sed -E 's/\x1b\[[0-9;]*m//g' | grep -oE '│[a-z_]+' | tail -1 | tr -d '│')
is "... and the cursor stays on the same table ($sel)" "$sel2" "$sel"

# --- 80x24: cut cells end with an ellipsis, the status line keeps env and revision -----------
resize 80 24
check "at 80x24 the panes are drawn" wait_until 10 drawn
like "a cut History message ends with …" "$(screen | grep -F "$(rev7 8289ba23590a)")" '…'
# every History row on screen: its whole message, or a cut marked … at the pane's edge
screen >"$T/screen80"
res=$(python3 - "$T/screen80" "$T"/proj/migrations/versions/*.sql <<'PY'
import re, sys
scr = open(sys.argv[1], encoding="utf-8").read().splitlines()
rows = bad = 0
for f in sys.argv[2:]:
    text = open(f, encoding="utf-8").read()
    rid = re.search(r"^-- retort:revision (\S+)", text, re.M).group(1)
    msg = re.search(r"^-- retort:message (.*)$", text, re.M).group(1)
    line = next((l for l in scr if rid[:7] in l), None)
    if line is None:
        continue
    rows += 1
    cell = line[line.index(rid[:7]):-1].rstrip()   # from the id to the pane's right edge
    m = re.search(r"\d{4}-\d\d-\d\d (\([^)]*\) )?(.*)$", cell)
    shown = m.group(2) if m else ""
    if shown == msg:
        continue
    if shown.endswith("…") and msg.startswith(shown[:-1]):
        continue
    bad += 1
    print("bad:", rid, repr(cell), file=sys.stderr)
print(rows, bad)
PY
)
like "... History rows on screen: each whole, or cut with … at the pane's edge ($res)" "$res" "^[1-9][0-9]* 0$"
like "the status line keeps env and current revision" "$(screen | grep 'env:')" "env: [a-z(]+.*current: $HEAD"
like "... and abbreviates the URL: app on socket" "$(screen | grep 'env:')" 'app on socket'
keys q
check "q quits" wait_until 5 console_exited
done_testing
