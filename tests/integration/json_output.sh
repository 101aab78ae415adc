#!/usr/bin/env bash
# --format json of every listing command is read back by a JSON parser, and
# every field has its type: numbers are numbers, an unknown value is null
# (never "", "-1" or "(absent)"), booleans are booleans. An empty result is
# still valid: "[]" in json, the header in csv (restore whose counts all
# match, prune with nothing to prune).
. "$RT_SRCDIR/tests/lib/tap.sh"
. "$RT_SRCDIR/tests/lib/pg.sh"
pg_start
copy_sample
P="$T/proj/migrations"
HEAD=8289ba23590a MID=2733b3fe03af ROOT=6ee1c5ab22d4
cat >"$P/retort.conf" <<EOF
[retort]
backup_dir = $T/backups

[env dev]
url = $PGURL
default = true
EOF
R() { rt -d "$P" "$@"; }

# jcheck 'key=type|type ...': reads a json document on stdin (as bytes: a
# byte that is not UTF-8 fails); it must be an array of objects with exactly
# these keys, each value of one of its types (str num bool null; num is an
# integer, never a boolean). Prints "rows=N", or what is wrong.
jcheck() {
	python3 -c '
import json, sys
kinds = {"str": lambda v: isinstance(v, str), "null": lambda v: v is None,
         "bool": lambda v: isinstance(v, bool),
         "num": lambda v: isinstance(v, int) and not isinstance(v, bool)}
spec = dict(w.split("=", 1) for w in sys.argv[1].split())
try:
    doc = json.loads(sys.stdin.buffer.read())
except ValueError as e:
    sys.exit("not json: %s" % e)
if not isinstance(doc, list):
    sys.exit("not an array")
for i, row in enumerate(doc):
    if not isinstance(row, dict) or set(row) != set(spec):
        sys.exit("row %d: keys %s" % (i, sorted(row) if isinstance(row, dict) else row))
    for k, v in row.items():
        if not any(kinds[t](v) for t in spec[k].split("|")):
            sys.exit("row %d: %s is %r, not %s" % (i, k, v, spec[k]))
print("rows=%d" % len(doc))
' "$1"
}
# jget EXPR: evaluates EXPR over the document d read from stdin, prints it as json.
jget() {
	python3 -c 'import json, sys; d = json.loads(sys.stdin.buffer.read()); print(json.dumps(eval(sys.argv[1])))' "$1"
}

HIST='revision=str down_revision=str|null message=str created=str|null branch_labels=str
      is_head=bool is_branch_point=bool is_merge=bool is_current=bool|null is_applied=bool|null
      is_modified=bool|null path=str'
CURRENT='revision=str is_head=bool|null message=str|null path=str|null'
HEADS='revision=str branch_labels=str message=str path=str'
BRANCHES='branch_point=str child=str child_message=str'
COUNTS='schema=str table=str estimate=num|null exact=num|null bytes=num'
BACKUPS='name=str bytes=num revision=str|null created=str|null age=str checksum=str path=str'
PRUNE='name=str database=str|null env=str|null action=str reason=str'
DIFFS='schema=str table=str backup=num|null now=num|null'
nrev=$(ls "$P"/versions/*.sql | wc -l)

# --- history, heads, branches: no database needed ---
is "history json" "$(R history --format json | jcheck "$HIST")" "rows=$nrev"
is "... the root's down_revision is null" "$(R history --format json | jget "[r['down_revision'] for r in d if r['revision'] == '$ROOT']")" "[null]"
is "... without -i, is_current/is_applied/is_modified are null" \
	"$(R history --format json | jget "sorted({str(r[k]) for r in d for k in ('is_current', 'is_applied', 'is_modified')})")" '["None"]'
is "heads json" "$(R heads --format json | jcheck "$HEADS")" "rows=1"
is "branches json" "$(R branches --format json | jcheck "$BRANCHES")" "rows=2"
is "a range of one revision" "$(R history -r $ROOT:$ROOT --format json | jcheck "$HIST")" "rows=1"

# --- current ---
is "current json, nothing applied: []" "$(R current --format json)" "[]"
R -q upgrade $MID || bail "upgrade failed"
is "current json" "$(R current --format json | jcheck "$CURRENT")" "rows=1"
is "... is_head false below the head" "$(R current --format json | jget "d[0]['is_head']")" false
is "history -i json" "$(R history -i --format json | jcheck "$HIST")" "rows=$nrev"
is "... booleans once the database was read" \
	"$(R history -i --format json | jget "[r['is_applied'] for r in d if r['revision'] in ('$ROOT', '$HEAD')]")" "[false, true]"
psqlc "INSERT INTO alembic_version VALUES ('ae1027a6acf')"
out=$(R current --format json)
is "current json with a row no file defines" "$(printf '%s' "$out" | jcheck "$CURRENT")" "rows=2"
is "... that row is null, not empty strings" \
	"$(printf '%s' "$out" | jget "[r for r in d if r['revision'] == 'ae1027a6acf']")" \
	'[{"revision": "ae1027a6acf", "is_head": null, "message": null, "path": null}]'
is "... and empty in csv" "$(R current --format csv | grep '^ae1027a6acf')" "ae1027a6acf,,,"
psqlc "DELETE FROM alembic_version WHERE version_num = 'ae1027a6acf'"

# --- counts ---
psqlc "CREATE TABLE never_analyzed (id int); INSERT INTO never_analyzed SELECT generate_series(1, 5)"
ntables=$(psqlc "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
out=$(R counts --format json)
is "counts json" "$(printf '%s' "$out" | jcheck "$COUNTS")" "rows=$ntables"
is "... an unknown estimate is null, exact is null without --exact" \
	"$(printf '%s' "$out" | jget "[(r['estimate'], r['exact']) for r in d if r['table'] == 'never_analyzed']")" "[[null, null]]"
is "... empty in csv" "$(R counts --format csv | grep '^public,never_analyzed,' | cut -d, -f3,4)" ","
psqlc "ANALYZE never_analyzed"
is "... a known estimate is a number" \
	"$(R counts --format json | jget "[r['estimate'] for r in d if r['table'] == 'never_analyzed']")" "[5]"
out=$(R counts --exact --format json)
is "counts --exact json: every exact count a number" \
	"$(printf '%s' "$out" | jcheck 'schema=str table=str estimate=num|null exact=num bytes=num')" "rows=$ntables"
is "... exact counts are numbers" \
	"$(printf '%s' "$out" | jget "[r['exact'] for r in d if r['table'] in ('never_analyzed', 'users')]")" "[5, 0]"

# --- backups, prune, restore ---
is "backups json, none yet: []" "$(R backups --format json)" "[]"
R -q backup || bail "backup failed"
R -q backup || bail "second backup failed"
dump=$(ls -t "$T"/backups/*.dump | tail -1)
is "backups json" "$(R backups --format json | jcheck "$BACKUPS")" "rows=2"
is "... bytes is the file's size, a number" \
	"$(R backups --format json | jget "sorted(r['bytes'] for r in d)[0] > 1000")" true
is "prune --dry-run json" "$(R prune --keep 1 --keep-days 0 --dry-run --format json | jcheck "$PRUNE")" "rows=2"
is "prune json with no policy: []" "$(R prune --keep 0 --keep-days 0 --format json)" "[]"
is "... csv: the header" "$(R prune --keep 0 --keep-days 0 --format csv)" "name,database,env,action,reason"

out=$(R restore --clean --yes "$dump" --format json 2>/dev/null); rc=$?
is "restore json, every count matches: exit 0" "$rc" 0
is "... and the (empty) difference list is there" "$(printf '%s' "$out" | jcheck "$DIFFS")" "rows=0"
out=$(R restore --clean --yes "$dump" --format csv 2>/dev/null)
is "restore csv, every count matches: the header" "$out" "schema,table,backup,now"
psqlc "CREATE SCHEMA other; CREATE TABLE other.extra (id int); INSERT INTO other.extra VALUES (1), (2)"
out=$(R restore --clean --yes "$dump" --format json 2>/dev/null); rc=$?
is "restore json with a table the backup lacks: exit 1" "$rc" 1
is "... the differences parse" "$(printf '%s' "$out" | jcheck "$DIFFS")" "rows=1"
is "... the missing count is null, the other a number" "$(printf '%s' "$out" | jget "d")" \
	'[{"schema": "other", "table": "extra", "backup": null, "now": 2}]'
is "... csv: an empty field" "$(R restore --clean --yes "$dump" --format csv 2>/dev/null | sed 1d)" "other,extra,,2"

# --- text that is not JSON's: quotes, control characters, bytes that are not UTF-8 ---
f=$(ls "$P"/versions/${HEAD}_*.sql)
sed -i "s/^-- retort:message .*/-- retort:message say \"hi\" \\\\ tab\there, café/" "$f"
out=$(R heads --format json)
is "a message with quotes, a backslash, a tab and UTF-8 parses" "$(printf '%s' "$out" | jcheck "$HEADS")" "rows=1"
is "... and reads back as written" "$(printf '%s' "$out" | jget "d[0]['message']")" \
	'"say \"hi\" \\ tab\there, caf\u00e9"'
# a SQL_ASCII database takes any byte in a name: json must stay UTF-8
psqlc -d postgres "CREATE DATABASE anybytes ENCODING 'SQL_ASCII' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0"
"$PG_BINDIR/psql" -qX -v ON_ERROR_STOP=1 -d anybytes -c $'CREATE TABLE "bad\xff\xfename\x01" (id int)' ||
	bail "could not create a table with bytes that are not UTF-8"
out=$(rt -d "$P" --url "postgresql://postgres@/anybytes?host=$PGSOCK" counts --format json)
is "a table name that is not UTF-8 still parses" "$(printf '%s' "$out" | jcheck "$COUNTS")" "rows=1"
is "... its bad bytes are U+FFFD, its control character escaped" \
	"$(printf '%s' "$out" | jget "d[0]['table']")" '"bad\ufffd\ufffdname\u0001"'
done_testing
