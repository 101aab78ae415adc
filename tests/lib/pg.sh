# tests/lib/pg.sh - a private PostgreSQL server for one test script (sourced).
# Provides: T (temp dir), pg_start, pg_stop, PGURL, psqlc SQL (prints unaligned
# tuples-only), rt ARGS (runs the retort under test). Cleanup runs on exit.
set -u
: "${RETORT:?RETORT must name the retort binary under test}"
: "${RT_SRCDIR:?RT_SRCDIR must name the source tree}"

T=$(mktemp -d /tmp/rt-test.XXXXXX)
chmod 755 "$T"
# each test its own model cache (rt_modelcache.h), never the user's
export XDG_CACHE_HOME="$T/cache"
PG_BINDIR=${PG_BINDIR:-$(pg_config --bindir 2>/dev/null)}
[ -x "$PG_BINDIR/initdb" ] || PG_BINDIR=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
PGDATA_T="$T/pgdata"
PGSOCK="$T/sock"
PGPID=""

# Runs a server binary as the postgres user when we are root (initdb refuses root).
as_pg() {
	if [ "$(id -u)" = 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

pg_start() {
	mkdir -p "$PGSOCK"
	if [ "$(id -u)" = 0 ]; then
		chown postgres "$T" "$PGSOCK"
	fi
	as_pg "$PG_BINDIR/initdb" -D "$PGDATA_T" -U postgres -A trust --no-sync -E UTF8 --locale=C.UTF-8 \
		>"$T/initdb.log" 2>&1 || { cat "$T/initdb.log"; bail "initdb failed"; }
	as_pg "$PG_BINDIR/pg_ctl" -D "$PGDATA_T" -l "$T/server.log" -w -t 60 \
		-o "-k $PGSOCK -c listen_addresses= -c fsync=off -c max_connections=60" start \
		>/dev/null 2>&1 || { cat "$T/server.log"; bail "server did not start"; }
	PGPID=$(head -1 "$PGDATA_T/postmaster.pid")
	export PGHOST="$PGSOCK" PGUSER=postgres PGDATABASE=postgres
	PGURL="postgresql://postgres@/app?host=$PGSOCK"
	export PGURL
	"$PG_BINDIR/psql" -qX -d postgres -c "CREATE DATABASE app" >/dev/null
}

pg_stop() {
	if [ -n "$PGPID" ] && kill -0 "$PGPID" 2>/dev/null; then
		kill -INT "$PGPID" 2>/dev/null
		for _ in $(seq 100); do kill -0 "$PGPID" 2>/dev/null || break; sleep 0.1; done
	fi
	PGPID=""
}

_pg_cleanup() {
	pg_stop
	rm -rf "$T"
}
trap _pg_cleanup EXIT

# psqlc [-d DB] SQL: unaligned, tuples only, field separator '|', stops on error.
psqlc() {
	local db=app
	if [ "$1" = "-d" ]; then db=$2; shift 2; fi
	"$PG_BINDIR/psql" -qXAt -v ON_ERROR_STOP=1 -d "$db" -c "$1"
}

# rt ARGS: the retort under test, with no config env leaking in.
rt() {
	env -u DATABASE_URL "$RETORT" "$@"
}

# A copy of the sample project in $T/proj (tests never write to the source tree).
# sample_envs DIR: DIR/retort.conf with a default env dev and a protected env
# production, both on the test server, backups in DIR/backups.
sample_envs() {
	cat >"$1/retort.conf" <<'CONF'
[retort]
backup_dir = backups
[env dev]
url = ${PGURL}
default = true
[env production]
url = ${PGURL}
protected = true
CONF
}

copy_sample() {
	mkdir -p "$T/proj"
	cp -R "$RT_SRCDIR/migrations" "$T/proj/"
	chmod -R u+w "$T/proj"
}

# schema_fingerprint: tables, columns, constraints and indexes of schema public.
schema_fingerprint() {
	psqlc "SELECT string_agg(x, E'\n' ORDER BY x) FROM (
	  SELECT format('col %s.%s %s %s %s', table_name, column_name, data_type,
	         is_nullable, coalesce(column_default, '')) AS x
	    FROM information_schema.columns WHERE table_schema = 'public'
	  UNION ALL
	  SELECT format('con %s %s %s', conrelid::regclass, conname, pg_get_constraintdef(oid))
	    FROM pg_constraint WHERE connamespace = 'public'::regnamespace
	  UNION ALL
	  SELECT format('idx %s', indexdef) FROM pg_indexes WHERE schemaname = 'public'
	) s"
}
