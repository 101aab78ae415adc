#!/usr/bin/env bash
# Bad input: every malformed file, graph error and bad target exits 2 with a
# one-line message and leaves the database exactly as it was.
. "$RT_SRCDIR/tests/lib/tap.sh"
. "$RT_SRCDIR/tests/lib/pg.sh"
. "$RT_SRCDIR/tests/lib/mig.sh"
pg_start
copy_sample
P="$T/proj/migrations"
R() { rt -d "$P" --url "$PGURL" "$@"; }
R -q upgrade 07c2756f9194
state() { echo "$(psqlc 'SELECT string_agg(version_num, $$ $$ ORDER BY 1) FROM alembic_version')|$(psqlc 'SELECT count(*) FROM retort_history')|$(schema_fingerprint | md5sum)"; }
before=$(state)

# expect_bad DESC REGEX ARGS...: exit 2, one stderr line matching REGEX, database unchanged.
expect_bad() {
	local desc=$1 re=$2; shift 2
	R "$@" >"$T/out" 2>"$T/err"; local rc=$?
	is "$desc: exit 2" "$rc" 2
	like "$desc: one clear line" "$(head -1 "$T/err")" "$re"
	is "$desc: stdout empty" "$(cat "$T/out")" ""
	is "$desc: database unchanged" "$(state)" "$before"
}

for f in "$RT_SRCDIR"/tests/fixtures/bad/*.sql; do
	name=$(basename "$f" .sql)
	cp "$f" "$P/versions/zz_bad.sql"
	expect_bad "malformed file $name" "^retort: $P/versions/zz_bad.sql:[0-9]+: " upgrade head
	rm -f "$P/versions/zz_bad.sql"
done

cp "$P"/versions/6ab519d54207_*.sql "$P/versions/zz_dup.sql"
expect_bad "duplicate revision id" "duplicate revision id 6ab519d54207" upgrade
rm -f "$P/versions/zz_dup.sql"
mig "$P" zz1 nosuchparent "orphan" "SELECT 1;" "SELECT 1;"
expect_bad "missing parent" "nosuchparent" upgrade
rm -f "$P"/versions/zz1_*.sql
mig "$P" zz2 zz3 "cycle a" "SELECT 1;" "SELECT 1;"
mig "$P" zz3 zz2 "cycle b" "SELECT 1;" "SELECT 1;"
expect_bad "cycle" "cycle.*zz[23].*zz[23]" upgrade
rm -f "$P"/versions/zz[23]_*.sql

expect_bad "unknown target" "unknown revision 'ffffff'" upgrade ffffff
mig "$P" 6ab000000000 6ee1c5ab22d4 "prefix twin" "SELECT 1;" "SELECT 1;"
expect_bad "ambiguous prefix names the candidates" "6ab000000000.*6ab519d54207" upgrade 6ab
rm -f "$P"/versions/6ab000000000_*.sql
expect_bad "bad target characters" "'x;drop table users'" upgrade "x;drop table users"
expect_bad "downgrade below base" "base" downgrade -9
expect_bad "downgrade to an unapplied revision" "not applied" downgrade 8289ba23590a
expect_bad "unknown label" "nolabel" upgrade nolabel@head
expect_bad "too many arguments" "usage: retort upgrade" upgrade head extra
expect_bad "unknown option" "unknown option" upgrade --frobnicate
printf '[retort]\nbogus = 1\n' >"$T/proj/migrations/retort.conf"
expect_bad "bad config" "retort.conf:2: " current
done_testing
