#!/usr/bin/env bash
# A password in the database URL never appears in any output of the
# commands, in --sql output, in retort_history, or in the process list while
# a migration runs; hostile table names are counted, not executed.
. "$RT_SRCDIR/tests/lib/tap.sh"
. "$RT_SRCDIR/tests/lib/pg.sh"
. "$RT_SRCDIR/tests/lib/mig.sh"
. "$RT_SRCDIR/tests/fault/lib.sh"
pg_start
PW="S3cretPw$$"   # unique per run: another suite running at once must not match
SURL="postgresql://postgres:$PW@/app?host=$PGSOCK"
S() { rt -d "$P" --url "$SURL" "$@"; }
mig "$P" s1 none "users" "CREATE TABLE users (id int PRIMARY KEY);" "DROP TABLE users;"
mig "$P" s2 s1 "slow" "SELECT pg_sleep(1.5);" "SELECT 1;"
mig "$P" s3 s2 "fails" "SELECT 1/0;" "SELECT 1;"
: >"$T/all"
run() { "$@" >>"$T/all" 2>&1; echo "rc=$?" >>"$T/all"; }
# the process list while a migration runs (URL from the environment, as advised)
DATABASE_URL=$SURL "$RETORT" -d "$P" upgrade s2 >>"$T/all" 2>&1 &
mig_pid=$!
: >"$T/ps"
for _ in $(seq 60); do ps -eo args >>"$T/ps"; kill -0 "$mig_pid" 2>/dev/null || break; sleep 0.05; done
wait "$mig_pid"
# a password given with --url is overwritten in retort's own command line
R -q downgrade s1
"$RETORT" -d "$P" --url "$SURL" upgrade s2 >/dev/null 2>&1 &
url_pid=$!
for _ in $(seq 40); do grep -q ' upgrade' <(tr '\0' ' ' </proc/$url_pid/cmdline 2>/dev/null) && break; sleep 0.05; done
sleep 0.2
cmdline=$(tr '\0' ' ' </proc/$url_pid/cmdline 2>/dev/null)
wait "$url_pid"
like "--url: retort's command line shows the URL masked" "$cmdline" "--url postgresql://postgres:\*\*\*\*@"
unlike "--url: ... and not the password" "$cmdline" "$PW"
like "the process list was sampled while retort ran" "$(cat "$T/ps")" "retort -d"
unlike "the password is not in the process list" "$(grep -F -- "$PW" "$T/ps")" "$PW"
for cmd in "current" "current -v" "history -v" "heads" "counts" "counts --exact" "counts --format json" \
	"upgrade head" "downgrade -1" "upgrade --sql s1:s3" "downgrade --sql s3:base" "stamp s1 --sql" \
	"upgrade --lock-timeout x" "upgrade nosuch"; do
	run S $cmd
done
run rt -d "$P" --url "postgresql://postgres:$PW@/app?host=$T/nonexistent" current
run rt -d "$P" --url "postgresql://postgres:$PW@/nosuchdb?host=$PGSOCK" current
run rt -d "$P" --url "host=$PGSOCK dbname=nosuchdb user=postgres password=$PW" current
run rt -d "$P" --url "postgresql://postgres:$PW@/app?host=$PGSOCK&sslmode=bogus" current
printf '[env prod]\nurl = %s\nprotected = true\n' "$SURL" >"$P/retort.conf"
run rt -d "$P" upgrade head
run rt -d "$P" --yes upgrade head
run rt -d "$P" -v current
rm "$P/retort.conf"
like "the commands ran (a failing revision among them)" "$(cat "$T/all")" "division by zero"
like "... and a failed connection" "$(cat "$T/all")" "cannot connect to postgresql://postgres:\*\*\*\*@"
unlike "the password is in no output or error message" "$(cat "$T/all")" "$PW"
is "the password is nowhere in retort_history" "$(psqlc "SELECT count(*) FROM retort_history h WHERE h::text LIKE '%$PW%'")" 0
is "... nor in the version table" "$(psqlc "SELECT count(*) FROM alembic_version v WHERE v::text LIKE '%$PW%'")" 0

# hostile table names: counted (estimate and exact), in every format, and never executed
psqlc 'CREATE TABLE "x; DROP TABLE users; --" (id int); INSERT INTO "x; DROP TABLE users; --" VALUES (1)'
psqlc "CREATE TABLE \"it's \"\"quoted\"\"\" (id int); INSERT INTO \"it's \"\"quoted\"\"\" VALUES (1), (2)"
psqlc 'CREATE TABLE "with space, and comma" (id int); INSERT INTO "with space, and comma" VALUES (1), (2), (3)'
psqlc 'CREATE TABLE "new
line" (id int); INSERT INTO "new
line" VALUES (1), (2), (3), (4)'
S counts --exact --format csv >"$T/csv" 2>"$T/err"; rc=$?
is "counts --exact of hostile names exits 0" "$rc" 0
is "... and every hostile name is counted exactly (CSV parsed back)" "$(python3 -c '
import csv, sys
rows = {r[1]: r[3] for r in list(csv.reader(open(sys.argv[1], newline="")))[1:]}
print(rows.get("x; DROP TABLE users; --"), rows.get("it'"'"'s \"quoted\""), rows.get("with space, and comma"), rows.get("new\nline"))' "$T/csv")" "1 2 3 4"
S counts --exact --format json >"$T/json" 2>>"$T/err"
is "... json parses back" "$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); rows=d if isinstance(d, list) else next(v for v in d.values() if isinstance(v, list)); print(sorted(r["exact"] for r in rows if r["table"] != "users" and r["table"] != "alembic_version" and r["table"] != "retort_history"))' "$T/json" 2>&1)" "[1, 2, 3, 4]"
is "... users still exists" "$(psqlc "SELECT to_regclass('users') IS NOT NULL")" t
check "... no sanitizer report" no_sanitizer_report "$T/err" "$T/all"
done_testing
