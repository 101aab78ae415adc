#!/usr/bin/env bash
# Row counts: catalog estimates in one query, exact counts in a job on a
# second connection (names escaped, cancellable), text/csv/json.
. "$RT_SRCDIR/tests/lib/tap.sh"
. "$RT_SRCDIR/tests/lib/pg.sh"
pg_start
mkdir -p "$T/p/versions"
R() { rt -d "$T/p" --url "$PGURL" "$@"; }
psqlc 'CREATE TABLE plain (id int); INSERT INTO plain SELECT generate_series(1, 1234)'
psqlc 'CREATE TABLE "x; DROP TABLE plain; --" (id int); INSERT INTO "x; DROP TABLE plain; --" VALUES (1), (2)'
psqlc 'CREATE SCHEMA "Odd Schema"; CREATE TABLE "Odd Schema"."Mixed Case" (v text); INSERT INTO "Odd Schema"."Mixed Case" VALUES ($$a$$)'
psqlc 'CREATE TABLE parted (k int) PARTITION BY RANGE (k); CREATE TABLE parted_1 PARTITION OF parted FOR VALUES FROM (0) TO (100); INSERT INTO parted SELECT generate_series(0, 99)'

out=$(R counts --format csv)
is "estimates list every table once (partitions through their parent)" "$(printf '%s\n' "$out" | sed 1d | cut -d, -f1,2 | sort | paste -sd' ')" \
	'Odd Schema,Mixed Case public,parted public,plain public,x; DROP TABLE plain; --'
is "never-analyzed tables have no estimate (empty, not -1)" "$(printf '%s\n' "$out" | grep '^public,plain,' | cut -d, -f3)" ""
psqlc 'ANALYZE plain'
is "after ANALYZE the estimate is the catalog's" "$(R counts --format csv | grep '^public,plain,' | cut -d, -f3)" 1234
exact=$(R counts --exact --format csv)
is "exact counts" "$(printf '%s\n' "$exact" | sed 1d | cut -d, -f4 | paste -sd' ')" "1 100 1234 2"
like "a table named like an injection is counted, not executed" "$exact" 'public,x; DROP TABLE plain; --,[0-9]*,2,'
is "... and plain still exists" "$(psqlc "SELECT to_regclass('plain') IS NOT NULL")" t
like "exact text output" "$(R counts --exact)" "public.plain +1234 "
json=$(R counts --exact --format json)
like "json: numbers as numbers, an unknown estimate null" "$json" '"schema": "Odd Schema", "table": "Mixed Case", "estimate": (null|[0-9]+), "exact": 1, "bytes": [0-9]+\}'

# a count that waits is cancelled by Ctrl-C (SIGINT): PQcancel, exit 1, says so
psqlc 'CREATE TABLE big (id int); INSERT INTO big SELECT generate_series(1, 1000)'
# hold a lock on big from another session so that count(*) waits on it
"$PG_BINDIR/psql" -qX -d app -c "BEGIN; LOCK TABLE big IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(20); COMMIT;" >/dev/null 2>&1 &
locker=$!
for _ in $(seq 100); do
	[ "$(psqlc "SELECT count(*) FROM pg_locks WHERE relation = 'big'::regclass AND mode = 'AccessExclusiveLock' AND granted")" = 1 ] && break
	sleep 0.05
done
psqlc 'VACUUM ANALYZE plain'
like "the catalog size of an analyzed table" "$(R counts --format csv | grep '^public,plain,')" "^public,plain,1234,,[1-9][0-9]{4,}$"
env -u DATABASE_URL "$RETORT" -d "$T/p" --url "$PGURL" counts >"$T/out" 2>&1; rc=$?
is "estimates do not wait behind a lock" "$rc" 0
env -u DATABASE_URL "$RETORT" -d "$T/p" --url "$PGURL" counts --exact >"$T/out" 2>"$T/err" &
counter=$!
for _ in $(seq 100); do
	[ "$(psqlc "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'retort counts' AND wait_event_type = 'Lock'")" = 1 ] && break
	sleep 0.05
done
kill -INT "$counter"; wait "$counter"; rc=$?
is "Ctrl-C during an exact count exits 130" "$rc" 130
like "... saying it was cancelled" "$(cat "$T/err")" "^retort: counting cancelled after [0-9]+ of [0-9]+ tables"
is "... and the server query is gone" "$(psqlc "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'retort counts'")" 0
kill "$locker" 2>/dev/null; wait "$locker" 2>/dev/null
done_testing
