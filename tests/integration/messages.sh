#!/usr/bin/env bash
# Messages say what went wrong and the way out, one test per class: a role
# without CREATE, several envs and no default, a version-table row no file
# defines, restore without --clean, failures of --dry-run and
# --single-transaction, a URL that is not PostgreSQL's, a server that never
# answers (and the default connect_timeout), per-command --help, backup -q,
# --sql with --dry-run, an empty downgrade section.
. "$RT_SRCDIR/tests/lib/tap.sh"
. "$RT_SRCDIR/tests/lib/pg.sh"
. "$RT_SRCDIR/tests/lib/mig.sh"
pg_start
P="$T/p"
R() { rt -d "$P" --url "$PGURL" "$@"; }
at() { psqlc "SELECT coalesce(string_agg(version_num, ' ' ORDER BY 1), 'none') FROM alembic_version"; }
mig "$P" m1 none "create one" "CREATE TABLE one (id int);
INSERT INTO one VALUES (1);" "DROP TABLE one;"
mig "$P" m2 m1 "create two" "CREATE TABLE two (id int);" "DROP TABLE two;"
mig "$P" m3 m2 "fails" "CREATE TABLE three (id int);
SELECT 1 / 0;" "DROP TABLE three;"

# --- a role without CREATE: what retort was creating, and the right it needs ---
psqlc "CREATE ROLE nocreate LOGIN; REVOKE CREATE ON SCHEMA public FROM PUBLIC" >/dev/null
NOCREATE="postgresql://nocreate@/app?host=$PGSOCK"
rt -d "$P" --url "$NOCREATE" upgrade m1 >"$T/out" 2>"$T/err"; rc=$?
is "no CREATE right: exit 1" "$rc" 1
is "... one line saying what retort was creating" "$(head -1 "$T/err")" \
	"retort: creating the version table alembic_version and retort_history: ERROR: permission denied for schema public"
unlike "... without a doubled prefix" "$(cat "$T/err")" "retort: retort:"
like "... and the right it needs, for whom" "$(cat "$T/err")" \
	'role nocreate needs the CREATE privilege on schema public \(GRANT CREATE ON SCHEMA "public" TO "nocreate"\)'
is "... nothing was created" "$(psqlc "SELECT to_regclass('alembic_version') IS NULL")" t
# once a role that has the right created them, the tables are enough
R -q stamp base || bail "stamp base as postgres failed"
psqlc "GRANT SELECT, INSERT, UPDATE, DELETE ON alembic_version, retort_history TO nocreate;
       GRANT USAGE ON SEQUENCE retort_history_id_seq TO nocreate" >/dev/null
rt -d "$P" --url "$NOCREATE" -q stamp m1 >"$T/out" 2>&1; rc=$?
is "a role without CREATE works on tables that exist (stamp)" "$rc|$(at)" "0|m1"
R -q stamp base

# --- several envs, none the default ---
mkdir -p "$T/envs/versions"
cp "$P"/versions/*.sql "$T/envs/versions/"
printf '[env dev]\nurl = %s\n\n[env staging]\nurl = %s\n' "$PGURL" "$PGURL" >"$T/envs/retort.conf"
rt -d "$T/envs" current >"$T/out" 2>"$T/err"; rc=$?
is "two envs, no default: exit 2" "$rc" 2
is "... says to pass --env or set default = true" "$(cat "$T/err")" \
	"retort: no env chosen: $T/envs/retort.conf has 2 envs (dev, staging) and none is the default: pass --env NAME, or set default = true in one of them"
unlike "... and not to add an env that exists" "$(cat "$T/err")" "add an \[env NAME\]"
rt -d "$T/envs" -e staging current >/dev/null 2>&1; is "... --env works" "$?" 0
printf '[env dev]\nurl = %s\ndefault = true\n\n[env staging]\nurl = %s\n' "$PGURL" "$PGURL" >"$T/envs/retort.conf"
rt -d "$T/envs" current >/dev/null 2>&1; is "... default = true works" "$?" 0
printf '' >"$T/envs/retort.conf"
rt -d "$T/envs" current >"$T/out" 2>"$T/err"
like "no env at all still says to add one" "$(cat "$T/err")" "or add an \[env NAME\] section to $T/envs/retort.conf"

# --- a version-table row no file defines: the playbook's way out ---
R -q upgrade m1
psqlc "UPDATE alembic_version SET version_num = 'ae1027a6acf'"
R upgrade >"$T/out" 2>"$T/err"; rc=$?
is "unknown row: exit 2" "$rc" 2
is "... first line as before" "$(head -1 "$T/err")" \
	"retort: database is at revision ae1027a6acf, which no migration file defines"
like "... then 'git pull'" "$(cat "$T/err")" "'git pull' brings its file"
like "... or 'retort stamp'" "$(cat "$T/err")" "'retort stamp REV' records that \(e.g. 'retort stamp head'"
R history -i >"$T/out" 2>"$T/err"; rc=$?
is "history -i with that row: exit 2" "$rc" 2
like "... with the same way out" "$(tail -1 "$T/err")" "'git pull'.*'retort stamp REV'"
R -q stamp m1; is "... and stamp to an absolute target is that way out" "$(at)" m1
R upgrade nosuch >"$T/out" 2>"$T/err"
unlike "a bad target with known rows gets no such hint" "$(cat "$T/err")" "git pull"

# --- --dry-run and --single-transaction failures end with where the database is ---
for opt in --dry-run --single-transaction; do
	R upgrade $opt >"$T/out" 2>"$T/err"; rc=$?
	is "$opt failure: exit 1" "$rc" 1
	like "... the error first" "$(head -1 "$T/err")" "m3_fails.sql:8: ERROR: division by zero"
	is "... and the last line says rolled back and where" "$(tail -1 "$T/err")" \
		"rolled back; database still at m1"
	is "... which is true" "$(at)|$(psqlc "SELECT to_regclass('two') IS NULL")" "m1|t"
done
R upgrade m2 --dry-run >"$T/out" 2>&1
like "a dry run that succeeds still says so on stdout" "$(cat "$T/out")" "dry run rolled back; database still at: m1"

# --- restore without --clean into a database that has the tables ---
printf '[retort]\nbackup_dir = %s\n' "$T/backups" >"$P/retort.conf"
out=$(R -q backup 2>&1); rc=$?
is "backup -q prints nothing" "$rc|$out" "0|"
dump=$(ls "$T"/backups/*.dump | head -1)
[ -n "$dump" ] || bail "no backup was written"
out=$(R backup 2>/dev/null)
like "backup without -q still names the file" "$out" "^backup: $T/backups/"
R restore --yes "$dump" >"$T/out" 2>"$T/err"; rc=$?
is "restore without --clean over the tables: exit 1" "$rc" 1
like "... pg_restore's error is shown" "$(cat "$T/err")" "already exists"
like "... and the way out is --clean" "$(tail -1 "$T/err")" \
	"^the database already has [0-9]+ of the backup's tables \(.*public\.one.*\): restore --clean drops them first"
R restore --yes --clean "$dump" >"$T/out" 2>"$T/err"; rc=$?
is "... which works" "$rc" 0
unlike "... and says nothing of --clean then" "$(cat "$T/err")" "restore --clean drops"
rm -f "$P/retort.conf"

# --- a URL that is not a PostgreSQL URL ---
R_url() { rt -d "$P" --url "$1" current; }
R_url "mysql://app:s3cret@db.example.com/app" >"$T/out" 2>"$T/err"; rc=$?
is "mysql://: exit 2" "$rc" 2
is "... refused as not PostgreSQL" "$(cat "$T/err")" \
	"retort: 'mysql://' is not a PostgreSQL URL: retort connects to PostgreSQL only (postgresql://[user@][host][:port][/dbname][?param=value], or key=value pairs)"
R_url "postgresql+psycopg2://app:s3cret@db.example.com/app" >"$T/out" 2>"$T/err"; rc=$?
is "an SQLAlchemy URL: exit 2, what to drop" "$rc|$(cat "$T/err")" \
	"2|retort: 'postgresql+psycopg2://' is an SQLAlchemy URL, not a libpq one: drop '+psycopg2' (postgresql://...)"
R_url "postgres://postgres@/app?host=$PGSOCK" >/dev/null 2>&1; is "postgres:// is fine" "$?" 0
R_url "host=$PGSOCK dbname=app user=postgres" >/dev/null 2>&1; is "key=value is fine" "$?" 0

# --- a server that never answers: connect_timeout ---
mkdir -p "$T/silent"
python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1])
s.listen(8)
held = []
while True:
    held.append(s.accept()[0])   # accept, then never say a word
' "$T/silent/.s.PGSQL.5432" &
silent=$!
for _ in $(seq 100); do [ -S "$T/silent/.s.PGSQL.5432" ] && break; sleep 0.05; done
t0=$(date +%s)
rt -d "$P" --url "postgresql://postgres@/app?host=$T/silent&connect_timeout=2" current >"$T/out" 2>"$T/err"; rc=$?
t1=$(date +%s)
kill "$silent"; wait "$silent" 2>/dev/null
is "a silent server: exit 1" "$rc" 1
check "... after the URL's connect_timeout, not forever" test $((t1 - t0)) -le 6
like "... saying nothing answered in time" "$(head -1 "$T/err")" \
	"^retort: cannot connect to postgresql://postgres@/app\?host=$T/silent&connect_timeout=2: no answer within 2 s \(connect_timeout"
# the default, read back from the connection libpq made (no 10 s wait)
like "the default connect_timeout is 10 s" "$(R -v current)" "\(connect_timeout 10 s\):$"
like "... the URL's own wins" "$(rt -d "$P" --url "$PGURL&connect_timeout=3" -v current)" "\(connect_timeout 3 s\):$"
like "... and so does PGCONNECT_TIMEOUT" "$(PGCONNECT_TIMEOUT=4 R -v current)" "\(connect_timeout 4 s\):$"

# --- per-command --help: every option of the usage line has a line of its own ---
missing=""
for cmd in $(rt --help | sed -n '/^Commands:/,/^$/p' | awk '/^  [a-z]/ { print $1 }'); do
	help=$(rt "$cmd" --help)
	for o in $(printf '%s\n' "$help" | head -1 | grep -oE -- '--[a-z-]+|[[ ]-[a-z]\b' | tr -d '[ '); do
		case $o in
		--*) pat="^  (-[a-z], |    )$o( [A-Z]+)? +[a-z(]" ;;
		*) pat="^  $o, --[a-z-]+( [A-Z]+)? +[a-z(]" ;;
		esac
		printf '%s\n' "$help" | grep -Eq -- "$pat" || missing="$missing $cmd:$o"
	done
done
is "every option a command's usage names is described in its --help" "$missing" ""
like "current --help describes --format" "$(rt current --help)" "--format FMT +text, csv or json"
like "restore --help describes --yes" "$(rt restore --help)" "-y, --yes +do not ask"

# --- --sql and --dry-run together ---
R upgrade --sql --dry-run >"$T/out" 2>"$T/err"; rc=$?
is "--sql --dry-run: exit 2" "$rc" 2
is "... refused, saying why" "$(cat "$T/err")" \
	"retort: upgrade: --sql and --dry-run do not go together: --sql prints the SQL and touches nothing, --dry-run runs it and rolls back"
is "... stdout empty, nothing ran" "$(cat "$T/out")|$(at)" "|m1"

# --- an empty downgrade section warns when it runs ---
mig "$P" m2 m1 "create two" "CREATE TABLE two (id int);" "-- nothing to undo here"
R -q upgrade m2
R downgrade >"$T/out" 2>"$T/err"; rc=$?
is "an empty downgrade runs (exit 0)" "$rc|$(at)" "0|m1"
is "... with a warning" "$(cat "$T/err")" \
	"retort: warning: m2: its downgrade section is empty: nothing is undone, only the version table moves"
R -q stamp m2   # the table two is still there: the downgrade left it
R -q downgrade >"$T/out" 2>"$T/err"
like "... also with -q" "$(cat "$T/err")" "warning: m2: its downgrade section is empty"
R -q downgrade >"$T/out" 2>"$T/err"
is "a downgrade with statements does not warn" "$(cat "$T/err")|$(at)" "|none"
done_testing
