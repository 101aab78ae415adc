#!/usr/bin/env bash
# The console honours retort.conf's lock_timeout: another session holds the
# migration lock for ~3 s; the console's upgrade waits for it, naming the
# holder while it waits, then succeeds.
CONSOLE_TIMEOUT=${CONSOLE_TIMEOUT:-60}
. "$RT_SRCDIR/tests/lib/tap.sh"
. "$RT_SRCDIR/tests/lib/pg.sh"
. "$RT_SRCDIR/tests/lib/mig.sh"
. "$RT_SRCDIR/tests/console/lib.sh"
pg_start
P="$T/proj/migrations"
mig "$P" l1 none "accounts" "CREATE TABLE accounts (id int);" "DROP TABLE accounts;"
printf '[retort]\nlock_timeout = 20\n' >"$P/retort.conf"

# The migration lock: pg_advisory_lock(1919251572 ("retr"), FNV-1a of the
# version table's name masked to 31 bits), as src/db.c takes it.
lock_key() {
	local s=$1 h=2166136261 i c
	for ((i = 0; i < ${#s}; i++)); do
		printf -v c '%d' "'${s:i:1}"
		h=$(( ((h ^ c) * 16777619) & 0xffffffff ))
	done
	echo $(( h & 0x7fffffff ))
}
KEY=$(lock_key alembic_version)
held() { [ "$(psqlc "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND classid = 1919251572 AND objid = $KEY")" = 1 ]; }

console_start -d "$P" --url "$PGURL" ui
check "the console draws its panes" wait_until 15 drawn
keys u
check "u asks for confirmation" wait_for "$CONFIRM_RE" 10
# another runner takes the lock now, while the question is open (the console
# holds no lock while it asks), and keeps it for 3 s
"$PG_BINDIR/psql" -qX -d app -c "SELECT pg_advisory_lock(1919251572, $KEY); SELECT pg_sleep(3);" \
	>/dev/null 2>&1 &
holder=$!
check "the other session holds the migration lock" wait_until 10 held
answer y
check "the console waits, naming the holder" \
	wait_for "waiting for the migration lock held by pid [0-9]+, application 'psql'" 5
is "... nothing migrated while it waits" "$(psqlc "SELECT to_regclass('public.accounts') IS NULL")" t
check "then it upgrades" wait_for '[Uu]pgraded to l1' 20
check "alembic_version holds l1" wait_until 5 version_is l1
wait "$holder"
check "the console is still running" console_running
keys q
check "q quits" wait_until 5 console_exited
done_testing
