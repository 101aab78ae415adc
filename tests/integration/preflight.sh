#!/usr/bin/env bash
# retort upgrade --preflight (issue 13 item 5): for each statement of the
# plan, the lock it takes on which table, the table's size and estimated
# rows, the sessions holding a conflicting lock on it now, and the data
# checks (NULLs before SET NOT NULL, duplicates before UNIQUE, orphans
# before FOREIGN KEY) with sample rows; nothing changes.
. "$RT_SRCDIR/tests/lib/tap.sh"
. "$RT_SRCDIR/tests/lib/pg.sh"
pg_start
P="$T/proj"
mkdir -p "$P/versions"
R() { rt -d "$P" --url "$PGURL" "$@"; }
mig() {   # mig ID PARENT UPGRADE-SQL DOWNGRADE-SQL [HEADER]
	{ printf -- '-- retort:revision %s\n-- retort:down_revision %s\n-- retort:message %s\n' "$1" "$2" "$1"
	  [ -n "${5:-}" ] && printf '%s\n' "$5"
	  printf '\n-- retort:upgrade\n%s\n\n-- retort:downgrade\n%s\n' "$3" "$4"; } >"$P/versions/$1_m.sql"
}
mig p1 none "CREATE TABLE items (id int PRIMARY KEY, email text, owner int);
CREATE TABLE owners (id int PRIMARY KEY);" "DROP TABLE owners;
DROP TABLE items;"
R -q upgrade head || bail "upgrade p1 failed"
psqlc "INSERT INTO owners VALUES (1), (2);
INSERT INTO items VALUES (1, 'a@x', 1), (2, NULL, 2), (3, 'a@x', 9), (4, NULL, NULL), (5, 'b@x', 8);
ANALYZE items" >/dev/null
mig p2 p1 "ALTER TABLE items ALTER COLUMN email SET NOT NULL;
ALTER TABLE items ADD CONSTRAINT items_email_key UNIQUE (email);
ALTER TABLE items ADD CONSTRAINT items_owner_fkey FOREIGN KEY (owner) REFERENCES owners (id);
CREATE INDEX items_owner ON items (owner);
ALTER TABLE items ADD COLUMN note text;" "ALTER TABLE items DROP COLUMN note;
DROP INDEX items_owner;
ALTER TABLE items DROP CONSTRAINT items_owner_fkey;
ALTER TABLE items DROP CONSTRAINT items_email_key;
ALTER TABLE items ALTER COLUMN email DROP NOT NULL;"
state() { echo "$(psqlc "SELECT string_agg(version_num, ' ') FROM alembic_version")/$(psqlc "SELECT count(*) FROM retort_history")/$(psqlc "SELECT count(*) FROM pg_indexes WHERE tablename = 'items'")"; }
before=$(state)

# a session holding ACCESS SHARE on items in an open transaction
fifo="$T/holder.in"; mkfifo "$fifo"
"$PG_BINDIR/psql" -qX -d app <"$fifo" >"$T/holder.out" 2>&1 &
holder=$!
exec 7>"$fifo"
printf "SET application_name = 'lockholder';\nBEGIN;\nLOCK TABLE items IN ACCESS SHARE MODE;\nSELECT 'locked';\n" >&7
for _ in $(seq 100); do grep -q locked "$T/holder.out" 2>/dev/null && break; sleep 0.05; done
holder_pid=$(psqlc "SELECT pid FROM pg_stat_activity WHERE application_name = 'lockholder'")

R upgrade --preflight >"$T/out" 2>"$T/err"; rc=$?
is "preflight: exit 0" "$rc" 0
like "... says nothing changed" "$(head -1 "$T/out")" "^preflight of upgrade to p2: 1 revision, 6 locks on existing tables; nothing changed"
like "SET NOT NULL: ACCESS EXCLUSIVE on items" "$(cat "$T/out")" "p2_m.sql:6: p2 upgrade: SET NOT NULL takes ACCESS EXCLUSIVE"
like "... the table's size and estimated rows" "$(cat "$T/out")" "table items: [0-9.]+ [kKMG]?i?B, ~5 rows \(estimate\)"
like "... the NULLs counted" "$(cat "$T/out")" "rows with NULL in email: 2"
like "... with sample rows" "$(cat "$T/out")" '\{"id":2,"email":null,"owner":2\}'
like "... and the other" "$(cat "$T/out")" '\{"id":4,"email":null,"owner":null\}'
like "the session holding a lock on items is named" "$(cat "$T/out")" \
	"held now by pid $holder_pid \(lockholder, user postgres\): AccessShareLock, idle in transaction, transaction open for [0-9]+ s"
like "UNIQUE: duplicates counted" "$(cat "$T/out")" "rows with duplicate \(email\): 2"
like "... with the duplicate value as sample" "$(cat "$T/out")" '\{"email":"a@x","count":2\}'
like "FOREIGN KEY: SHARE ROW EXCLUSIVE" "$(cat "$T/out")" "p2 upgrade: ADD FOREIGN KEY takes SHARE ROW EXCLUSIVE"
like "... orphans counted" "$(cat "$T/out")" "orphan rows: \(owner\) not in owners \(id\): 2"
like "... with samples" "$(cat "$T/out")" '\{"id":3,"email":"a@x","owner":9\}'
like "... and the referenced table locked too" "$(cat "$T/out")" "ADD FOREIGN KEY \(referenced\) takes SHARE ROW EXCLUSIVE"
like "CREATE INDEX: SHARE" "$(cat "$T/out")" "p2 upgrade: CREATE INDEX takes SHARE"
like "ADD COLUMN: ACCESS EXCLUSIVE" "$(cat "$T/out")" "p2 upgrade: ADD COLUMN takes ACCESS EXCLUSIVE"
is "nothing changed (version table, history, indexes)" "$(state)" "$before"
is "... no NOT NULL was set" "$(psqlc "SELECT is_nullable FROM information_schema.columns WHERE table_name = 'items' AND column_name = 'email'")" YES
is "the holder's transaction is still open (preflight waited on nothing)" \
	"$(psqlc "SELECT state FROM pg_stat_activity WHERE pid = $holder_pid")" "idle in transaction"
printf "ROLLBACK;\n\\\\q\n" >&7
exec 7>&-
wait $holder

R upgrade --preflight >"$T/out" 2>"$T/err"
like "without the holder: no conflicting lock" "$(cat "$T/out")" "no session holds a conflicting lock now"

# a CONCURRENTLY index: SHARE UPDATE EXCLUSIVE; a table created earlier in the plan
mig p3 p2 "CREATE INDEX CONCURRENTLY items_email ON items (email);
CREATE TABLE fresh (id int PRIMARY KEY);
CREATE INDEX fresh_id ON fresh (id);" "DROP TABLE fresh;
DROP INDEX CONCURRENTLY items_email;" "-- retort:transaction off"
R upgrade --preflight p3 >"$T/out" 2>"$T/err"; rc=$?
is "preflight to a target: exit 0" "$rc" 0
like "CREATE INDEX CONCURRENTLY: SHARE UPDATE EXCLUSIVE" "$(cat "$T/out")" "p3 upgrade: CREATE INDEX CONCURRENTLY takes SHARE UPDATE EXCLUSIVE"
unlike "a table made in the same section is not listed" "$(cat "$T/out")" "fresh"
is "still nothing changed" "$(state)" "$before"

# downgrade --preflight; and an edited applied file is refused before it
R downgrade --preflight -1 >"$T/out" 2>"$T/err"; rc=$?
is "downgrade --preflight: exit 0" "$rc" 0
like "... DROP TABLE takes ACCESS EXCLUSIVE" "$(cat "$T/out")" "p1 downgrade: DROP TABLE takes ACCESS EXCLUSIVE"
echo "-- edited" >>"$P/versions/p1_m.sql"
R upgrade --preflight >"$T/out" 2>"$T/err"; rc=$?
is "an edited applied revision refuses preflight too: exit 2" "$rc" 2
# item 5, the two bold parts: values that will not cast before a type change,
# and the time a rewrite, an index build or a scan takes at this size; a
# project of its own on a database of its own
psqlc -d postgres "CREATE DATABASE app2" >/dev/null
P="$T/proj2"
mkdir -p "$P/versions"
R2() { rt -d "$P" --url "${PGURL/\/app\?//app2?}" "$@"; }
mig c1 none "CREATE TABLE ages (id int PRIMARY KEY, age text, name varchar(20));
CREATE TABLE ages_ok (id int PRIMARY KEY, age text);
CREATE TABLE big (id int, pad text);" "DROP TABLE big;
DROP TABLE ages_ok;
DROP TABLE ages;"
R2 -q upgrade c1 || bail "upgrade c1 failed"
psqlc -d app2 "INSERT INTO ages SELECT g, CASE WHEN g IN (7, 70, 700) THEN 'x' || g ELSE g::text END, 'n' || g
       FROM generate_series(1, 1000) g;
INSERT INTO ages_ok SELECT g, g::text FROM generate_series(1, 1000) g;
INSERT INTO big SELECT g, repeat('x', 200) FROM generate_series(1, 40000) g;
ANALYZE" >/dev/null
mig c2 c1 "ALTER TABLE ages ALTER COLUMN age TYPE integer USING age::integer;
ALTER TABLE ages_ok ALTER COLUMN age TYPE integer USING age::integer;
ALTER TABLE ages ALTER COLUMN name TYPE varchar(40);
ALTER TABLE ages ALTER COLUMN name TYPE varchar(3);
CREATE INDEX big_id ON big (id);
ALTER TABLE ages_ok ALTER COLUMN id SET NOT NULL;
ALTER TABLE ages ALTER COLUMN age TYPE varchar(2);" "SELECT 1;"
snap() { psqlc -d app2 "SELECT string_agg(relname || ':' || relfilenode, ' ' ORDER BY relname) FROM pg_class WHERE relname IN ('ages', 'ages_ok', 'big')"
	psqlc -d app2 "SELECT md5(string_agg(t::text, ',' ORDER BY id)) FROM ages t"
	psqlc -d app2 "SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'ages'::regclass AND attname IN ('age', 'name') ORDER BY attname"; }
cbefore=$(snap)
R2 upgrade --preflight >"$T/out" 2>"$T/err"; rc=$?
is "type change preflight: exit 0" "$rc" 0
out=$(cat "$T/out")
like "text -> integer: 3 values will not cast" "$out" "c2_m.sql:6: c2 upgrade: ALTER COLUMN TYPE takes ACCESS EXCLUSIVE"
like "... counted" "$out" "values that will not cast to integer in ages.age: 3"
like "... with sample rows" "$out" '\{"id":7,"age":"x7","name":"n7"\}'
like "... all three" "$out" '\{"id":700,"age":"x700","name":"n700"\}'
like "the clean twin: 0" "$out" "values that will not cast to integer in ages_ok.age: 0"
like "a rewrite of a small table: < 0.1 s, with its basis" "$out" "estimate < 0.1 s: rewrite of [0-9.]+ kB \(table and indexes\)"
like "varchar(20) -> varchar(40): no rewrite expected" "$out" \
	"estimate no rewrite expected: character varying\(20\) to varchar\(40\) is binary coercible"
like "varchar(20) -> varchar(3): the values too long are counted row by row" "$out" \
	"values that will not cast to varchar\(3\) in ages.name: 901"
like "... with samples" "$out" '\{"id":100,"age":"100","name":"n100"\}'
like "text -> varchar(2): the values too long counted (an explicit cast would cut them)" "$out" \
	"values that will not cast to varchar\(2\) in ages.age: 902"
like "... first sample" "$out" '\{"id":70,"age":"x70","name":"n70"\}'
like "the throughput probe says what it read" "$out" \
	"throughput probe: read [0-9.]+ MB of big in [0-9.]+ s: ~[0-9.]+ [kMG]B/s \([0-9]+% from cache\)"
like "CREATE INDEX on some MB: an estimate with its basis" "$out" \
	"estimate (< 0.1 s|~[0-9.]+ (s|min|h)): index build over [0-9.]+ MB at ~[0-9.]+ [kMG]B/s, the read rate measured / 3"
like "SET NOT NULL: a scan" "$out" "estimate < 0.1 s: scan of [0-9.]+ kB"
is "nothing changed: same relfilenodes, same rows, same types" "$(snap)" "$cbefore"
is "... no lock left behind" "$(psqlc -d app2 "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE c.relname IN ('ages', 'ages_ok', 'big')")" 0
is "... still at c1" "$(psqlc -d app2 "SELECT version_num FROM alembic_version")" c1

# the same as JSON, for a CI step to read
R2 upgrade --preflight --format json >"$T/pf.json" 2>"$T/err"; rc=$?
is "--format json: exit 0" "$rc" 0
is "... one JSON object that python reads; the cast check of ages.age: 3 of type change, 3 samples" \
	"$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))
l=[x for x in d["locks"] if x["check"] and x["check"].endswith("ages.age") and "integer" in x["check"]][0]
print(d["plan"], l["count"], l["work"], len(l["samples"]), l["samples"][0]["age"])' "$T/pf.json")" \
	"upgrade to c2 3 type change 3 x7"
is "... varchar(20) -> varchar(40): no rewrite, 0 seconds" \
	"$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))
print([(x["estimate"], x["estimate_seconds"]) for x in d["locks"] if (x["basis"] or "").startswith("character varying(20) to varchar(40)")][0])' "$T/pf.json")" \
	"('no rewrite expected', 0.0)"
is "... nothing changed" "$(snap)" "$cbefore"

# the bound: more rows than the row-by-row check reads
psqlc -d app2 "INSERT INTO ages SELECT g, CASE WHEN g % 50000 = 0 THEN 'y' || g ELSE g::text END, 'n'
       FROM generate_series(1001, 130000) g" >/dev/null
R2 upgrade --preflight >"$T/out" 2>"$T/err"
like "over the bound: at least N of the first 100000 rows" "$(cat "$T/out")" \
	"values that will not cast to integer in ages.age: at least 5 \(of the first 100000 rows; the rest not read\)"

# a type change with no automatic conversion fails without USING: said so
mig c3 c2 "ALTER TABLE ages_ok ALTER COLUMN age TYPE integer;" "SELECT 1;"
R2 upgrade --preflight c3 >"$T/out" 2>"$T/err"
like "no USING and no assignment cast: the statement fails, said before" "$(cat "$T/out")" \
	"ages_ok.age: no automatic conversion from text to integer: the statement fails without USING"
rm "$P/versions/c3_m.sql"

# a session holding ACCESS EXCLUSIVE on ages_ok: preflight gives up on that
# table after its lock_timeout (2s), names the holder, and goes on
fifo2="$T/holder2.in"; mkfifo "$fifo2"
"$PG_BINDIR/psql" -qX -d app2 <"$fifo2" >"$T/holder2.out" 2>&1 &
holder2=$!
exec 8>"$fifo2"
printf "SET application_name = 'aeholder';\nBEGIN;\nLOCK TABLE ages_ok IN ACCESS EXCLUSIVE MODE;\nSELECT 'locked';\n" >&8
for _ in $(seq 100); do grep -q locked "$T/holder2.out" 2>/dev/null && break; sleep 0.05; done
timeout 60 env -u DATABASE_URL "$RETORT" -d "$P" --url "${PGURL/\/app\?//app2?}" upgrade --preflight \
	>"$T/out" 2>"$T/err"; rc=$?
is "a table locked ACCESS EXCLUSIVE: preflight still ends, exit 0" "$rc" 0
like "... says the table cannot be read now" "$(cat "$T/out")" \
	"table ages_ok: cannot check now: canceling statement due to lock timeout"
like "... and names who holds it" "$(cat "$T/out")" "held now by pid [0-9]+ \(aeholder, user postgres\): AccessExclusiveLock"
like "... the other tables are still read" "$(cat "$T/out")" "values that will not cast to integer in ages.age: at least 5"
printf "ROLLBACK;\n\\\\q\n" >&8
exec 8>&-
wait $holder2
done_testing
