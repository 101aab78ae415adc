#!/usr/bin/env bash
# Backup and restore from the console: b + y writes a 0600 backup and names
# it; rows deleted and a step down later, r lists it, Enter + y restores it
# (--clean, the default) and alembic_version and every table's count are
# those of the backup again, the message line saying the counts match; r then
# Esc changes nothing.
CONSOLE_TIMEOUT=${CONSOLE_TIMEOUT:-60}
. "$RT_SRCDIR/tests/lib/tap.sh"
. "$RT_SRCDIR/tests/lib/pg.sh"
. "$RT_SRCDIR/tests/console/lib.sh"
setup_sample
B="$T/proj/backups"

# counts: "table=n ..." for every table of schema public but retort_history,
# the audit log, which a restore does not roll back
counts() {
	psqlc "SELECT string_agg(format('%s=%s', c.relname,
	         (xpath('/row/n/text()', query_to_xml(format('SELECT count(*) AS n FROM %I', c.relname), false, true, '')))[1]::text), ' ' ORDER BY c.relname)
	         FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r'
	          AND c.relname <> 'retort_history'"
}
ndumps() { find "$B" -maxdepth 1 -name '*.dump' 2>/dev/null | wc -l; }

psqlc "INSERT INTO users (display_name, email) SELECT 'u' || i, 'u' || i || '@example.com' FROM generate_series(1, 500) i" \
	>/dev/null || bail "seeding failed"
before=$(counts)
like "seeded 500 users" "$before" "users=500"

console_start_sample
check "the console draws its panes" wait_until 15 drawn

# --- b: back up ---
keys b
check "b asks: Back up app to the backup dir? [y/N]" wait_for "Back up app to $B\\? \\[y/N\\]" 10
answer y
check "... and names the backup file when done" wait_for "backup: $B/app_url_[0-9]{8}T[0-9]{6}Z_${HEAD}\\.dump" 30
is "one dump in the backup dir" "$(ndumps)" 1
dump=$(ls "$B"/*.dump)
is "the dump is 0600" "$(stat -c %a "$dump")" 600
is "the backup dir is 0700" "$(stat -c %a "$B")" 700
is "its sidecar is there" "$(ls "$dump.csv" 2>/dev/null)" "$dump.csv"
name=$(basename "$dump")

# --- change the data and the schema ---
psqlc "DELETE FROM users WHERE id % 5 = 0" >/dev/null
keys d
check "d asks before stepping down" wait_for "$CONFIRM_RE" 10
answer y
check "... and steps down to f240f187b0b4" wait_for "[Dd]owngraded to $(rev7 f240f187b0b4)" 30
check "alembic_version holds f240f187b0b4" wait_until 5 version_is f240f187b0b4
unlike "users lost rows" "$(counts)" "users=500"

# --- r: restore ---
keys r
check "r lists the backups" wait_for "Restore: choose a backup" 15
like "... with the backup, its revision and checksum ok" "$(screen | grep -F "$name")" "$(rev7 $HEAD).* ok"
keys Enter
check "Enter asks to confirm, --clean on" wait_for "Restore\\? \\[y/N\\]" 10
like "... the confirmation says --clean is on" "$(screen)" "--clean +on"
answer y
check "the message says the counts match, at the head" \
	wait_for "restored $name: counts match, database at $HEAD" 30
check "alembic_version holds the head again" wait_until 5 version_is "$HEAD"
is "every table's count is that of the backup" "$(counts)" "$before"
is "retort_history kept the downgrade and recorded the restore" \
	"$(psqlc "SELECT string_agg(direction, ' ' ORDER BY id) FROM (SELECT id, direction FROM retort_history ORDER BY id DESC LIMIT 2) x")" \
	"downgrade restore"
check "the Tables pane compares with the backup" wait_for "Tables .*vs backup" 5
like "... and has a back column: what the restore brought back" "$(pane Tables | head -1)" 'back'
keys f
type users
keys Enter
check "... 100 users came back (psql: 100 were deleted)" wait_until 5 in_pane Tables '^users .*\+100 *$'
keys f Enter

# --- r then Esc: nothing ---
keys r
check "r lists the backups again" wait_for "Restore: choose a backup" 15
keys Escape
check "Esc closes the list" wait_gone "Restore: choose a backup" 5
check "... and says no restore" wait_for "no restore" 5
is "alembic_version unchanged" "$(version)" "$HEAD"
is "counts unchanged" "$(counts)" "$before"
is "still one dump" "$(ndumps)" 1
check "the console is still running" console_running
keys q
check "q quits" wait_until 5 console_exited
done_testing
