#!/usr/bin/env bash
# Ctrl-C during the data commands: export stops the server's COPY, leaves no
# output file (nor its temporary) and exits 130; reset interrupted in its
# upgrade leaves the database at the last completed revision and exits 130.
. "$RT_SRCDIR/tests/lib/tap.sh"
. "$RT_SRCDIR/tests/lib/pg.sh"
. "$RT_SRCDIR/tests/lib/mig.sh"
pg_start
P="$T/p"
R() { rt -d "$P" --url "$PGURL" "$@"; }
# the command itself, not a shell function, so that $! is retort's pid
RETORT_ARGS=(env -u DATABASE_URL "$RETORT" -d "$P" --url "$PGURL")
mig "$P" d1 none "items" "CREATE TABLE items (id int PRIMARY KEY, name text);
INSERT INTO items SELECT i, 'item ' || i FROM generate_series(1, 1000) i;" "DROP TABLE items;"
mig "$P" d2 d1 "slow" "CREATE TABLE slow (id int);
SELECT pg_sleep(3);" "DROP TABLE slow;"
R -q upgrade head
active() { psqlc "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query LIKE '$1' AND pid <> pg_backend_pid()"; }
wait_active() {
	for _ in $(seq 200); do
		[ "$(active "$1")" -ge 1 ] && return 0
		sleep 0.05
	done
	return 1
}

# export: 1,000 rows at 10 ms each through --where, so it runs for 10 s
mkdir "$T/out"
"${RETORT_ARGS[@]}" export items -o "$T/out/items.csv" --where "pg_sleep(0.01) IS NOT NULL" \
	>"$T/export.out" 2>"$T/export.err" &
pid=$!
check "export: the server runs its COPY" wait_active "COPY (SELECT%"
kill -INT "$pid"; wait "$pid"; rc=$?
is "Ctrl-C during export exits 130" "$rc" 130
like "... and says it was cancelled" "$(cat "$T/export.err")" "cancel"
is "... no output file, nor a temporary one" "$(ls -A "$T/out")" ""
sleep 0.3
is "... no backend still runs the COPY" "$(active "COPY (SELECT%")" 0

# reset: drop, then the upgrade's slow revision interrupted
"${RETORT_ARGS[@]}" reset -y --no-seed >"$T/reset.out" 2>"$T/reset.err" &
pid=$!
check "reset: the upgrade reaches the slow revision" wait_active "SELECT pg_sleep(3)%"
kill -INT "$pid"; wait "$pid"; rc=$?
is "Ctrl-C during reset's upgrade exits 130" "$rc" 130
is "... the database is at the last completed revision" "$(psqlc 'SELECT version_num FROM alembic_version')" d1
is "... d1 made its table again, d2 did not" "$(psqlc "SELECT to_regclass('items') IS NOT NULL, to_regclass('slow') IS NULL")" "t|t"
is "... the history ends with d2 cancelled" "$(psqlc "SELECT revision || ' ' || outcome FROM retort_history ORDER BY id DESC LIMIT 1")" "d2 failed"
check "... and an upgrade then finishes the job" R -q upgrade head
is "... at d2" "$(psqlc 'SELECT version_num FROM alembic_version')" d2
done_testing
