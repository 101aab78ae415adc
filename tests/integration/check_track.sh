#!/usr/bin/env bash
# retort check with the shadow's change log (event triggers: after each step
# only what it touched is read) finds exactly what whole reads find, on the
# changes a log can miss: a renamed column under a view, a renamed table
# that a foreign key names, a drop that cascades to another table's
# constraint, a sequence OWNED BY a column, a trigger and its function, a
# domain, comments, a schema of enum, range and composite types, row
# security and policies, a materialized view and its index (the partial
# read runs only the queries its anchors can need); and a role that may not make event triggers still
# gets the same findings (whole reads, automatically).
. "$RT_SRCDIR/tests/lib/tap.sh"
. "$RT_SRCDIR/tests/lib/pg.sh"
. "$RT_SRCDIR/tests/lib/mig.sh"
pg_start
P="$T/p"
R() { rt -d "$P" --url "$PGURL" "$@"; }

mig "$P" k001 none "a and a view" "CREATE TABLE a (id int PRIMARY KEY, name text);
CREATE VIEW v AS SELECT id, name FROM a;
COMMENT ON COLUMN a.name IS 'the name';" "DROP VIEW v;
DROP TABLE a;"
mig "$P" k002 k001 "rename a column under the view" \
	"ALTER TABLE a RENAME COLUMN name TO title;" "ALTER TABLE a RENAME COLUMN title TO name;"
mig "$P" k003 k002 "b references a" "CREATE TABLE b (id int PRIMARY KEY, a_id int REFERENCES a (id));
CREATE INDEX ix_b_a ON b (a_id);
COMMENT ON INDEX ix_b_a IS 'lookups by a';" "DROP TABLE b;"
mig "$P" k004 k003 "forgets an index and a function" "CREATE INDEX IF NOT EXISTS ix_a_title ON a (title);
CREATE OR REPLACE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS \$\$ BEGIN RETURN NEW; END \$\$;
CREATE TRIGGER tr_b BEFORE INSERT ON b FOR EACH ROW EXECUTE FUNCTION touch();" "DROP TRIGGER tr_b ON b;"
mig "$P" k005 k004 "rename the referenced table" "ALTER TABLE a RENAME TO a2;" "ALTER TABLE a2 RENAME TO a;"
mig "$P" k006 k005 "a drop that cascades" "CREATE TABLE p (id int PRIMARY KEY);
ALTER TABLE b ADD COLUMN IF NOT EXISTS p_id int REFERENCES p (id);" "DROP TABLE p CASCADE;"
mig "$P" k007 k006 "a sequence owned by a column" "CREATE SEQUENCE s OWNED BY b.id;
CREATE DOMAIN posint AS int CHECK (VALUE > 0);
ALTER TABLE b ADD COLUMN n posint;" "ALTER TABLE b DROP COLUMN n;
DROP DOMAIN posint;
DROP SEQUENCE s;"
mig "$P" k008 k007 "a default and a changed type" "ALTER TABLE b ALTER COLUMN a_id TYPE bigint;
ALTER TABLE b ALTER COLUMN a_id SET DEFAULT 0;" "ALTER TABLE b ALTER COLUMN a_id DROP DEFAULT;"
mig "$P" k009 k008 "a schema of types, row security, a materialized view" "CREATE SCHEMA app;
CREATE TYPE app.mood AS ENUM ('sad', 'ok');
CREATE TYPE app.span AS RANGE (subtype = int4);
CREATE TYPE app.pair AS (x int, y int);
CREATE TABLE app.t (id int PRIMARY KEY, m app.mood, s app.span, p app.pair);
ALTER TABLE app.t ENABLE ROW LEVEL SECURITY;
CREATE POLICY own ON app.t USING (id > 0);
CREATE MATERIALIZED VIEW app.mv AS SELECT id FROM app.t;
CREATE INDEX ix_mv ON app.mv (id);
COMMENT ON CONSTRAINT t_pkey ON app.t IS 'the key';
COMMENT ON TYPE app.pair IS 'a pair';" "DROP SCHEMA app CASCADE;"
mig "$P" k010 k009 "forgets an enum value, a policy, a comment, an attribute" "ALTER TYPE app.mood ADD VALUE 'glad';
CREATE POLICY reads ON app.t FOR SELECT USING (true);
ALTER TABLE app.t FORCE ROW LEVEL SECURITY;
COMMENT ON MATERIALIZED VIEW app.mv IS 'ids';
ALTER TYPE app.pair ADD ATTRIBUTE z int;" "ALTER TABLE app.t NO FORCE ROW LEVEL SECURITY;"

R check -v >"$T/tracked" 2>"$T/tracked.err"; rc=$?
is "tracked: exit 1 (findings)" "$rc" 1
like "... it read through the change log" "$(cat "$T/tracked.err")" "check: after each step, read what it touched"
R check -v --whole-reads >"$T/whole" 2>"$T/whole.err"; rc=$?
is "whole reads: exit 1" "$rc" 1
like "... it read the whole schema" "$(cat "$T/whole.err")" "check: after each step, read the whole schema"
is "the same findings, byte for byte" "$(cat "$T/tracked")" "$(cat "$T/whole")"
like "the forgotten index is found" "$(cat "$T/tracked")" \
	"round-trip: revision k004: index public.ix_a_title: left behind by upgrade \+ downgrade"
like "the forgotten function is found" "$(cat "$T/tracked")" \
	"round-trip: revision k004: function public.touch\(\): left behind"
like "the column the cascade left is found" "$(cat "$T/tracked")" \
	"round-trip: revision k006: table public.b: column p_id: left behind"
like "the type change kept by the downgrade is found" "$(cat "$T/tracked")" \
	"round-trip: revision k008: table public.b: column a_id: changed by upgrade \+ downgrade: type integer -> bigint"
like "the enum value left behind is found" "$(cat "$T/tracked")" \
	"round-trip: revision k010: type app.mood: changed by upgrade \+ downgrade: definition .sad., .ok. -> .sad., .ok., .glad.$"
like "the policy left behind is found" "$(cat "$T/tracked")" \
	"round-trip: revision k010: table app.t: policy reads: left behind"
like "the comment left behind is found" "$(cat "$T/tracked")" \
	"round-trip: revision k010: comment on MATERIALIZED VIEW app.mv: left behind"
like "the composite type's new attribute is found" "$(cat "$T/tracked")" \
	"round-trip: revision k010: type app.pair: changed by upgrade \+ downgrade"
unlike "the schema of k009 undoes itself" "$(cat "$T/tracked")" "revision k009"
unlike "the renames undo themselves" "$(cat "$T/tracked")" "revision k00[25]"
unlike "the sequence, domain and column of k007 too" "$(cat "$T/tracked")" "revision k007"
unlike "no internal object is reported" "$(cat "$T/tracked")" "rt_anchor|rt_ddl|rt_owner|rt_touched"

# a role that may create databases but not event triggers: whole reads, same findings
psqlc "CREATE ROLE plain LOGIN CREATEDB"
PLAIN_URL=${PGURL/postgres@/plain@}
[ "$PLAIN_URL" != "$PGURL" ] || PLAIN_URL="$PGURL&user=plain"
psqlc "GRANT ALL ON SCHEMA public TO plain"
rt -d "$P" --url "$PLAIN_URL" check -v >"$T/plain" 2>"$T/plain.err"; rc=$?
is "a plain role: exit 1" "$rc" 1
like "... reads the whole schema" "$(cat "$T/plain.err")" "check: after each step, read the whole schema"
is "... the same findings" "$(cat "$T/plain")" "$(cat "$T/tracked")"

# a clean chain stays clean, and no shadow database is left behind
rm "$P"/versions/k00[4-9]_*.sql "$P"/versions/k010_*.sql
out=$(R check -v 2>&1); rc=$?
is "the clean part of the chain: exit 0" "$rc" 0
like "... says so" "$out" "ok: 3 revisions, each downgrade undoes its upgrade"
is "no shadow database left" \
	"$(psqlc -d postgres "SELECT count(*) FROM pg_database WHERE datname LIKE 'retort_shadow_%'")" 0
done_testing
