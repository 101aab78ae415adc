#!/usr/bin/env bash
# Shadow databases go to the server's scratch tablespace (retort_scratch, the
# one the sandbox makes on tmpfs) when there is one the role may use; when
# its directory is gone (a tmpfs after a reboot) or the role may not, to the
# default tablespace, silently; the builds are the same either way.
. "$RT_SRCDIR/tests/lib/tap.sh"
. "$RT_SRCDIR/tests/lib/pg.sh"
. "$RT_SRCDIR/tests/lib/mig.sh"
pg_start
P="$T/p"
R() { rt -d "$P" --url "$PGURL" "$@"; }
# in_scratch: shadow databases the server log shows made in the scratch tablespace
in_scratch() { grep -c "CREATE DATABASE .*retort_shadow_.* TABLESPACE retort_scratch" "$T/server.log"; }

mig "$P" s001 none "a table" "CREATE TABLE a (id int PRIMARY KEY);" "DROP TABLE a;"
mig "$P" s002 s001 "an index" "CREATE INDEX ix_a ON a (id);" "DROP INDEX ix_a;"
TS="$T/ts"
mkdir "$TS"
[ "$(id -u)" = 0 ] && chown postgres "$TS"
psqlc "CREATE TABLESPACE retort_scratch LOCATION '$TS'"
psqlc "ALTER SYSTEM SET log_statement = 'ddl'" >/dev/null
psqlc "SELECT pg_reload_conf()" >/dev/null

out=$(R schema 2>&1); rc=$?
is "schema: exit 0" "$rc" 0
like "... the model of the migrations" "$out" "CREATE INDEX ix_a ON public.a"
is "... its shadow was made in the scratch tablespace" "$(in_scratch)" 1
is "... and dropped from it" "$(find "$TS" -mindepth 2 | wc -l)" 0
out=$(R check 2>&1); rc=$?
is "check: exit 0" "$rc" 0
is "... its shadow there too" "$(in_scratch)" 2

# the directory is gone (tmpfs after a reboot): the default tablespace
rm -rf "${TS:?}"/PG_*
out=$(R check 2>&1); rc=$?
is "check without the scratch directory: exit 0" "$rc" 0
is "... ok" "$out" "ok: 2 revisions, each downgrade undoes its upgrade"
like "... after the server refused the scratch tablespace" "$(cat "$T/server.log")" \
	"could not create directory"
is "no shadow database left" \
	"$(psqlc -d postgres "SELECT count(*) FROM pg_database WHERE datname LIKE 'retort_shadow_%'")" 0

# a role that may create databases but not in the tablespace: the default one
psqlc "DROP TABLESPACE retort_scratch"
psqlc "CREATE TABLESPACE retort_scratch LOCATION '$TS'"
psqlc "CREATE ROLE plain LOGIN CREATEDB"
psqlc "GRANT ALL ON SCHEMA public TO plain"
PLAIN_URL=${PGURL/postgres@/plain@}
n=$(in_scratch)
out=$(rt -d "$P" --url "$PLAIN_URL" schema 2>&1); rc=$?
is "a role without CREATE on it: exit 0" "$rc" 0
like "... the same model" "$out" "CREATE INDEX ix_a ON public.a"
is "... not in the scratch tablespace" "$(in_scratch)" "$n"
psqlc "GRANT CREATE ON TABLESPACE retort_scratch TO plain"
out=$(rt -d "$P" --url "$PLAIN_URL" schema 2>&1); rc=$?
is "granted CREATE on it: exit 0" "$rc" 0
is "... there" "$(in_scratch)" "$((n + 1))"
done_testing
