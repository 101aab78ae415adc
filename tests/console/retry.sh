#!/usr/bin/env bash
# DDL lock retries shown by the console: a long transaction holds a lock on
# the table the migration alters; with ddl_lock_timeout = 0.2 the statement
# times out and is retried, the running dialog shows the retry line naming
# the blocker, and once the transaction ends the upgrade succeeds.
CONSOLE_TIMEOUT=${CONSOLE_TIMEOUT:-60}
. "$RT_SRCDIR/tests/lib/tap.sh"
. "$RT_SRCDIR/tests/lib/pg.sh"
. "$RT_SRCDIR/tests/lib/mig.sh"
. "$RT_SRCDIR/tests/console/lib.sh"
pg_start
P="$T/proj/migrations"
mig "$P" a1 none "accounts" "CREATE TABLE accounts (id int); INSERT INTO accounts VALUES (1);" \
	"DROP TABLE accounts;"
mig "$P" a2 a1 "add column" "ALTER TABLE accounts ADD COLUMN note text;" \
	"ALTER TABLE accounts DROP COLUMN note;"
printf '[retort]\nddl_lock_timeout = 0.2\nlock_retries = 30\n' >"$P/retort.conf"
rt -q -d "$P" --url "$PGURL" upgrade a1 || bail "upgrade a1 failed"
busy() { [ "$(psqlc "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'BEGIN; SELECT * FROM accounts%' AND state = 'active'")" = 1 ]; }

console_start -d "$P" --url "$PGURL" ui
check "the console draws its panes" wait_until 15 drawn
keys Home u
check "u asks for confirmation" wait_for "$CONFIRM_RE" 10
"$PG_BINDIR/psql" -qX -d app -c "BEGIN; SELECT * FROM accounts; SELECT pg_sleep(4); COMMIT;" \
	>/dev/null 2>&1 &
holder=$!
check "a transaction holds a lock on accounts" wait_until 10 busy
answer y
check "a retry line appears, naming the blocker" \
	wait_for "retry [0-9]+/31 after lock_timeout.*blocked by .*pid [0-9]+" 10
is "... nothing migrated meanwhile" "$(version)" a1
check "once the transaction ends, it upgrades" wait_for '[Uu]pgraded to a2' 30
check "alembic_version holds a2" wait_until 5 version_is a2
is "the column is there" "$(psqlc "SELECT count(*) FROM information_schema.columns WHERE table_name = 'accounts' AND column_name = 'note'")" 1
wait "$holder"
keys q
check "q quits" wait_until 5 console_exited
done_testing
