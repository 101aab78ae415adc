#!/usr/bin/env bash
# Offline SQL under psql. `upgrade --sql` of the sample project, of every
# migration fixture (tests/fixtures/good, with stubs for the parents they
# name) and of statements ending in every kind of comment, piped through
# `psql -v ON_ERROR_STOP=1`, gives the same schema, functions, data and
# version table as `upgrade`; `downgrade --sql` takes it back as `downgrade`
# does. The terminating ';' goes after a statement's last token, never into
# its trailing comment. And the script stops at its first error under plain
# `psql -f`: it sets ON_ERROR_STOP itself, so no version-table update runs
# after a failed statement.
. "$RT_SRCDIR/tests/lib/tap.sh"
. "$RT_SRCDIR/tests/lib/pg.sh"
. "$RT_SRCDIR/tests/lib/mig.sh"
pg_start

newdb() { psqlc -d postgres "CREATE DATABASE $1" >/dev/null; }
url() { echo "postgresql://postgres@/$1?host=$PGSOCK"; }
# state DB: tables, columns, constraints, indexes, functions, version rows and
# the history's ok upgrades and downgrades of DB
state() {
	(
		db=$1
		psqlc() { "$PG_BINDIR/psql" -qXAt -v ON_ERROR_STOP=1 -d "$db" -c "$1"; }
		schema_fingerprint
		psqlc "SELECT string_agg(format('fn %s(%s)', proname, pg_get_function_identity_arguments(oid)), E'\n' ORDER BY 1) FROM pg_proc WHERE pronamespace = 'public'::regnamespace"
		psqlc "SELECT 'at ' || coalesce(string_agg(version_num, ' ' ORDER BY 1), 'base') FROM alembic_version"
		psqlc "SELECT 'history ' || string_agg(direction || ' ' || revision, ',' ORDER BY revision, direction) FROM retort_history WHERE outcome = 'ok'"
	)
}
# psql_f DB FILE [psql options]: applies FILE with psql; its exit status
psql_f() {
	local db=$1 f=$2; shift 2
	"$PG_BINDIR/psql" -qX "$@" -d "$db" -f "$f" >"$T/psql.out" 2>&1; local rc=$?
	[ "$rc" = 0 ] || sed 's/^/# psql: /' "$T/psql.out" | head -20
	return "$rc"
}

# compare DESC DIR TARGET: upgrade live into one database and through
# --sql | psql into another, compare; then the same for downgrade to base.
n=0
compare() {
	local desc=$1 dir=$2 target=$3 rc
	n=$((n + 1))
	newdb "live$n"
	newdb "sql$n"
	rt -d "$dir" --url "$(url "live$n")" -q upgrade "$target" 2>"$T/err"; rc=$?
	is "$desc: upgrade $target exits 0" "$rc" 0
	rt -d "$dir" upgrade --sql "$target" >"$T/up$n.sql" 2>"$T/err"; rc=$?
	is "$desc: upgrade --sql $target exits 0" "$rc" 0
	psql_f "sql$n" "$T/up$n.sql" -v ON_ERROR_STOP=1; rc=$?
	is "$desc: psql -v ON_ERROR_STOP=1 applies the script" "$rc" 0
	local live; live=$(state "live$n")
	is "$desc: the script gives what upgrade gives" "$(state "sql$n")" "$live"
	like "$desc: ... which is not nothing" "$live" "^(col|fn) "
	rt -d "$dir" downgrade --sql "$target:base" >"$T/down$n.sql" 2>"$T/err"; rc=$?
	is "$desc: downgrade --sql $target:base exits 0" "$rc" 0
	psql_f "sql$n" "$T/down$n.sql" -v ON_ERROR_STOP=1; rc=$?
	is "$desc: psql applies the downgrade script" "$rc" 0
	rt -d "$dir" --url "$(url "live$n")" -q downgrade base 2>"$T/err"; rc=$?
	is "$desc: downgrade base exits 0" "$rc" 0
	is "$desc: the downgrade script gives what downgrade gives" "$(state "sql$n")" "$(state "live$n")"
}

# --- the sample project ----------------------------------------------------------
copy_sample
compare "sample project" "$T/proj/migrations" head

# --- the migration fixtures, with stubs for the revisions they name --------------
F="$T/fx"
mkdir -p "$F/versions"
cp "$RT_SRCDIR"/tests/fixtures/good/*.sql "$F/versions/"
for id in deadbeef0001 1234567890ab schema_v2; do
	mig "$F" "$id" none "stub $id" "CREATE TABLE stub_$id (id int);" "DROP TABLE stub_$id;"
done
compare "fixtures" "$F" heads

# --- statements that end in comments ---------------------------------------------
C="$T/cm"
mig "$C" c1 none "trailing comments" "CREATE TABLE t1 (id int, note text)  -- the table
;
CREATE TABLE t2 (id int) /* a block; comment */ ;
INSERT INTO t1 VALUES (1, '-- not a comment; really') -- a comment; with a semicolon
;
INSERT INTO t1 VALUES (2, \$\$/* not a comment */\$\$) /* a block
   over two lines */
;
CREATE TABLE t3 (id int)  -- the last statement has no semicolon" "DROP TABLE t3 -- bye
;
DROP TABLE t2;
DROP TABLE t1 /* the last one, a block */"
mig "$C" c2 c1 "a verify section" "CREATE TABLE t4 (id int) -- t4" \
	"DROP TABLE t4 -- t4" "-- retort:verify
SELECT id FROM t4 -- the verify query, last"   # sections may come in any order
mig "$C" c3 c2 "concurrently" "CREATE INDEX CONCURRENTLY t4_idx ON t4 (id) -- concurrently" \
	"DROP INDEX CONCURRENTLY t4_idx -- done" "-- retort:transaction off"
printf -- '-- retort:revision c4\r\n-- retort:down_revision c3\r\n-- retort:message crlf\r\n\r\n-- retort:upgrade\r\nINSERT INTO t1 VALUES (4, %s) -- a crlf comment\r\n\r\n-- retort:downgrade\r\nDELETE FROM t1 WHERE id = 4 -- no newline at the end' "'crlf'" >"$C/versions/c4_crlf.sql"
mig "$C" c5 c4 "function" "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS \$\$ SELECT 1 -- inside
\$\$ -- after the body" "DROP FUNCTION f() -- gone"
mig "$C" c6 c5 "copy" "COPY t1 (id, note) FROM STDIN -- the data follows
;
5	five
\\.
SELECT 1 /* after the data */" "DELETE FROM t1 WHERE id = 5 -- undo"
compare "trailing comments" "$C" head
rt -d "$C" upgrade --sql >"$T/cm.sql"
check "the ';' goes before a trailing line comment" \
	grep -qxF "CREATE TABLE t3 (id int);  -- the last statement has no semicolon" "$T/cm.sql"
check "... and before one on its own line" grep -qxF "CREATE TABLE t1 (id int, note text);  -- the table" "$T/cm.sql"
check "... in a verify section too" grep -qxF "SELECT id FROM t4; -- the verify query, last" "$T/cm.sql"
check "... and in a transaction-off revision" \
	grep -qxF "CREATE INDEX CONCURRENTLY t4_idx ON t4 (id); -- concurrently" "$T/cm.sql"
check "... and before a trailing block comment" grep -qxF "CREATE TABLE t2 (id int); /* a block; comment */" "$T/cm.sql"
newdb cmdata
psql_f cmdata "$T/cm.sql" -v ON_ERROR_STOP=1
is "the data of the script is the data of upgrade" \
	"$(psqlc -d cmdata "SELECT string_agg(id || ':' || note, ',' ORDER BY id) FROM t1")" \
	"1:-- not a comment; really,2:/* not a comment */,4:crlf,5:five"

# --- the script stops at its first error under plain psql -f ---------------------
E="$T/es"
mig "$E" e1 none "first" "CREATE TABLE e1 (id int);" "DROP TABLE e1;"
mig "$E" e2 e1 "fails half-way" "CREATE TABLE e2 (id int);
INSERT INTO nosuch VALUES (1);
CREATE TABLE e2b (id int);" "DROP TABLE e2b; DROP TABLE e2;" "-- retort:transaction off"
mig "$E" e3 e2 "after" "CREATE TABLE e3 (id int);" "DROP TABLE e3;"
rt -d "$E" upgrade --sql >"$T/es.sql"
is "the script's first command sets ON_ERROR_STOP" "$(grep -v '^--' "$T/es.sql" | grep -m1 .)" '\set ON_ERROR_STOP on'
newdb stops
"$PG_BINDIR/psql" -qX -d stops -f "$T/es.sql" >"$T/psql.out" 2>&1; rc=$?
is "plain psql -f stops with an error status" "$rc" 3
like "... at the failed statement" "$(cat "$T/psql.out")" 'relation "nosuch" does not exist'
is "... before anything after it: the version table stays at e1, e2b and e3 are not made" \
	"$(psqlc -d stops "SELECT string_agg(version_num, ' ') FROM alembic_version")|$(psqlc -d stops "SELECT to_regclass('e2b') IS NULL AND to_regclass('e3') IS NULL")" "e1|t"
is "... and the history holds e1 only" "$(psqlc -d stops "SELECT string_agg(revision, ' ') FROM retort_history")" e1
# a transactional revision that fails: psql stops, the transaction is gone
mig "$E" e2 e1 "fails half-way" "CREATE TABLE e2 (id int);
INSERT INTO nosuch VALUES (1);"  "DROP TABLE e2;"
rt -d "$E" upgrade --sql >"$T/es.sql"
newdb stops2
"$PG_BINDIR/psql" -qX -d stops2 -f "$T/es.sql" >"$T/psql.out" 2>&1; rc=$?
is "a failing transactional revision: plain psql -f exits 3" "$rc" 3
is "... the version table stays at e1, nothing of e2 or e3" \
	"$(psqlc -d stops2 "SELECT string_agg(version_num, ' ') FROM alembic_version")|$(psqlc -d stops2 "SELECT to_regclass('e2') IS NULL AND to_regclass('e3') IS NULL")" "e1|t"
done_testing
