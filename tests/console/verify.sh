#!/usr/bin/env bash
# v and V from the console: verify runs as a job and says clean on a clean
# database; after a manual ALTER TABLE via psql, v names the column in the
# SQL pane's findings view (not a dialog; Esc returns to the SQL); V (check) on the sample says ok; a revision whose
# downgrade forgets a table is marked R in History after V; R pressed while
# V runs waits for it.
CONSOLE_TIMEOUT=${CONSOLE_TIMEOUT:-150}
. "$RT_SRCDIR/tests/lib/tap.sh"
. "$RT_SRCDIR/tests/lib/pg.sh"
. "$RT_SRCDIR/tests/console/lib.sh"
setup_sample
shadows() { psqlc -d postgres "SELECT count(*) FROM pg_database WHERE datname LIKE 'retort_shadow_%'"; }

console_start_sample
check "the console draws its panes" wait_until 15 drawn

keys v
check "v on a clean database: verify clean" wait_for 'verify clean: the live database matches its migrations and the declared schema' 30
is "no shadow database left" "$(shadows)" 0

psqlc "ALTER TABLE users ADD COLUMN x int" >/dev/null
keys v
check "after a manual ALTER TABLE, v reports findings" wait_for 'verify: [0-9]+ findings?' 30
like "... the SQL pane's title says verify" "$(screen)" "SQL +verify: [0-9]+ findings?  \(Esc: back to the SQL\)"
check "... and the SQL pane names the column" wait_until 5 in_pane "verify: " 'drift: table public\.users: column x'
keys z
check "z: the findings fill the screen" wait_for "zoomed: SQL fills the screen" 5
like "... as only in the live database" "$(screen)" "only in the live database"
unlike "... no dialog (no findings dialog title)" "$(screen)" "Verify: [0-9]+ finding"
keys Escape
check "Escape leaves the zoom" wait_until 5 drawn
keys Escape
check "Escape again: back to the SQL" wait_gone 'verify: [0-9]+ findings?  \(Esc' 5
check "... the message says so" wait_for "SQL pane: back to the SQL" 5
psqlc "ALTER TABLE users DROP COLUMN x" >/dev/null

keys V
check "V on the sample: check ok" wait_for 'check ok: 13 revisions, each downgrade undoes its upgrade' 90
is "no shadow database left" "$(shadows)" 0

# R while V runs: the reload waits for the check (its connection and graph)
keys V R
check "R during V: the check still ends ok" wait_for 'check ok: 13 revisions, each downgrade undoes its upgrade' 90
keys L
check "... the message log says the reload waited for it" wait_for 'reload: once the running job ends' 10
keys Escape
check "... and the screen is whole" wait_until 5 drawn

cat >"$T/proj/migrations/versions/aaaa00000001_audit.sql" <<'SQL'
-- retort:revision aaaa00000001
-- retort:down_revision 8289ba23590a
-- retort:message audit table

-- retort:upgrade
CREATE TABLE audit (id int PRIMARY KEY);

-- retort:downgrade
SELECT 1;
SQL
keys R
check "R reloads the new revision" wait_until 10 in_pane History "aaaa000"
keys V
check "V with a wrong downgrade: findings" wait_for 'check: [0-9]+ findings? \(History marks the revisions R\)' 90
check "... the SQL pane shows them, titled check" wait_for "SQL +check: [0-9]+ findings?" 5
keys z
check "... the table left behind" wait_for 'round-trip: revision aaaa00000001: table public\.audit' 5
keys Escape
check "Escape leaves the zoom" wait_until 5 drawn
keys Escape
check "Escape again: back to the SQL" wait_gone 'check: [0-9]+ findings?  \(Esc' 5
check "History marks the revision R" wait_until 5 in_pane History "R aaaa000"
unlike "... and no other" "$(pane History)" "R 8289ba2"
keys q
check "q quits" wait_until 5 console_exited
is "... with status 0" "$(cat "$CON_RC" 2>/dev/null)" 0
done_testing
