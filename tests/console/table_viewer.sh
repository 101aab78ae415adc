#!/usr/bin/env bash
# The read-only table viewer: Enter on a table in Tables shows its first rows
# in primary-key order (a composite key), PgDn the next page, End the last
# rows, each checked against psql running the keyset query; NULL shows as
# NULL and the empty string as nothing; / filters on a column value (text,
# jsonb, IS NULL) and an empty / clears; Enter on a row shows every column
# with the whole long JSON value; Esc returns to the viewer, then to the
# panes; a table without a primary key pages by ctid; the viewer's
# connection is read-only and nothing changed.
CONSOLE_TIMEOUT=${CONSOLE_TIMEOUT:-90}
. "$RT_SRCDIR/tests/lib/tap.sh"
. "$RT_SRCDIR/tests/lib/pg.sh"
. "$RT_SRCDIR/tests/console/lib.sh"
setup_sample

# vt: 250 rows keyed on (region, id); every 7th note NULL, every 5th empty;
# row 3 holds a long JSON document whose last word is "word80".
psqlc "CREATE TABLE zz_vt (region text, id int, note text, doc jsonb, PRIMARY KEY (region, id));
       INSERT INTO zz_vt SELECT CASE WHEN i % 2 = 0 THEN 'eu' ELSE 'us' END, i,
              CASE WHEN i % 7 = 0 THEN NULL WHEN i % 5 = 0 THEN '' ELSE 'note ' || i END,
              CASE WHEN i = 3 THEN jsonb_build_object('text',
                     (SELECT string_agg('word' || w, ' ') FROM generate_series(1, 80) w), 'n', 3)
                   ELSE jsonb_build_object('i', i) END
         FROM generate_series(1, 250) i;
       CREATE TABLE zz_part (n int, at date) PARTITION BY RANGE (at);
       CREATE TABLE zz_part_a PARTITION OF zz_part FOR VALUES FROM ('2025-01-01') TO ('2025-07-01');
       CREATE TABLE zz_part_b PARTITION OF zz_part FOR VALUES FROM ('2025-07-01') TO ('2026-01-01');
       INSERT INTO zz_part SELECT i, date '2025-01-01' + i FROM generate_series(1, 300) i;
       CREATE TABLE zz_heap (n int, label text);
       INSERT INTO zz_heap SELECT i, 'label ' || i FROM generate_series(1, 100) i;
       ANALYZE zz_vt; ANALYZE zz_heap" >/dev/null || bail "test tables not created"
sum_before=$(psqlc "SELECT md5(string_agg(t::text, ',' ORDER BY region, id)) FROM zz_vt t")

console_start_sample
check "the console draws its panes" wait_until 15 drawn

# the footer of a last page ("pending" on the status line holds "end" too)
END_RE='(rows [0-9]+-[0-9]+|[0-9]+ rows)( +top)? +end( |$)'
# shown_col N: the Nth column ("│"-separated, the box's left border before
# the first) of the viewer's row lines (screen lines 3..26 at 100x30: title,
# header, 24 rows, footer).
shown_col() {
	screen | sed -n '3,26p' | awk -F'│' -v c="$(($1 + 1))" 'NF > 2 { gsub(/^ +| +$/, "", $c); if ($c != "") print $c }'
}
shown_ids() { shown_col 2 | tr '\n' ' ' | sed 's/ $//'; }
psql_ids() { psqlc "$1" | tr '\n' ' ' | sed 's/ $//'; }

# --- Enter on zz_vt (the last table by name) ---
keys Tab Tab Tab
keys End
check "zz_vt is under the Tables cursor" wait_for "zz_vt" 5
keys Enter
check "Enter opens the viewer on public.zz_vt" wait_for "public\\.zz_vt +~?250 rows" 10
check "... with the column headers" wait_for "region +│ id +│ note +│ doc" 5
check "... and the first page" wait_for "rows 1-24" 10
want=$(psql_ids "SELECT id FROM zz_vt ORDER BY region, id LIMIT 24")
is "the first page is ORDER BY region, id LIMIT 24" "$(shown_ids)" "$want"
like "NULL is shown as NULL (note of 14)" "$(screen | grep -E '│ 14 +│')" "│ NULL +│"
like "the empty string as nothing (note of 10)" "$(screen | grep -E '│ 10 +│')" "│ 10 +│ +│ \\{"

# --- PgDn: the next page by keyset ---
last_region=$(shown_col 1 | tail -1) last=$(shown_col 2 | tail -1)
keys PageDown
check "PgDn shows rows 25-48" wait_for "rows 25-48" 10
want=$(psql_ids "SELECT id FROM zz_vt WHERE (region, id) > ('$last_region', $last) ORDER BY region, id LIMIT 24")
is "the second page is the 24 rows after ('$last_region', $last)" "$(shown_ids)" "$want"
keys PageUp
check "PgUp goes back to rows 1-24" wait_for "rows 1-24" 10
is "... the first page again" "$(shown_ids)" "$(psql_ids "SELECT id FROM zz_vt ORDER BY region, id LIMIT 24")"

# --- End: the last rows ---
keys End
check "End shows the last page" wait_for "$END_RE" 10
want=$(psql_ids "SELECT id FROM (SELECT region, id FROM zz_vt ORDER BY region DESC, id DESC LIMIT 24) x ORDER BY region, id")
is "the last page is the last 24 rows in key order" "$(shown_ids)" "$want"
like "... ending with ('us', 249)" "$(shown_col 2 | tail -1)" "^249$"

# --- / filters ---
keys /
check "/ asks for column=value" wait_for "filter \\(column=value" 5
type "note=note 33"; keys Enter
check "the title shows the filter" wait_for "filter: note = 'note 33'" 10
check "... one row" wait_for "rows 1-1" 10
is "... the row of note 33" "$(shown_ids)" "33"
keys /
type 'doc={"i": 40}'; keys Enter
check "a jsonb filter (typed equality)" wait_for "filter: doc = '\\{\"i\": 40\\}'" 10
check "... one row" wait_for "rows 1-1" 10
is "... the row of 40" "$(shown_ids)" "40"
keys /
type "note is null"; keys Enter
check "note IS NULL" wait_for "filter: note IS NULL" 10
is "... the first 24 rows whose note is NULL" "$(shown_ids)" \
	"$(psql_ids "SELECT id FROM zz_vt WHERE note IS NULL ORDER BY region, id LIMIT 24")"
keys /
type "nosuch=1"; keys Enter
check "an unknown column is refused" wait_for "filter: no column nosuch" 10
like "... and the filter stays" "$(screen)" "filter: note IS NULL"
keys /
keys Enter
check "an empty / clears the filter" wait_gone "filter: note" 10
check "... back to the first page" wait_for "rows 1-24" 10
is "... all rows again" "$(shown_ids)" "$(psql_ids "SELECT id FROM zz_vt ORDER BY region, id LIMIT 24")"

# --- Enter on a row: the detail ---
keys /
type "id=3"; keys Enter
check "filter id=3" wait_for "filter: id = '3'" 10
check "... the row of 3" wait_for "rows 1-1" 10
unlike "the long JSON is cut in the grid" "$(screen)" "word80"
keys Enter
check "Enter shows the row's detail over the rows" wait_for "public\\.zz_vt +row 1" 10
check "... every column by name with its type" wait_for "doc +jsonb" 5
like "... region and its key marker" "$(screen)" "region +text +\\(primary key\\)"
check "... the whole JSON value, laid out" wait_for "word80" 5
like "... one member a line" "$(screen)" '"n": 3'
keys Escape
check "Esc closes the detail" wait_gone "\\(primary key\\)" 10
like "... back on the rows" "$(screen)" "rows 1-1"

# --- a fetch that waits shows loading..., keys stay live, Esc cancels it ---
"$PG_BINDIR/psql" -qX -d app -c "BEGIN; LOCK TABLE zz_vt IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(60); COMMIT" \
	>/dev/null 2>&1 &
locker=$!
locked() {
	[ "$(psqlc "SELECT count(*) FROM pg_locks WHERE relation = 'zz_vt'::regclass
	              AND mode = 'AccessExclusiveLock' AND granted")" = 1 ]
}
check "another session holds an exclusive lock on zz_vt" wait_until 10 locked
keys End
check "End waits behind the lock: loading..." wait_for "loading… +\\(Esc cancels\\)" 10
keys h
check "... the keys stay live (h), the rows still shown" wait_for "│ 3 +│" 5
keys Escape
check "Esc cancels the fetch" wait_for "fetch cancelled" 10
is "... the viewer's query is no longer waiting" \
	"$(psqlc "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'retort viewer' AND wait_event_type = 'Lock'")" 0
like "... the page stays" "$(screen)" "rows 1-1"
psqlc "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(60)%' AND pid <> pg_backend_pid()" >/dev/null
wait "$locker" 2>/dev/null
keys End
check "with the lock gone End works again" wait_for "rows 1-1 +top +end" 10
keys Escape
check "Esc leaves the viewer" wait_gone "public\\.zz_vt +~?250 rows" 10
check "... the panes are back" wait_until 5 drawn

# --- a table without a primary key pages by ctid ---
keys :
type "view zz_heap"; keys Enter
check ":view zz_heap opens the viewer" wait_for "public\\.zz_heap" 10
check "... by ctid" wait_for "no primary key: by ctid" 10
is "... its first 24 rows in ctid order" "$(shown_col 1 | tr '\n' ' ' | sed 's/ $//')" \
	"$(psql_ids "SELECT n FROM zz_heap ORDER BY ctid LIMIT 24")"
keys PageDown
check "PgDn pages on" wait_for "rows 25-48" 10
is "... the next 24 in ctid order" "$(shown_col 1 | tr '\n' ' ' | sed 's/ $//')" \
	"$(psql_ids "SELECT n FROM zz_heap ORDER BY ctid OFFSET 24 LIMIT 24")"
keys End
check "End: the last page" wait_for "$END_RE" 10
like "... ends with 100" "$(shown_col 1 | tail -1)" "^100$"

# --- resize while open ---
resize 80 20
check "80x20: the viewer re-laid out (title, header, footer)" \
	wait_until 10 eval 'screen | grep -q "public.zz_heap" && screen | grep -q "columns 1-2 of 2" && [ "$(width)" -le 80 ]'
resize 100 30
check "100x30 again" wait_for "columns 1-2 of 2" 10

# --- read-only and unchanged ---
keys q
check "q leaves the viewer" wait_gone "public\\.zz_heap +~?100 rows" 10
is "zz_vt unchanged" "$(psqlc "SELECT md5(string_agg(t::text, ',' ORDER BY region, id)) FROM zz_vt t")" "$sum_before"
is "the viewer's connection is gone with it" \
	"$(psqlc "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'retort viewer'")" 0
check "the console is still running" console_running
# a partitioned table without a key: ctid repeats across partitions, so no pages
keys :
type "view zz_part"; keys Enter
check ":view zz_part (partitioned, no key) says why it cannot page it" \
	wait_for "zz_part: partitioned, no primary key; open a partition: zz_part_a, zz_part_b" 10
unlike "... and opens no viewer" "$(screen)" "public\\.zz_part +~?[0-9]+ rows"
keys L
check "... the log has it whole, naming the partitions" wait_for "open a partition: zz_part_a, zz_part_b" 5
keys Escape
check "... Escape closes the log" wait_gone 'Messages \(' 5
keys :
type "view zz_part_a"; keys Enter
check "... a partition opens" wait_for "public\\.zz_part_a" 10
keys q
check "... q leaves it" wait_gone "public\\.zz_part_a +~?[0-9]+ rows" 10
keys q
check "q quits" wait_until 10 console_exited
check "... with status 0 (under ASan: no leak, no error)" wait_until 5 eval '[ "$(cat "$CON_RC")" = 0 ]'
done_testing
