#!/bin/sh
# tests/integration/sandbox_root.sh - as root, the sandbox of a project the
# postgres user cannot reach: ./scripts/demo from a copy of the tree in a 0700
# directory keeps the cluster in /var/tmp (or /tmp), linked from
# .retort/sandbox; status, url and stop find it there; a copied project does
# not take it over; a directory someone else made under its name is refused.
set -u
: "${RETORT:?RETORT must name the retort binary under test}"
: "${RT_SRCDIR:?RT_SRCDIR must name the source tree}"

if [ "$(id -u)" != 0 ]; then
	echo "1..0 # SKIP needs root (the server then runs as postgres)"
	exit 0
fi
if ! id postgres >/dev/null 2>&1; then
	echo "1..0 # SKIP no postgres user"
	exit 0
fi

# mktemp -d is 0700 and root's: postgres cannot reach anything below it
T=$(mktemp -d)
export XDG_CACHE_HOME="$T/cache"   # verify's model cache: never the user's
. "$RT_SRCDIR/tests/lib/tap.sh"
P="$T/retort"          # the clone
C="$T/copy"            # a copy of the clone with its .retort
Q="$T/other"           # a project whose sandbox name someone took first

PG_BINDIR=${PG_BINDIR:-$(pg_config --bindir 2>/dev/null)}
[ -x "$PG_BINDIR/initdb" ] ||
	PG_BINDIR=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)

# outside_dirs PROJECT: the two places retort may keep that project's sandbox
outside_dirs() {
	h=$(printf '%s' "$1" | sha256sum | cut -c1-16)
	echo "/var/tmp/retort-sandbox-0-$h /tmp/retort-sandbox-0-$h"
}

# procs_in DIR: the pids of the processes whose working directory is DIR
# (a postmaster and its children run in their data directory)
procs_in() {
	for p in /proc/[0-9]*; do
		[ "$(readlink "$p/cwd" 2>/dev/null)" = "$1" ] && echo "${p#/proc/}"
	done
}

# Stops every cluster this test may have started, then removes everything.
cleanup() {
	for d in $(outside_dirs "$P") $(outside_dirs "$Q"); do
		if [ -f "$d/data/postmaster.pid" ]; then
			runuser -u postgres -- "$PG_BINDIR/pg_ctl" -D "$d/data" -m immediate -w \
				stop >/dev/null 2>&1
		fi
		# the scratch tablespace's directory on tmpfs
		for l in "$d"/data/pg_tblspc/*; do
			case $(readlink "$l") in
			/dev/shm/retort-*) rm -rf "$(readlink "$l")" ;;
			esac
		done
		rm -rf "$d" "$d".*
	done
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

[ -x "$PG_BINDIR/initdb" ] || bail "no PostgreSQL server binaries found"

# the tree as a clone has it: no build, no sandbox, no git
mkdir "$P"
(cd "$RT_SRCDIR" && tar --exclude=./_build --exclude=./.retort --exclude=./.git \
	--exclude=./backups --exclude=./autom4te.cache -cf - .) | tar -C "$P" -xf - ||
	bail "cannot copy the source tree"
rt() {
	env -u DATABASE_URL -u PGHOST -u PGPORT timeout 120 "$RETORT" "$@"
}

# --- ./scripts/demo, headless -------------------------------------------------
out=$(cd / && RETORT="$RETORT" env -u DATABASE_URL timeout 120 "$P/scripts/demo" </dev/null 2>&1)
is "scripts/demo exits 0 from a 0700 directory" "$?" 0
unlike "it does not stop at an unreachable directory" "$out" 'cannot reach'
like "it reaches the console step (history)" "$out" '== retort history -i'
like "it prints the current revision" "$out" '== retort current'

out=$(rt -d "$P/migrations" sandbox status 2>&1)
is "sandbox status exits 0" "$?" 0
like "sandbox status says running" "$out" '^running \(pid [0-9]+\) in /'
pid=$(printf '%s\n' "$out" | sed -n 's/^running (pid \([0-9]*\)).*/\1/p')
box=$(readlink "$P/.retort/sandbox")
like "PROJECT/.retort/sandbox links to a per-project directory" "$box" \
	"^/(var/)?tmp/retort-sandbox-0-$(printf '%s' "$P" | sha256sum | cut -c1-16)\$"
like "status names the data directory there" "$out" " in $box/data\$"
is "that directory is postgres's, mode 0700" "$(stat -c '%U %a' "$box" 2>&1)" "postgres 700"
is "it names its project" "$(cat "$box/project" 2>&1)" "$P"
url=$(rt -d "$P/migrations" sandbox url)
like "sandbox url names the socket there" "$url" "host=$box/run"
is "the demo database is at head" \
	"$(psql "$url" -XAtc 'select count(*) from alembic_version' 2>&1)" 1
is "the demo database holds the sample data" \
	"$(psql "$url" -XAtc 'select count(*) from users' 2>&1)" 32
out=$(cd / && rt -d "$P/migrations" verify 2>&1)
is "verify is clean after the demo" "$?|$out" \
	"0|clean: the live database matches its migrations and the declared schema"
out=$(cd / && RETORT="$RETORT" env -u DATABASE_URL timeout 120 "$P/scripts/demo" </dev/null 2>&1)
is "scripts/demo runs a second time" "$?" 0
like "... without seeding again" "$out" 'retort seed: skipped'
is "... the data as it was" "$(psql "$url" -XAtc 'select count(*) from users' 2>&1)" 32

# --- found again from the project path -------------------------------------------
rm "$P/.retort/sandbox"
out=$(rt -d "$P/migrations" sandbox status 2>&1)
like "without the link, status still finds the running server" "$out" \
	"^running \\(pid $pid\\) in $box/data\$"
check "sandbox start with the link gone" rt -d "$P/migrations" sandbox start
is "start puts the link back" "$(readlink "$P/.retort/sandbox")" "$box"

# --- a copied project does not take the cluster over ------------------------------
mkdir "$C"
cp -a "$P/migrations" "$P/.retort" "$C/"
out=$(rt -d "$C/migrations" sandbox status 2>&1)
is "status in a copy exits 1" "$?" 1
like "status in a copy names the owner" "$out" "is the sandbox of $P, not of this project"
out=$(rt -d "$C/migrations" sandbox stop 2>&1)
is "stop in a copy exits 1" "$?" 1
out=$(rt -d "$C/migrations" sandbox start 2>&1)
is "start in a copy exits 1" "$?" 1
check "the original's server still runs" kill -0 "$pid"
like "url in a copy is not the original's" "$(rt -d "$C/migrations" sandbox url)" \
	'host=/(var/)?tmp/retort-sandbox-0-'
unlike "url in a copy is not the original's socket" "$(rt -d "$C/migrations" sandbox url)" \
	"host=$box/"

# --- someone else's directory under the project's name is refused -------------------
mkdir "$Q"
cp -a "$P/migrations" "$Q/"
squat="$(dirname "$box")/retort-sandbox-0-$(printf '%s' "$Q" | sha256sum | cut -c1-16)"
mkdir -m 0700 "$squat"
out=$(rt -d "$Q/migrations" sandbox start 2>&1)
is "start refuses a directory that is not postgres's" "$?" 1
like "it says why" "$out" "refusing $squat as the sandbox"
out=$(rt -d "$Q/migrations" sandbox status 2>&1)
like "status refuses it too" "$out" "refusing $squat as the sandbox"
out=$(rt -d "$Q/migrations" sandbox stop 2>&1)
is "so does stop (it never signals what that directory names)" "$?" 1
check "nothing was linked from that project" test ! -e "$Q/.retort/sandbox"
rmdir "$squat"

# --- stop -----------------------------------------------------------------------------
check "sandbox stop" rt -d "$P/migrations" sandbox stop
out=$(rt -d "$P/migrations" sandbox status 2>&1)
is "status exits 1 when stopped" "$?" 1
like "status says stopped" "$out" '^stopped'
gone() {
	for _ in $(seq 50); do
		[ -z "$(procs_in "$box/data")" ] && ! kill -0 "$pid" 2>/dev/null && return 0
		[ "$(ps -o stat= -p "$pid" 2>/dev/null | cut -c1)" = Z ] &&
			[ -z "$(procs_in "$box/data")" ] && return 0
		sleep 0.1
	done
	return 1
}
check "no postgres process of that cluster remains" gone
check "the data is kept for the next start" test -f "$box/data/PG_VERSION"

done_testing
