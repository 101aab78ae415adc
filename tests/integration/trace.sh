#!/usr/bin/env bash
# retort lint --trace (issue 13 item 2): each revision run in a shadow
# database inside a transaction, rolled back, reporting the locks its own
# backend took on tables that existed before it and the tables it
# rewrote: a type change takes ACCESS EXCLUSIVE and rewrites, a plain
# CREATE INDEX takes SHARE, a fresh table reports nothing; the live
# database and the shadow are left as they were.
. "$RT_SRCDIR/tests/lib/tap.sh"
. "$RT_SRCDIR/tests/lib/pg.sh"
pg_start
P="$T/proj"
mkdir -p "$P/versions"
R() { rt -d "$P" --url "$PGURL" "$@"; }
mig() {   # mig ID PARENT UPGRADE-SQL DOWNGRADE-SQL [HEADER]
	{ printf -- '-- retort:revision %s\n-- retort:down_revision %s\n-- retort:message %s\n' "$1" "$2" "$1"
	  [ -n "${5:-}" ] && printf '%s\n' "$5"
	  printf '\n-- retort:upgrade\n%s\n\n-- retort:downgrade\n%s\n' "$3" "$4"; } >"$P/versions/$1_m.sql"
}
shadows() { psqlc -d postgres "SELECT count(*) FROM pg_database WHERE datname LIKE 'retort_shadow_%'"; }
mig t1 none "CREATE TABLE t (id int PRIMARY KEY, v int);
CREATE INDEX t_id_v ON t (id, v);" "DROP TABLE t;"
mig t2 t1 "-- retort:allow changing-column-type because the test wants it
ALTER TABLE t ALTER COLUMN v TYPE bigint;" "ALTER TABLE t ALTER COLUMN v TYPE int;"
mig t3 t2 "-- retort:allow require-concurrent-index-creation because the test wants it
CREATE INDEX t_v ON t (v);" "DROP INDEX t_v;"
mig t4 t3 "-- retort:allow changing-column-type because varchar to text needs no rewrite
ALTER TABLE t ADD COLUMN s varchar(10);
ALTER TABLE t ALTER COLUMN s TYPE text;" "ALTER TABLE t DROP COLUMN s;"
mig t5 t4 "CREATE INDEX CONCURRENTLY t_s ON t (s);" "DROP INDEX CONCURRENTLY t_s;" "-- retort:transaction off"

R lint --trace >"$T/out" 2>"$T/err"; rc=$?
is "lint --trace: exit 0 (trace findings are information)" "$rc" 0
f2="$P/versions/t2_m.sql"; f3="$P/versions/t3_m.sql"; f4="$P/versions/t4_m.sql"
like "the type change takes ACCESS EXCLUSIVE on t" "$(cat "$T/out")" "^$f2:7: trace: takes ACCESS EXCLUSIVE on t$"
like "... and rewrites t" "$(cat "$T/out")" "^$f2:7: trace: rewrites t$"
like "... and its primary key's index (rebuilt in place)" "$(cat "$T/out")" "^$f2:7: trace: rewrites t_pkey$"
like "the plain CREATE INDEX takes SHARE on t" "$(cat "$T/out")" "^$f3:7: trace: takes SHARE on t$"
unlike "... and rewrites nothing" "$(grep "^$f3" "$T/out")" "rewrites"
unlike "the fresh table of t1 reports nothing" "$(cat "$T/out")" "t1_m.sql:[0-9]+: trace"
like "varchar to text: ACCESS EXCLUSIVE" "$(cat "$T/out")" "^$f4:7: trace: takes ACCESS EXCLUSIVE on t$"
unlike "... but no rewrite (what no static rule knows)" "$(grep "^$f4" "$T/out")" "rewrites t$"
like "a transaction-off revision is not run, and says so" "$(cat "$T/out")" "t5_m.sql: trace: transaction off: not traced"
is "no shadow database left" "$(shadows)" 0
is "the live database untouched" "$(psqlc "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")" 0

R lint --trace t3 >"$T/out" 2>"$T/err"; rc=$?
is "one revision traced: exit 0" "$rc" 0
is "... only its lines" "$(grep -c ': trace: ' "$T/out")" 1
R lint --trace --format json t2 >"$T/json" 2>"$T/err"; rc=$?
is "--format json: exit 0" "$rc" 0
is "... one array with the trace rows" \
	"$(python3 -c "import json; d=json.load(open('$T/json')); print(sorted((r['rule'], r['line'], r['message']) for r in d if r['rule'].startswith('trace')))")" \
	"[('trace-lock', 7, 'takes ACCESS EXCLUSIVE on t'), ('trace-lock', 7, 'takes ACCESS EXCLUSIVE on t_id_v'), ('trace-lock', 7, 'takes ACCESS EXCLUSIVE on t_pkey'), ('trace-lock', 7, 'takes SHARE on t'), ('trace-rewrite', 7, 'rewrites t'), ('trace-rewrite', 7, 'rewrites t_pkey')]"
R lint --trace --format sarif >/dev/null 2>&1; is "--trace with sarif: exit 2" "$?" 2

# one revision is traced by the engine's trace job (rt_trace_start): its
# shadow built at the revision's parents only, then the trace, then dropped
R lint --trace t4 >"$T/out" 2>"$T/err"; rc=$?
is "the job form (one revision): exit 0" "$rc" 0
like "... varchar to text: ACCESS EXCLUSIVE on t" "$(cat "$T/out")" "^$f4:7: trace: takes ACCESS EXCLUSIVE on t$"
unlike "... no rewrite of t" "$(cat "$T/out")" "rewrites t$"
is "... only t4's trace lines" "$(grep ': trace: ' "$T/out" | grep -vc "^$f4:")" 0
is "... no shadow database left" "$(shadows)" 0
R lint --trace t2 >"$T/out" 2>"$T/err"
like "the job form: the type change rewrites t" "$(cat "$T/out")" "^$f2:7: trace: rewrites t$"
R lint --trace t5 >"$T/out" 2>"$T/err"; rc=$?
is "the job form, transaction off: exit 0" "$rc" 0
like "... not traced, and says so" "$(cat "$T/out")" "t5_m.sql: trace: transaction off: not traced"
is "... no shadow database left" "$(shadows)" 0
# Ctrl-C while the shadow is being built: exit 130, the shadow dropped
mig s1 t5 "SELECT pg_sleep(30);" "SELECT 1;"
mig s2 s1 "ALTER TABLE t ADD COLUMN z int;" "ALTER TABLE t DROP COLUMN z;"
"$RETORT" -d "$P" --url "$PGURL" lint --trace s2 >"$T/out" 2>"$T/err" &
pid=$!
for _ in $(seq 100); do
	[ "$(psqlc -d postgres "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(30)%'")" = 1 ] && break
	sleep 0.1
done
kill -INT "$pid"; wait "$pid"; rc=$?
is "Ctrl-C during the job's shadow build: exit 130" "$rc" 130
unlike "... and no trace printed" "$(cat "$T/out")" "trace: "
is "... no shadow database left" "$(shadows)" 0
rm "$P/versions/s1_m.sql" "$P/versions/s2_m.sql"

# a statement that fails in the shadow ends that revision's trace with a note
mig t6 t5 "ALTER TABLE no_such ADD COLUMN x int;" "SELECT 1;"
R lint --trace t6 >"$T/out" 2>"$T/err"; rc=$?
like "a failing statement is a note" "$(cat "$T/out")" "t6_m.sql: trace: line 6 failed in the shadow database: relation \"no_such\" does not exist"
is "no shadow database left" "$(shadows)" 0
# the job form on a merge: the shadow gets both parents before the trace
mig b1 none "CREATE TABLE other (id int);" "DROP TABLE other;"
mig mg "t4 b1" "ALTER TABLE other ADD COLUMN q int;
ALTER TABLE t ADD COLUMN w int;" "ALTER TABLE t DROP COLUMN w;
ALTER TABLE other DROP COLUMN q;"
R lint --trace mg >"$T/out" 2>"$T/err"; rc=$?
is "a merge traced: exit 0" "$rc" 0
fm="$P/versions/mg_m.sql"
like "... its first parent's table" "$(cat "$T/out")" "^$fm:7: trace: takes ACCESS EXCLUSIVE on t$"
like "... and its second's" "$(cat "$T/out")" "^$fm:6: trace: takes ACCESS EXCLUSIVE on other$"
unlike "... no statement failed" "$(cat "$T/out")" "failed in the shadow"
is "... no shadow database left" "$(shadows)" 0
done_testing
