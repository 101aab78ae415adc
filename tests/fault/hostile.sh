#!/usr/bin/env bash
# Hostile input (the corpus in tests/hostile/, and generated 10 MB lines,
# cycles of length 1 and 1000, 100 heads, ../ paths, hostile command lines):
# each gives a clear one-line error and exit 2, nothing in the database
# changes, and (under the sanitizer build) no sanitizer report.
. "$RT_SRCDIR/tests/lib/tap.sh"
. "$RT_SRCDIR/tests/lib/pg.sh"
. "$RT_SRCDIR/tests/lib/mig.sh"
. "$RT_SRCDIR/tests/fault/lib.sh"
H="$RT_SRCDIR/tests/hostile"
pg_start
mig "$P" h1 none "users" "CREATE TABLE users (id int PRIMARY KEY, name text);
INSERT INTO users VALUES (1, 'alice');" "DROP TABLE users;"
mig "$P" h2 h1 "posts" "CREATE TABLE posts (id int);" "DROP TABLE posts;"
R -q upgrade head || bail "the base project does not apply"
state() {
	echo "$(psqlc 'SELECT string_agg(version_num, $$ $$ ORDER BY 1) FROM alembic_version')|$(psqlc 'SELECT count(*) FROM retort_history')|$(psqlc 'SELECT count(*) FROM users')|$(schema_fingerprint | md5sum)"
}
files_before=$(cd "$P" && find . -type f | sort | md5sum)

# expect_bad DESC REGEX CMD...: exit 2, a first line "retort: ..." matching
# REGEX, a short stderr, empty stdout, no sanitizer report, database unchanged.
bad_n=0
expect_bad() {
	local desc=$1 re=$2; shift 2
	local before; before=$(state)
	"$@" >"$T/out" 2>"$T/err"; local rc=$?
	local first; first=$(head -1 "$T/err" | tr -d '\0')
	bad_n=$((bad_n + 1))
	is "$desc: exit 2" "$rc" 2
	like "$desc: one clear line" "$first" "^retort: .*${re}"
	check "$desc: the error is short (< 4 KiB, no 10 MB echo)" test "$(wc -c <"$T/err")" -lt 4096
	is "$desc: stdout empty" "$(head -c 200 "$T/out")" ""
	check "$desc: no sanitizer report" no_sanitizer_report "$T/err"
	is "$desc: database unchanged" "$(state)" "$before"
	[ "$(state)" = "$before" ] || restore
}
# restore: back to exactly h1, h2 applied (after a case that changed the database)
restore() {
	rm -f "$P/retort.conf" "$P"/versions/zz*.sql
	reset_db
	R -q upgrade head || bail "the base project does not apply"
}

# --- malformed migration files ---------------------------------------------
for f in "$H"/migrations/*.sql; do
	name=$(basename "$f" .sql)
	cp "$f" "$P/versions/zz_hostile.sql"
	expect_bad "migration $name" "$P/versions/zz_hostile.sql(:[0-9]+)?: " R upgrade head
	rm -f "$P/versions/zz_hostile.sql"
done

# SQL that does not split (unterminated quotes, comments): still exit 2 with
# file:line and the schema and version table untouched; but this is found
# only while applying, after the history table got a 'failed' row: see gaps.sh
schema_state() { state | cut -d'|' -f1,3,4; }
for f in "$H"/migrations/apply_time/*.sql; do
	name=$(basename "$f" .sql)
	cp "$f" "$P/versions/zz_hostile.sql"
	before=$(schema_state)
	R upgrade head >/dev/null 2>"$T/err"; rc=$?
	is "migration $name: exit 2" "$rc" 2
	like "migration $name: file:line and what is unterminated" "$(head -1 "$T/err")" "^retort: $P/versions/zz_hostile.sql:[0-9]+: .*unterminated"
	check "migration $name: no sanitizer report" no_sanitizer_report "$T/err"
	is "migration $name: schema and version table unchanged" "$(schema_state)" "$before"
	restore
done
# a 10 MB line in a header is accepted as the message (see gaps.sh), safely
{ printf -- '-- retort:revision zz1\n-- retort:down_revision h2\n-- retort:message '
  head -c 10485760 /dev/zero | tr '\0' m; printf '\n-- retort:upgrade\nSELECT 1;\n-- retort:downgrade\nSELECT 1;\n'; } >"$P/versions/zz_hostile.sql"
R -q upgrade head >/dev/null 2>"$T/err"; rc=$?
like "migration with a 10 MB header line: exit 0 or 2" "$rc" "^[02]$"
check "migration with a 10 MB header line: no sanitizer report" no_sanitizer_report "$T/err"
restore
# a 10 MB line in a body: the same, with file:line
{ printf -- '-- retort:revision zz1\n-- retort:down_revision h2\n-- retort:message m\n-- retort:upgrade\nSELECT $q$'
  head -c 10485760 /dev/zero | tr '\0' x; printf '\n-- retort:downgrade\nSELECT 1;\n'; } >"$P/versions/zz_hostile.sql"
before=$(schema_state)
R upgrade head >/dev/null 2>"$T/err"; rc=$?
is "migration with a 10 MB unterminated body line: exit 2" "$rc" 2
like "... file:line" "$(head -1 "$T/err")" "^retort: $P/versions/zz_hostile.sql:5: "
check "... a short error (< 4 KiB)" test "$(wc -c <"$T/err")" -lt 4096
check "... no sanitizer report" no_sanitizer_report "$T/err"
is "... schema and version table unchanged" "$(schema_state)" "$before"
restore

# --- graphs ----------------------------------------------------------------
mig "$P" zzself zzself "cycle of one" "SELECT 1;" "SELECT 1;"
expect_bad "cycle of length 1" "zzself" R upgrade head
rm -f "$P"/versions/zzself_*.sql
for i in $(seq 1 1000); do
	mig "$P/cyc" "$(printf 'c%04d' "$i")" "$(printf 'c%04d' $(( i == 1 ? 1000 : i - 1 )))" "c$i" "SELECT 1;" "SELECT 1;"
done
cp "$P"/cyc/versions/*.sql "$P/versions/"
expect_bad "cycle of length 1000" "cycle" R upgrade head
rm -f "$P"/versions/c[0-9]*.sql
for i in $(seq 1 100); do
	mig "$P/heads" "$(printf 'hd%03d' "$i")" h2 "head $i" "SELECT 1;" "SELECT 1;"
done
cp "$P"/heads/versions/*.sql "$P/versions/"
expect_bad "100 heads, upgrade head" "head" R upgrade head
rm -f "$P"/versions/hd[0-9]*.sql

# --- ../ in paths given to -d ----------------------------------------------
mkdir -p "$T/elsewhere/migrations"
expect_bad "-d with ../ to a directory without versions/" "" rt -d "$P/../elsewhere/nothing/../../elsewhere/migrations/../../../../../../.." --url "$PGURL" upgrade head
expect_bad "-d with ../ to a missing directory" "" rt -d "$P/../../../../../../../../no/such/dir" --url "$PGURL" upgrade head

# --- bad config files ------------------------------------------------------
for f in "$H"/config/*.conf; do
	name=$(basename "$f" .conf)
	cp "$f" "$P/retort.conf"
		expect_bad "config $name" "retort.conf(:[0-9]+)?: |RETORT_HOSTILE_UNSET_VAR|bad version table name" env -u RETORT_HOSTILE_UNSET_VAR "$RETORT" -d "$P" \
		$([ "$name" = unset_variable ] || echo --url "$PGURL") current
done
{ printf '[retort]\nlock_timeout = '; head -c 10485760 /dev/zero | tr '\0' 1; printf '\n'; } >"$P/retort.conf"
expect_bad "config with a 10 MB line" "retort.conf:2: " rt -d "$P" --url "$PGURL" current
rm -f "$P/retort.conf"

# --- bad command lines -----------------------------------------------------
bad() {
	local desc=$1 re=$2; shift 2
	case " $* " in
	*" -d "*) expect_bad "command line: $desc" "$re" rt --url "$PGURL" "$@" ;;
	*) expect_bad "command line: $desc" "$re" R "$@" ;;
	esac
}
. "$H/cmdlines.sh"
is "no hostile input created or changed a file in the project" "$(cd "$P" && find . -type f -not -path './cyc/*' -not -path './heads/*' | sort | md5sum)" "$files_before"
echo "# $bad_n hostile inputs"
done_testing
