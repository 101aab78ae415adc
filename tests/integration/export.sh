#!/usr/bin/env bash
# retort export: CSV that seed reads back to identical contents, --where,
# --columns, -o (temporary name, renamed), --format json (exact JSON lines),
# hostile table names.
. "$RT_SRCDIR/tests/lib/tap.sh"
. "$RT_SRCDIR/tests/lib/pg.sh"
pg_start
copy_sample
P="$T/proj/migrations"
R() { rt -d "$P" --url "$PGURL" "$@"; }
TABLES="users resume_templates resumes job_descriptions google_auth google_docs_exports"
md5of() { psqlc "SELECT md5(coalesce(string_agg(x::text, E'\n' ORDER BY x::text), '')) FROM $1 x"; }
all_md5() { local t; for t in $TABLES; do printf '%s ' "$(md5of "$t")"; done; }

check "upgrade head" R upgrade head
check "seed" R seed
before=$(all_md5)

# export every table, truncate, seed from the exports: identical contents
mkdir -p "$T/out"
for t in $TABLES; do
	check "export $t -o" R export "$t" -o "$T/out/$t.csv"
done
is "-o leaves no temporary file" "$(ls -A "$T/out" | grep -c '^\.')" 0
is "-o file mode 0644" "$(stat -c %a "$T/out/users.csv")" 644
is "the CSV has the header and every row" "$(($(psqlc "SELECT count(*) FROM users") + 1))" \
	"$(python3 -c 'import csv,sys; print(sum(1 for _ in csv.reader(open(sys.argv[1]))))' "$T/out/users.csv")"
psqlc "TRUNCATE users, resume_templates RESTART IDENTITY CASCADE" 2>/dev/null
is "truncated" "$(psqlc "SELECT count(*) FROM users")" 0
check "seed from the exports" R seed "$T/out"
is "export, truncate, seed: identical contents (md5 of every table)" "$(all_md5)" "$before"
is "stdout and -o write the same bytes" "$(R export users | md5sum)" "$(md5sum <"$T/out/users.csv")"

# --where and --columns
is "--where and --columns" "$(R export users --columns id,display_name --where 'id <= 2')" \
"id,display_name
1,testuser
2,janedoe"
is "--columns in the order given" "$(R export users --columns email,id --where 'id = 1')" "email,id
test@example.com,1"
R export users --columns id,nope >"$T/o" 2>&1; rc=$?
is "an unknown column: exit 2" "$rc" 2
like "... named" "$(cat "$T/o")" 'no column "nope"'
R export users --where 'no_such_col = 1' >"$T/o" 2>&1; rc=$?
is "a bad --where: exit 1 (SQL error)" "$rc" 1
R export nosuch >"$T/o" 2>&1; rc=$?
is "an unknown table: exit 2" "$rc" 2
R export users -o "$T/nodir/x.csv" >"$T/o" 2>&1; rc=$?
is "-o into a missing directory: exit 1" "$rc" 1
R export users --where 'id = 1/0' -o "$T/out/fail.csv" >"$T/o" 2>&1; rc=$?
is "a failing export leaves no file" "$rc:$(ls -A "$T/out" | grep -c fail)" "1:0"

# JSON lines, exact: backslashes, quotes, newlines, unicode, NULL
psqlc "CREATE TABLE tricky (id int PRIMARY KEY, t text, j json, n int)"
psqlc "INSERT INTO tricky VALUES (1, E'back\\\\slash \"quoted\" \\n newline \\t tab ünïcödé €', '{\"k\": \"v\\\\\\\\w\"}', NULL),
  (2, '', '[1, 2]', 3), (3, NULL, NULL, NULL)"
R export tricky --format json >"$T/t.jsonl"
is "one line per row" "$(wc -l <"$T/t.jsonl")" 3
is "exact JSON: parses back to the same values" "$(python3 - "$T/t.jsonl" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
print(rows[0]["t"] == 'back\\slash "quoted" \n newline \t tab ünïcödé €', rows[0]["j"] == {"k": "v\\\\w"},
      rows[0]["n"] is None, rows[1]["t"] == "", rows[1]["j"] == [1, 2], rows[2]["t"] is None)
PY
)" "True True True True True True"
is "the same as the server's row_to_json" "$(md5sum <"$T/t.jsonl" | cut -c1-32)" \
	"$(psqlc "SELECT md5(string_agg(row_to_json(x)::text, E'\n' ORDER BY id) || E'\n') FROM tricky x")"
# tricky round trip in CSV
mkdir -p "$T/tr"
check "export tricky" R export tricky -o "$T/tr/tricky.csv"
tb=$(md5of tricky)
psqlc "TRUNCATE tricky"
check "seed tricky back" R seed "$T/tr"
is "tricky: identical contents" "$(md5of tricky)" "$tb"

# hostile names: schema-qualified, quotes, dots, spaces, an injection
psqlc 'CREATE SCHEMA "Odd Schema"; CREATE TABLE "Odd Schema"."We""ird, Name" (id int, "col; DROP TABLE users; --" text)'
psqlc "INSERT INTO \"Odd Schema\".\"We\"\"ird, Name\" VALUES (1, 'x'), (2, NULL)"
is "a schema-qualified hostile table" "$(R export 'Odd Schema.We"ird, Name')" 'id,col; DROP TABLE users; --
1,x
2,'
is "... users still there" "$(psqlc "SELECT to_regclass('users') IS NOT NULL")" t
mkdir -p "$T/h"
R export 'Odd Schema.We"ird, Name' -o "$T/h/Odd Schema.We\"ird, Name.csv"
hb=$(psqlc 'SELECT md5(string_agg(x::text, E'"'"'\n'"'"' ORDER BY id)) FROM "Odd Schema"."We""ird, Name" x')
psqlc 'TRUNCATE "Odd Schema"."We""ird, Name"'
check "seed a hostile schema.table.csv" R seed "$T/h"
is "... identical" "$(psqlc 'SELECT md5(string_agg(x::text, E'"'"'\n'"'"' ORDER BY id)) FROM "Odd Schema"."We""ird, Name" x')" "$hb"
R export 'users; DROP TABLE users' >"$T/o" 2>&1; rc=$?
is "an injection as a table name is an unknown table" "$rc" 2
is "... users still there" "$(psqlc "SELECT count(*) FROM users")" 32

done_testing
