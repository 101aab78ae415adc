#!/usr/bin/env bash
# retort check --data: the seed files loaded into the shadow at head, then
# from head down each revision's downgrade + upgrade keeps the row counts and
# the values of every column that exists both at the revision and at its
# parent; a downgrade that loses a column's data is a "data" finding.
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

mv "$P/seeds" "$T/seeds.off"
out=$(R check --data 2>&1); rc=$?
is "no seed files: exit 2" "$rc" 2
is "no shadow database left" "$(shadows)" 0
done_testing
