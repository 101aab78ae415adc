#!/usr/bin/env bash
# retort schema: the schema the migrations produce, built in a shadow
# database and rendered canonically; the sample's schema.sql matches its
# head; deterministic output; -r REV; every kind of object the model reads,
# and a database rebuilt from the rendering renders (and dumps) the same.
. "$RT_SRCDIR/tests/lib/tap.sh"
. "$RT_SRCDIR/tests/lib/pg.sh"
pg_start
copy_sample
P="$T/proj/migrations"
R() { rt -d "$P" --url "$PGURL" "$@"; }
shadows() { psqlc -d postgres "SELECT count(*) FROM pg_database WHERE datname LIKE 'retort_shadow_%'"; }
url_of() { echo "postgresql://postgres@/$1?host=$PGSOCK"; }

R schema >"$T/s1.sql" 2>"$T/err"; rc=$?
is "retort schema: exit 0" "$rc" 0
is "... nothing on stderr" "$(cat "$T/err")" ""
like "... the users table, qualified" "$(cat "$T/s1.sql")" "^CREATE TABLE public.users \($"
like "... a composite primary key" "$(cat "$T/s1.sql")" "CONSTRAINT resumes_pkey PRIMARY KEY \(user_id, serial_number\)"
like "... foreign keys as ALTER TABLE" "$(cat "$T/s1.sql")" "^ALTER TABLE public.google_docs_exports ADD CONSTRAINT google_docs_exports_resume_fkey FOREIGN KEY \(user_id, resume_serial_number\) REFERENCES public.resumes\(user_id, serial_number\) ON DELETE CASCADE;"
like "... json defaults" "$(cat "$T/s1.sql")" "style_config json DEFAULT '\{\}'::json"
like "... comments" "$(cat "$T/s1.sql")" "^COMMENT ON TABLE public.google_auth IS"
unlike "... not retort's own tables" "$(cat "$T/s1.sql")" "alembic_version|retort_history"
is "no shadow database left" "$(shadows)" 0
is "the live database was not touched" "$(psqlc "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")" 0
R schema >"$T/s2.sql"
check "deterministic: a second run gives the same bytes" cmp "$T/s1.sql" "$T/s2.sql"

# the declared schema matches the head
psqlc -d postgres "CREATE DATABASE decl" >/dev/null
"$PG_BINDIR/psql" -qX -v ON_ERROR_STOP=1 -d decl -f "$P/schema.sql" >/dev/null 2>"$T/err"
is "schema.sql loads" "$(cat "$T/err")" ""
rt --url "$(url_of decl)" schema --live >"$T/decl.sql"; rc=$?
is "schema --live: exit 0" "$rc" 0
check "the sample's schema.sql renders exactly as the migrations at head" diff "$T/s1.sql" "$T/decl.sql"

# -r REV: the first revision only
out=$(R schema -r 6ee1c5ab22d4 2>&1); rc=$?
is "schema -r 6ee1c5ab22d4: exit 0" "$rc" 0
like "... has users" "$out" "CREATE TABLE public.users"
unlike "... not what came later" "$out" "resumes|phone"
like "... with the column of then" "$out" "username character varying"
out=$(R schema -r base 2>&1); rc=$?
is "schema -r base: exit 0, empty" "$rc|$out" "0|"
out=$(R schema -r nosuch 2>&1); rc=$?
is "schema -r nosuch: exit 2" "$rc" 2
is "... no shadow database left" "$(shadows)" 0

# --shadow-url: the shadow goes on that server
psqlc -d postgres "CREATE DATABASE other" >/dev/null
out=$(rt -d "$P" --url "postgresql://postgres@/nosuchdb?host=$PGSOCK" schema --shadow-url "$(url_of other)" 2>&1); rc=$?
is "--shadow-url: exit 0 without the env's database" "$rc" 0
is "... same schema" "$out" "$(cat "$T/s1.sql")"

# every kind of object
psqlc -d postgres "CREATE DATABASE kinds" >/dev/null
"$PG_BINDIR/psql" -qX -v ON_ERROR_STOP=1 -d kinds >/dev/null 2>"$T/err" <<'SQL'
CREATE SCHEMA app;
CREATE TYPE app.mood AS ENUM ('sad', 'ok', 'happy');
CREATE DOMAIN app.posint AS integer NOT NULL CHECK (VALUE > 0);
CREATE TABLE app.parent (a int, b text, PRIMARY KEY (a, b), c int CHECK (c > 0),
	shape box, EXCLUDE USING gist (shape WITH &&), d int, EXCLUDE (d WITH =));
CREATE TABLE app.child (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	a int, b text, doc jsonb NOT NULL DEFAULT '{}', tags int[], m app.mood DEFAULT 'ok',
	n app.posint, w numeric(10,2), twice int GENERATED ALWAYS AS (a * 2) STORED,
	name text COLLATE "C");
-- NOT VALID only means something on an existing table
ALTER TABLE app.child ADD CONSTRAINT child_parent_fk FOREIGN KEY (a, b) REFERENCES app.parent (a, b)
	ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED NOT VALID;
CREATE INDEX child_partial ON app.child (a) WHERE a > 10;
CREATE INDEX child_expr ON app.child (lower(b));
CREATE UNIQUE INDEX child_incl ON app.child (a) INCLUDE (b);
CREATE INDEX child_gin ON app.child USING gin (doc);
CREATE SEQUENCE app.counter START 5 INCREMENT 5;
CREATE TABLE app.owner (x int);
ALTER SEQUENCE app.counter OWNED BY app.owner.x;
CREATE VIEW app.v AS SELECT a, b FROM app.child WHERE a > 1;
CREATE MATERIALIZED VIEW app.mv AS SELECT count(*) AS n FROM app.child;
CREATE UNIQUE INDEX mv_n ON app.mv (n);
CREATE FUNCTION app.touch() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN NEW.w := 1; RETURN NEW; END$$;
CREATE TRIGGER child_touch BEFORE INSERT ON app.child FOR EACH ROW EXECUTE FUNCTION app.touch();
CREATE TABLE app.events (at date NOT NULL, v int) PARTITION BY RANGE (at);
CREATE TABLE app.events_2026 PARTITION OF app.events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
COMMENT ON TABLE app.child IS 'children';
COMMENT ON COLUMN app.child.doc IS 'the document';
COMMENT ON TYPE app.mood IS 'how it feels';
SQL
is "the objects are created" "$(cat "$T/err")" ""
rt --url "$(url_of kinds)" schema --live >"$T/k1.sql"; rc=$?
is "schema --live of every kind: exit 0" "$rc" 0
k=$(cat "$T/k1.sql")
like "schema" "$k" "^CREATE SCHEMA app;"
like "enum with its order" "$k" "^CREATE TYPE app.mood AS ENUM \('sad', 'ok', 'happy'\);"
like "domain" "$k" "^CREATE DOMAIN app.posint AS integer NOT NULL CONSTRAINT posint_check CHECK \(\(VALUE > 0\)\);"
like "composite primary key" "$k" "CONSTRAINT parent_pkey PRIMARY KEY \(a, b\)"
like "check constraint" "$k" "CONSTRAINT parent_c_check CHECK \(\(c > 0\)\)"
like "exclusion constraint (gist)" "$k" "CONSTRAINT parent_shape_excl EXCLUDE USING gist \(shape WITH &&\)"
like "exclusion constraint (btree)" "$k" "CONSTRAINT parent_d_excl EXCLUDE USING btree \(d WITH =\)"
like "identity column" "$k" "id bigint GENERATED ALWAYS AS IDENTITY NOT NULL"
like "jsonb with default" "$k" "doc jsonb DEFAULT '\{\}'::jsonb NOT NULL"
like "int[]" "$k" "tags integer\[\],"
like "enum column default" "$k" "m app.mood DEFAULT 'ok'::app.mood"
like "numeric with modifiers" "$k" "w numeric\(10,2\)"
like "generated column" "$k" "twice integer GENERATED ALWAYS AS \(\(a \* 2\)\) STORED"
like "collation" "$k" "name text COLLATE \"C\""
like "FK: cascade, deferrable, not valid" "$k" "ALTER TABLE app.child ADD CONSTRAINT child_parent_fk FOREIGN KEY \(a, b\) REFERENCES app.parent\(a, b\) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED NOT VALID;"
like "partial index" "$k" "CREATE INDEX child_partial ON app.child USING btree \(a\) WHERE \(a > 10\);"
like "expression index" "$k" "CREATE INDEX child_expr ON app.child USING btree \(lower\(b\)\);"
like "INCLUDE index" "$k" "CREATE UNIQUE INDEX child_incl ON app.child USING btree \(a\) INCLUDE \(b\);"
like "index method" "$k" "CREATE INDEX child_gin ON app.child USING gin \(doc\);"
like "sequence" "$k" "CREATE SEQUENCE app.counter AS bigint INCREMENT BY 5 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 5 CACHE 1;"
like "sequence OWNED BY" "$k" "ALTER SEQUENCE app.counter OWNED BY app.owner.x;"
unlike "no identity sequence of its own" "$k" "child_id_seq"
like "view" "$k" "CREATE VIEW app.v AS"
like "materialized view" "$k" "CREATE MATERIALIZED VIEW app.mv AS"
like "index on the materialized view" "$k" "CREATE UNIQUE INDEX mv_n ON app.mv USING btree \(n\);"
like "function" "$k" "CREATE OR REPLACE FUNCTION app.touch\(\)"
like "trigger" "$k" "CREATE TRIGGER child_touch BEFORE INSERT ON app.child FOR EACH ROW EXECUTE FUNCTION app.touch\(\);"
like "partitioned table" "$k" "\) PARTITION BY RANGE \(at\);"
like "partition" "$k" "CREATE TABLE app.events_2026 PARTITION OF app.events FOR VALUES FROM \('2026-01-01'\) TO \('2027-01-01'\);"
like "comment on a table" "$k" "COMMENT ON TABLE app.child IS 'children';"
like "comment on a column" "$k" "COMMENT ON COLUMN app.child.doc IS 'the document';"
like "comment on a type" "$k" "COMMENT ON TYPE app.mood IS 'how it feels';"

# the rendering builds a database that renders, and dumps, the same
psqlc -d postgres "CREATE DATABASE kinds2" >/dev/null
"$PG_BINDIR/psql" -qX -v ON_ERROR_STOP=1 -d kinds2 -f "$T/k1.sql" >/dev/null 2>"$T/err"
is "the rendering loads into an empty database" "$(cat "$T/err")" ""
rt --url "$(url_of kinds2)" schema --live >"$T/k2.sql"
check "... which renders the same" diff "$T/k1.sql" "$T/k2.sql"
dumpsorted() { "$PG_BINDIR/pg_dump" -s -d "$1" | grep -v -e '^--' -e '^SET ' -e '^\\' -e 'set_config' -e '^$' | sort; }
check "... and pg_dump --schema-only of both has the same lines" diff <(dumpsorted kinds) <(dumpsorted kinds2)
is "no shadow database left" "$(shadows)" 0
done_testing
