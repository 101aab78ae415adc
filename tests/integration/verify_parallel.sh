#!/usr/bin/env bash
# retort verify builds the migrations and the declared schema in two shadow
# databases at once (two backends): both slow builds are seen running
# together; Ctrl-C stops both at once (exit 130, no shadow left, nothing
# still running); a declared schema that does not load while the migrations
# build is "schema.sql:LINE:" (exit 2) and no shadow is left.
. "$RT_SRCDIR/tests/lib/tap.sh"
. "$RT_SRCDIR/tests/lib/pg.sh"
. "$RT_SRCDIR/tests/lib/mig.sh"
pg_start
P="$T/p"
R() { rt -d "$P" --url "$PGURL" "$@"; }
shadows() { psqlc -d postgres "SELECT count(*) FROM pg_database WHERE datname LIKE 'retort_shadow_%'"; }
# sleeping: the shadow backends inside the builds' pg_sleep(5)
sleeping() { psqlc -d postgres "SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(5)%' AND datname LIKE 'retort_shadow_%'"; }

mig "$P" a001 none "a slow table" "CREATE TABLE a (id int PRIMARY KEY);
SELECT pg_sleep(5);" "DROP TABLE a;"
check "upgrade head" R -q upgrade head
printf 'CREATE TABLE a (id int PRIMARY KEY);\nSELECT pg_sleep(5);\n' >"$P/schema.sql"

# retort itself in the background, not a subshell of R (which would ignore SIGINT)
env -u DATABASE_URL "$RETORT" -d "$P" --url "$PGURL" verify --no-cache >"$T/int.out" 2>&1 &
rp=$!
most=0
for _ in $(seq 80); do
	n=$(sleeping)
	[ "$n" -gt "$most" ] && most=$n
	[ "$most" -ge 2 ] && break
	sleep 0.05
done
is "both shadow builds run at once" "$most" 2
kill -INT $rp
t0=$(date +%s.%N)
wait $rp; rc=$?
t1=$(date +%s.%N)
is "Ctrl-C during verify exits 130" "$rc" 130
check "... at once (not after the 5 s statements)" test "$(echo "$t1 - $t0 < 3" | bc)" = 1
is "... no shadow database left" "$(shadows)" 0
is "... nothing still running on the server" "$(sleeping)" 0

out=$(R verify --no-cache 2>&1); rc=$?
is "uninterrupted: exit 0" "$rc" 0
like "... clean" "$out" "^clean"
is "... no shadow database left" "$(shadows)" 0

printf 'CREATE TABLE a (id int PRIMARY KEY);\nCREATE TABLE b (x nosuchtype);\n' >"$P/schema.sql"
out=$(R verify --no-cache 2>&1); rc=$?
is "a declared schema that does not load while the migrations build: exit 2" "$rc" 2
like "... file:line" "$out" "schema\.sql:2: type \"nosuchtype\" does not exist"
is "... no shadow database left" "$(shadows)" 0
is "... nothing still running on the server" "$(sleeping)" 0
done_testing
