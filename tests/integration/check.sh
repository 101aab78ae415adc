#!/usr/bin/env bash
# retort check: every revision's upgrade, downgrade and upgrade again in one
# shadow database; a downgrade that does not undo its upgrade is reported
# with the difference; several heads are reported; exit 1 on any finding.
. "$RT_SRCDIR/tests/lib/tap.sh"
. "$RT_SRCDIR/tests/lib/pg.sh"
pg_start
copy_sample
P="$T/proj/migrations"
R() { rt -d "$P" --url "$PGURL" "$@"; }
shadows() { psqlc -d postgres "SELECT count(*) FROM pg_database WHERE datname LIKE 'retort_shadow_%'"; }

out=$(R check 2>&1); rc=$?
is "the sample passes check: exit 0" "$rc" 0
is "... says so" "$out" "ok: 13 revisions, each downgrade undoes its upgrade"
is "no shadow database left" "$(shadows)" 0
is "the live database was not touched" "$(psqlc "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")" 0

cat >"$P/versions/aaaa00000001_audit.sql" <<'SQL'
-- retort:revision aaaa00000001
-- retort:down_revision 8289ba23590a
-- retort:message audit table and an index

-- retort:upgrade
CREATE TABLE audit (id serial PRIMARY KEY, what text NOT NULL);
CREATE INDEX ix_users_created_at ON users (created_at);
ALTER TABLE users ADD COLUMN audited boolean NOT NULL DEFAULT false;

-- retort:downgrade
ALTER TABLE users DROP COLUMN audited;
SQL
out=$(R check 2>&1); rc=$?
is "a downgrade that forgets a table and an index: exit 1" "$rc" 1
like "... the table is named, with the revision" "$out" "^round-trip: revision aaaa00000001: table public.audit: left behind by upgrade \+ downgrade"
like "... the index too" "$out" "^round-trip: revision aaaa00000001: index public.ix_users_created_at: left behind by upgrade \+ downgrade"
unlike "... not the column it does drop" "$out" "column audited"
unlike "... nor the table's own sequence on its own" "$out" "sequence public.audit_id_seq"
unlike "... nor the good revisions" "$out" "revision 8289ba23590a"
out=$(R check -v 2>&1)
like "-v shows the statement left behind" "$out" "    CREATE INDEX ix_users_created_at ON public.users USING btree \(created_at\);"
out=$(R check --format json 2>/dev/null); rc=$?
check "json parses: the table, the index (the downgrade rolled back: nothing more)" python3 -c '
import json, sys
v = json.loads(sys.argv[1])
assert [f["kind"] for f in v] == ["round-trip"] * 2, v
assert v[0]["object"] == "revision aaaa00000001: table public.audit", v
assert "CREATE TABLE public.audit (" in v[0]["sql"], v
assert v[1]["object"] == "revision aaaa00000001: index public.ix_users_created_at", v
' "$out"
out=$(R check --reapply --format json 2>/dev/null); rc=$?
is "--reapply: exit 1" "$rc" 1
check "--reapply: the table, the index, then the upgrade again fails" python3 -c '
import json, sys
v = json.loads(sys.argv[1])
assert [f["kind"] for f in v] == ["round-trip"] * 3, v
assert v[0]["object"] == "revision aaaa00000001: table public.audit", v
assert v[1]["object"] == "revision aaaa00000001: index public.ix_users_created_at", v
assert v[2]["detail"].startswith("the round trip failed: "), v
assert "audit" in v[2]["detail"] and "already exists" in v[2]["detail"], v
' "$out"
is "no shadow database left" "$(shadows)" 0

# rows the downgrade leaves behind: only upgrading again for real (--reapply) meets them
cat >"$P/versions/aaaa00000001_audit.sql" <<'SQL'
-- retort:revision aaaa00000001
-- retort:down_revision 8289ba23590a
-- retort:message a lookup table and its rows

-- retort:upgrade
CREATE TABLE roles (name text PRIMARY KEY);
INSERT INTO roles VALUES ('admin');
ALTER TABLE users ADD COLUMN role text REFERENCES roles;

-- retort:downgrade
ALTER TABLE users DROP COLUMN role;
DROP TABLE roles;
SQL
cat >"$P/versions/aaaa00000002_roles.sql" <<'SQL'
-- retort:revision aaaa00000002
-- retort:down_revision aaaa00000001
-- retort:message one more role, undone by half

-- retort:upgrade
INSERT INTO roles VALUES ('editor');

-- retort:downgrade
SELECT 1;
SQL
out=$(R check 2>&1); rc=$?
is "a row left behind is no schema difference: exit 0 (the downgrade was rolled back)" "$rc" 0
is "... ok" "$out" "ok: 15 revisions, each downgrade undoes its upgrade"
out=$(R check --reapply 2>&1); rc=$?
is "--reapply: exit 1" "$rc" 1
like "... the second upgrade meets the row the downgrade left" "$out" "^round-trip: revision aaaa00000002: the round trip failed: .*duplicate key"
rm -f "$P/versions/aaaa00000002_roles.sql"
is "no shadow database left" "$(shadows)" 0

# a downgrade that changes what it should restore
cat >"$P/versions/aaaa00000001_audit.sql" <<'SQL'
-- retort:revision aaaa00000001
-- retort:down_revision 8289ba23590a
-- retort:message widen phone

-- retort:upgrade
ALTER TABLE users ALTER COLUMN phone TYPE varchar(40);

-- retort:downgrade
ALTER TABLE users ALTER COLUMN phone TYPE varchar(30);
SQL
out=$(R check 2>&1); rc=$?
is "a downgrade to another type: exit 1" "$rc" 1
like "... before and after" "$out" "^round-trip: revision aaaa00000001: table public.users: column phone: changed by upgrade \+ downgrade: type character varying\(20\) -> character varying\(30\)$"

# transaction off: the downgrade commits and the revision is upgraded again
# (no transaction to roll back); a forgotten index is found, and the
# revision after it is checked from the right schema
cat >"$P/versions/aaaa00000001_audit.sql" <<'SQL'
-- retort:revision aaaa00000001
-- retort:down_revision 8289ba23590a
-- retort:message an index, concurrently
-- retort:transaction off

-- retort:upgrade
CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_users_created ON users (created_at);

-- retort:downgrade
SELECT 1;
SQL
cat >"$P/versions/aaaa00000002_more.sql" <<'SQL'
-- retort:revision aaaa00000002
-- retort:down_revision aaaa00000001
-- retort:message a table that forgets a column on the way down

-- retort:upgrade
CREATE TABLE notes (id int PRIMARY KEY);
ALTER TABLE users ADD COLUMN nick text;

-- retort:downgrade
DROP TABLE notes;
SQL
out=$(R check 2>&1); rc=$?
is "transaction off, index forgotten: exit 1" "$rc" 1
like "... the index named" "$out" "^round-trip: revision aaaa00000001: index public.ix_users_created: left behind"
like "... the next revision checked too" "$out" "^round-trip: revision aaaa00000002: table public.users: column nick: left behind"
is "... nothing else" "$(printf '%s\n' "$out" | grep -c '^round-trip')" 2
rm -f "$P/versions/aaaa00000002_more.sql"

# a downgrade that fails
cat >"$P/versions/aaaa00000001_audit.sql" <<'SQL'
-- retort:revision aaaa00000001
-- retort:down_revision 8289ba23590a
-- retort:message broken downgrade

-- retort:upgrade
CREATE TABLE t (id int PRIMARY KEY);

-- retort:downgrade
DROP TABLE nosuch;
SQL
out=$(R check 2>&1); rc=$?
is "a downgrade that fails: exit 1" "$rc" 1
like "... reported with the server's error" "$out" "^round-trip: revision aaaa00000001: the round trip failed: .*nosuch"
is "no shadow database left" "$(shadows)" 0

# several heads
cat >"$P/versions/aaaa00000001_audit.sql" <<'SQL'
-- retort:revision aaaa00000001
-- retort:down_revision 6ee1c5ab22d4
-- retort:message a second head

-- retort:upgrade
CREATE TABLE t (id int PRIMARY KEY);

-- retort:downgrade
DROP TABLE t;
SQL
out=$(R check 2>&1); rc=$?
is "several heads: exit 1" "$rc" 1
like "... named" "$out" "^graph: heads: "
unlike "... and the round trips still pass" "$out" "round-trip"
is "no shadow database left" "$(shadows)" 0
done_testing
