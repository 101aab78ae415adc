#!/usr/bin/env bash
# retort baseline: tables made by hand outside the migrations (the Google
# integration tables) become a revision recorded as applied; its downgrade
# drops them and the upgrade recreates them identically; --tables limits it;
# the shadow database is always dropped.
. "$RT_SRCDIR/tests/lib/tap.sh"
. "$RT_SRCDIR/tests/lib/pg.sh"
pg_start
copy_sample
P="$T/proj/migrations"
R() { rt -d "$P" --url "$PGURL" -q "$@"; }
dump() { "$PG_BINDIR/pg_dump" -s -d app -T retort_history -T retort_history_id_seq -T alembic_version \
	| grep -v -e '^--' -e '^SET ' -e '^\\\(un\)\{0,1\}restrict' -e 'set_config' -e '^$'; }
shadows() { psqlc -d postgres "SELECT count(*) FROM pg_database WHERE datname LIKE 'retort_shadow_%'"; }

R upgrade 6b70e43fe85a
psqlc "CREATE TABLE gcal_sync (id serial PRIMARY KEY, user_id int NOT NULL REFERENCES users(id),
	token text NOT NULL DEFAULT '', synced_at timestamptz);
	CREATE INDEX gcal_sync_user ON gcal_sync (user_id);
	CREATE TABLE gcal_events (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	sync_id int NOT NULL REFERENCES gcal_sync(id) ON DELETE CASCADE, body jsonb CHECK (body ? 'id'));
	CREATE TABLE scratch (x int);" >/dev/null
dump >"$T/before.sql"

out=$(rt -d "$P" --url "$PGURL" baseline 2>&1); rc=$?
is "baseline without -m: exit 2" "$rc" 2
out=$(rt -d "$P" --url "$PGURL" baseline -m "google calendar tables" --tables gcal_sync,nosuch 2>&1); rc=$?
is "--tables naming no such table: exit 2" "$rc" 2
like "... says which" "$out" "nosuch is not a table outside the migrations"
out=$(rt -d "$P" --url "$PGURL" baseline -m "google calendar tables" --tables users 2>&1); rc=$?
is "--tables naming a table a migration creates: exit 2" "$rc" 2
is "... no shadow database left" "$(shadows)" 0
is "... the database did not move" "$(psqlc "SELECT version_num FROM alembic_version")" 6b70e43fe85a

out=$(rt -d "$P" --url "$PGURL" baseline -m "google calendar tables" --tables gcal_sync,public.gcal_events 2>&1); rc=$?
is "baseline --tables: exit 0" "$rc" 0
like "... says what it wrote" "$out" "^Generated .*_google_calendar_tables.sql \([0-9a-f]{12}\), recorded as applied: public.gcal_events public.gcal_sync$"
f=$(ls "$P"/versions/*_google_calendar_tables.sql)
id=$(sed -n 's/^-- retort:revision //p' "$f")
is "... parent: the database's revision" "$(sed -n 's/^-- retort:down_revision //p' "$f")" 6b70e43fe85a
like "... the upgrade creates them" "$(cat "$f")" "CREATE TABLE public.gcal_events"
unlike "... not the table left out" "$(cat "$f")" "scratch"
unlike "... no SET or set_config noise" "$(cat "$f")" "^SET |set_config|\\\\restrict"
like "... the downgrade drops them" "$(cat "$f")" "DROP TABLE public.gcal_sync, public.gcal_events;"
is "recorded as applied" "$(psqlc "SELECT version_num FROM alembic_version")" "$id"
is "... with a stamp row in retort_history" "$(psqlc "SELECT direction, outcome, checksum IS NOT NULL FROM retort_history WHERE revision = '$id'")" "stamp|ok|t"
is "... nothing ran: the tables are untouched" "$(dump)" "$(cat "$T/before.sql")"
is "no shadow database left" "$(shadows)" 0
check "retort check-style load: the file parses (retort show)" rt -d "$P" show "$id"

psqlc "INSERT INTO users (username, email) VALUES ('a', 'a@x')" >/dev/null 2>&1
R downgrade -1; rc=$?
is "retort downgrade of the baseline: exit 0" "$rc" 0
is "... drops them" "$(psqlc "SELECT count(*) FROM pg_class WHERE relname IN ('gcal_sync', 'gcal_events')")" 0
is "... not the other table" "$(psqlc "SELECT to_regclass('scratch') IS NOT NULL")" t
R upgrade "$id"; rc=$?
is "upgrade recreates them: exit 0" "$rc" 0
check "... identically (pg_dump --schema-only)" diff "$T/before.sql" <(dump)

# the rest: scratch, without --tables
out=$(rt -d "$P" --url "$PGURL" baseline -m "scratch" 2>&1); rc=$?
is "baseline of all the rest: exit 0" "$rc" 0
like "... just scratch" "$out" "recorded as applied: public.scratch$"
out=$(rt -d "$P" --url "$PGURL" baseline -m "again" 2>&1); rc=$?
is "nothing left outside the migrations: exit 2" "$rc" 2
like "... says so" "$out" "no table outside the migrations"
is "no shadow database left" "$(shadows)" 0
done_testing
