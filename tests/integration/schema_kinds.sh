#!/usr/bin/env bash
# Composite and range types, row level security and policies in the schema
# model: migrate writes them (and their exact downgrade) from the declared
# schema, verify finds them changed by hand, check proves the round trip the
# same way with the shadow's change log as with whole reads, and a range
# type's constructor functions are not taken for the user's.
. "$RT_SRCDIR/tests/lib/tap.sh"
. "$RT_SRCDIR/tests/lib/pg.sh"
. "$RT_SRCDIR/tests/lib/mig.sh"
pg_start
P="$T/p"
R() { rt -d "$P" --url "$PGURL" "$@"; }
mig "$P" k001 none "docs" "CREATE TABLE docs (id int PRIMARY KEY, owner text NOT NULL, body text);" \
	"DROP TABLE docs;"
cat >"$P/schema.sql" <<'SQL'
CREATE TYPE address AS (street text, city text COLLATE "C", zip varchar(10));
CREATE TYPE floatrange AS RANGE (SUBTYPE = float8, SUBTYPE_DIFF = float8mi);
CREATE TABLE docs (id int PRIMARY KEY, owner text NOT NULL, body text, span floatrange,
	addr address);
ALTER TABLE docs ENABLE ROW LEVEL SECURITY;
ALTER TABLE docs FORCE ROW LEVEL SECURITY;
CREATE POLICY docs_owner ON docs FOR SELECT TO PUBLIC USING (owner = current_user);
CREATE POLICY docs_write ON docs AS RESTRICTIVE FOR UPDATE USING (owner = current_user)
	WITH CHECK (body IS NOT NULL);
COMMENT ON TYPE address IS 'postal';
SQL
R -q upgrade head
before=$(R schema --live)
out=$(R migrate -m "types and policies" 2>&1); rc=$?
is "migrate: exit 0" "$rc" 0
f=$(ls "$P"/versions/*types_and_policies.sql)
body=$(cat "$f")
like "... the composite type" "$body" "CREATE TYPE public.address AS \(street text, city text COLLATE \"C\", zip character varying\(10\)\);"
like "... the range type" "$body" "CREATE TYPE public.floatrange AS RANGE \(SUBTYPE = double precision, SUBTYPE_DIFF = float8mi\);"
like "... row level security, enabled and forced" "$body" "ALTER TABLE public.docs ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.docs FORCE ROW LEVEL SECURITY;"
like "... a restrictive policy with its check" "$body" "CREATE POLICY docs_write ON public.docs AS RESTRICTIVE FOR UPDATE TO PUBLIC USING \(\(owner = CURRENT_USER\)\) WITH CHECK \(\(body IS NOT NULL\)\);"
unlike "... not the range type's constructor functions" "$body" "FUNCTION"
like "... the downgrade drops the column before its type" "$(sed -n '/retort:downgrade/,$p' "$f" | tr '\n' ' ')" "DROP COLUMN addr;.*DROP TYPE public.address;"
check "upgrade" R -q upgrade head
is "psql: the policies are there" "$(psqlc "SELECT string_agg(policyname || ':' || permissive || ':' || cmd, ' ' ORDER BY policyname) FROM pg_policies WHERE tablename = 'docs'")" "docs_owner:PERMISSIVE:SELECT docs_write:RESTRICTIVE:UPDATE"
is "... and row level security, forced" "$(psqlc "SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE relname = 'docs'")" "t|t"
out=$(R verify 2>&1); rc=$?
is "verify after the upgrade: clean" "$rc" 0
is "migrate again: no changes" "$(R migrate -m again 2>&1)" "no changes detected"

# changed by hand: verify names each
psqlc "ALTER POLICY docs_owner ON docs USING (true); ALTER TABLE docs NO FORCE ROW LEVEL SECURITY;
	ALTER TYPE address ADD ATTRIBUTE country text"
out=$(R verify 2>&1); rc=$?
is "manual changes: verify exit 1" "$rc" 1
like "... the policy, before and after" "$out" "^drift: table public.docs: policy docs_owner: live -> migrations: definition AS PERMISSIVE FOR SELECT TO PUBLIC USING \(true\) -> AS PERMISSIVE FOR SELECT TO PUBLIC USING \(\(owner = CURRENT_USER\)\)"
like "... row level security no longer forced" "$out" "^drift: table public.docs: row level security: live -> migrations: definition ENABLE -> ENABLE FORCE"
like "... the composite type's new attribute" "$out" "^drift: type public.address: live -> migrations: definition AS \(street text, city text COLLATE \"C\", zip character varying\(10\), country text\)"
psqlc "ALTER POLICY docs_owner ON docs USING (owner = current_user); ALTER TABLE docs FORCE ROW LEVEL SECURITY;
	ALTER TYPE address DROP ATTRIBUTE country"
check "... put back: clean" R verify

# the downgrade returns exactly
check "downgrade -1" R -q downgrade -1
is "... the schema as before, byte for byte" "$(R schema --live)" "$before"
check "upgrade head again" R -q upgrade head

# a composite type that gains an attribute while a column uses it: in place
sed -i 's/zip varchar(10));/zip varchar(10), country text);/' "$P/schema.sql"
out=$(R migrate -m "country" 2>&1); rc=$?
is "a new attribute declared: migrate exit 0" "$rc" 0
f2=$(ls "$P"/versions/*_country.sql)
like "... written in place" "$(cat "$f2")" "ALTER TYPE public.address ADD ATTRIBUTE country text;"
like "... its downgrade drops it" "$(cat "$f2")" "ALTER TYPE public.address DROP ATTRIBUTE country;"
unlike "... the type is not dropped and made again" "$(cat "$f2")" "DROP TYPE public.address"
check "... it applies while docs.addr uses the type" R -q upgrade head
check "... verify is clean" R verify
check "... and the downgrade applies too" R -q downgrade -1
check "... upgrade head again" R -q upgrade head

# check: the same findings with the change log and with whole reads
mig "$P" k003 "$(R heads | awk '{print $1; exit}')" "forgets" "CREATE POLICY docs_insert ON docs FOR INSERT WITH CHECK (true);
CREATE TYPE pair AS (a int, b int);
ALTER TABLE docs DISABLE ROW LEVEL SECURITY;" "ALTER TABLE docs ENABLE ROW LEVEL SECURITY;"
R check -v >"$T/tracked" 2>"$T/tracked.err"; rc=$?
is "check with a downgrade that forgets a policy and a type: exit 1" "$rc" 1
like "... read through the change log" "$(cat "$T/tracked.err")" "read what it touched"
like "... the policy left behind" "$(cat "$T/tracked")" "round-trip: revision k003: table public.docs: policy docs_insert: left behind"
like "... the type left behind" "$(cat "$T/tracked")" "round-trip: revision k003: type public.pair: left behind"
R check -v --whole-reads >"$T/whole" 2>/dev/null
is "... whole reads find the same, byte for byte" "$(cat "$T/whole")" "$(cat "$T/tracked")"
done_testing
