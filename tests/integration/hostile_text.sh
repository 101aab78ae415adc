#!/usr/bin/env bash
# Header text and file names must not become SQL or terminal control.
#  1. A control character in a header value (a CR, which ends a PostgreSQL
#     "--" comment, an escape, a C1 control, DEL, a bidirectional override)
#     is refused: file:line, exit 2, nothing printed on stdout, so
#     `upgrade --sql | psql` runs nothing.
#  2. A file name may hold anything but '/' and NUL: in the offline SQL it is
#     escaped so that it cannot end its comment (the script is printable
#     ASCII here, psql applies it, the table the name tries to drop stays).
#  3. Every terminal output path (history, show, current -v, counts,
#     progress lines, the protected-env confirmation, errors) shows control
#     characters from file names, the version table and the catalog as '?',
#     the placeholder the console draws.
. "$RT_SRCDIR/tests/lib/tap.sh"
. "$RT_SRCDIR/tests/lib/pg.sh"
. "$RT_SRCDIR/tests/lib/mig.sh"
pg_start
P="$T/p"
R() { rt -d "$P" --url "$PGURL" "$@"; }
mig "$P" h1 none "keep" "CREATE TABLE keep (id int);
INSERT INTO keep VALUES (1);" "DROP TABLE keep;"
R -q upgrade head || bail "the base project does not apply"

# no_controls FILE: no C0 control but tab and LF, no DEL, no C1, no bidi
# override or isolate, no line/paragraph separator, and valid UTF-8.
no_controls() {
	if LC_ALL=C grep -nP '[\x00-\x08\x0b-\x1f\x7f]|\xc2[\x80-\x9f]|\xe2\x80[\xa8-\xae]|\xe2\x81[\xa6-\xa9]' "$1" | cat -A | head -5 | grep .; then
		return 1
	fi
	iconv -f UTF-8 -t UTF-8 "$1" >/dev/null
}
# printable_ascii FILE: nothing but printable ASCII, tabs and newlines.
printable_ascii() {
	! LC_ALL=C grep -nP '[^\x09\x0a\x20-\x7e]' "$1" | cat -A | head -5 | grep .
}
keep_rows() { psqlc -d "$1" "SELECT count(*) FROM keep"; }
newdb() { psqlc -d postgres "CREATE DATABASE $1" >/dev/null; }

# --- 1. control characters in header values ---------------------------------
# hdr NAME HEADERLINE: revision h2 on h1 with that header line.
hdr() {
	printf -- '-- retort:revision h2\n-- retort:down_revision h1\n%s\n\n-- retort:upgrade\nCREATE TABLE t2 (id int);\n\n-- retort:downgrade\nDROP TABLE t2;\n' "$2" >"$P/versions/h2_$1.sql"
}
i=0
for v in $'\r' $'\e' $'\x01' $'\x0b' $'\x0c' $'\x7f' $'\xc2\x85' $'\xc2\x9b' \
	$'\xe2\x80\xaa' $'\xe2\x80\xae' $'\xe2\x81\xa6' $'\xe2\x81\xa9' $'\xe2\x80\xa8'; do
	i=$((i + 1))
	code=$(printf '%s' "$v" | iconv -f UTF-8 -t UTF-32BE | od -An -tx1 | tr -d ' \n' | sed 's/^0*//')
	code=$(printf 'U+%04X' "0x${code:-0}")
	for line in "-- retort:message add index${v}DROP TABLE keep; --" \
		"-- retort:created 2025-10-24${v}T10:00:00Z"; do
		key=$(echo "$line" | sed 's/^-- retort:\([a-z]*\).*/\1/')
		hdr "c$i" "$line"
		R upgrade --sql >"$T/out" 2>"$T/err"; rc=$?
		is "$code in header $key: upgrade --sql exits 2" "$rc" 2
		like "... file:line naming the header and the character" "$(head -1 "$T/err")" \
			"^retort: $P/versions/h2_c$i.sql:3: header '$key' holds ${code/+/\\+}, a control character"
		is "... and prints no SQL" "$(wc -c <"$T/out")" 0
		check "... nor the character on stderr" no_controls "$T/err"
		R upgrade >/dev/null 2>&1; rc=$?
		is "... upgrade exits 2 as well" "$rc" 2
		rm -f "$P/versions/h2_c$i.sql"
	done
done
# the issue's example, end to end: `upgrade --sql | psql` must not drop keep
hdr cr $'-- retort:message add index\rDROP TABLE keep; --'
R upgrade --sql 2>/dev/null | "$PG_BINDIR/psql" -qX -d app >/dev/null 2>&1
is "a CR in the message: upgrade --sql | psql drops nothing" "$(keep_rows app)" 1
rm -f "$P/versions/h2_cr.sql"
# a CR between the key and the value is no separator either
hdr crkey $'-- retort:message\rDROP TABLE keep; --'
R upgrade --sql >/dev/null 2>"$T/err"; rc=$?
is "a CR after the key: exit 2" "$rc" 2
like "... file:line" "$(head -1 "$T/err")" "^retort: $P/versions/h2_crkey.sql:3: header 'message' holds U\+000D"
rm -f "$P/versions/h2_crkey.sql"
# the tab is the header's blank, and other scripts' text is text
hdr ok $'-- retort:message add\tindex \xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d \xe2\x80\x8f\xc3\xa9'
R upgrade --sql >"$T/out" 2>"$T/err"; rc=$?
is "a tab, Hebrew, an RLM mark and an accent in a message are accepted" "$rc" 0
R history >"$T/out"
like "... history shows the tab as a space" "$(head -1 "$T/out")" "h1 -> h2 \(head\), add index "
rm -f "$P/versions/h2_ok.sql"
# retort revision -m writes no header the parser would refuse
for v in $'\e[2K' $'\xc2\x9b' $'\xe2\x80\xae' $'\r' $'\x7f'; do
	R revision -m "add${v}x" >"$T/out" 2>"$T/err"; rc=$?
	is "revision -m with a control character: exit 2" "$rc" 2
	like "... saying so" "$(head -1 "$T/err")" "^retort: the message must be one line of printable text \(it holds U\+"
	check "... with the character replaced" no_controls "$T/err"
done
is "... and no file was written" "$(ls "$P/versions" | wc -l)" 1

# --- 2. file names in the offline SQL -----------------------------------------
names=(
	$'nl\nDROP TABLE keep; --'
	$'cr\rDROP TABLE keep; --'
	$'esc\e[2K\r\e[1A'
	$'c1\xc2\x9b2K'
	$'bidi\xe2\x80\xaelqs.'
	$'sep\xe2\x80\xa8DROP TABLE keep; --'
	$'latin1\xff\xe9'
)
n=0
for name in "${names[@]}"; do
	n=$((n + 1))
	f="$P/versions/h2_$name.sql"
	printf -- '-- retort:revision h2\n-- retort:down_revision h1\n-- retort:message add t2\n\n-- retort:upgrade\nCREATE TABLE t2 (id int);\n\n-- retort:downgrade\nDROP TABLE t2;\n' >"$f"
	R upgrade --sql >"$T/up.sql" 2>"$T/err"; rc=$?
	is "file name #$n: upgrade --sql exits 0" "$rc" 0
	check "... the script is printable ASCII (the name is escaped)" printable_ascii "$T/up.sql"
	check "... the name is one E'' comment line" grep -q "^-- E'$P/versions/h2_" "$T/up.sql"
	newdb "viasql$n"
	"$PG_BINDIR/psql" -qX -v ON_ERROR_STOP=1 -d "viasql$n" -f "$T/up.sql" >"$T/psql.out" 2>&1; rc=$?
	is "... psql applies it" "$rc" 0
	is "... keep is still there, t2 too, at h2" \
		"$(keep_rows "viasql$n")|$(psqlc -d "viasql$n" "SELECT to_regclass('t2') IS NOT NULL")|$(psqlc -d "viasql$n" "SELECT version_num FROM alembic_version")" "1|t|h2"
	R downgrade --sql h2:base >"$T/down.sql"
	check "... downgrade --sql is printable ASCII too" printable_ascii "$T/down.sql"
	# the same name on the terminal: history -v, show, progress lines, errors
	R upgrade >"$T/out" 2>&1; rc=$?
	is "... upgrade exits 0" "$rc" 0
	check "... its progress lines hold no control character" no_controls "$T/out"
	R history -v >"$T/out" 2>&1
	check "... history -v holds no control character" no_controls "$T/out"
	like "... and shows the path with '?'" "$(grep 'path:.*h2_' "$T/out")" "path: $P/versions/h2_[^/]*\?"
	R show h2 >"$T/out" 2>&1
	check "... show holds no control character" no_controls "$T/out"
	like "... and shows the path with '?'" "$(grep '^Path:' "$T/out")" "^Path: $P/versions/h2_.*\?"
	R -q downgrade -1 || bail "downgrade failed"
	# an error about that file
	printf -- '-- retort:revision h2\n-- retort:down_revision h1\n-- retort:transaction maybe\n-- retort:upgrade\n-- retort:downgrade\n' >"$f"
	R upgrade >"$T/out" 2>"$T/err"; rc=$?
	is "... an error in that file exits 2" "$rc" 2
	check "... and its message holds no control character" no_controls "$T/err"
	like "... naming the file with '?'" "$(head -1 "$T/err")" "^retort: $P/versions/h2_.*\?.*:3: invalid transaction value"
	rm -f "$f"
done
R current | grep -q "^h1" || bail "not back at h1"
# a printable name with a quote and a backslash stays as it is: it ends no comment
f="$P/versions/h2_quote'\n.sql"
printf -- '-- retort:revision h2\n-- retort:down_revision h1\n-- retort:upgrade\nSELECT 1;\n-- retort:downgrade\nSELECT 1;\n' >"$f"
R upgrade --sql >"$T/up.sql"
check "a quote and a backslash in a file name are written as they are" grep -qxF -- "-- $f" "$T/up.sql"
newdb viasqlq
"$PG_BINDIR/psql" -qX -v ON_ERROR_STOP=1 -d viasqlq -f "$T/up.sql" >"$T/psql.out" 2>&1; rc=$?
is "... and psql applies the script" "$rc|$(psqlc -d viasqlq "SELECT version_num FROM alembic_version")" "0|h2"
rm -f "$f"

# --- 3. other text that reaches the terminal ---------------------------------
# a version-table row no file defines
psqlc "INSERT INTO alembic_version VALUES (E'\\x1b[2K\\r\\x1b[1Azz\\u009b\\u202e')" >/dev/null
R current -v >"$T/out" 2>&1
check "current -v: a hostile version-table row holds no control character" no_controls "$T/out"
like "... shown with '?'" "$(cat "$T/out")" "\?\[2K\?\?\[1Azz\?\? \(no migration file defines it\)"
R upgrade >"$T/out" 2>&1
check "upgrade with that row: its output holds no control character" no_controls "$T/out"
psqlc "DELETE FROM alembic_version WHERE version_num <> 'h1'" >/dev/null
# table names in counts
psqlc "DO \$\$BEGIN EXECUTE format('CREATE TABLE %I (id int)', E'e\\x1b[2J\\u009b\\u202ex'); END\$\$" >/dev/null
R counts >"$T/out" 2>&1; rc=$?
is "counts with a hostile table name exits 0" "$rc" 0
check "... and its output holds no control character" no_controls "$T/out"
like "... shown with '?'" "$(cat "$T/out")" "public\.e\?\[2J\?\?x"
psqlc "DO \$\$BEGIN EXECUTE format('DROP TABLE %I', E'e\\x1b[2J\\u009b\\u202ex'); END\$\$" >/dev/null
# a section body: show keeps lines and tabs; --sql keeps the SQL as written
mig "$P" h3 h1 "raw escape in a body" "SELECT '$(printf '\e')[2J'	AS x;" "SELECT 1;"
R show h3 >"$T/out" 2>&1
check "show: an escape inside a body shows as '?'" grep -qF "SELECT '?[2J'	AS x;" "$T/out"
check "... and nothing else reaches the terminal" no_controls "$T/out"
R upgrade --sql >"$T/out"
check "upgrade --sql keeps the body as written (it is SQL for psql)" grep -qF "SELECT '$(printf '\e')[2J'	AS x;" "$T/out"
# the protected-env confirmation: the database name and the plan
psqlc -d postgres "CREATE DATABASE \"$(printf '\e')[2Jprod\"" >/dev/null
cat >"$P/retort.conf" <<CONF
[retort]
auto_backup = false

[env prod]
url = postgresql://postgres@/%1B%5B2Jprod?host=$PGSOCK
protected = true
CONF
printf 'wrongname\n' | script -qec "env -u DATABASE_URL $RETORT -d $P -e prod upgrade" /dev/null >"$T/tty" 2>&1; rc=$?
is "protected env, wrong name typed: exit 2" "$rc" 2
like "... the plan was shown" "$(cat "$T/tty")" "upgrade +h3  raw escape in a body"
like "... the database name shown with '?'" "$(cat "$T/tty")" "Type the database name \(\?\[2Jprod\)"
check "... never raw" sh -c "! grep -qF '$(printf '\e')[2Jprod' '$T/tty'"
rt -d "$P" -e prod -y upgrade >"$T/out" 2>&1; rc=$?
is "protected env with --yes --env: exit 0" "$rc" 0
check "... its plan and progress lines hold no control character" no_controls "$T/out"
done_testing
