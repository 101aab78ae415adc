#!/usr/bin/env bash
# retort_history keeps each upgraded revision's file as applied
# (applied_file, bytea): its SHA-256 is the checksum column, online and
# through the offline SQL run by psql; a log an older retort made (no such
# column) gets it at the next run, and reading it where it is missing is not
# an error.
. "$RT_SRCDIR/tests/lib/tap.sh"
. "$RT_SRCDIR/tests/lib/pg.sh"
pg_start
copy_sample
P="$T/proj/migrations"
R() { rt -d "$P" --url "$PGURL" "$@"; }

R -q upgrade head || bail "upgrade head failed"
is "every upgrade kept its file" \
	"$(psqlc "SELECT count(*) FROM retort_history WHERE direction = 'upgrade' AND applied_file IS NULL")" 0
is "... whose SHA-256 is the checksum recorded" \
	"$(psqlc "SELECT count(*) FROM retort_history WHERE direction = 'upgrade' AND encode(sha256(applied_file), 'hex') <> checksum")" 0
f=$(ls "$P"/versions/4d68eb8716bd_*.sql)
is "... byte for byte the file (a transaction-off revision too)" \
	"$(psqlc "SELECT encode(sha256(applied_file), 'hex') FROM retort_history WHERE revision = '4d68eb8716bd'")" \
	"$(sha256sum "$f" | cut -d' ' -f1)"

# the offline SQL, run by psql, keeps them as well
"$PG_BINDIR/psql" -qX -d postgres -c "CREATE DATABASE off" >/dev/null
rt -d "$P" upgrade head --sql >"$T/plan.sql" 2>"$T/err" || bail "--sql failed: $(cat "$T/err")"
"$PG_BINDIR/psql" -qX -v ON_ERROR_STOP=1 -d off -f "$T/plan.sql" >/dev/null 2>"$T/err"
is "the offline SQL runs in psql" "$?" 0
is "... and keeps every file" \
	"$(psqlc_db() { "$PG_BINDIR/psql" -qXAt -d off -c "$1"; }; psqlc_db "SELECT count(*) FROM retort_history WHERE direction = 'upgrade' AND encode(sha256(applied_file), 'hex') = checksum")" \
	"$(ls "$P"/versions/*.sql | wc -l)"

# a log an older retort made: the column comes back at the next run
psqlc "ALTER TABLE retort_history DROP COLUMN applied_file" >/dev/null
R -q downgrade -1 || bail "downgrade failed"
is "the next run adds the column to an older log" \
	"$(psqlc "SELECT count(*) FROM pg_attribute WHERE attrelid = 'retort_history'::regclass AND attname = 'applied_file' AND NOT attisdropped")" 1
R -q upgrade head || bail "upgrade failed"
is "... and keeps the file of what it upgrades" \
	"$(psqlc "SELECT encode(sha256(applied_file), 'hex') = checksum FROM retort_history WHERE direction = 'upgrade' ORDER BY id DESC LIMIT 1")" t
is "downgrades keep no file" \
	"$(psqlc "SELECT count(*) FROM retort_history WHERE direction = 'downgrade' AND applied_file IS NOT NULL")" 0
done_testing
