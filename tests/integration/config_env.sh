#!/usr/bin/env bash
# Environments: ${VAR} urls, DATABASE_URL, --url, --env, protected envs and
# their typed confirmation; passwords never printed.
. "$RT_SRCDIR/tests/lib/tap.sh"
. "$RT_SRCDIR/tests/lib/pg.sh"
. "$RT_SRCDIR/tests/lib/mig.sh"
pg_start
psqlc -d postgres "CREATE DATABASE staging" >/dev/null
psqlc -d postgres "CREATE DATABASE prod" >/dev/null
P="$T/p"
mig "$P" e1 none "one" "CREATE TABLE one (id int);" "DROP TABLE one;"
mig "$P" e2 e1 "two" "CREATE TABLE two (id int);" "DROP TABLE two;"
cat >"$P/retort.conf" <<CONF
[env dev]
url = postgresql://postgres@/app?host=$PGSOCK
default = true

[env staging]
url = \${STAGING_URL}

[env prod]
url = postgresql://postgres@/prod?host=$PGSOCK
protected = true
CONF
at() { psqlc -d "$1" "SELECT coalesce((SELECT string_agg(version_num, ' ') FROM alembic_version), 'none')" 2>/dev/null || echo none; }

rt -d "$P" -q upgrade e1; is "no --env: the default env" "$(at app)" e1
STAGING_URL="postgresql://postgres@/staging?host=$PGSOCK" rt -d "$P" -e staging -q upgrade
is "--env with \${VAR} in the url" "$(at staging)" e2
rt -d "$P" -e staging upgrade 2>"$T/err"; rc=$?
is "an unset variable exits 2" "$rc" 2
is "... naming it" "$(cat "$T/err")" "retort: environment variable STAGING_URL is not set"
DATABASE_URL="postgresql://postgres@/staging?host=$PGSOCK" "$RETORT" -d "$P" -q downgrade base
is "DATABASE_URL wins over the default env" "$(at staging)|$(at app)" "none|e1"
rt -d "$P" --url "postgresql://postgres@/staging?host=$PGSOCK" -q upgrade e1
is "--url" "$(at staging)" e1
rt -d "$P" -e nosuch current 2>"$T/err"; rc=$?
is "an unknown env exits 2" "$rc" 2
like "... naming the envs" "$(cat "$T/err")" "dev.*prod.*staging|dev.*staging.*prod"

# protected
rt -d "$P" -e prod upgrade </dev/null >/dev/null 2>"$T/err"; rc=$?
is "protected env without a terminal or --yes is refused" "$rc" 2
like "... saying how to confirm" "$(cat "$T/err")" "protected"
is "... and changes nothing" "$(at prod)" none
sed -i 's/^default = true$//' "$P/retort.conf"; printf 'default = true\n' >>"$P/retort.conf"
rt -d "$P" -y upgrade >/dev/null 2>"$T/err"; rc=$?
is "--yes on a protected default env without --env naming it is refused" "$rc" 2
is "... and changes nothing" "$(at prod)" none
rt -d "$P" -e prod -y -q upgrade e1; is "--yes with --env prod proceeds" "$(at prod)" e1
printf 'wrongname\n' | script -qec "$RETORT -d $P -e prod upgrade" /dev/null >"$T/tty" 2>&1; rc=$?
is "a wrongly typed name is refused" "$rc" 2
like "... after showing the plan" "$(cat "$T/tty")" "upgrade +e2"
like "... and asking for the name" "$(cat "$T/tty")" "Type the database name \(prod\)"
is "... and changes nothing" "$(at prod)" e1
printf 'prod\n' | script -qec "$RETORT -d $P -e prod upgrade" /dev/null >"$T/tty" 2>&1; rc=$?
is "the right name proceeds" "$rc|$(at prod)" "0|e2"
like "... the wrong one was told which name" "$(printf 'wrongname\n' | script -qec "$RETORT -d $P -e prod downgrade -1" /dev/null 2>&1)" \
	"not confirmed: the typed name is not 'prod'; nothing changed"
like "--yes without --env says what it needs" "$(rt -d "$P" -y downgrade -1 2>&1)" \
	"env 'prod' is protected: --yes needs --env prod as well"
# baseline goes through the same rule (the engine's, as migrate, seed and restore)
psqlc -d prod "CREATE TABLE extra (id int PRIMARY KEY)"
nfiles=$(ls "$P/versions" | wc -l)
rt -d "$P" -y baseline -m adopt >/dev/null 2>"$T/err"; rc=$?
is "baseline on a protected env: --yes without --env is refused" "$rc" 2
like "... saying what it needs" "$(cat "$T/err")" "--yes needs --env prod as well"
printf 'wrongname\n' | script -qec "$RETORT -d $P -e prod baseline -m adopt" /dev/null >"$T/tty" 2>&1; rc=$?
is "... a wrongly typed name is refused" "$rc" 2
like "... naming the database" "$(cat "$T/tty")" "not confirmed: the typed name is not 'prod'"
is "... no revision written" "$(ls "$P/versions" | wc -l)" "$nfiles"
is "... nothing recorded" "$(psqlc -d prod "SELECT count(*) FROM retort_history WHERE direction = 'stamp'")" 0
psqlc -d prod "DROP TABLE extra"

# passwords
rt --url "postgresql://postgres:Sup3rSecretPw@/nosuchdb?host=$PGSOCK" -d "$P" current >"$T/out" 2>&1; rc=$?
is "a failed connection exits 1" "$rc" 1
unlike "the password is never printed" "$(cat "$T/out")" "Sup3rSecretPw"
like "... the URL is shown masked" "$(cat "$T/out")" "postgres:\*\*\*\*@"
rt --url "host=$PGSOCK dbname=nosuchdb user=postgres password='Sup3r Secret'" -d "$P" current >"$T/out" 2>&1
unlike "nor in a conninfo string" "$(cat "$T/out")" "Sup3r"

# a password written in a retort.conf that others can read gets a warning
mkdir -p "$T/pw/versions"
printf '[env x]\nurl = postgresql://postgres:Wr1tten@/app?host=%s\n' "$PGSOCK" >"$T/pw/retort.conf"
chmod 644 "$T/pw/retort.conf"
rt -d "$T/pw" heads >/dev/null 2>"$T/err"
like "a readable retort.conf with a password warns" "$(cat "$T/err")" "^retort: warning: .*retort.conf holds a password \(env 'x'\) and is readable by group or others \(mode 0644\)"
unlike "... without showing it" "$(cat "$T/err")" "Wr1tten"
chmod 600 "$T/pw/retort.conf"
rt -d "$T/pw" heads >/dev/null 2>"$T/err"
is "mode 0600: no warning" "$(cat "$T/err")" ""
printf '[env x]\nurl = ${SOME_URL}\n' >"$T/pw/retort.conf"; chmod 644 "$T/pw/retort.conf"
rt -d "$T/pw" heads >/dev/null 2>"$T/err"
is "\${VAR} in a readable file: no warning" "$(cat "$T/err")" ""
done_testing
