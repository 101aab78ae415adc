#!/usr/bin/env bash
# retort reset: refused on a protected env whatever the flags, works on dev
# (downgrade base, upgrade head, seed, counts printed), --no-seed, --all,
# --backup.
. "$RT_SRCDIR/tests/lib/tap.sh"
. "$RT_SRCDIR/tests/lib/pg.sh"
pg_start
copy_sample
P="$T/proj/migrations"
sample_envs "$P"
R() { rt -d "$P" "$@"; }
counts() {
	psqlc "SELECT (SELECT count(*) FROM users) || ' ' || (SELECT count(*) FROM resume_templates) || ' ' ||
	  (SELECT count(*) FROM resumes) || ' ' || (SELECT count(*) FROM job_descriptions) || ' ' ||
	  (SELECT count(*) FROM google_auth) || ' ' || (SELECT count(*) FROM google_docs_exports)"
}
check "upgrade head" R upgrade head
check "seed" R seed
psqlc "INSERT INTO users (email, display_name) VALUES ('extra@example.com', 'extra')"
is "33 users before" "$(psqlc "SELECT count(*) FROM users")" 33

for flags in "" "-y" "-y --all" "-y --no-seed" "--yes --backup"; do
	R -e production reset $flags </dev/null >"$T/out" 2>&1; rc=$?
	is "protected env: reset $flags refused, exit 2" "$rc" 2
	like "... says why" "$(cat "$T/out")" "env 'production' is protected: reset is refused"
done
is "... nothing changed" "$(psqlc "SELECT count(*) FROM users")" 33
is "... and no backup was made" "$(ls "$T/proj/backups" 2>/dev/null | wc -l)" 0

R reset </dev/null >"$T/out" 2>&1; rc=$?
is "dev without a terminal or --yes: exit 2" "$rc" 2
like "... shows the database" "$(cat "$T/out")" "reset database app "
like "... and the tables with their rows" "$(cat "$T/out")" "public.users +~[0-9]+ rows"
is "... nothing changed" "$(psqlc "SELECT count(*) FROM users")" 33

out=$(R reset -y 2>&1); rc=$?
is "reset -y on dev: exit 0" "$rc" 0
like "... downgraded" "$out" "downgrade +6ee1c5ab22d4"
like "... upgraded" "$out" "upgrade +6ee1c5ab22d4"
like "... prints the counts after" "$out" "rows now:"
like "... exact ones" "$out" "public.users 32"
is "... the seed's rows and not the extra one" "$(counts)" "32 6 51 39 12 12"
is "... at head" "$(psqlc "SELECT count(*) FROM alembic_version")" 1

out=$(R reset -y --no-seed 2>&1); rc=$?
is "reset --no-seed: exit 0" "$rc" 0
is "... empty tables" "$(counts)" "0 0 0 0 0 0"
like "... counts printed" "$out" "public.users 0"

psqlc "CREATE SCHEMA scratch; CREATE TABLE scratch.junk (id int); CREATE TABLE public.stray (id int)"
out=$(R reset -y --all --backup 2>&1); rc=$?
is "reset --all --backup: exit 0" "$rc" 0
like "... lists the schemas it drops" "$out" "drops the schemas public, scratch"
is "... other schemas gone" "$(psqlc "SELECT count(*) FROM pg_namespace WHERE nspname = 'scratch'")" 0
is "... stray tables gone" "$(psqlc "SELECT to_regclass('public.stray') IS NULL")" t
is "... public made again, owned as in a new database" "$(psqlc "SELECT nspowner::regrole FROM pg_namespace WHERE nspname = 'public'")" "pg_database_owner"
is "... seeded" "$(counts)" "32 6 51 39 12 12"
is "... a backup was made first" "$(ls "$T/proj/backups"/*.dump 2>/dev/null | wc -l)" 1

# a bad seed file is found before anything is dropped
printf 'id,display_name,email\n1,"broken\n' >"$P/seeds/users.csv"
out=$(R reset -y 2>&1); rc=$?
is "a bad seed file: exit 2 before dropping anything" "$rc" 2
like "... at its line" "$out" "seeds/users.csv:2: unterminated quoted field"
is "... nothing changed" "$(counts)" "32 6 51 39 12 12"

done_testing
