#!/usr/bin/env bash
# retort export alembic: the sample project (merges, branch labels, a
# "transaction off" revision) plus a revision whose SQL holds '::' casts,
# ':word', '%', backslashes and dollar-quoted bodies, written as an Alembic
# project and run by real Alembic 1.8: the same graph, the same schema and
# data as retort's upgrade head, and downgrade base empties it.
. "$RT_SRCDIR/tests/lib/tap.sh"
. "$RT_SRCDIR/tests/lib/pg.sh"
PY=/usr/bin/python3
$PY -c 'import alembic, psycopg2' 2>/dev/null || bail "python3-alembic and python3-psycopg2 are needed (scripts/deps installs them)"
pg_start
copy_sample
P="$T/proj/migrations"
for db in alem ret; do psqlc -d postgres "CREATE DATABASE $db" >/dev/null; done
url() { echo "postgresql://postgres@/$1?host=$PGSOCK"; }
A() { local db=$1; shift; DATABASE_URL="postgresql+psycopg2://postgres@/$db?host=$PGSOCK" \
	$PY -m alembic -c "$T/out/alembic.ini" "$@"; }
R() { local db=$1; shift; rt -d "$P" --url "$(url "$db")" -q "$@"; }
dump() { "$PG_BINDIR/pg_dump" -s -d "$1" -T retort_history -T retort_history_id_seq \
	| grep -v -e '^--' -e '^SET ' -e '^\\\(un\)\{0,1\}restrict' -e 'set_config' -e '^$'; }

cat >"$P/versions/e0e0e0e0e0e0_quoting.sql" <<'SQL'
-- retort:revision e0e0e0e0e0e0
-- retort:down_revision 8289ba23590a
-- retort:message quoting: casts, :words, percent, backslashes, dollar quotes

-- retort:upgrade
CREATE TABLE quoting (id int PRIMARY KEY, t text NOT NULL);
INSERT INTO quoting VALUES (1, '12'::int::text || ':word :a1 %s %(x)s 100%');
INSERT INTO quoting VALUES (2, E'back\\slash \\:x ''quote''' || '\:y \n');
INSERT INTO quoting VALUES (3, $q$ dollar 'x' :z %% \ $q$);
CREATE FUNCTION quoting_f(a int) RETURNS text LANGUAGE plpgsql AS $body$
BEGIN
    RETURN a::text || ':' || '%';  -- :comment %
END
$body$;

-- retort:downgrade
DROP FUNCTION quoting_f(int);
DROP TABLE quoting;
SQL

out=$(rt -d "$P" export alembic "$T/out" 2>&1); rc=$?
is "export alembic: exit 0" "$rc" 0
like "... says what it wrote" "$out" "^Exported 14 revisions to .*/out/versions \(with alembic.ini, env.py and script.py.mako\)"
is "... one file per revision" "$(ls "$T/out/versions" | grep -c '\.py$')" 14

edges() { sed -E 's/ \([^)]*\)//g; s/^(.*) -> ([0-9a-z_]+).*/\1->\2/; s/,//g' | sort; }
is "alembic history: the same ids and graph as retort's" "$(A alem history 2>&1 | edges)" "$(R ret history | edges)"
like "... branch label and merge kept" "$(A alem history 2>&1)" "a003f1a5e3fc \(google\) \(mergepoint\)"
like "... the branch label works in Alembic" "$(A alem heads 2>&1; A alem show google@head 2>&1 | head -1)" "Rev: "

A alem upgrade head >"$T/a.out" 2>&1; rc=$?
is "alembic upgrade head on a fresh database: exit 0" "$rc" 0
[ "$rc" = 0 ] || sed 's/^/# /' "$T/a.out" | tail -20
R ret upgrade head; rc=$?
is "retort upgrade head: exit 0" "$rc" 0
dump alem >"$T/alem.sql"; dump ret >"$T/ret.sql"
check "the same schema (pg_dump --schema-only)" diff "$T/ret.sql" "$T/alem.sql"
q="SELECT string_agg(id || '=' || t, E'\n' ORDER BY id) || quoting_f(7) FROM quoting"
is "quoted data arrives byte for byte" "$(psqlc -d alem "$q")" "$(psqlc -d ret "$q")"
is "... (':word', '%', '\\\\' kept)" "$(psqlc -d alem "SELECT t FROM quoting WHERE id = 1")" "12:word :a1 %s %(x)s 100%"
is "... E'' escapes" "$(psqlc -d alem "SELECT t FROM quoting WHERE id = 2")" "back\\slash \\:x 'quote'\\:y \\n"
is "the same alembic_version rows" "$(psqlc -d alem "SELECT string_agg(version_num, ' ') FROM alembic_version")" \
	"$(psqlc -d ret "SELECT string_agg(version_num, ' ') FROM alembic_version")"
like "the transaction-off revision uses autocommit_block" "$(cat "$T"/out/versions/4d68eb8716bd_*.py)" \
	"with op.get_context\(\).autocommit_block\(\):"

A alem downgrade base >"$T/a.out" 2>&1; rc=$?
is "alembic downgrade base: exit 0" "$rc" 0
is "... empties the database" "$(psqlc -d alem "SELECT coalesce(string_agg(relname, ' ' ORDER BY relname), '') FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'S', 'v')")" \
	"alembic_version"

# offline: alembic upgrade --sql renders the exported files too
A alem upgrade 8289ba23590a:e0e0e0e0e0e0 --sql >"$T/a.out" 2>&1
like "alembic --sql renders them ('%' single)" "$(cat "$T/a.out")" "100%'\);"

# refused: existing files, COPY FROM STDIN data
out=$(rt -d "$P" export alembic "$T/out" 2>&1); rc=$?
is "export over existing revision files: exit 2" "$rc" 2
like "... names one" "$out" "already exists \(nothing was written\)"
cat >"$P/versions/f0f0f0f0f0f0_copy.sql" <<'SQL'
-- retort:revision f0f0f0f0f0f0
-- retort:down_revision e0e0e0e0e0e0
-- retort:message copy data

-- retort:upgrade
COPY quoting (id, t) FROM STDIN;
9	nine
\.

-- retort:downgrade
DELETE FROM quoting WHERE id = 9;
SQL
out=$(rt -d "$P" export alembic "$T/out2" 2>&1); rc=$?
is "a COPY FROM STDIN revision: exit 2" "$rc" 2
like "... file:line and why" "$out" "f0f0f0f0f0f0_copy.sql:6: COPY ... FROM STDIN data cannot be exported"
is "... nothing written" "$(ls -A "$T/out2" 2>/dev/null)" ""

done_testing
