#!/usr/bin/env bash
# A restore whose result differs from the backup's revision: the console
# says exactly what the CLI says (one engine operation, one message), and
# stays usable.
CONSOLE_TIMEOUT=${CONSOLE_TIMEOUT:-60}
. "$RT_SRCDIR/tests/lib/tap.sh"
. "$RT_SRCDIR/tests/lib/pg.sh"
. "$RT_SRCDIR/tests/console/lib.sh"
setup_sample
B="$T/proj/backups"
R -q backup >"$T/backup.out" 2>&1 || { cat "$T/backup.out"; bail "backup failed"; }
dump=$(ls "$B"/*.dump)
# the sidecar claims another revision than the dump holds
cp "$dump" "$B/otherrev.dump"
sed "s/^revision,$HEAD\$/revision,0123456789ab/" "$dump.csv" >"$B/otherrev.dump.csv"
rm -f "$dump" "$dump.csv"

want="the database is at $HEAD, the backup was at 0123456789ab"
out=$(R restore --clean --yes otherrev.dump 2>&1); rc=$?
is "the CLI fails the restore (exit 1)" "$rc" 1
like "... with the engine's message" "$out" "retort: $want"

console_start_sample
check "the console draws its panes" wait_until 15 drawn
keys r
check "r lists the backups" wait_for "Restore: choose a backup" 15
keys Enter
check "Enter asks to confirm" wait_for "Restore\\? \\[y/N\\]" 10
answer y
check "the console reports the same message as the CLI" wait_for "$want" 60
is "alembic_version is what the dump holds" "$(version)" "$HEAD"
keys Escape
keys '?'
check "the console still answers keys (? opens the help)" wait_for "Keys" 10
check "the console is still running" console_running
keys q q
check "q quits" wait_until 10 console_exited
done_testing
