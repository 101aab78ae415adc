#!/usr/bin/env bash
# retort migrate on a partitioned table: a column added, dropped, renamed,
# retyped, given a default and NOT NULL on the partitioned table is written
# there only (the server carries it to the partitions and refuses it on a
# partition's own inherited column); a partition's own default is written on
# the partition, after its parent's. Applied with rows in both partitions,
# verify is clean and the rows keep their values; downgraded, the schema is
# back byte for byte.
. "$RT_SRCDIR/tests/lib/tap.sh"
. "$RT_SRCDIR/tests/lib/pg.sh"
. "$RT_SRCDIR/tests/lib/mig.sh"
pg_start
P="$T/p"
R() { rt -d "$P" --url "$PGURL" "$@"; }
export RETORT_NOW=2026-11-26T00:00:00Z

mig "$P" p001 none "events" "CREATE TABLE events (id int NOT NULL, at date NOT NULL, n int,
    old_name text, gone int, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
CREATE TABLE events_2026 PARTITION OF events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
CREATE INDEX ix_events_n ON events (n);" "DROP TABLE events;"
check "upgrade head" R -q upgrade head
psqlc "INSERT INTO events VALUES (1, '2025-05-01', 5, 'a', 10), (2, '2026-02-01', 7, 'b', 20)" >/dev/null
R schema >"$P/schema.sql"
R schema --live >"$T/before.sql"
cat >>"$P/schema.sql" <<'SQL'
ALTER TABLE events ADD COLUMN note varchar(100);
ALTER TABLE events DROP COLUMN gone;
ALTER TABLE events RENAME COLUMN old_name TO new_name;
ALTER TABLE events ALTER COLUMN n TYPE bigint;
ALTER TABLE events ALTER COLUMN n SET DEFAULT 0;
ALTER TABLE events ALTER COLUMN n SET NOT NULL;
ALTER TABLE events_2026 ALTER COLUMN note SET DEFAULT 'new';
SQL
out=$(R migrate -m "events more" --rev-id p002 2>&1); rc=$?
is "migrate: exit 0" "$rc" 0
F="$P/versions/p002_events_more.sql"
up=$(sed -n '/^-- retort:upgrade$/,/^-- retort:downgrade$/p' "$F")
down=$(sed -n '/^-- retort:downgrade$/,$p' "$F")
like "the type change on the partitioned table" "$up" "^ALTER TABLE public\.events ALTER COLUMN n TYPE bigint USING n::bigint;"
like "... the rename there" "$up" "^ALTER TABLE public\.events RENAME COLUMN old_name TO new_name;"
like "... the new column there" "$up" "^ALTER TABLE public\.events ADD COLUMN note character varying\(100\);"
like "... the dropped column there" "$up" "^ALTER TABLE public\.events DROP COLUMN gone;"
unlike "nothing the parent's ALTERs carry is written on a partition" "$up" \
	"ALTER TABLE public\.events_20(25|26) (ADD|DROP|RENAME)|ALTER TABLE public\.events_20(25|26) ALTER COLUMN (n|new_name) "
like "a partition's own default is written on it" "$up" \
	"^ALTER TABLE public\.events_2026 ALTER COLUMN note SET DEFAULT 'new'::character varying;"
like "... after the parent made the column" "$(printf '%s\n' "$up" | grep -n 'ADD COLUMN note\|events_2026' | cut -d: -f1 | tr '\n' ' ')" "^[0-9]+ [0-9]+ $"
unlike "the downgrade writes nothing on a partition but its default" "$down" \
	"ALTER TABLE public\.events_20(25|26) (ADD|DROP|RENAME)|ALTER TABLE public\.events_20(25|26) ALTER COLUMN n"
out=$(R upgrade head 2>&1); rc=$?
is "upgrade: exit 0" "$rc" 0
is "... the rows keep their values" \
	"$(psqlc "SELECT string_agg(id || ':' || n || ':' || new_name || ':' || coalesce(note, '-'), ' ' ORDER BY id) FROM events")" \
	"1:5:a:- 2:7:b:-"
is "... a row put in the 2026 partition itself takes its default" \
	"$(psqlc "INSERT INTO events_2026 (id, at) VALUES (3, '2026-03-01') RETURNING n || ':' || note" 2>&1)" "0:new"
psqlc "DELETE FROM events WHERE id = 3" >/dev/null
out=$(R verify 2>&1); rc=$?
is "verify: clean" "$rc" 0
like "... says so" "$out" "^clean"
out=$(R migrate -m again 2>&1); rc=$?
is "migrate again: no changes detected" "$out" "no changes detected"
out=$(R downgrade -1 2>&1); rc=$?
is "downgrade -1: exit 0" "$rc" 0
R schema --live >"$T/after.sql"
is "... the schema is back byte for byte" "$(diff "$T/before.sql" "$T/after.sql")" ""
is "... the rows too" "$(psqlc "SELECT string_agg(id || ':' || n || ':' || old_name, ' ' ORDER BY id) FROM events")" "1:5:a 2:7:b"
out=$(R check 2>&1); rc=$?
is "check: exit 0" "$rc" 0
done_testing
