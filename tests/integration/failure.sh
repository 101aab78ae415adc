#!/usr/bin/env bash
# A failing revision in the middle of a plan leaves the database at the
# previous revision with nothing half-applied, and says file:line.
. "$RT_SRCDIR/tests/lib/tap.sh"
. "$RT_SRCDIR/tests/lib/pg.sh"
. "$RT_SRCDIR/tests/lib/mig.sh"
pg_start
P="$T/p"
R() { rt -d "$P" --url "$PGURL" "$@"; }
mig "$P" a1 none "create accounts" "CREATE TABLE accounts (id int PRIMARY KEY, email text NOT NULL);
INSERT INTO accounts VALUES (1, 'a@example.com');" "DROP TABLE accounts;"
mig "$P" a2 a1 "add audit and bad insert" "CREATE TABLE audit (id int);
ALTER TABLE accounts ADD COLUMN note text;

-- the next statement violates the primary key
INSERT INTO accounts VALUES (1, 'dup@example.com');" "DROP TABLE audit;
ALTER TABLE accounts DROP COLUMN note;"
mig "$P" a3 a2 "never reached" "CREATE TABLE never (id int);" "DROP TABLE never;"
f2=$(ls "$P"/versions/a2_*.sql)

R upgrade head >"$T/out" 2>"$T/err"; rc=$?
is "a failing revision exits 1" "$rc" 1
is "the error names file:line of the failing statement" "$(head -1 "$T/err")" \
	"retort: $f2:11: ERROR: duplicate key value violates unique constraint \"accounts_pkey\""
like "the detail has the SQLSTATE" "$(cat "$T/err")" "SQLSTATE: 23505"
is "the database stays at the previous revision" "$(psqlc 'SELECT version_num FROM alembic_version')" a1
is "nothing of the failed revision remains (table)" "$(psqlc "SELECT to_regclass('audit') IS NULL")" t
is "nothing of the failed revision remains (column)" \
	"$(psqlc "SELECT count(*) FROM information_schema.columns WHERE table_name = 'accounts' AND column_name = 'note'")" 0
is "the revision after it did not run" "$(psqlc "SELECT to_regclass('never') IS NULL")" t
is "the failure is logged" "$(psqlc "SELECT outcome, error LIKE '%duplicate key%' FROM retort_history WHERE revision = 'a2'")" "failed|t"
like "progress shows the failed step" "$(cat "$T/out")" "\[2/3\] upgrade   a2 .* FAILED"

# an error with a position inside a multi-line statement points at its line
mig "$P" a2 a1 "add audit and bad insert" "CREATE TABLE audit (id int);
SELECT 1
  FROM no_such_table;" "DROP TABLE audit;"
R upgrade head >/dev/null 2>"$T/err"
is "the position inside a statement gives the exact line" "$(head -1 "$T/err")" \
	"retort: $f2:9: ERROR: relation \"no_such_table\" does not exist"

# verify failing rolls the revision back
mig "$P" a2 a1 "add audit and bad insert" "CREATE TABLE audit (id int);" "DROP TABLE audit;"
printf '\n-- retort:verify\nSELECT 1/0;\n' >>"$f2"
R upgrade head >/dev/null 2>"$T/err"; rc=$?
is "a failing verify exits 1" "$rc" 1
like "... and points at the verify section" "$(head -1 "$T/err")" "$f2:1[0-9]: ERROR: division by zero"
is "... and rolls the revision back" "$(psqlc "SELECT to_regclass('audit') IS NULL, (SELECT version_num FROM alembic_version)")" "t|a1"

# transaction off: statements before the failure stay, and are journaled
mig "$P" a2 a1 "concurrent index" "CREATE INDEX CONCURRENTLY accounts_email ON accounts (email);
CREATE UNIQUE INDEX CONCURRENTLY accounts_email_u ON accounts ((1));" \
	"DROP INDEX CONCURRENTLY IF EXISTS accounts_email;" "-- retort:transaction off"
psqlc "INSERT INTO accounts VALUES (2, 'b@example.com')"
R upgrade head >/dev/null 2>"$T/err"; rc=$?
is "a failing transaction-off revision exits 1" "$rc" 1
is "the version table stays at the previous revision" "$(psqlc 'SELECT version_num FROM alembic_version')" a1
is "the journal says one statement completed and marks it dirty" \
	"$(psqlc "SELECT outcome, statements_done FROM retort_history WHERE revision = 'a2' ORDER BY id DESC LIMIT 1")" "dirty|1"
like "the message says how far it got" "$(cat "$T/err")" "1 of 2 statements of a2 ran"

# an interrupted transaction-off revision blocks further migrations until resolved
R upgrade head >/dev/null 2>"$T/err"; rc=$?
is "upgrade refuses while a revision is dirty" "$rc" 2
like "... naming it and the way out" "$(head -1 "$T/err")" "revision a2 was interrupted during its upgrade after 1 statement \(retort_history entry [0-9]+\); run 'retort resolve' first"
like "... and the INVALID index the failed CREATE INDEX CONCURRENTLY left" "$(cat "$T/err")" "index accounts_email_u is INVALID"
is "... changing nothing" "$(psqlc 'SELECT version_num FROM alembic_version')" a1
# fix the failed statement (the first one already ran and is not repeated)
mig "$P" a2 a1 "concurrent index" "CREATE INDEX CONCURRENTLY accounts_email ON accounts (email);
CREATE INDEX CONCURRENTLY accounts_email_u ON accounts ((1));" \
	"DROP INDEX CONCURRENTLY IF EXISTS accounts_email_u;
DROP INDEX CONCURRENTLY IF EXISTS accounts_email;" "-- retort:transaction off"
R resolve >/dev/null 2>"$T/err"; rc=$?
is "resolve refuses while an INVALID index is in the way" "$rc" 2
like "... and says how to go on" "$(head -1 "$T/err")" "1 INVALID index would make the resumed statements fail: drop it, or pass --drop-invalid"
R -q resolve --drop-invalid; rc=$?
is "resolve --drop-invalid resumes from the next statement" "$rc|$(psqlc 'SELECT version_num FROM alembic_version')" "0|a2"
is "... both indexes exist and are valid" "$(psqlc "SELECT string_agg(indexrelid::regclass::text || ':' || indisvalid, ' ' ORDER BY indexrelid::regclass::text) FROM pg_index WHERE indrelid = 'accounts'::regclass")" "accounts_email:true accounts_email_u:true accounts_pkey:true"
is "... the journal entry is now ok with both statements" \
	"$(psqlc "SELECT outcome, statements_done FROM retort_history WHERE revision = 'a2' ORDER BY id DESC LIMIT 1")" "ok|2"
R resolve >/dev/null 2>"$T/err"; is "resolve with nothing dirty exits 2" "$?|$(cat "$T/err")" "2|retort: nothing to resolve: no revision was interrupted"
R -q upgrade head; is "then upgrade goes on to head" "$(psqlc 'SELECT version_num FROM alembic_version')" a3

# resolve --mark-reverted / --mark-applied for work finished by hand
R -q downgrade a1
mig "$P" a2 a1 "concurrent index" "CREATE INDEX CONCURRENTLY accounts_email ON accounts (email);
SELECT 1/0;" "DROP INDEX CONCURRENTLY IF EXISTS accounts_email;" "-- retort:transaction off"
R -q upgrade head 2>/dev/null
R -q resolve --mark-reverted
is "--mark-reverted leaves the version table and clears the block" \
	"$(psqlc 'SELECT version_num FROM alembic_version')|$(psqlc "SELECT outcome FROM retort_history WHERE revision = 'a2' ORDER BY id DESC LIMIT 1")" "a1|failed"
psqlc "DROP INDEX accounts_email"
R -q upgrade head 2>/dev/null
R -q resolve --mark-applied
is "--mark-applied moves the version table on" "$(psqlc 'SELECT version_num FROM alembic_version')" a2
mig "$P" a2 a1 "concurrent index" "CREATE INDEX CONCURRENTLY IF NOT EXISTS accounts_email ON accounts (email);" \
	"DROP INDEX CONCURRENTLY IF EXISTS accounts_email;" "-- retort:transaction off"
# a2 is applied (marked so): its edited file is refused until accepted
R -q upgrade head 2>/dev/null; is "the applied a2 edited: upgrade refuses" "$?" 2
R -q check --accept a2 --reason "same index, made idempotent"
R -q upgrade head; is "and the plan continues" "$(psqlc 'SELECT version_num FROM alembic_version')" a3

# a failing downgrade leaves the database where it was
psqlc "CREATE VIEW keep_never AS SELECT * FROM never"
R downgrade -1 >/dev/null 2>&1; rc=$?
is "a failing downgrade exits 1" "$rc" 1
is "... and the database stays at head" "$(psqlc 'SELECT version_num FROM alembic_version')" a3
psqlc "DROP VIEW keep_never"

# --single-transaction: the whole plan or nothing
R -q downgrade base
mig "$P" a2 a1 "plain" "CREATE TABLE audit (id int);" "DROP TABLE audit;"
mig "$P" a3 a2 "never reached" "CREATE TABLE never (id int);
SELECT 1/0;" "DROP TABLE never;"
R -q upgrade head --single-transaction 2>/dev/null
is "--single-transaction failure rolls back the whole plan" \
	"$(psqlc "SELECT count(*) FROM alembic_version")|$(psqlc "SELECT to_regclass('accounts') IS NULL")" "0|t"
R -q upgrade a2 --dry-run
is "--dry-run changes nothing" "$(psqlc "SELECT count(*) FROM alembic_version")|$(psqlc "SELECT to_regclass('accounts') IS NULL")" "0|t"
R -q upgrade a2 --single-transaction
is "--single-transaction applies the plan" "$(psqlc 'SELECT version_num FROM alembic_version')" a2

# a revision longer than one pipeline batch (64 statements): all run, and a
# failure late in it still names its line and rolls the whole revision back
body=$(for i in $(seq 1 150); do echo "INSERT INTO audit VALUES ($i);"; done)
mig "$P" a3 a2 "many statements" "$body" "DELETE FROM audit;"
R -q upgrade head; is "150 statements in one revision all run" "$(psqlc 'SELECT count(*), sum(id) FROM audit')" "150|11325"
R -q downgrade -1
body=$(for i in $(seq 1 150); do [ "$i" = 140 ] && echo "INSERT INTO audit VALUES ('x');" || echo "INSERT INTO audit VALUES ($i);"; done)
mig "$P" a3 a2 "many statements" "$body" "DELETE FROM audit;"
f3=$(ls "$P"/versions/a3_*.sql)
R upgrade head >/dev/null 2>"$T/err"
like "a failure in the third batch names its line" "$(head -1 "$T/err")" "^retort: $f3:146: ERROR: invalid input syntax for type integer"
is "... and nothing of the revision remains" "$(psqlc 'SELECT count(*) FROM audit')|$(psqlc 'SELECT version_num FROM alembic_version')" "0|a2"
done_testing
