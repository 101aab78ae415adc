#!/usr/bin/env bash
# retort check --data: the seed files loaded into the shadow at head, then
# from head down each revision's downgrade + upgrade keeps the row counts and
# the values of every column that exists both at the revision and below it,
# for every revision (merges and the branches below them too); a downgrade
# that loses a column's data is a "data" finding.
. "$RT_SRCDIR/tests/lib/tap.sh"
. "$RT_SRCDIR/tests/lib/pg.sh"
pg_start
copy_sample
P="$T/proj/migrations"
R() { rt -d "$P" --url "$PGURL" "$@"; }
shadows() { psqlc -d postgres "SELECT count(*) FROM pg_database WHERE datname LIKE 'retort_shadow_%'"; }

out=$(R check --data 2>&1); rc=$?
is "the sample passes check --data: exit 0" "$rc" 0
is "... says so" "$out" "ok: 13 revisions, each downgrade undoes its upgrade and keeps the seed data"
is "no shadow database left" "$(shadows)" 0

cat >"$P/versions/aaaa00000001_nick.sql" <<'SQL'
-- retort:revision aaaa00000001
-- retort:down_revision 8289ba23590a
-- retort:message nick: its downgrade drops what it added (by design)

-- retort:upgrade
ALTER TABLE users ADD COLUMN nick text;
UPDATE users SET nick = 'n' || id;

-- retort:downgrade
ALTER TABLE users DROP COLUMN nick;
SQL
cat >"$P/versions/aaaa00000002_phone.sql" <<'SQL'
-- retort:revision aaaa00000002
-- retort:down_revision aaaa00000001
-- retort:message widen full_name, with a lazy downgrade

-- retort:upgrade
ALTER TABLE users ALTER COLUMN full_name TYPE varchar(120);

-- retort:downgrade
ALTER TABLE users DROP COLUMN full_name;
ALTER TABLE users ADD COLUMN full_name varchar(100);
SQL
out=$(R check 2>&1); rc=$?
is "without --data the schema round trip holds: exit 0" "$rc" 0
out=$(R check --data 2>&1); rc=$?
is "--data: the lossy downgrade is caught: exit 1" "$rc" 1
like "... the column is named, with the revision" "$out" "^data: revision aaaa00000002: table public.users: column full_name: its values differ after downgrade \+ upgrade"
unlike "... not the column the other revision adds" "$out" "column nick"
unlike "... nor the revision that drops only what it added" "$out" "revision aaaa00000001"
unlike "... nor other columns" "$out" "column email"
is "... one finding" "$(printf '%s\n' "$out" | grep -c '^data: ')" 1
out=$(R check --data --format json 2>/dev/null)
check "json: kind data" python3 -c '
import json, sys
v = json.loads(sys.argv[1])
assert [f["kind"] for f in v] == ["data"], v
assert v[0]["object"] == "revision aaaa00000002: table public.users: column full_name", v
' "$out"
is "no shadow database left" "$(shadows)" 0

# Below the merge: the sample's graph branches at 6b70e43fe85a (google and
# status) and a003f1a5e3fc merges them. A revision put on the status branch
# (between bd06c0c5103e and the merge) whose downgrade drops and re-adds
# users.phone keeps the schema but loses the phone numbers.
rm -f "$P/versions/aaaa00000001_nick.sql" "$P/versions/aaaa00000002_phone.sql"
merge="$P/versions/a003f1a5e3fc_"*.sql
sed -i 's/^-- retort:down_revision a6c9fa37834d bd06c0c5103e$/-- retort:down_revision a6c9fa37834d aaaa00000003/' $merge
is "the merge now has the new revision as a parent" \
	"$(grep -c '^-- retort:down_revision a6c9fa37834d aaaa00000003$' $merge)" 1
branch_rev() {  # branch_rev DOWNGRADE-SQL
	cat >"$P/versions/aaaa00000003_phone30.sql" <<SQL
-- retort:revision aaaa00000003
-- retort:down_revision bd06c0c5103e
-- retort:message widen phone, on the status branch below the merge

-- retort:upgrade
ALTER TABLE users ALTER COLUMN phone TYPE varchar(30);

-- retort:downgrade
$1
SQL
}
branch_rev "ALTER TABLE users ALTER COLUMN phone TYPE varchar(20);"
out=$(R check --data 2>&1); rc=$?
is "a clean revision below the merge passes: exit 0" "$rc" 0
is "... over all 14 revisions" "$out" "ok: 14 revisions, each downgrade undoes its upgrade and keeps the seed data"
is "no shadow database left" "$(shadows)" 0

branch_rev "ALTER TABLE users DROP COLUMN phone;
ALTER TABLE users ADD COLUMN phone varchar(20);"
out=$(R check 2>&1); rc=$?
is "lossy twin: the schema round trip holds without --data: exit 0" "$rc" 0
out=$(R check --data 2>&1); rc=$?
is "--data: the lossy downgrade below the merge is caught: exit 1" "$rc" 1
like "... the column is named, with the revision" "$out" "^data: revision aaaa00000003: table public.users: column phone: its values differ after downgrade \+ upgrade"
is "... one finding" "$(printf '%s\n' "$out" | grep -c '^data: ')" 1
is "no shadow database left" "$(shadows)" 0

mv "$P/seeds" "$T/seeds.off"
out=$(R check --data 2>&1); rc=$?
is "no seed files: exit 2" "$rc" 2
is "no shadow database left" "$(shadows)" 0
done_testing
