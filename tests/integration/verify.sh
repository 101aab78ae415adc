#!/usr/bin/env bash
# retort verify: the live database against the migrations at its revision
# (drift) and against the declared schema (not migrated yet); tables without
# a primary key, foreign keys without an index, a version row no revision
# defines; text and json; exit 0 clean, 1 different, 2 bad input.
. "$RT_SRCDIR/tests/lib/tap.sh"
. "$RT_SRCDIR/tests/lib/pg.sh"
pg_start
copy_sample
P="$T/proj/migrations"
R() { rt -d "$P" --url "$PGURL" "$@"; }
shadows() { psqlc -d postgres "SELECT count(*) FROM pg_database WHERE datname LIKE 'retort_shadow_%'"; }

R -q upgrade head
out=$(R verify 2>&1); rc=$?
is "verify after upgrade head: exit 0" "$rc" 0
is "... says it is clean" "$out" "clean: the live database matches its migrations and the declared schema"
is "no shadow database left" "$(shadows)" 0

# drift: changed by hand
psqlc "ALTER TABLE users ADD COLUMN x int; ALTER TABLE users ALTER COLUMN phone TYPE varchar(30);
	CREATE INDEX ix_x ON users (x)" >/dev/null
out=$(R verify 2>&1); rc=$?
is "a manual ALTER TABLE: exit 1" "$rc" 1
like "... reported as drift naming the table and the column" "$out" "^drift: table public.users: column x: only in the live database"
like "... a changed type, before and after" "$out" "^drift: table public.users: column phone: live -> migrations: type character varying\(30\) -> character varying\(20\)$"
like "... a manual index" "$out" "^drift: index public.ix_x: only in the live database"
like "... the same against the declared schema" "$out" "^undeclared: table public.users: column x: only in the live database \(not in the declared schema\)$"
out=$(R verify -v 2>&1)
like "-v shows the statement" "$out" "    ALTER TABLE public.users ADD COLUMN x integer;"
out=$(R verify --format json 2>&1); rc=$?
is "json: exit 1" "$rc" 1
check "... parses, with kind, object and detail" python3 -c '
import json, sys
v = json.loads(sys.argv[1])
assert isinstance(v, list) and len(v) >= 4
assert all(set(f) >= {"kind", "object", "detail"} for f in v)
assert any(f["kind"] == "drift" and f["object"] == "table public.users: column x" for f in v)
' "$out"
psqlc "DROP INDEX ix_x; ALTER TABLE users DROP COLUMN x; ALTER TABLE users ALTER COLUMN phone TYPE varchar(20)" >/dev/null
is "put back: exit 0" "$(R verify >/dev/null 2>&1; echo $?)" 0

# names PostgreSQL makes up do not count, unless --strict-names; column order with --column-order
psqlc "ALTER TABLE users RENAME CONSTRAINT users_email_key TO users_email_key1" >/dev/null
is "a default-named constraint under another default name: clean" "$(R verify >/dev/null 2>&1; echo $?)" 0
out=$(R verify --strict-names 2>&1); rc=$?
is "... --strict-names: exit 1" "$rc" 1
like "... naming both" "$out" "^drift: table public.users: unique constraint users_email_key1: only in the live database"
psqlc "ALTER TABLE users RENAME CONSTRAINT users_email_key1 TO users_email_key" >/dev/null
psqlc "ALTER TABLE users DROP COLUMN phone; ALTER TABLE users ADD COLUMN phone varchar(20);
	CREATE INDEX idx_users_phone ON users (phone)" >/dev/null
is "a column moved to the end: clean" "$(R verify >/dev/null 2>&1; echo $?)" 0
out=$(R verify --column-order 2>&1); rc=$?
is "... --column-order: exit 1" "$rc" 1
like "... its position" "$out" "^drift: table public.users: column phone: live -> migrations: position 9 -> 7$"

# the declared schema moved ahead: not migrated yet, and no drift
cp "$P/schema.sql" "$T/schema.orig"
sed -i 's/^    display_name  varchar(80)  NOT NULL,$/&\n    nickname      varchar(40),/' "$P/schema.sql"
grep -q nickname "$P/schema.sql" || bail "the test could not edit schema.sql"
out=$(R verify 2>&1); rc=$?
is "a new column in the declared schema: exit 1" "$rc" 1
is "... reported as not migrated yet, and nothing else" "$out" "undeclared: table public.users: column nickname: declared but not in the live database (not migrated yet)"

# bad declared schema: exit 2 with file:line
printf 'CREATE TABLE ok (id int);\nCREATE TABLE broken (id nosuchtype);\n' >"$P/schema.sql"
out=$(R verify 2>&1); rc=$?
is "a declared schema that does not load: exit 2" "$rc" 2
like "... file:line: the server's message" "$out" "schema.sql:2: type \"nosuchtype\" does not exist"
is "... no shadow database left" "$(shadows)" 0
cp "$T/schema.orig" "$P/schema.sql"

# Ctrl-C while the declared schema loads: exit 130, the shadow dropped
printf 'CREATE TABLE ok (id int PRIMARY KEY);\nSELECT pg_sleep(60);\n' >"$P/schema.sql"
"$RETORT" -d "$P" --url "$PGURL" verify >"$T/cancel.out" 2>&1 &
pid=$!
for _ in $(seq 100); do
	[ "$(psqlc -d postgres "SELECT count(*) FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(60)'")" = 1 ] && break
	sleep 0.1
done
kill -INT "$pid"; wait "$pid"; rc=$?
is "Ctrl-C while loading the declared schema: exit 130" "$rc" 130 || cat "$T/cancel.out" >&2
is "... no shadow database left" "$(shadows)" 0
cp "$T/schema.orig" "$P/schema.sql"

# lint findings: no primary key, an unindexed foreign key
psqlc "CREATE TABLE notes (user_id int REFERENCES users (id), body text)" >/dev/null
out=$(R verify 2>&1); rc=$?
is "a table made by hand: exit 1" "$rc" 1
like "... without a primary key" "$out" "^lint: table public.notes: no primary key$"
like "... its foreign key without an index" "$out" "^lint: table public.notes: foreign key notes_user_id_fkey: no index leads with its columns \(user_id\)$"
like "... and the table itself is drift" "$out" "^drift: table public.notes: only in the live database"
unlike "... its columns are not listed one by one" "$out" "column body"
psqlc "CREATE INDEX ON notes (user_id)" >/dev/null
unlike "an index on the column: no longer reported" "$(R verify 2>&1)" "notes_user_id_fkey"
psqlc "DROP TABLE notes" >/dev/null

# a version row no revision defines
psqlc "UPDATE alembic_version SET version_num = 'deadbeef0000'" >/dev/null
out=$(R verify 2>&1); rc=$?
is "an unknown version row: exit 1" "$rc" 1
like "... reported" "$out" "^version: version table row deadbeef0000: matches no known revision"
psqlc "UPDATE alembic_version SET version_num = '8289ba23590a'" >/dev/null

# an older revision: the migrations at that revision, not at head
R -q downgrade 6b70e43fe85a
out=$(R verify 2>&1); rc=$?
like "at an older revision: no drift" "$(echo "$out" | grep -c '^drift')" "^0$"
like "... but the declared schema is ahead" "$out" "^undeclared: table public.google_auth: declared but not in the live database"
is "no shadow database left" "$(shadows)" 0
done_testing
