#!/usr/bin/env bash
# --sql prints what upgrade would run: applied by psql to an empty database it
# gives the same schema and version table as upgrade, and touches nothing.
. "$RT_SRCDIR/tests/lib/tap.sh"
. "$RT_SRCDIR/tests/lib/pg.sh"
pg_start
copy_sample
P="$T/proj/migrations"
HEAD=8289ba23590a

rt -d "$P" --url "$PGURL" upgrade --sql >"$T/up.sql"; rc=$?
is "upgrade --sql exits 0" "$rc" 0
is "--sql touched nothing" "$(psqlc "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")" 0
check "the script names each revision" grep -q "^-- Running upgrade 6b70e43fe85a -> b12209810ecc, create google_auth table" "$T/up.sql"
check "the script holds the version-table statements" grep -q "^UPDATE \"alembic_version\" SET version_num = '$HEAD' WHERE \"alembic_version\".version_num = 'f240f187b0b4';" "$T/up.sql"
check "the merge deletes one parent row and updates the other" grep -qE "^(DELETE FROM \"alembic_version\"|UPDATE \"alembic_version\" SET version_num = 'a003f1a5e3fc')" "$T/up.sql"
check "CREATE INDEX CONCURRENTLY is outside any transaction" \
	awk '/^BEGIN;/{tx=1} /^COMMIT;/{tx=0} /CREATE INDEX CONCURRENTLY/{ if (tx) exit 1; found=1 } END { exit !found }' "$T/up.sql"

psqlc -d postgres "CREATE DATABASE viasql" >/dev/null
"$PG_BINDIR/psql" -qX -v ON_ERROR_STOP=1 -d viasql -f "$T/up.sql" >"$T/psql.out" 2>&1; rc=$?
is "psql applies the script" "$rc" 0
via_sql=$(PGDATABASE=viasql; psqlc -d viasql "SELECT 1" >/dev/null; "$PG_BINDIR/psql" -qXAt -d viasql -c "SELECT version_num FROM alembic_version")
is "the script leaves the version table at head" "$via_sql" "$HEAD"
rt -d "$P" --url "$PGURL" -q upgrade
fp_live=$(schema_fingerprint)
fp_sql=$(psqlc() { "$PG_BINDIR/psql" -qXAt -v ON_ERROR_STOP=1 -d viasql -c "$1"; }; schema_fingerprint)
is "the script gives the same schema as upgrade" "$fp_sql" "$fp_live"
like "the fingerprint is not empty" "$fp_live" "col users.email character varying NO"
is "the script logs history too" "$("$PG_BINDIR/psql" -qXAt -d viasql -c "SELECT count(*) FROM retort_history WHERE outcome = 'ok'")" \
	"$(ls "$P"/versions/*.sql | wc -l)"

rt -d "$P" --url "$PGURL" downgrade --sql >/dev/null 2>&1
is "downgrade --sql without FROM:TO exits 2" "$?" 2
rt -d "$P" --url "$PGURL" downgrade --sql "$HEAD:base" >"$T/down.sql"
"$PG_BINDIR/psql" -qX -v ON_ERROR_STOP=1 -d viasql -f "$T/down.sql" >/dev/null 2>&1; rc=$?
is "psql applies the downgrade script" "$rc" 0
is "... which leaves only retort's tables" \
	"$("$PG_BINDIR/psql" -qXAt -d viasql -c "SELECT string_agg(tablename, ',' ORDER BY tablename) FROM pg_tables WHERE schemaname = 'public'")" \
	"alembic_version,retort_history"
rt -d "$P" upgrade --sql 6ab519d54207:07c2756f9194 >"$T/part.sql"
is "FROM:TO gives just those steps" "$(grep -c '^-- Running upgrade' "$T/part.sql")" 1
rt -d "$P" stamp --sql head >"$T/stamp.sql"
check "stamp --sql inserts the head" grep -q "^INSERT INTO \"alembic_version\" (version_num) VALUES ('$HEAD');" "$T/stamp.sql"
rt -d "$P" upgrade --sql --single-transaction >/dev/null 2>"$T/err"
is "--sql --single-transaction refuses a transaction-off revision" "$?" 2
like "... naming it" "$(cat "$T/err")" "4d68eb8716bd has 'transaction off'"
check "--sql needs no database at all" rt -d "$P" --url "postgresql:///nosuchdb?host=/nonexistent" upgrade --sql
done_testing
