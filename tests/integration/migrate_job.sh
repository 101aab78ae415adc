#!/usr/bin/env bash
# retort migrate as one engine job (rt_autogen_start): Ctrl-C while the
# declared schema loads in its shadow exits 130 with no file written and no
# shadow database left; several heads are bad input naming them; a declared
# schema that does not load is "schema.sql:LINE:" (exit 2); the success path
# writes one file whose upgrade applies, after which verify is clean.
. "$RT_SRCDIR/tests/lib/tap.sh"
. "$RT_SRCDIR/tests/lib/pg.sh"
pg_start
copy_sample
P="$T/proj/migrations"
V="$P/versions"
export RETORT_NOW=2026-11-26T00:00:00Z
R() { rt -d "$P" --url "$PGURL" "$@"; }
nfiles() { ls "$V" | wc -l; }
shadows() { psqlc -d postgres "SELECT count(*) FROM pg_database WHERE datname LIKE 'retort_shadow_%'"; }
sleeping() { psqlc -d postgres "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(5)%' AND datname LIKE 'retort_shadow_%'"; }
n0=$(nfiles)
cp "$P/schema.sql" "$T/schema.orig"

# --- Ctrl-C while the declared schema loads (slowly) in its shadow
cat >>"$P/schema.sql" <<'SQL'

ALTER TABLE users ADD COLUMN nickname text;
SELECT pg_sleep(5);
SQL
# retort itself, not a subshell of R (which would ignore SIGINT, being in the background)
env -u DATABASE_URL "$RETORT" -d "$P" --url "$PGURL" migrate -m slow >"$T/int.out" 2>&1 &
rp=$!
seen=0
for _ in $(seq 400); do
	if [ "$(sleeping)" -ge 1 ]; then seen=1; break; fi
	sleep 0.05
done
is "the declared schema's pg_sleep runs in a shadow database" "$seen" 1
sleep 1
kill -INT $rp
t0=$(date +%s.%N)
wait $rp; rc=$?
t1=$(date +%s.%N)
is "Ctrl-C during migrate exits 130" "$rc" 130
check "... at once (not after the 5 s statement)" test "$(echo "$t1 - $t0 < 3" | bc)" = 1
is "... no new file in versions/" "$(nfiles)" "$n0"
is "... no retort_shadow_* database left" "$(shadows)" 0
is "... nothing still sleeping on the server" "$(sleeping)" 0
like "... and it says it was cancelled" "$(cat "$T/int.out")" "cancel"

# --- Ctrl-C while the head builds: the same
cp "$T/schema.orig" "$P/schema.sql"
cat >"$V/00000000dd01_slow.sql" <<'SQL'
-- retort:revision 00000000dd01
-- retort:down_revision 8289ba23590a
-- retort:message slow

-- retort:upgrade
SELECT pg_sleep(5);

-- retort:downgrade
SELECT 1;
SQL
n1=$(nfiles)
env -u DATABASE_URL "$RETORT" -d "$P" --url "$PGURL" migrate -m slow >"$T/int2.out" 2>&1 &
rp=$!
seen=0
for _ in $(seq 400); do
	if [ "$(sleeping)" -ge 1 ]; then seen=1; break; fi
	sleep 0.05
done
is "the head's slow revision runs in a shadow database" "$seen" 1
kill -INT $rp
wait $rp; rc=$?
is "Ctrl-C during the head's build exits 130" "$rc" 130
is "... no new file" "$(nfiles)" "$n1"
is "... no shadow database left" "$(shadows)" 0

# --- the head and the declared schema build at once (two shadows, two backends)
printf '\nSELECT pg_sleep(5);\n' >>"$P/schema.sql"
env -u DATABASE_URL "$RETORT" -d "$P" --url "$PGURL" migrate -m slow >"$T/int3.out" 2>&1 &
rp=$!
most=0
for _ in $(seq 100); do
	n=$(sleeping)
	[ "$n" -gt "$most" ] && most=$n
	[ "$most" -ge 2 ] && break
	sleep 0.05
done
is "the head's build and the declared schema's load run at once" "$most" 2
kill -INT $rp
t0=$(date +%s.%N)
wait $rp; rc=$?
t1=$(date +%s.%N)
is "Ctrl-C stops both: exit 130" "$rc" 130
check "... at once (not after the 5 s statements)" test "$(echo "$t1 - $t0 < 3" | bc)" = 1
is "... no new file" "$(nfiles)" "$n1"
is "... no shadow database left" "$(shadows)" 0
is "... nothing still sleeping on the server" "$(sleeping)" 0
cp "$T/schema.orig" "$P/schema.sql"
rm -f "$V/00000000dd01_slow.sql"

# --- several heads (a second child of the head's parent): bad input naming
# them, before any shadow is made
cat >"$V/00000000bb01_side.sql" <<'SQL'
-- retort:revision 00000000bb01
-- retort:down_revision f240f187b0b4
-- retort:message side

-- retort:upgrade
SELECT 1;

-- retort:downgrade
SELECT 1;
SQL
out=$(R migrate -m x 2>&1); rc=$?
is "several heads: exit 2" "$rc" 2
like "... names the side head" "$out" "00000000bb01"
like "... and the main head" "$out" "8289ba23590a"
like "... asks for a merge" "$out" "several heads"
is "... no file written" "$(nfiles)" "$((n0 + 1))"
is "... no shadow database left" "$(shadows)" 0
rm -f "$V/00000000bb01_side.sql"

# --- a declared schema that does not load: schema.sql:LINE:, exit 2
cp "$T/schema.orig" "$P/schema.sql"
echo "" >>"$P/schema.sql"
line=$(($(wc -l <"$P/schema.sql") + 1))
echo "CREATE TABLE broken (id int REFERENCES nowhere (id));" >>"$P/schema.sql"
out=$(R migrate -m broken 2>&1); rc=$?
is "a declared schema with an error: exit 2" "$rc" 2
like "... the error is schema.sql:$line:" "$out" "schema\.sql:$line: .*nowhere"
is "... no file written" "$(nfiles)" "$n0"
is "... no shadow database left" "$(shadows)" 0

# --- unreadable schema file: said before connecting (a bad URL is not reached)
mv "$P/schema.sql" "$T/schema.moved"
out=$(rt -d "$P" --url "postgresql://nobody@/nodb?host=/nonexistent" migrate -m x 2>&1); rc=$?
mv "$T/schema.moved" "$P/schema.sql"
is "an unreadable schema file: exit 2" "$rc" 2
like "... said before connecting" "$out" "the declared schema file cannot be read"

# --- the success path: one file, it applies, verify is clean
cp "$T/schema.orig" "$P/schema.sql"
check "upgrade head" R -q upgrade head
cat >>"$P/schema.sql" <<'SQL'

ALTER TABLE users ADD COLUMN nickname text;
CREATE INDEX ix_users_nickname ON users (nickname);
SQL
out=$(R migrate -m "nickname" --rev-id 00000000ee01 2>&1); rc=$?
is "migrate: exit 0" "$rc" 0
is "... says what it wrote" "$out" "Generated $V/00000000ee01_nickname.sql (2 statements)"
is "... one new file" "$(nfiles)" "$((n0 + 1))"
is "... no shadow database left" "$(shadows)" 0
like "... its upgrade adds the column" "$(cat "$V/00000000ee01_nickname.sql")" "ALTER TABLE public.users ADD COLUMN nickname text;"
check "its upgrade applies" R -q upgrade head
out=$(R verify 2>&1); rc=$?
is "verify is clean afterwards (exit 0)" "$rc" 0
like "... against the declared schema too" "$out" "clean: the live database matches its migrations and the declared schema"
is "migrate again: no changes detected" "$(R migrate -m again 2>&1)" "no changes detected"
is "... no file" "$(nfiles)" "$((n0 + 1))"

# --- schema as a job: -r REV and Ctrl-C
R schema -r 00000000ee01 >"$T/s.sql" 2>"$T/s.err"; rc=$?
is "schema -r REV: exit 0" "$rc" 0
like "... the new column" "$(cat "$T/s.sql")" "nickname text"
is "... nothing on stderr" "$(cat "$T/s.err")" ""
out=$(R schema -r nosuchrev 2>&1); rc=$?
is "schema -r with an unknown revision: exit 2" "$rc" 2
is "... no shadow database left" "$(shadows)" 0
cat >"$V/00000000ff01_slow.sql" <<'SQL'
-- retort:revision 00000000ff01
-- retort:down_revision 00000000ee01
-- retort:message slow

-- retort:upgrade
SELECT pg_sleep(5);

-- retort:downgrade
SELECT 1;
SQL
env -u DATABASE_URL "$RETORT" -d "$P" --url "$PGURL" schema >/dev/null 2>"$T/int3.out" &
rp=$!
for _ in $(seq 400); do
	[ "$(sleeping)" -ge 1 ] && break
	sleep 0.05
done
kill -INT $rp
wait $rp; rc=$?
is "Ctrl-C during schema exits 130" "$rc" 130
is "... no shadow database left" "$(shadows)" 0
done_testing
