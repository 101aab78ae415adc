#!/usr/bin/env bash
# S seeds from the console: the confirmation lists each file, its table and
# rows; y loads them (the Tables pane and psql then agree on the counts); a
# bad file is refused before anything is sent, with its file and line on
# the message line, and every table stays as it was; n declines.
CONSOLE_TIMEOUT=${CONSOLE_TIMEOUT:-90}
. "$RT_SRCDIR/tests/lib/tap.sh"
. "$RT_SRCDIR/tests/lib/pg.sh"
. "$RT_SRCDIR/tests/console/lib.sh"
setup_sample
S="$T/proj/migrations/seeds"
nrows() { psqlc "SELECT (SELECT count(*) FROM users) || ' ' || (SELECT count(*) FROM resumes)"; }
want_users=$(($(python3 -c 'import csv,sys; print(sum(1 for _ in csv.reader(open(sys.argv[1]))))' "$S/users.csv") - 1))
want_resumes=$(($(python3 -c 'import csv,sys; print(sum(1 for _ in csv.reader(open(sys.argv[1]))))' "$S/resumes.csv") - 1))

console_start_sample
check "the console draws its panes" wait_until 15 drawn

# --- a bad file first: refused at once, nothing loaded -------------------------------
cp "$S/users.csv" "$T/users.csv.good"
printf '99,"unterminated,x@example.com\n' >>"$S/users.csv"
bad_line=$(wc -l <"$S/users.csv")
keys S
check "a bad file is refused with its file and line" wait_for "users.csv:$bad_line: " 10
unlike "... no confirmation was opened" "$(screen)" "$CONFIRM_RE"
is "... nothing loaded" "$(nrows)" "0 0"
cp "$T/users.csv.good" "$S/users.csv"

# --- n declines ------------------------------------------------------------------------
keys S
check "S asks, listing the files" wait_for 'Load [0-9]+ files into app\? \[y/N\]' 10
like "... with each table and its rows" "$(screen)" "users\\.csv +public\\.users +$want_users"
unlike "... into empty tables: no warning" "$(screen)" "already hold"
answer n
check "n: nothing seeded" wait_for 'not seeded' 5
is "... psql agrees" "$(nrows)" "0 0"

# --- y loads ----------------------------------------------------------------------------
keys S
check "S asks again" wait_for 'Load [0-9]+ files' 10
answer y
check "y seeds, and says how many rows" wait_for 'seeded [0-9]+ rows into [0-9]+ tables' 30
is "psql: the users and resumes of the files" "$(nrows)" "$want_users $want_resumes"
keys f
type users
keys Enter
check "the Tables pane counts the users too" wait_until 10 in_pane Tables "^users +$want_users "
keys L
check "the message log keeps the seed" wait_for 'seeded [0-9]+ rows' 5
keys Escape
check "Escape closes the log" wait_gone 'Messages \(' 5
# --- seeding again: the tables hold rows now, and the dialog says so ---------------------
keys S
check "S on seeded tables asks" wait_for 'Load [0-9]+ files' 10
like "... marking the tables that hold rows" "$(screen)" "users\\.csv +public\\.users +$want_users \\*"
like "... and saying what that means" "$(screen)" "\\* 6 tables already hold rows: the seed adds to them"
answer n
check "... n: not seeded" wait_for 'not seeded' 5
keys q
check "q quits" wait_until 5 console_exited
is "... with status 0" "$(cat "$CON_RC" 2>/dev/null)" 0
done_testing
