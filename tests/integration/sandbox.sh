#!/bin/sh
# tests/integration/sandbox.sh - the embedded cluster: retort sandbox start|status|url|stop.
# It does not use tests/lib/pg.sh's server: the sandbox is the server under test.
set -u
: "${RETORT:?RETORT must name the retort binary under test}"
: "${RT_SRCDIR:?RT_SRCDIR must name the source tree}"

T=$(mktemp -d /tmp/rt-sandbox.XXXXXX)
# as root the server runs as postgres, which must be able to reach the project
chmod 755 "$T"
. "$RT_SRCDIR/tests/lib/tap.sh"

PG_BINDIR=${PG_BINDIR:-$(pg_config --bindir 2>/dev/null)}
[ -x "$PG_BINDIR/initdb" ] ||
	PG_BINDIR=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
DATA="$T/proj/.retort/sandbox/data"

as_pg() {
	if [ "$(id -u)" = 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

# Stops the sandbox whatever happened, then removes everything.
cleanup() {
	if [ -f "$DATA/postmaster.pid" ]; then
		as_pg "$PG_BINDIR/pg_ctl" -D "$DATA" -m immediate -w stop >/dev/null 2>&1
	fi
	sockdir=$(cat "$T/proj/.retort/sandbox/socket_dir" 2>/dev/null)
	case $sockdir in
	/tmp/retort-*) rm -rf "$sockdir" ;;
	esac
	case ${SCR:-} in
	/dev/shm/retort-*) rm -rf "$SCR" ;;
	esac
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

rt() {
	env -u DATABASE_URL timeout 120 "$RETORT" -d "$T/proj/migrations" "$@"
}

mkdir -p "$T/proj/migrations/versions"
cat >"$T/proj/migrations/retort.conf" <<'EOF'
[env dev]
sandbox = true
database = app
default = true
EOF

[ -x "$PG_BINDIR/initdb" ] || bail "no PostgreSQL server binaries found"

# --- stopped before anything exists -----------------------------------------
out=$(rt sandbox status 2>&1)
is "status before start exits 1" "$?" 1
like "status before start says stopped" "$out" '^stopped'

# --- start --------------------------------------------------------------------
check "sandbox start" rt sandbox start
out=$(rt sandbox status 2>&1)
is "status exits 0 when running" "$?" 0
like "status says running (pid N)" "$out" '^running \(pid [0-9]+\)'
pid1=$(printf '%s\n' "$out" | sed -n 's/^running (pid \([0-9]*\)).*/\1/p' | head -1)

url=$(rt sandbox url)
is "sandbox url exits 0" "$?" 0
is "sandbox url prints one line" "$(printf '%s\n' "$url" | wc -l | tr -d ' ')" 1
like "sandbox url is a postgresql:// URL" "$url" '^postgresql://'
is "psql connects through the url" "$(psql "$url" -XAtc 'select 1' 2>&1)" 1
is "the url names the env's database" \
	"$(psql "$url" -XAtc 'select current_database()' 2>&1)" app
is "no TCP listener" "$(psql "$url" -XAtc 'show listen_addresses' 2>&1)" ""
check "create a table in the sandbox" \
	psql "$url" -XAtq -v ON_ERROR_STOP=1 \
	-c 'create table kept (n int); insert into kept values (42)'

# --- idempotent start ------------------------------------------------------------
check "second sandbox start succeeds" rt sandbox start
out=$(rt sandbox status 2>&1)
is "second start leaves the same server running" \
	"$(printf '%s\n' "$out" | sed -n 's/^running (pid \([0-9]*\)).*/\1/p' | head -1)" "$pid1"

# --- where it lives ----------------------------------------------------------------
check "the cluster is under PROJECT/.retort/sandbox" test -f "$DATA/PG_VERSION"
check "the server's data directory is that one" \
	sh -c "sed -n 2p '$DATA/postmaster.pid' | grep -qx '$DATA'"
if [ "$(id -u)" = 0 ]; then
	is "as root, the cluster belongs to postgres" "$(stat -c %U "$DATA")" postgres
fi

# --- the shadow databases' scratch tablespace, on tmpfs --------------------------------
SCR=""
if [ -d /dev/shm ]; then
	url=$(rt sandbox url)
	SCR=$(psql "$url" -XAtc "SELECT pg_tablespace_location(oid) FROM pg_tablespace
		WHERE spcname = 'retort_scratch'" 2>&1)
	like "the sandbox has a scratch tablespace in /dev/shm, its own" "$SCR" \
		"^/dev/shm/retort-$(id -u)-[0-9a-f]{8}\$"
	is "... private (0700)" "$(stat -c %a "$SCR" 2>&1)" 700
	psql "$url" -qXc "ALTER SYSTEM SET log_statement = 'ddl'" -c "SELECT pg_reload_conf()" >/dev/null
	check "a shadow build" sh -c "env -u DATABASE_URL '$RETORT' -d '$T/proj/migrations' schema >/dev/null"
	like "... made its database there" "$(cat "$T/proj/.retort/sandbox/server.log")" \
		"CREATE DATABASE \"?retort_shadow_[^ ]* TEMPLATE template0 TABLESPACE retort_scratch"
else
	skip "no /dev/shm: no scratch tablespace" 4
fi

# --- stop ----------------------------------------------------------------------------
check "sandbox stop" rt sandbox stop
out=$(rt sandbox status 2>&1)
is "status exits 1 when stopped" "$?" 1
like "status says stopped" "$out" '^stopped'
# pg_ctl stop -w returns once postmaster.pid is gone, a moment before the exit
gone() {
	for _ in $(seq 50); do
		kill -0 "$1" 2>/dev/null || return 0
		[ "$(ps -o stat= -p "$1" 2>/dev/null | cut -c1)" = Z ] && return 0
		sleep 0.1
	done
	return 1
}
check "the server process is gone" gone "$pid1"
check "sandbox stop when stopped is not an error" rt sandbox stop

# --- restart keeps the data ------------------------------------------------------------
# a reboot empties /dev/shm: the next start makes the scratch directories again
[ -z "$SCR" ] || rm -rf "$SCR"
check "sandbox start after stop" rt sandbox start
url=$(rt sandbox url)
is "data survives a restart" "$(psql "$url" -XAtc 'select n from kept' 2>&1)" 42
if [ -n "$SCR" ]; then
	check "the emptied scratch directory is made again, with the server's version directory" \
		sh -c "ls -d '$SCR'/PG_*_* >/dev/null"
	: >"$T/proj/.retort/sandbox/server.log.mark"
	check "a shadow build works there again" \
		sh -c "env -u DATABASE_URL '$RETORT' -d '$T/proj/migrations' schema >/dev/null"
	unlike "... without a failed CREATE DATABASE" "$(cat "$T/proj/.retort/sandbox/server.log")" \
		"could not create directory"
else
	skip "no /dev/shm: no scratch tablespace" 3
fi
check "final sandbox stop" rt sandbox stop

done_testing
