#!/usr/bin/env bash
# Waiting safely on locks: migration statements run with a short lock_timeout
# and are retried with backoff, so the application's queries never queue
# behind a migration stuck behind a long transaction; who blocks is named.
. "$RT_SRCDIR/tests/lib/tap.sh"
. "$RT_SRCDIR/tests/lib/pg.sh"
. "$RT_SRCDIR/tests/lib/mig.sh"
pg_start
P="$T/p"
R() { rt -d "$P" --url "$PGURL" "$@"; }
mig "$P" l1 none "accounts" "CREATE TABLE accounts (id int); INSERT INTO accounts VALUES (1);" "DROP TABLE accounts;"
mig "$P" l2 l1 "add column" "ALTER TABLE accounts ADD COLUMN note text;" "ALTER TABLE accounts DROP COLUMN note;"
R -q upgrade l1
conf() { printf '[retort]\nddl_lock_timeout = %s\nlock_retries = %s\n' "$1" "$2" >"$P/retort.conf"; }

# hold_lock SECS: a long transaction holding a lock on accounts, like an app's
hold_lock() {
	"$PG_BINDIR/psql" -qX -d app -c "BEGIN; SELECT * FROM accounts; SELECT pg_sleep($1); COMMIT;" >/dev/null 2>&1 &
	holder=$!
	for _ in $(seq 100); do
		[ "$(psqlc "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'BEGIN; SELECT * FROM accounts%' AND state = 'active'")" = 1 ] && break
		sleep 0.05
	done
}

# app_select_ok: an application query, given 1 s, must not queue behind the migration
app_selects() {
	local ok=0
	for _ in 1 2 3 4 5 6; do
		"$PG_BINDIR/psql" -qXAt -d app -c "SET statement_timeout = 1000; SELECT count(*) FROM accounts" >/dev/null 2>&1 && ok=$((ok + 1))
		sleep 0.25
	done
	echo "$ok"
}

conf 0.3 20
hold_lock 3
R upgrade head >"$T/out" 2>"$T/err" &
mig_pid=$!
sleep 0.5
ok=$(app_selects)
wait "$mig_pid"; rc=$?
is "the upgrade waits its turn and succeeds" "$rc|$(psqlc 'SELECT version_num FROM alembic_version')" "0|l2"
like "it said it was retrying" "$(cat "$T/out")" "lock timeout; retrying in [0-9]+ ms \(attempt 2 of 21\)"
like "... and who blocks" "$(cat "$T/err")" "l2 is waiting for a lock held by pid [0-9]+ \(application 'psql', active, in a transaction for [0-9]+ s\)"
is "application queries kept running during the retries" "$ok" 6
is "only the successful attempt is logged" "$(psqlc "SELECT count(*), min(outcome) FROM retort_history WHERE revision = 'l2'")" "1|ok"
wait "$holder"

# without a DDL lock timeout, the same situation makes the app's queries queue
R -q downgrade l1
conf -1 0
hold_lock 3
R -q upgrade head >/dev/null 2>&1 &
mig_pid=$!
sleep 0.5
ok=$(app_selects)
wait "$mig_pid"; wait "$holder"
is "without it, application queries time out behind the waiting ALTER (the control)" "$([ "$ok" -lt 6 ] && echo queued)" queued

# retries exhausted: exit 1, the database unchanged, the blocker named
R -q downgrade l1
conf 0.2 1
hold_lock 4
R upgrade head >/dev/null 2>"$T/err"; rc=$?
is "when the retries run out the upgrade exits 1" "$rc" 1
like "... saying lock timeout" "$(grep "^retort: /" "$T/err")" "canceling statement due to lock timeout \(lock_timeout 200 ms, 2 attempts\)"
like "... and naming the blocker" "$(cat "$T/err")" "blocked by: pid [0-9]+ \(application 'psql'"
is "... at the previous revision" "$(psqlc 'SELECT version_num FROM alembic_version')" l1
wait "$holder"
done_testing
