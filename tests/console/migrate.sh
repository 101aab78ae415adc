#!/usr/bin/env bash
# :migrate MSG from the console: the engine's migrate job in the background
# with its phase on the message line (Esc cancels it: no file, no shadow
# left); then the new revision selected in History and its upgrade in the
# SQL pane with its lint findings under it; a second :migrate says "no
# changes detected".
CONSOLE_TIMEOUT=${CONSOLE_TIMEOUT:-150}
. "$RT_SRCDIR/tests/lib/tap.sh"
. "$RT_SRCDIR/tests/lib/pg.sh"
. "$RT_SRCDIR/tests/console/lib.sh"
setup_sample
P="$T/proj/migrations"
V="$P/versions"
nfiles() { ls "$V" | wc -l; }
shadows() { psqlc -d postgres "SELECT count(*) FROM pg_database WHERE datname LIKE 'retort_shadow_%'"; }
n0=$(nfiles)
cp "$P/schema.sql" "$T/schema.orig"

console_start_sample
check "the console draws its panes" wait_until 15 drawn

# a declared schema that loads slowly: the phase shows, Esc cancels
printf '\nSELECT pg_sleep(5);\n' >>"$P/schema.sql"
keys :
check ": opens the command line" wait_for '^ *:' 5
type "migrate slow"
keys Enter
check "the phase is on the message line" wait_for 'migrate: loading the declared schema in a shadow database' 30
keys Escape
check "Esc cancels it" wait_for 'migrate cancelled: no revision written' 10
is "... no file written" "$(nfiles)" "$n0"
check "... no shadow database left" wait_until 10 test "$(shadows)" = 0

# a new column: generated, selected, shown for review
cp "$T/schema.orig" "$P/schema.sql"
printf '\nALTER TABLE users ADD COLUMN x integer NOT NULL;\n' >>"$P/schema.sql"
keys :
check ": opens the command line again" wait_for '^ *:' 5
type "migrate add x"
keys Enter
check ":migrate add x generates a revision" wait_for 'migrate: generated .*add_x\.sql' 60
is "... one file written" "$(nfiles)" "$((n0 + 1))"
f=$(ls "$V" | grep '_add_x\.sql$')
id=${f%%_add_x.sql}
check "History shows the new revision" wait_until 5 in_pane History "${id:0:7}.*add x"
check "... the SQL pane shows its upgrade" wait_until 5 in_pane SQL "ADD COLUMN x integer"
keys z
check "z: the SQL fills the screen" wait_for "zoomed: SQL fills the screen" 5
like "... its three steps: add, backfill, SET NOT NULL" "$(screen)" "ALTER COLUMN x SET NOT NULL"
like "... with the lint findings under it" "$(screen)" "todo-placeholder"
keys Escape
check "Escape leaves the zoom" wait_until 5 drawn
is "no shadow database left" "$(shadows)" 0

# nothing changed since: no changes detected
keys :
check ": opens the command line a third time" wait_for '^ *:' 5
type "migrate again"
keys Enter
check ":migrate again: no changes detected" wait_for 'no changes detected' 60
is "... no file written" "$(nfiles)" "$((n0 + 1))"

# a declared schema that does not load: file:line on the message line
printf 'CREATE TABLE broken (id int REFERENCES nowhere (id));\n' >>"$P/schema.sql"
line=$(wc -l <"$P/schema.sql")
keys :
check ": opens the command line a fourth time" wait_for '^ *:' 5
type "migrate broken"
keys Enter
check "an error in schema.sql: file:line" wait_for "migrate failed: .*schema\.sql:$line:" 60
is "... no file written" "$(nfiles)" "$((n0 + 1))"

keys :
check ": opens the command line once more" wait_for '^ *:' 5
type "migrate"
keys Enter
check ":migrate without a message: usage" wait_for 'usage: :migrate MESSAGE' 5

keys q
check "q quits" wait_until 5 console_exited
is "... with status 0" "$(cat "$CON_RC" 2>/dev/null)" 0
done_testing
