#!/usr/bin/env bash
# The confirmation shows the preflight (issue 13 item 5): a SET NOT NULL on a
# table with NULLs names the NULL count, and a psql session holding a lock
# on the table is named; nothing is locked while the dialog is open. The SQL
# pane (issue 13 items 2, 6): a lint finding's line is highlighted (reverse
# video), T traces the revision in a shadow database and lists ACCESS
# EXCLUSIVE and the rewrite of a type change under the SQL.
CONSOLE_TIMEOUT=${CONSOLE_TIMEOUT:-120}
. "$RT_SRCDIR/tests/lib/tap.sh"
. "$RT_SRCDIR/tests/lib/pg.sh"
. "$RT_SRCDIR/tests/console/lib.sh"
pg_start
P="$T/proj/migrations"
mkdir -p "$P/versions"
printf '[retort]\n' >"$P/retort.conf"
cat >"$P/versions/a1_items.sql" <<'SQL'
-- retort:revision a1
-- retort:down_revision none
-- retort:message items

-- retort:upgrade
CREATE TABLE items (id int PRIMARY KEY, email text, n int);

-- retort:downgrade
DROP TABLE items;
SQL
cat >"$P/versions/b2_strict.sql" <<'SQL'
-- retort:revision b2
-- retort:down_revision a1
-- retort:message strict

-- retort:upgrade
ALTER TABLE items ALTER COLUMN email SET NOT NULL;
ALTER TABLE items ALTER COLUMN n TYPE bigint;
COMMENT ON TABLE items IS 'items';

-- retort:downgrade
COMMENT ON TABLE items IS NULL;
ALTER TABLE items ALTER COLUMN n TYPE int;
ALTER TABLE items ALTER COLUMN email DROP NOT NULL;
SQL
rt -d "$P" --url "$PGURL" -q upgrade a1 || bail "upgrade a1 failed"
psqlc "INSERT INTO items VALUES (1, 'a@x', 1), (2, NULL, 2), (3, NULL, 3); ANALYZE items" >/dev/null
shadows() { psqlc -d postgres "SELECT count(*) FROM pg_database WHERE datname LIKE 'retort_shadow_%'"; }

# a session holding ACCESS SHARE on items in an open transaction
fifo="$T/holder.in"; mkfifo "$fifo"
"$PG_BINDIR/psql" -qX -d app <"$fifo" >"$T/holder.out" 2>&1 &
holder=$!
exec 7>"$fifo"
printf "SET application_name = 'lockholder';\nBEGIN;\nLOCK TABLE items IN ACCESS SHARE MODE;\nSELECT 'locked';\n" >&7
for _ in $(seq 100); do grep -q locked "$T/holder.out" 2>/dev/null && break; sleep 0.05; done
holder_pid=$(psqlc "SELECT pid FROM pg_stat_activity WHERE application_name = 'lockholder'")

console_start -d "$P" --url "$PGURL" ui
check "the console draws its panes" wait_until 15 drawn

keys u
check "u: the confirmation" wait_for "$CONFIRM_RE" 15
check "... shows the preflight" wait_for "preflight on the live database: [0-9]+ locks? on existing tables" 5
check "... the statement line, lock and table" wait_for "b2_strict.sql:6 +SET NOT NULL takes ACCESS EXCLUSIVE on items" 5
check "... the NULL count" wait_for "rows with NULL in email: 2" 5
check "... a sample row" wait_for '\{"id":2,"email":null,"n":2\}' 5
check "... the session holding a lock on items" wait_for "held now by pid $holder_pid \(lockholder" 5
check "... the estimated rows" wait_for "~3 rows \(estimate\)" 5
is "no lock of retort's while the dialog is open" \
	"$(psqlc "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a USING (pid) WHERE a.application_name LIKE 'retort%' AND l.locktype IN ('relation', 'advisory') AND a.pid <> pg_backend_pid()")" 0
answer n
check "n: nothing changed" wait_gone "$CONFIRM_RE" 5
is "... still at a1" "$(psqlc "SELECT version_num FROM alembic_version")" a1
printf "ROLLBACK;\n\\\\q\n" >&7
exec 7>&-
wait $holder

# --- the SQL pane: the lint lines highlighted, then T ---------------------------------
keys Tab     # Plan: its step b2
sleep 0.2
check "the SQL pane shows b2's upgrade" wait_for "SQL +upgrade b2" 5
check "... with its findings" wait_for "line 7: warning: changing-column-type" 5
esc=$(tm capture-pane -e -p -t "$CON_TARGET")
like "the line a warning points at is highlighted (reverse video)" "$esc" \
	$'\e\\[[0-9;]*7[0-9;]*m(\e\\[[0-9;]*m)*ALTER TABLE items ALTER COLUMN n TYPE bigint'
unlike "... and only those lines (CREATE of a1 is not shown here)" "$esc" \
	$'\e\\[[0-9;]*7[0-9;]*m(\e\\[[0-9;]*m)*-- /'
esc0=$esc
keys T
check "T: the trace runs, then says what it found" wait_for "traced b2: [0-9]+ locks?, [0-9]+ rewrites?" 30
keys Tab z   # the SQL pane focused and zoomed: every line of it on the screen
check "z: the SQL pane zoomed" wait_for "zoomed: SQL fills the screen" 5
check "... the lock under the SQL" wait_for "line 6 +ACCESS EXCLUSIVE on items" 5
check "... the type change's rewrite" wait_for "line 7 +rewrites items" 5
is "... no shadow database left" "$(shadows)" 0
is "... the live table untouched" "$(psqlc "SELECT data_type FROM information_schema.columns WHERE table_name = 'items' AND column_name = 'n'")" integer
esc=$(tm capture-pane -e -p -t "$CON_TARGET")
check "... a lock no lint rule names" wait_for "line 8 +SHARE UPDATE EXCLUSIVE on items" 5
like "the traced line no finding points at is highlighted (underline)" "$esc" \
	$'\e\\[([0-9;]*;)?4(;[0-9;]*)?m(\e\\[[0-9;]*m)*COMMENT ON TABLE items'
unlike "... which it was not before T" "$esc0" \
	$'\e\\[([0-9;]*;)?4(;[0-9;]*)?m(\e\\[[0-9;]*m)*COMMENT ON TABLE items'

# --- a preflight that waits (a session holds ACCESS EXCLUSIVE): Esc cancels it -------
keys Escape
sleep 0.3
fifo2="$T/holder2.in"; mkfifo "$fifo2"
"$PG_BINDIR/psql" -qX -d app <"$fifo2" >"$T/holder2.out" 2>&1 &
holder2=$!
exec 8>"$fifo2"
printf "BEGIN;\nLOCK TABLE items IN ACCESS EXCLUSIVE MODE;\nSELECT 'locked';\n" >&8
for _ in $(seq 100); do grep -q locked "$T/holder2.out" 2>/dev/null && break; sleep 0.05; done
keys u
check "u: the preflight runs (its count waits for the lock)" wait_for "preflight of upgrade to b2 on the live database \.\.\.  \(Esc cancels\)" 10
sleep 0.5
unlike "... no confirmation yet" "$(screen)" "$CONFIRM_RE"
keys Escape
check "Esc cancels the preflight" wait_for "preflight cancelled; nothing changed" 10
unlike "... and no confirmation opens" "$(screen)" "$CONFIRM_RE"
is "... no query of retort's left waiting" \
	"$(psqlc "SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE 'retort%' AND wait_event_type = 'Lock'")" 0
keys u
check "u again: the preflight waits again" wait_for "preflight of upgrade to b2 on the live database" 10
keys C-c
check "Ctrl-C cancels it too" wait_for "preflight cancelled; nothing changed" 10
printf "ROLLBACK;\n\\\\q\n" >&8
exec 8>&-
wait $holder2
is "still at a1" "$(psqlc "SELECT version_num FROM alembic_version")" a1

keys q
check "q quits" wait_until 5 console_exited
is "... with status 0" "$(cat "$CON_RC" 2>/dev/null)" 0
done_testing
