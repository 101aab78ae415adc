#!/usr/bin/env bash
# retort verify keeps the models of its shadow builds on disk
# (XDG_CACHE_HOME/retort/models): a second verify on unchanged migrations
# builds nothing and reports the same; a manual change of the live database
# is still found; a new revision, an edited declared schema, a damaged
# entry or --no-cache build again.
. "$RT_SRCDIR/tests/lib/tap.sh"
. "$RT_SRCDIR/tests/lib/pg.sh"
. "$RT_SRCDIR/tests/lib/mig.sh"
pg_start
copy_sample
P="$T/proj/migrations"
C="$XDG_CACHE_HOME/retort/models"
R() { rt -d "$P" --url "$PGURL" "$@"; }
# WAL written so far: a shadow build (CREATE DATABASE copies template0 through
# the WAL) writes megabytes, a read-only verify nothing
wal() { psqlc -d postgres "SELECT pg_current_wal_lsn() - '0/0'::pg_lsn"; }
built() { [ $(( $(wal) - $1 )) -gt 1000000 ] && echo yes || echo no; }

R -q upgrade head
out=$(R verify -v 2>&1); rc=$?
is "first verify: exit 0" "$rc" 0
unlike "... builds both models" "$out" "from the cache"
is "... and files them: two entries" "$(ls "$C" | wc -l)" 2
is "... in a private directory" "$(stat -c %a "$C")" 700
before=$(wal)
out=$(R verify -v 2>&1); rc=$?
is "second verify: exit 0" "$rc" 0
like "... takes both models from the cache" "$out" "verify: 2 schema models from the cache in $C"
like "... and is clean" "$out" "clean: the live database matches its migrations and the declared schema"
is "... no shadow database was created" "$(built "$before")" no

# drift is read from the live database every time
psqlc "ALTER TABLE users ADD COLUMN x int" >/dev/null
R verify >"$T/cached.out" 2>&1; rc=$?
is "a manual ALTER TABLE with cached models: exit 1" "$rc" 1
like "... reported as drift" "$(cat "$T/cached.out")" "^drift: table public.users: column x: only in the live database"
R verify --no-cache >"$T/built.out" 2>&1; rc=$?
is "--no-cache: exit 1 too" "$rc" 1
before=$(wal)
R verify --no-cache >/dev/null 2>&1
is "... it builds" "$(built "$before")" yes
is "... the same report, byte for byte" "$(cat "$T/built.out")" "$(cat "$T/cached.out")"
psqlc "ALTER TABLE users DROP COLUMN x" >/dev/null

# a new revision: another key, a build
head=$(R heads | awk '{print $1; exit}')
mig "$P" ccc000000001 "$head" "notes table" "CREATE TABLE notes (id int PRIMARY KEY, body text);" "DROP TABLE notes;"
R -q upgrade head
out=$(R verify -v 2>&1); rc=$?
like "after a new revision: the migrations' model is built again" "$out" "verify: 1 schema model from the cache"
like "... and the new table is not yet declared" "$out" "^undeclared: table public.notes: only in the live database"

# the declared schema edited: its model is built again
printf 'CREATE TABLE public.notes (id integer NOT NULL PRIMARY KEY, body text);\n' >>"$P/schema.sql"
out=$(R verify -v 2>&1); rc=$?
is "after declaring it: exit 0" "$rc" 0
like "... the declared model was built again (one from the cache)" "$out" "verify: 1 schema model from the cache"

# a damaged entry is a miss, rewritten
for f in "$C"/*; do printf 'garbage' >"$f"; done
out=$(R verify -v 2>&1); rc=$?
is "damaged entries: exit 0" "$rc" 0
unlike "... none used" "$out" "from the cache"
out=$(R verify -v 2>&1)
like "... and filed again" "$out" "verify: 2 schema models from the cache"
done_testing
