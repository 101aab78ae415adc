#!/usr/bin/env bash
# The console as a cockpit (issue 11's defects): keys typed while a plan runs
# confirm nothing afterwards; a confirmation ignores G/End/PgDn (they scroll,
# the question stays on screen, "lines x-y of z" shows there is more); an open
# confirmation holds no lock (a CLI stamp with --lock-timeout 1 goes through,
# and the confirmed plan is then refused because the database moved); colour
# codes for ids, dates, graph and SQL keywords, none with NO_COLOR; E
# pro<Tab><Enter> switches to production after a confirmation, whose screen
# shows red frames and the env's name in every pane title; the restore
# chooser in dev lists only dev's dumps.
CONSOLE_TIMEOUT=${CONSOLE_TIMEOUT:-150}
. "$RT_SRCDIR/tests/lib/tap.sh"
. "$RT_SRCDIR/tests/lib/pg.sh"
. "$RT_SRCDIR/tests/lib/mig.sh"
. "$RT_SRCDIR/tests/console/lib.sh"
setup_sample
P="$T/proj/migrations"
cat >"$P/retort.conf" <<CONF
[retort]
backup_dir = $T/backups

[env dev]
url = postgresql://postgres@/app?host=$PGSOCK
default = true

[env production]
url = postgresql://postgres@/app?host=$PGSOCK
protected = true
CONF
# three slow revisions on top of the head
prev=$HEAD
for i in 1 2 3; do
	mig "$P" "slow$i" "$prev" "slow step $i" "SELECT pg_sleep(1.5);
CREATE TABLE slow_t$i (id int);" "DROP TABLE slow_t$i;"
	prev=slow$i
done
nhist() { psqlc "SELECT count(*) FROM retort_history"; }

console_start -d "$P" ui
check "the console draws its panes" wait_until 15 drawn

# --- colour: ids yellow (33), dates blue (34), keywords bold blue --------------------
esc=$(tm capture-pane -e -p -t "$CON_TARGET")
like "ids are drawn in colour (SGR 33 before an id)" "$esc" $'\e\\[[0-9;]*33m[0-9a-f]{7}'
like "dates are drawn in colour (SGR 34 before a date)" "$esc" $'\e\\[[0-9;]*34m20[0-9]{2}-'
like "SQL keywords are drawn in colour" "$esc" $'\e\\[[0-9;]*34m(\e\\[[0-9;]*m)*(CREATE|ALTER|SELECT|DROP)'

# --- typeahead while a plan runs -----------------------------------------------------
keys Home u
check "u asks for confirmation" wait_for "$CONFIRM_RE" 10
h0=$(nhist)
answer y
check "the plan runs" wait_for 'slow1 +running' 10
# what a person might type while waiting: a downgrade and its yes, twice
keys d y g d y
sleep 0.3
keys d y
check "the plan finishes" wait_for '[Uu]pgraded to slow3' 30
sleep 1
is "the typed-ahead keys ran nothing: alembic_version at slow3" "$(version)" slow3
is "... retort_history has the three upgrades only" "$(nhist)" "$((h0 + 3))"
unlike "... and no confirmation opened by them is on the screen" "$(screen)" "$CONFIRM_RE"

# --- a confirmation's keys ------------------------------------------------------------
# (the run dialog, if still open, closes with Escape)
keys Escape
sleep 0.3
keys d
check "d asks for confirmation" wait_for "$CONFIRM_RE" 10
sleep 0.2
keys G
sleep 0.3
like "G does not cancel the confirmation" "$(screen)" "$CONFIRM_RE"
keys End NPage NPage Space
sleep 0.3
like "End/PgDn/Space scroll, the question stays on screen" "$(screen)" "$CONFIRM_RE"
keys x
sleep 0.3
like "an unrelated key does not answer it either" "$(screen)" "$CONFIRM_RE"
is "... and nothing ran" "$(version)" slow3

# --- no lock while a person reads: a teammate's stamp goes through ------------------
out=$(rt -d "$P" stamp --lock-timeout 1 slow2 2>&1); rc=$?
is "a CLI stamp with --lock-timeout 1 succeeds while the confirmation is open" "$rc" 0
like "... (its output)" "$out" 'slow2'
is "... alembic_version holds slow2" "$(version)" slow2
answer y
check "the confirmed plan is refused: the database moved" wait_for 'moved|changed|since' 15
is "... and nothing else changed: still slow2" "$(version)" slow2
keys Escape
sleep 0.3
keys R
sleep 1

# --- the restore chooser lists this env's dumps -----------------------------------------
rt -d "$P" -q -e production backup >/dev/null 2>&1 || bail "production backup failed"
rt -d "$P" -q backup >/dev/null 2>&1 || bail "dev backup failed"
keys r
check "r lists the backups" wait_for "Restore: choose a backup" 15
like "... of dev" "$(screen)" '_dev_'
unlike "... and not production's" "$(screen)" '_production_'
like "... saying others are hidden" "$(screen)" 'other envs or databases hidden'
keys a
check "a shows the others, marked OTHER" wait_for 'OTHER' 5
like "... production's dump among them" "$(screen)" '_production_'
keys Escape
check "Escape closes the chooser" wait_gone "Restore: choose" 5

# --- E pro<Tab><Enter> switches to production, after a confirmation ------------------------
keys E
check "E asks for the env" wait_for 'env: ' 5
type pro
keys Tab Enter
check "switching to a protected env asks first" wait_for 'Switch to production\? \[y/N\]' 5
unlike "... the completion added no blank to the name" "$(screen)" "unknown env"
answer y
check "the status line says PROTECTED env: production" wait_for 'PROTECTED env: production' 10
like "every pane title carries the env's name" "$(screen | grep -c ' production ')" '^[4-9]'
esc=$(tm capture-pane -e -p -t "$CON_TARGET")
like "the frames are red (SGR 31)" "$esc" $'\e\\[[0-9;]*31m[┌─│]'
keys q
check "q quits" wait_until 5 console_exited

# --- NO_COLOR: no colour codes at all ----------------------------------------------------
rm -f "$CON_RC"
tm kill-server >/dev/null 2>&1
sleep 0.2
console_start -d "$P" -e dev ui
keys q
sleep 0.1
rm -f "$CON_RC"
tm kill-server >/dev/null 2>&1
NO_COLOR_RUN="$T/nocolor.sh"
{
	echo '#!/usr/bin/env bash'
	printf 'export NO_COLOR=1 LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=%q HOME=%q INPUTRC=/dev/null\n' "$CON_TERM" "$T/home"
	printf 'cd %q && exec %q -d %q ui\n' "$T/proj" "$RETORT" "$P"
} >"$NO_COLOR_RUN"
chmod +x "$NO_COLOR_RUN"
tm -f /dev/null start-server \; set-option -g status off \; set-option -g default-terminal "$CON_TERM" \; \
	new-session -d -x 100 -y 30 -s "$CON_TARGET" "$NO_COLOR_RUN"
check "NO_COLOR: the console draws its panes" wait_until 15 drawn
esc=$(tm capture-pane -e -p -t "$CON_TARGET")
unlike "NO_COLOR: no foreground colour codes" "$esc" $'\e\\[[0-9;]*3[1-7]m'
keys q
done_testing
