#!/usr/bin/env bash
# Regressions: the engine gaps the fault work (issue 5) found, G1..G13, each
# checked here after its fix.
. "$RT_SRCDIR/tests/lib/tap.sh"
. "$RT_SRCDIR/tests/lib/pg.sh"
. "$RT_SRCDIR/tests/lib/mig.sh"
. "$RT_SRCDIR/tests/fault/lib.sh"
pg_start
mig "$P" h1 none "users" "CREATE TABLE users (id int);" "DROP TABLE users;"
R -q upgrade head
hist() { psqlc "SELECT count(*) FROM retort_history"; }

# G1: a pg_terminate_backend mid-plan is reported as the user's statement failing
slow_chain "$P/d" 30 0.02
rt -d "$P/d" --url "$PGURL" -q upgrade head >/dev/null 2>&1   # warm
psqlc "DROP SCHEMA public CASCADE; CREATE SCHEMA public"
rt -d "$P/d" --url "$PGURL" -q upgrade head >/dev/null 2>"$T/err" &
pid=$!; sleep 0.3
psqlc "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = 'retort'" >/dev/null
wait "$pid"
is "G1 terminated session: says the connection was lost and rerunning is safe" "$(head -1 "$T/err")" \
	"retort: lost the connection to the server; the database is at the last completed revision and rerunning is safe"
reset_db; R -q upgrade head

# G2: SQL that does not split is found only while applying: earlier revisions of
# the plan are applied and a 'failed' row is written before exit 2
mig "$P" h2 h1 "good" "CREATE TABLE good (id int);" "DROP TABLE good;"
cp "$RT_SRCDIR/tests/hostile/migrations/apply_time/unterminated_quote_body.sql" "$P/versions/zz.sql"
sed -i 's/down_revision h2/down_revision h2/' "$P/versions/zz.sql"
h=$(hist)
R upgrade head >"$T/out" 2>"$T/err"; rc=$?
is "G2 unsplittable SQL: exit 2" "$rc" 2
is "G2 ... before anything is applied (h2 not applied)" "$(psqlc 'SELECT version_num FROM alembic_version')" h1
is "G2 ... and no history row written" "$(hist)" "$h"
is "G2 ... and no progress line printed" "$(cat "$T/out")" ""
rm -f "$P/versions/zz.sql" "$P"/versions/h2_*.sql; reset_db; R -q upgrade head

# G3: no line-length limit: a 10 MB message header is accepted and echoed
{ printf -- '-- retort:revision zz1\n-- retort:down_revision h1\n-- retort:message '
  head -c 10485760 /dev/zero | tr '\0' m; printf '\n-- retort:upgrade\nSELECT 1;\n-- retort:downgrade\nSELECT 1;\n'; } >"$P/versions/zz.sql"
R upgrade head >"$T/out" 2>"$T/err"; rc=$?
is "G3 a 10 MB header line: exit 2" "$rc" 2
rm -f "$P/versions/zz.sql"; reset_db; R -q upgrade head

# G4: a config line with a NUL byte is silently cut at the NUL and accepted
cp "$RT_SRCDIR/tests/hostile/gaps/config_nul_byte.conf" "$P/retort.conf"
R current >/dev/null 2>"$T/err"; rc=$?
is "G4 NUL byte in retort.conf: exit 2" "$rc" 2
# G5: "[env ]" (blank env name) crashes the config parser (config.c:346, size -1)
printf '[env ]\n' >"$P/retort.conf"
R current >/dev/null 2>"$T/err"; rc=$?
is "G5 '[env ]' in retort.conf: exit 2, no crash" "$rc" 2
like "G5 ... with a message naming retort.conf:1" "$(head -1 "$T/err")" "^retort: .*retort.conf:1: "
# G6: version_table longer than 63 bytes is accepted; the server truncates it
{ printf '[retort]\nversion_table = '; head -c 100 /dev/zero | tr '\0' v; printf '\n'; } >"$P/retort.conf"
R current >/dev/null 2>"$T/err"; rc=$?
is "G6 version_table of 100 bytes: exit 2" "$rc" 2
rm -f "$P/retort.conf"; reset_db; R -q upgrade head

# G7: the version table's primary key is named after the table as Alembic does
# ("<table>_pkc"), so a second project's version table can share the schema
mig "$P/other" o1 none "other" "CREATE TABLE other_t (id int);" "DROP TABLE other_t;"
printf '[retort]\nversion_table = other_version\n' >"$P/other/retort.conf"
rt -d "$P/other" --url "$PGURL" -q upgrade head 2>"$T/err"; rc=$?
is "G7 a second project's version table in the same schema: exit 0" "$rc" 0
is "G7 ... with its own key name" "$(psqlc "SELECT string_agg(conname, ' ' ORDER BY conname) FROM pg_constraint WHERE conname LIKE '%_pkc'")" \
	"alembic_version_pkc other_version_pkc"
is "G7 ... and both version tables hold their own head" "$(psqlc 'SELECT version_num FROM alembic_version')|$(psqlc 'SELECT version_num FROM other_version')" "h1|o1"

# G8: control characters in arguments are echoed raw (a newline splits the
# one-line error; an escape sequence reaches the terminal)
R upgrade $'r1\nDROP' >/dev/null 2>"$T/err"
is "G8 a newline in a target: the error stays one line" "$(wc -l <"$T/err")" 1
R upgrade $'\e]0;pwned\a' >/dev/null 2>"$T/err"
is "G8 an escape sequence in a target is not echoed raw" "$(grep -c $'\e' "$T/err")" 0

# G9: --lock-timeout nan is accepted (and converted to int: undefined behaviour)
R upgrade head --lock-timeout nan >/dev/null 2>"$T/err"; rc=$?
is "G9 --lock-timeout nan: exit 2" "$rc" 2
# G10: a missing option argument says "unknown option" (getopt optstring lacks ':')
R upgrade --lock-timeout >/dev/null 2>"$T/err"
like "G10 --lock-timeout without its argument says 'missing argument'" "$(head -1 "$T/err")" "missing argument"
# G11: "no command" prints the usage first; the one-line error comes last
rt -d "$P" </dev/null >/dev/null 2>"$T/err"
like "G11 no command: the first line is the error" "$(head -1 "$T/err")" "^retort: no command given"

# G12: a transaction-off revision killed between statements: retort should say which
# statement completed and 'retort resolve' resume from the next one (issue item 5)
mig "$P" h2 h1 "notx" "CREATE TABLE n1 (id int);
SELECT pg_sleep(2);
CREATE TABLE n2 (id int);" "DROP TABLE n2; DROP TABLE n1;" "-- retort:transaction off"
Rbg -q upgrade head >/dev/null 2>&1
pid=$!; sleep 1; kill -KILL "$pid"; wait "$pid" 2>/dev/null
R upgrade head >"$T/out" 2>"$T/err"; rc=$?
like "G12 after a crash in a transaction-off revision the rerun names the completed statement" "$(cat "$T/err" "$T/out")" "revision h2 was interrupted during its upgrade after 1 statement .*run 'retort resolve' first"
R resolve >/dev/null 2>"$T/err"; rc=$?
unlike "G12 'retort resolve' exists" "$(cat "$T/err")" "unknown command"
# G13: DDL lock_timeout: a migration stuck behind a long transaction retries
# with backoff (the application's queries never queue behind it: locks.sh)
# and names the blocking session while it waits
reset_db
mig "$P" h2 h1 "alter" "ALTER TABLE users ADD COLUMN x int;" "ALTER TABLE users DROP COLUMN x;"
R -q upgrade h1
"$PG_BINDIR/psql" -qX -d app -c "BEGIN; LOCK TABLE users IN ACCESS SHARE MODE; SELECT pg_sleep(5); COMMIT;" >/dev/null 2>&1 &
locker=$!; sleep 0.5
R upgrade head >"$T/out" 2>"$T/err"; rc=$?
is "G13 DDL behind a long transaction waits its turn and succeeds" "$rc|$(psqlc 'SELECT version_num FROM alembic_version')" "0|h2"
like "G13 ... retrying" "$(cat "$T/out")" "lock timeout; retrying in"
like "G13 ... naming the blocking session" "$(cat "$T/err")" "h2 is waiting for a lock held by pid [0-9]+ \(application 'psql'"
kill "$locker" 2>/dev/null; wait "$locker" 2>/dev/null
done_testing
