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
done_testing
