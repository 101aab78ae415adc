#!/usr/bin/env bash
# Transaction control in migration files (retort-migration(5), "Transaction
# control"): a transactional revision that would start or end a transaction
# is refused before anything runs (exit 2, file:line, database untouched);
# what stays allowed runs atomically; a "transaction off" revision may hold
# BEGIN ... COMMIT blocks that close in their section, journaled so that
# 'retort resolve' resumes from the block's BEGIN.
. "$RT_SRCDIR/tests/lib/tap.sh"
. "$RT_SRCDIR/tests/lib/pg.sh"
. "$RT_SRCDIR/tests/lib/mig.sh"
pg_start
P="$T/p"
R() { rt -d "$P" --url "$PGURL" "$@"; }
mig "$P" a1 none "base" "CREATE TABLE acc (id int PRIMARY KEY);" "DROP TABLE acc;"
R -q upgrade head
state() {
	echo "$(psqlc 'SELECT string_agg(version_num, $$ $$ ORDER BY 1) FROM alembic_version')|$(psqlc 'SELECT count(*) FROM retort_history')|$(schema_fingerprint | md5sum)"
}
before=$(state)
ADVICE="retort runs each revision in one transaction; remove it, or use '-- retort:transaction off'"

# refused DESC LINE MESSAGE ARGS...: exit 2, "retort: FILE:LINE: MESSAGE" as
# the first line, nothing on stdout, the database as it was.
refused() {
	local desc=$1 line=$2 msg=$3 f; shift 3
	f=$(ls "$P"/versions/a2_*.sql)
	R "$@" >"$T/out" 2>"$T/err"; local rc=$?
	is "$desc: exit 2" "$rc" 2
	is "$desc: file:line and why" "$(head -1 "$T/err")" "retort: $f:$line: $msg"
	is "$desc: stdout empty" "$(cat "$T/out")" ""
	is "$desc: database untouched" "$(state)" "$before"
}

# The issue's example: before, a was committed by the revision's own COMMIT
# while the revision was recorded as failed.
mig "$P" a2 a1 "own transaction" "BEGIN;
CREATE TABLE a (id int);
COMMIT;
CREATE TABLE b (id int);
SELECT 1/0;" "DROP TABLE b;
DROP TABLE a;"
refused "BEGIN ... COMMIT in a transactional revision" 7 \
	"BEGIN inside the revision's own transaction: $ADVICE" upgrade head
is "... neither table exists" "$(psqlc "SELECT to_regclass('a') IS NULL AND to_regclass('b') IS NULL")" t
refused "... --sql refuses it too" 7 "BEGIN inside the revision's own transaction: $ADVICE" \
	upgrade head --sql
refused "... and a downgrade, which loads the same files" 7 \
	"BEGIN inside the revision's own transaction: $ADVICE" downgrade base -y
R history >/dev/null 2>&1
is "the header-only listings still work" "$?" 0

# One case per command that starts or ends a transaction, in each section.
while IFS='|' read -r sql want; do
	mig "$P" a2 a1 "own transaction" "CREATE TABLE a (id int);
$sql;" "DROP TABLE a;"
	refused "$sql (upgrade)" 8 "${want//@/upgrade}" upgrade head
	mig "$P" a2 a1 "own transaction" "CREATE TABLE a (id int);" "DROP TABLE a;
$sql;"
	refused "$sql (downgrade)" 11 "${want//@/downgrade}" upgrade head
	mig "$P" a2 a1 "own transaction" "CREATE TABLE a (id int);" "DROP TABLE a;"
	printf '\n-- retort:verify\nSELECT 1 FROM a;\n%s;\n' "$sql" >>"$(ls "$P"/versions/a2_*.sql)"
	refused "$sql (verify)" 14 "${want//@/verify}" upgrade head
done <<EOF
BEGIN|BEGIN inside the revision's own transaction: $ADVICE
begin work|BEGIN inside the revision's own transaction: $ADVICE
BEGIN ISOLATION LEVEL SERIALIZABLE|BEGIN inside the revision's own transaction: $ADVICE
START TRANSACTION|START TRANSACTION inside the revision's own transaction: $ADVICE
COMMIT|COMMIT ends the revision's own transaction early: $ADVICE
COMMIT AND CHAIN|COMMIT ends the revision's own transaction early: $ADVICE
END|END ends the revision's own transaction early: $ADVICE
ROLLBACK|ROLLBACK ends the revision's own transaction early: $ADVICE
ABORT|ABORT ends the revision's own transaction early: $ADVICE
PREPARE TRANSACTION 'x'|PREPARE TRANSACTION ends the revision's own transaction early: $ADVICE
COMMIT PREPARED 'x'|COMMIT PREPARED cannot run inside the revision's own transaction: $ADVICE
ROLLBACK PREPARED 'x'|ROLLBACK PREPARED cannot run inside the revision's own transaction: $ADVICE
RELEASE SAVEPOINT sp|RELEASE SAVEPOINT sp names no savepoint open at this point of section '@' (the server would refuse it)
ROLLBACK TO sp|ROLLBACK TO SAVEPOINT sp names no savepoint open at this point of section '@' (the server would refuse it)
EOF

# What stays allowed runs, inside the revision's own transaction: function
# bodies, DO blocks, the words as names, savepoints set in the section.
atomic_fn="SELECT 1;"
if [ "$(psqlc 'SHOW server_version_num')" -ge 140000 ]; then
	atomic_fn="CREATE FUNCTION sign_of(x int) RETURNS int LANGUAGE sql
BEGIN ATOMIC
	SELECT CASE WHEN x > 0 THEN 1 WHEN x < 0 THEN -1 ELSE 0 END;
END;"
fi
mig "$P" a2 a1 "allowed" "$atomic_fn
CREATE FUNCTION touch() RETURNS int LANGUAGE plpgsql AS \$\$
BEGIN
	RETURN 1;
END
\$\$;
CREATE TABLE log (\"commit\" text, begin int, rollback int);
DO \$\$
BEGIN
	IF true THEN
		INSERT INTO log VALUES ('do', 1, 0);
	END IF;
END
\$\$;
SAVEPOINT before_junk;
INSERT INTO log VALUES ('junk', 2, 0);
ROLLBACK TO SAVEPOINT before_junk;
INSERT INTO log (\"commit\", begin) SELECT 'kept', CASE WHEN true THEN 3 END;
RELEASE before_junk;" "DROP TABLE log;
DROP FUNCTION touch();
DROP FUNCTION IF EXISTS sign_of(int);"
R -q upgrade head; rc=$?
is "allowed constructs apply" "$rc|$(psqlc 'SELECT version_num FROM alembic_version')" "0|a2"
is "... ROLLBACK TO undid only what followed its savepoint" \
	"$(psqlc 'SELECT string_agg("commit" || begin, $$ $$ ORDER BY begin) FROM log')" "do1 kept3"
R -q downgrade a1
# atomicity kept: a savepoint released, then a failure, leaves nothing behind
mig "$P" a2 a1 "allowed then failing" "CREATE TABLE log (id int);
SAVEPOINT s;
INSERT INTO log VALUES (1);
RELEASE SAVEPOINT s;
SELECT 1/0;" "DROP TABLE log;"
R -q upgrade head 2>"$T/err"; rc=$?
is "a failure after savepoints exits 1" "$rc" 1
is "... and leaves nothing of the revision" \
	"$(psqlc "SELECT to_regclass('log') IS NULL, (SELECT version_num FROM alembic_version)")" "t|a1"
before=$(state)

# transaction off: a BEGIN ... COMMIT block that closes in its section runs
mig "$P" a2 a1 "block" "CREATE INDEX CONCURRENTLY acc_i ON acc (id);
BEGIN;
INSERT INTO acc VALUES (1);
INSERT INTO acc VALUES (2);
INSERT INTO acc VALUES (1);
COMMIT;
SELECT 1;" "DROP INDEX CONCURRENTLY IF EXISTS acc_i;
DELETE FROM acc;" "-- retort:transaction off"
R -q upgrade head 2>"$T/err"; rc=$?
is "transaction off: a failure inside a block exits 1" "$rc" 1
is "... the block rolled back as a whole" "$(psqlc 'SELECT count(*) FROM acc')" 0
is "... and its journal updates with it: resume from the BEGIN" \
	"$(psqlc "SELECT outcome, statements_done FROM retort_history WHERE revision = 'a2' ORDER BY id DESC LIMIT 1")" \
	"dirty|1"
sed -i 's/^INSERT INTO acc VALUES (1);$/INSERT INTO acc VALUES (1) ON CONFLICT DO NOTHING;/' \
	"$(ls "$P"/versions/a2_*.sql)"
R -q resolve; rc=$?
is "... 'retort resolve' re-runs the block" "$rc|$(psqlc 'SELECT version_num FROM alembic_version')" "0|a2"
is "... whose rows are there once" "$(psqlc 'SELECT string_agg(id::text, $$ $$ ORDER BY id) FROM acc')" "1 2"
is "... and the journal counts every statement" \
	"$(psqlc "SELECT outcome, statements_done FROM retort_history WHERE revision = 'a2' ORDER BY id DESC LIMIT 1")" \
	"ok|7"
R -q downgrade a1
before=$(state)

# transaction off: a block left open, a nested one, a stray COMMIT are refused
NOTX="a 'transaction off' section may hold BEGIN ... COMMIT blocks, not nested, each closed in the section that opens it"
mig "$P" a2 a1 "open block" "CREATE INDEX CONCURRENTLY acc_i ON acc (id);
BEGIN;
INSERT INTO acc VALUES (1);" "DROP INDEX CONCURRENTLY IF EXISTS acc_i;" "-- retort:transaction off"
refused "transaction off: BEGIN without COMMIT" 9 \
	"BEGIN without a COMMIT after it in section 'upgrade': $NOTX" upgrade head
mig "$P" a2 a1 "nested block" "BEGIN;
INSERT INTO acc VALUES (1);
START TRANSACTION;
COMMIT;" "SELECT 1;" "-- retort:transaction off"
refused "transaction off: nested BEGIN" 10 \
	"START TRANSACTION inside the transaction begun on line 8: $NOTX" upgrade head
mig "$P" a2 a1 "stray commit" "CREATE INDEX CONCURRENTLY acc_i ON acc (id);" \
	"DROP INDEX CONCURRENTLY IF EXISTS acc_i;
COMMIT;" "-- retort:transaction off"
refused "transaction off: COMMIT without BEGIN" 12 \
	"COMMIT without a BEGIN before it in section 'downgrade': $NOTX" upgrade head
rm -f "$P"/versions/a2_*.sql

# transaction off: a failure inside a BEGIN ... COMMIT block rolls the block
# back, journal included; the error says so and resolve resumes at its BEGIN
mig "$P" a2 a1 "failing block" "CREATE TABLE blk (id int);
BEGIN;
INSERT INTO blk VALUES (1);
SELECT 1/0;
COMMIT;" "DROP TABLE blk;" "-- retort:transaction off"
R upgrade head >"$T/out" 2>"$T/err"; rc=$?
is "a failure inside a transaction-off block exits 1" "$rc" 1
like "... saying the block rolled back" "$(cat "$T/err")" "the BEGIN \.\.\. COMMIT block around it rolled back: statements 2 to 3 are undone"
like "... and where resolve resumes" "$(cat "$T/err")" "1 of 5 statements of a2 ran; .*resumes from statement 2"
is "... the journal keeps the error and one statement" \
	"$(psqlc "SELECT statements_done, error IS NOT NULL FROM retort_history WHERE revision = 'a2' ORDER BY id DESC LIMIT 1")" "1|t"
mig "$P" a2 a1 "failing block" "CREATE TABLE blk (id int);
BEGIN;
INSERT INTO blk VALUES (1);
SELECT 1;
COMMIT;" "DROP TABLE blk;" "-- retort:transaction off"
R -y resolve >"$T/out" 2>&1; rc=$?
is "after the fix, resolve resumes at the block's BEGIN" "$rc|$(psqlc 'SELECT version_num FROM alembic_version')" "0|a2"
is "... and the block's row is there once" "$(psqlc 'SELECT count(*) FROM blk')" 1
R -q downgrade a1
rm -f "$P"/versions/a2_*.sql
done_testing
