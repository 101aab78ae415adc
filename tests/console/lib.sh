# tests/console/lib.sh - drives the console through a private tmux server
# (sourced after tests/lib/tap.sh and tests/lib/pg.sh).
#
#   console_start ARGS...   runs "$RETORT ARGS..." in a 100x30 tmux pane with
#                           the pinned environment (STYLE §11)
#   wait_for REGEX [SECS]   polls the screen every 50 ms until a line matches
#   wait_gone REGEX [SECS]  ... until no line matches
#   wait_until SECS CMD...  ... until CMD succeeds (e.g. version_is REV)
#   pane TITLE / in_pane TITLE REGEX   the text inside one pane's box
#   screen                  prints the screen (capture-pane -p)
#   keys KEY...             tmux key names: Enter Escape Tab Up C-c ...
#   type TEXT               literal text (send-keys -l)
#   resize COLS ROWS        resize-window
#   assert_line N REGEX [DESC]   TAP: screen line N (1-based) matches
#   assert_screen GOLDEN [DESC]  TAP: the masked screen equals a golden file
#   console_exited          true once the console process has ended
#   dump_screen             the screen as TAP comments
#
# Every failed assertion dumps the screen as "# |" comments. A watchdog ends
# the script after CONSOLE_TIMEOUT seconds (default 120); the EXIT trap kills
# the tmux server and then runs pg.sh's cleanup.
command -v tmux >/dev/null 2>&1 || { echo "1..0 # SKIP tmux is not installed"; exit 0; }

CON_SOCK="rt$$"
CON_TARGET="main"
CON_RC="$T/console.rc"
# The server's socket lives in $T, away from the user's tmux.
export TMUX_TMPDIR="$T"
unset TMUX TMUX_PANE
# Character counts in this script (pane, width) are in UTF-8.
export LANG=C.UTF-8 LC_ALL=C.UTF-8

tm() { tmux -L "$CON_SOCK" "$@"; }

if infocmp tmux-256color >/dev/null 2>&1; then
	CON_TERM=tmux-256color
else
	CON_TERM=screen-256color
fi
: "${RETORT_NOW:=2026-01-02T03:04:05Z}"

# --- the screen ----------------------------------------------------------------
screen() { tm capture-pane -p -t "$CON_TARGET" 2>/dev/null; }

dump_screen() {
	local size
	size=$(tm display-message -p -t "$CON_TARGET" '#{window_width}x#{window_height}' 2>/dev/null)
	echo "# --- screen ${size:-(no tmux server)} ---"
	# (the blank rows at the bottom left out)
	screen | sed -e :a -e '/^\n*$/{$d;N;ba' -e '}' | sed 's/^/# |/'
	if [ -f "$CON_RC" ]; then echo "# console exited with status $(cat "$CON_RC")"; fi
	if [ -s "$T/console.err" ]; then sed 's/^/# stderr: /' "$T/console.err" | tail -20; fi
}

# wait_for REGEX [SECS]: 0 once a screen line matches the extended REGEX.
wait_for() {
	local re=$1 secs=${2:-10} i n
	n=$((secs * 20))
	for ((i = 0; i <= n; i++)); do
		if screen | grep -Eq -- "$re"; then return 0; fi
		sleep 0.05
	done
	echo "timed out after ${secs}s waiting for /$re/"
	return 1
}

# wait_gone REGEX [SECS]: 0 once no screen line matches.
wait_gone() {
	local re=$1 secs=${2:-10} i n
	n=$((secs * 20))
	for ((i = 0; i <= n; i++)); do
		if ! screen | grep -Eq -- "$re"; then return 0; fi
		sleep 0.05
	done
	echo "timed out after ${secs}s waiting for /$re/ to go away"
	return 1
}

# wait_file PATH [SECS]: 0 once PATH exists.
wait_file() {
	local f=$1 secs=${2:-10} i n
	n=$((secs * 20))
	for ((i = 0; i <= n; i++)); do
		[ -e "$f" ] && return 0
		sleep 0.05
	done
	echo "timed out after ${secs}s waiting for $f"
	return 1
}

# wait_until SECS CMD...: 0 once CMD succeeds (polled every 50 ms); on a
# timeout prints CMD's last output.
wait_until() {
	local secs=$1 i n; shift
	n=$((secs * 20))
	for ((i = 0; i <= n; i++)); do
		if "$@" >"$T/wait_until.out" 2>&1; then return 0; fi
		sleep 0.05
	done
	echo "timed out after ${secs}s waiting for: $*"
	sed 's/^/  /' "$T/wait_until.out" | head -20
	return 1
}

keys() { tm send-keys -t "$CON_TARGET" "$@"; }
type() { tm send-keys -t "$CON_TARGET" -l -- "$1"; }
resize() { tm resize-window -t "$CON_TARGET" -x "$1" -y "$2"; }
console_exited() { [ -f "$CON_RC" ]; }
console_running() { [ ! -f "$CON_RC" ] || { echo "the console exited with status $(cat "$CON_RC")"; return 1; }; }

# screen_line N: line N (1-based) of the screen.
screen_line() { screen | sed -n "${1}p"; }

# pane TITLE: the text inside the box whose top border holds TITLE (the
# first line with TITLE; corners drawn with line glyphs or "+"). Without a
# box around it: from two columns left of TITLE to the right edge.
pane() {
	local title=$1 line pre rest tmp left=-1 right=-1 found=0
	while IFS= read -r line; do
		if [ "$found" = 0 ]; then
			case $line in
			*"$title"*)
				found=1
				pre=${line%%"$title"*}
				case $pre in
				*[┌+]*)
					tmp=${pre%[┌+]*}; left=${#tmp}
					rest=${line:left+1}
					case $rest in
					*[┐+]*) tmp=${rest%%[┐+]*}; right=$((left + 1 + ${#tmp})) ;;
					esac ;;
				esac
				if [ "$right" -lt 0 ]; then
					left=$(( ${#pre} > 2 ? ${#pre} - 2 : 0 ))
				fi ;;
			esac
			continue
		fi
		if [ "$right" -ge 0 ]; then
			case ${line:left:1} in [└+]) break ;; esac
			printf '%s\n' "${line:left+1:right-left-1}"
		else
			printf '%s\n' "${line:left}"
		fi
	done < <(screen)
	[ "$found" = 1 ]
}

# in_pane TITLE REGEX: a line of that pane matches.
in_pane() {
	pane "$1" | grep -Eq -- "$2" && return 0
	echo "no line of the $1 pane matches /$2/:"
	pane "$1" | sed 's/^/  /'
	return 1
}

# CURRENT_LABEL: "current" among a History row's labels, "(head, current)".
CURRENT_LABEL='[(]([^)]*, )?current[,)]'
# current_re ID: the History row of ID with "current" among its labels.
current_re() { printf '%s.*%s' "$(rev7 "$1")" "$CURRENT_LABEL"; }
# word_re WORD: WORD standing alone (not inside a longer name).
word_re() { printf '(^|[^[:alnum:]_.])%s([^[:alnum:]_.]|$)' "$1"; }

# width: the widest screen line, in columns.
width() { screen | wc -L; }

# --- TAP with the screen on failure ---------------------------------------------
# Wraps tap.sh's assertions: any that fails also dumps the screen.
eval "$(declare -f check | sed '1s/^check/_tap_check/')"
eval "$(declare -f is | sed '1s/^is/_tap_is/')"
eval "$(declare -f like | sed '1s/^like/_tap_like/')"
eval "$(declare -f unlike | sed '1s/^unlike/_tap_unlike/')"
_con_after() { if [ "$_tap_failed" -gt "$1" ]; then dump_screen; return 1; fi; }
_con_checking=""
check() {
	local f=$_tap_failed
	_con_checking=$1
	_tap_check "$@"
	_con_checking=""
	_con_after "$f"
}
is() { local f=$_tap_failed; _tap_is "$@"; _con_after "$f"; }
like() { local f=$_tap_failed; _tap_like "$@"; _con_after "$f"; }
unlike() { local f=$_tap_failed; _tap_unlike "$@"; _con_after "$f"; }

# assert_line N REGEX [DESC]
assert_line() {
	like "${3:-screen line $1 matches /$2/}" "$(screen_line "$1")" "$2"
}

# mask_screen: timestamps, durations and pids replaced by fixed words.
mask_screen() {
	sed -E -e 's/[0-9]{4}-[0-9]{2}-[0-9]{2}([T ][0-9]{2}:[0-9]{2}(:[0-9]{2})?Z?)?/<TIME>/g' \
		-e 's/[0-9]+(\.[0-9]+)? ?(ms|s)\b/<DUR>/g' \
		-e 's/\b(pid|PID) [0-9]+/\1 <PID>/g'
}

# assert_screen GOLDEN [DESC]: the masked screen equals the golden file.
# With RT_BLESS=1 the golden file is (re)written instead.
assert_screen() {
	local golden=$1 desc=${2:-screen matches $(basename "$1")}
	if [ "${RT_BLESS:-}" = 1 ]; then
		screen | mask_screen >"$golden"
	fi
	is "$desc" "$(screen | mask_screen)" "$(cat "$golden" 2>/dev/null)"
}

# --- starting and stopping ---------------------------------------------------------
# console_start ARGS...: "$RETORT ARGS..." in the pane, from $T/proj when it
# exists. The pane stays after the console exits (status in $CON_RC) so that a
# crash message is still on the screen.
console_start() {
	local run="$T/console.sh" a
	mkdir -p "$T/home" "$T/xdg/config" "$T/xdg/data" "$T/xdg/state" "$T/xdg/cache" "$T/xdg/run"
	chmod 700 "$T/xdg/run"
	rm -f "$CON_RC"
	{
		echo '#!/usr/bin/env bash'
		printf 'export LANG=C.UTF-8 LC_ALL=C.UTF-8 TZ=UTC TERM=%q\n' "$CON_TERM"
		printf 'export HOME=%q\n' "$T/home"
		printf 'export XDG_CONFIG_HOME=%q XDG_DATA_HOME=%q XDG_STATE_HOME=%q XDG_CACHE_HOME=%q XDG_RUNTIME_DIR=%q\n' \
			"$T/xdg/config" "$T/xdg/data" "$T/xdg/state" "$T/xdg/cache" "$T/xdg/run"
		printf 'export INPUTRC=/dev/null ESCDELAY=25 RETORT_NOW=%q\n' "$RETORT_NOW"
		printf 'export PGHOST=%q PGUSER=postgres\n' "${PGHOST:-}"
		echo 'unset DATABASE_URL NO_COLOR EDITOR VISUAL PAGER COLUMNS LINES'
		printf 'cd %q\n' "$(if [ -d "$T/proj" ]; then echo "$T/proj"; else echo "$T"; fi)"
		printf '%q' "$RETORT"
		for a in "$@"; do printf ' %q' "$a"; done
		printf ' 2>%q\n' "$T/console.err"
		# written whole, then renamed: console_exited must never see it empty
		printf 'echo $? >%q && mv %q %q\n' "$CON_RC.tmp" "$CON_RC.tmp" "$CON_RC"
		printf 'printf "\\n[console exited with status %%s]\\n" "$(cat %q)"\n' "$CON_RC"
		echo 'exec tail -f /dev/null'
	} >"$run"
	chmod +x "$run"
	tm -f /dev/null start-server \; \
		set-option -g status off \; \
		set-option -g default-terminal "$CON_TERM" \; \
		set-option -g escape-time 0 \; \
		set-option -g history-limit 0 \; \
		new-session -d -x 100 -y 30 -s "$CON_TARGET" "$run" \
		|| bail "tmux did not start"
}

# The console on the copied sample project against the test server.
console_start_sample() {
	console_start -d "$T/proj/migrations" --url "$PGURL" ui "$@"
}

_con_watchdog_pid=""
# The script's own stdout, for the timeout report (the watchdog may fire
# inside check, whose output goes to a file).
exec {CON_OUT}>&1
_con_timeout() {
	trap - TERM
	# A check in flight has its number already.
	[ -n "$_con_checking" ] || _tap_n=$((_tap_n + 1))
	{
		echo "not ok $_tap_n - ${_con_checking:+$_con_checking: }the test did not finish within ${CONSOLE_TIMEOUT}s"
		dump_screen
		echo "1..$_tap_n"
	} >&"$CON_OUT"
	exit 1
}
_con_cleanup() {
	if [ -n "$_con_watchdog_pid" ]; then
		kill "$_con_watchdog_pid" 2>/dev/null
		_con_watchdog_pid=""
	fi
	tm kill-server >/dev/null 2>&1
	_pg_cleanup
}
trap _con_cleanup EXIT
trap _con_timeout TERM

# The watchdog: SIGTERM to this script after CONSOLE_TIMEOUT seconds. Its own
# sleep is killed with it, and it holds none of the harness's pipes.
CONSOLE_TIMEOUT=${CONSOLE_TIMEOUT:-120}
(
	trap 'kill $s 2>/dev/null; exit 0' TERM
	sleep "$CONSOLE_TIMEOUT" & s=$!
	wait "$s" && kill -TERM $$
) </dev/null >/dev/null 2>&1 &
_con_watchdog_pid=$!

# --- shared by the tests -----------------------------------------------------------
HEAD=8289ba23590a
ROOT=6ee1c5ab22d4
# version_is WANT: alembic_version holds exactly WANT (for wait_until).
version_is() { local v; v=$(version); [ "$v" = "$1" ] || { echo "alembic_version: $v, want $1"; return 1; }; }
# version: the alembic_version rows, space separated ("none" when empty).
version() { psqlc "SELECT coalesce((SELECT string_agg(version_num, ' ' ORDER BY version_num) FROM alembic_version), 'none')"; }
# R ARGS: the CLI on the copied sample project against the test server.
R() { rt -d "$T/proj/migrations" --url "$PGURL" "$@"; }
# rev7 ID: the 7-character prefix every id column shows at least.
rev7() { printf '%s' "${1:0:7}"; }

# setup_sample: the server, the copied sample project, upgraded to head.
setup_sample() {
	pg_start
	copy_sample
	R -q upgrade head >"$T/upgrade.out" 2>&1 || { cat "$T/upgrade.out"; bail "upgrade head failed"; }
	[ "$(version)" = "$HEAD" ] || bail "the sample did not reach $HEAD"
}

# The first full screen: every pane title and the status line.
CONFIRM_RE='[yY]/[nN]'
drawn() {
	local s t
	s=$(screen)
	for t in History Plan SQL Tables env:; do
		printf '%s\n' "$s" | grep -q -- "$t" || { echo "no \"$t\" on the screen"; return 1; }
	done
}

# answer KEY...: a dialog that changes the database ignores keys for its
# first 150 ms (typed-ahead keys answer nothing); a person answers after
# reading it. Waits that long, then sends the keys.
answer() { sleep 0.2; keys "$@"; }
