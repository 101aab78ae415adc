#!/usr/bin/env bash
# COPY ... FROM STDIN with an inline data block (as pg_dump writes it), in
# text and CSV formats, in transactional and transaction-off revisions, live
# and through --sql into psql; a block without its "\." line is bad input; a
# COPY that fails rolls its revision back; COPY TO STDOUT does not hang.
. "$RT_SRCDIR/tests/lib/tap.sh"
. "$RT_SRCDIR/tests/lib/pg.sh"
. "$RT_SRCDIR/tests/lib/mig.sh"
pg_start
P="$T/p"
R() { rt -d "$P" --url "$PGURL" "$@"; }
TAB=$'\t'

mig "$P" c1 none "text copy" "CREATE TABLE s (id int PRIMARY KEY, n text);
COPY s (id, n) FROM stdin;
1${TAB}one
2${TAB}tab\\there
3${TAB}\\N
4${TAB}semi; colon 'quote' \$\$ -- not a comment
\\.
CREATE TABLE after_copy (id int);" "DROP TABLE after_copy; DROP TABLE s;"
mig "$P" c2 c1 "csv copy" "CREATE TABLE c (id int, note text);
COPY c FROM STDIN WITH (FORMAT csv, HEADER true);
id,note
1,\"a, b\"
2,\"two
lines\"
3,
\\.
UPDATE c SET note = 'empty' WHERE note IS NULL;" "DROP TABLE c;"
mig "$P" c3 c2 "copy out" "COPY (SELECT 1) TO STDOUT;
CREATE TABLE c3 (id int);" "DROP TABLE c3;"
mig "$P" c4 c3 "notx copy" "CREATE TABLE n (id int);
COPY n FROM stdin;
7
8
\\.
CREATE INDEX CONCURRENTLY n_id ON n (id);" "DROP TABLE n;" "-- retort:transaction off"

R upgrade >"$T/out" 2>&1; rc=$?
is "an upgrade through text, CSV, TO STDOUT and transaction-off COPY blocks succeeds" "$rc" 0
is "... at the last revision" "$(psqlc 'SELECT version_num FROM alembic_version')" c4
is "text format: the rows, with escapes and NULL" \
	"$(psqlc "SELECT string_agg(id || '=' || coalesce(n, 'NULL'), ',' ORDER BY id) FROM s")" \
	"1=one,2=tab${TAB}here,3=NULL,4=semi; colon 'quote' \$\$ -- not a comment"
is "... and the statement after the block ran" "$(psqlc "SELECT to_regclass('after_copy') IS NOT NULL")" t
is "CSV format: quoted commas, a quoted newline, an empty field" \
	"$(psqlc "SELECT string_agg(id || '=' || note, '|' ORDER BY id) FROM c")" "1=a, b|2=two
lines|3=empty"
is "transaction off: the rows and the index" \
	"$(psqlc "SELECT (SELECT string_agg(id::text, ',' ORDER BY id) FROM n) || ' ' || (to_regclass('n_id') IS NOT NULL)")" "7,8 true"
like "the progress line of the first revision ends ok" "$(cat "$T/out")" "\[1/4\] upgrade   c1  text copy \.\.\. ok"

# the same through offline SQL into psql, on a second database
psqlc -d postgres "CREATE DATABASE off" >/dev/null
R upgrade --sql >"$T/plan.sql" 2>"$T/err"
"$PG_BINDIR/psql" -qX -v ON_ERROR_STOP=1 -d off -f "$T/plan.sql" >"$T/psql.out" 2>&1; rc=$?
is "upgrade --sql with COPY blocks runs under psql -v ON_ERROR_STOP=1" "$rc" 0
is "... with the same rows" "$(psqlc -d off "SELECT string_agg(id || '=' || coalesce(n, 'NULL'), ',' ORDER BY id) FROM s") $(psqlc -d off "SELECT count(*) FROM c")" \
	"1=one,2=tab${TAB}here,3=NULL,4=semi; colon 'quote' \$\$ -- not a comment 3"

# a big block: more than libpq's output buffer, sent as the socket drains
{
	printf '%s\n' "-- retort:revision c5" "-- retort:down_revision c4" "-- retort:message big copy" "" "-- retort:upgrade" \
		"CREATE TABLE big (id int, pad text);" "COPY big FROM stdin;"
	seq 1 200000 | awk '{ printf "%d\tpadding-padding-padding-%d\n", $1, $1 }'
	printf '%s\n' '\.' "" "-- retort:downgrade" "DROP TABLE big;"
} >"$P/versions/c5_big.sql"
R -q upgrade; rc=$?
is "a 200000-row block goes through" "$rc|$(psqlc 'SELECT count(*), sum(id) FROM big')" "0|200000|20000100000"
R -q downgrade -1

# a failing COPY rolls its revision back
mig "$P" c5 c4 "bad copy" "CREATE TABLE bad (id int);
COPY bad FROM stdin;
1
x
\\.
" "DROP TABLE bad;"
R upgrade >"$T/out" 2>"$T/err"; rc=$?
is "a COPY whose data the server refuses fails (exit 1)" "$rc" 1
like "... naming the file and the COPY's line" "$(cat "$T/err")" "c5_bad_copy\.sql:8: ERROR: +invalid input syntax for type integer: \"x\""
is "... and the revision rolled back" "$(psqlc "SELECT version_num FROM alembic_version") $(psqlc "SELECT to_regclass('bad') IS NULL")" "c4 t"

# a block without its "\." line is bad input, refused before anything runs
for flavour in text csv; do
	opt=""; [ "$flavour" = csv ] && opt=" WITH (FORMAT csv)"
	mig "$P" c5 c4 "unterminated $flavour" "CREATE TABLE u (id int);
COPY u FROM stdin$opt;
1
2" "DROP TABLE u;"
	R upgrade >"$T/out" 2>"$T/err"; rc=$?
	is "$flavour COPY block without \\. exits 2" "$rc" 2
	like "... with file:line of the COPY" "$(cat "$T/err")" "c5_unterminated_$flavour\.sql:8: COPY FROM STDIN without its data block ending in a line \\\\\."
	is "... and nothing changed" "$(psqlc "SELECT version_num FROM alembic_version") $(psqlc "SELECT to_regclass('u') IS NULL")" "c4 t"
	rm -f "$P"/versions/c5_*.sql
done
done_testing
