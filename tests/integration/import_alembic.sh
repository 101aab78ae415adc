#!/usr/bin/env bash
# retort import alembic: a Flask-Migrate project (tests/fixtures/alembic/flask:
# autogenerate-style create_table with FKs, indexes, server defaults and an
# enum, batch_alter_table, bulk_insert and op.execute data migrations, a
# branch and its merge, a branch_labels/depends_on root merged back, a
# plpgsql function and trigger, renames, a foreign key and a unique
# constraint added, an enum value, a column comment, an index made
# CONCURRENTLY in autocommit_block(), and a revision that reads with
# op.get_bind())
# imported into retort files; real Alembic 1.8 online is the oracle.
. "$RT_SRCDIR/tests/lib/tap.sh"
. "$RT_SRCDIR/tests/lib/pg.sh"
PY=/usr/bin/python3
$PY -c 'import alembic, psycopg2' 2>/dev/null || bail "python3-alembic and python3-psycopg2 are needed (scripts/deps installs them)"
pg_start
FX="$RT_SRCDIR/tests/fixtures/alembic/flask"
cp -R "$FX" "$T/flask"
P="$T/proj/migrations"
mkdir -p "$T/proj"
for db in alem ret mid1 mid2; do psqlc -d postgres "CREATE DATABASE $db" >/dev/null; done
url() { echo "postgresql://postgres@/$1?host=$PGSOCK"; }
A() { local db=$1; shift; DATABASE_URL="postgresql+psycopg2://postgres@/$db?host=$PGSOCK" \
	$PY -m alembic -c "$T/flask/alembic.ini" "$@"; }
R() { local db=$1; shift; rt -d "$P" --url "$(url "$db")" -q "$@"; }
dump() { "$PG_BINDIR/pg_dump" -s -d "$1" -T retort_history -T retort_history_id_seq \
	| grep -v -e '^--' -e '^SET ' -e '^\\\(un\)\{0,1\}restrict' -e 'set_config' -e '^$'; }
listing() { (cd "$1" && for f in *; do printf '%s %s\n' "$f" "$(sha256sum <"$f" | cut -c1-16)"; done); }

# --- missing Python or Alembic: one line, exit 2 --------------------------------------
rt -d "$P" import alembic "$T/flask" --python /nonexistent/python3 >"$T/o" 2>"$T/e"; rc=$?
is "--python /nonexistent: exit 2" "$rc" 2
is "... one line" "$(wc -l <"$T/e")" 1
like "... saying what to install" "$(cat "$T/e")" "apt-get install python3-alembic"
printf '#!/bin/sh\nexec %s -S "$@"\n' "$PY" >"$T/nosite-python"; chmod +x "$T/nosite-python"
rt -d "$P" import alembic "$T/flask" --python "$T/nosite-python" >"$T/o" 2>"$T/e"; rc=$?
is "a Python without Alembic (-S: no dist-packages): exit 2" "$rc" 2
like "... the same line" "$(cat "$T/e")" "^retort: import alembic needs Python 3 with Alembic.*apt-get install python3-alembic"
is "... nothing written" "$(ls "$T/proj")" ""

# --- dry run --------------------------------------------------------------------------
out=$(rt -d "$P" import alembic "$T/flask" --python $PY --dry-run 2>"$T/e"); rc=$?
is "--dry-run: exit 0" "$rc" 0
is "... lists the 13 files" "$(grep -c '^would write' <<<"$out")" 13
is "... writes nothing" "$(ls "$T/proj")" ""

# --- import ---------------------------------------------------------------------------
rt -d "$P" import alembic "$T/flask/versions" --python $PY >"$T/o" 2>"$T/e"; rc=$?
is "import (DIR = versions/): exit 0" "$rc" 0
is "... 13 files" "$(ls "$P/versions" | grep -c '\.sql$')" 13
like "... the revision Alembic cannot render offline is reported by name" "$(cat "$T/e")" \
	"1a0000000009_backfill_lower.py: Alembic could not render it offline \(AttributeError"
f9=$(ls "$P"/versions/1a0000000009_*.sql)
like "... and its file has the TODO and the Python source" "$(cat "$f9")" \
	"-- TODO retort import: Alembic could not render upgrade\(\) offline"
like "... (source as comments)" "$(cat "$f9")" "--       conn = op.get_bind\(\)"
f12=$(ls "$P"/versions/1a0000000012_*.sql)
like "autocommit_block() makes a transaction-off revision" "$(cat "$f12")" "-- retort:transaction off"
unlike "... without Alembic's COMMIT/BEGIN around it" "$(cat "$f12")" "^(COMMIT|BEGIN);"
is "no stray files beside versions/" "$(ls -A "$P")" "versions"
is "nothing written into the Alembic project" "$(cd "$T/flask" && find . -newer "$P" | wc -l)" 0

# same ids and graph: retort history vs alembic history (edges, sorted)
# "PARENTS -> ID" of each line, without markers ("(head)", Alembic's "(dep)") and messages
edges() { sed -E 's/ \([^)]*\)//g; s/^(.*) -> ([0-9a-z_]+).*/\1->\2/; s/,//g' | sort; }
alem_edges=$(A alem history | edges)
ret_edges=$(R ret history | edges)
is "same revision ids and parents as alembic history" "$ret_edges" "$alem_edges"
like "... the merge of the merge" "$ret_edges" "1a0000000007 1b0000000001->1a0000000008"
h=$(grep -h '^-- retort:\(branch_labels\|depends_on\|created\|message\)' "$P"/versions/1b0000000001_*.sql | tr '\n' '|')
is "branch_labels, depends_on, message and Create Date kept" "$h" \
	"-- retort:message google integration tokens|-- retort:created 2024-03-09 12:00:00.000000|-- retort:depends_on 1a0000000001|-- retort:branch_labels google|"

# --- upgrade head / downgrade base against Alembic's online runs ----------------------
A alem upgrade head >"$T/a.out" 2>&1 || cat "$T/a.out"
R ret upgrade head; rc=$?
is "retort upgrade head: exit 0" "$rc" 0
dump alem >"$T/alem.sql"; dump ret >"$T/ret.sql"
check "upgrade head: pg_dump --schema-only equals Alembic's" diff "$T/alem.sql" "$T/ret.sql"
like "... (a real schema: the trigger is there)" "$(cat "$T/ret.sql")" "CREATE TRIGGER users_audit"
is "... same rows in users" "$(psqlc -d ret 'SELECT string_agg(id||email||coalesce(phone,$$-$$), $$,$$ ORDER BY id) FROM users')" \
	"$(psqlc -d alem 'SELECT string_agg(id||email||coalesce(phone,$$-$$), $$,$$ ORDER BY id) FROM users')"
is "... same version row" "$(psqlc -d ret 'SELECT version_num FROM alembic_version')" \
	"$(psqlc -d alem 'SELECT version_num FROM alembic_version')"
A alem downgrade base >"$T/a.out" 2>&1 || cat "$T/a.out"
R ret downgrade base; rc=$?
is "retort downgrade base: exit 0" "$rc" 0
dump alem >"$T/alem.sql"; dump ret >"$T/ret.sql"
check "downgrade base: the same schema as Alembic's" diff "$T/alem.sql" "$T/ret.sql"
is "... no table left but the version tables" "$(psqlc -d ret "SELECT string_agg(relname, ' ' ORDER BY relname) FROM pg_class WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace")" \
	"alembic_version retort_history"

# --- taking over a database Alembic migrated to the middle -----------------------------
A mid1 upgrade 1a0000000004 >"$T/a.out" 2>&1 || cat "$T/a.out"
is "retort current on the Alembic database, no stamp" "$(R mid1 current)" "1a0000000004 (branchpoint)"
is "... no retort_history yet" "$(psqlc -d mid1 "SELECT to_regclass('retort_history') IS NULL")" t
R mid1 upgrade head; rc=$?
is "retort continues it to head" "$rc" 0
A alem upgrade head >"$T/a.out" 2>&1
dump alem >"$T/alem.sql"; dump mid1 >"$T/mid1.sql"
check "... to Alembic's schema" diff "$T/alem.sql" "$T/mid1.sql"
is "the takeover is recorded in retort_history (first row)" \
	"$(psqlc -d mid1 "SELECT revision, direction, outcome, error FROM retort_history ORDER BY id LIMIT 1")" \
	"1a0000000004|stamp|ok|takeover: alembic_version was at 1a0000000004 when retort first ran"
R mid1 downgrade 1a0000000003; rc=$?
A alem downgrade 1a0000000003 >"$T/a.out" 2>&1 || cat "$T/a.out"
rows() { psqlc -d "$1" "SELECT string_agg(version_num, ' ' ORDER BY version_num) FROM alembic_version"; }
is "retort downgrades the taken-over database as Alembic does" "$rc|$(rows mid1)" "0|$(rows alem)"
like "... (the google branch stays)" "$(rows mid1)" "^1a0000000003 1b0000000001$"

# --- a database retort migrated part-way, continued by Alembic --------------------------
R mid2 upgrade 1a0000000006; rc=$?
is "retort upgrade to one side of the branch" "$rc" 0
A mid2 upgrade head >"$T/a.out" 2>&1; rc=$?
is "alembic continues it to head" "$rc" 0
dump mid2 >"$T/mid2.sql"
check "... to the same schema" diff "$T/alem.sql" "$T/mid2.sql"

# --- second import: a no-op; conflicting files: refused, nothing written ----------------
listing "$P/versions" >"$T/before"
out=$(rt -d "$P" import alembic "$T/flask" --python $PY 2>/dev/null); rc=$?
is "second import: exit 0" "$rc" 0
like "... imports nothing" "$out" "^Imported 0 revisions .*13 already there"
listing "$P/versions" >"$T/after"
check "... the files are untouched" diff "$T/before" "$T/after"

mkdir -p "$T/p2/migrations/versions"
printf -- '-- retort:revision 1a0000000005\n-- retort:down_revision 1a0000000004\n\n-- retort:upgrade\nSELECT 1;\n\n-- retort:downgrade\nSELECT 1;\n' \
	>"$T/p2/migrations/versions/1a0000000005_tags_one_side_of_a_branch.sql"
rt -d "$T/p2/migrations" import alembic "$T/flask" --python $PY >"$T/o" 2>"$T/e"; rc=$?
is "a conflicting file: exit 2" "$rc" 2
like "... names it" "$(head -1 "$T/e")" "1a0000000005_tags_one_side_of_a_branch.sql: exists with other content"
is "... nothing written" "$(ls -A "$T/p2/migrations/versions" | tr '\n' ' ')" "1a0000000005_tags_one_side_of_a_branch.sql "
is "... nothing left beside it" "$(ls -A "$T/p2/migrations")" "versions"
mv "$T/p2/migrations/versions/1a0000000005_tags_one_side_of_a_branch.sql" "$T/p2/migrations/versions/1a0000000005_mine.sql"
rt -d "$T/p2/migrations" import alembic "$T/flask" --python $PY >"$T/o" 2>"$T/e"; rc=$?
is "the same revision id in another file: exit 2" "$rc" 2
like "... says so" "$(head -1 "$T/e")" "revision 1a0000000005 is already there"

# the Flask layout itself: retort files beside the .py files, DIR relative
mkdir -p "$T/inplace"; cp -R "$FX" "$T/inplace/migrations"
(cd "$T/inplace" && rt import alembic migrations --python $PY -q 2>/dev/null); rc=$?
is "import into migrations/versions itself (relative DIR): exit 0" "$rc" 0
is "... a .sql beside each .py" "$(ls "$T/inplace/migrations/versions" | grep -c '\.sql$')|$(ls "$T/inplace/migrations/versions" | grep -c '\.py$')" "13|13"
is "... retort reads them" "$(cd "$T/inplace" && rt heads)" "1a0000000012 (head)"
out=$(cd "$T/inplace" && rt import alembic migrations --python $PY 2>/dev/null)
like "... and a second import there is a no-op" "$out" "^Imported 0 revisions .*13 already there"

# Ctrl-C while Alembic renders: the driver stops, nothing is written, no
# temporary directory is left (a revision that sleeps as it is loaded)
mkdir -p "$T/slow" "$T/slowp/versions" "$T/tmp"; cp -R "$FX/." "$T/slow/"
printf '"""slow\n\nRevision ID: 1a0000000013\nRevises: 1a0000000012\nCreate Date: 2025-01-13 00:00:00\n"""\nimport time\ntime.sleep(30)\nrevision = "1a0000000013"\ndown_revision = "1a0000000012"\nbranch_labels = None\ndepends_on = None\n\ndef upgrade():\n    pass\n\ndef downgrade():\n    pass\n' \
	>"$T/slow/versions/1a0000000013_slow.py"
TMPDIR="$T/tmp" env -u DATABASE_URL "$RETORT" -d "$T/slowp" import alembic "$T/slow" --python $PY >"$T/o" 2>"$T/e" &
pid=$!
for _ in $(seq 200); do pgrep -f "time.sleep\(30\)|$T/slow/versions" >/dev/null && [ -n "$(ls -A "$T/tmp")" ] && break; sleep 0.05; done
sleep 0.5
kill -INT "$pid"; wait "$pid"; rc=$?
is "Ctrl-C during the import: exit 130" "$rc" 130
like "... says it was cancelled" "$(cat "$T/e")" "import cancelled: nothing written"
is "... nothing written" "$(ls -A "$T/slowp/versions")" ""
is "... no temporary directory left" "$(ls -A "$T/tmp")" ""
sleep 0.2
is "... no driver left running" "$(pgrep -fc "$T/slow/versions" || true)" 0

done_testing
