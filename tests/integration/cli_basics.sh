#!/usr/bin/env bash
# The commands on the sample project against a real server: listings and
# their formats, upgrade/downgrade/stamp, the version table as Alembic makes
# it, retort_history, revision/merge/init.
. "$RT_SRCDIR/tests/lib/tap.sh"
. "$RT_SRCDIR/tests/lib/pg.sh"
pg_start
copy_sample
P="$T/proj/migrations"
R() { rt -d "$P" --url "$PGURL" "$@"; }
HEAD=8289ba23590a ROOT=6ee1c5ab22d4 BP=6b70e43fe85a MERGE=a003f1a5e3fc

# --- listings, offline ---
out=$(R history); nrev=$(ls "$P"/versions/*.sql | wc -l)
is "history lists every revision" "$(printf '%s\n' "$out" | wc -l)" "$nrev"
like "history starts with the head" "$(printf '%s\n' "$out" | head -1)" "^f240f187b0b4 -> $HEAD \(head\), "
like "history ends with the root from base" "$(printf '%s\n' "$out" | tail -1)" "^<base> -> $ROOT, create users table"
like "history marks the merge" "$out" "a6c9fa37834d bd06c0c5103e -> $MERGE \(mergepoint\)"
like "history marks the branch point" "$out" "-> $BP \(branchpoint\)"
like "history shows the branch label" "$out" "-> b12209810ecc \(google\)"
is "history -r A:B limits the range" "$(R history -r 4d68eb8716bd:f240f187b0b4 | cut -d' ' -f3 | tr -d ,)" "f240f187b0b4
2733b3fe03af
4d68eb8716bd"
csv=$(R history --format csv)
is "history csv header" "$(printf '%s\n' "$csv" | head -1)" "revision,down_revision,message,created,branch_labels,is_head,is_branch_point,is_merge,is_current,is_applied,is_modified,path"
is "history csv rows" "$(printf '%s\n' "$csv" | sed 1d | wc -l)" "$nrev"
like "csv quotes a message with a comma or parens" "$csv" '"add status to resumes \(nullable\)"|add status to resumes \(nullable\)'
json=$(R history --format json)
like "history json is an array of objects" "$json" '^\[$'
is "history json has one object per revision" "$(printf '%s\n' "$json" | grep -c '"revision": ')" "$nrev"
like "json booleans are bare" "$json" '"is_head": true'
is "heads" "$(R heads)" "$HEAD (head)"
br=$(R branches)
like "branches names the branch point" "$(printf '%s\n' "$br" | head -1)" "^$BP \(branchpoint\)"
is "branches lists both children" "$(printf '%s\n' "$br" | grep -c '^    -> ')" 2
show=$(R show 8289)
like "show by prefix" "$show" "^Rev: $HEAD \(head\)"
like "show prints the upgrade SQL" "$show" "ADD COLUMN template_id"
like "show prints the checksum" "$show" "SHA-256: $(sha256sum "$P"/versions/${HEAD}_*.sql | cut -d' ' -f1)"
R format-nope >/dev/null 2>&1; is "unknown command exits 2" "$?" 2
R history --format xml >/dev/null 2>&1; is "bad --format exits 2" "$?" 2
R current --sql >/dev/null 2>"$T/err"; is "an option a command does not take exits 2" "$?" 2
like "... and says which" "$(cat "$T/err")" "current: option --sql does not apply"

# --- the database ---
is "current on an empty database prints nothing" "$(R current)" ""
R -q upgrade; is "upgrade exits 0" "$?" 0
is "current after upgrade" "$(R current)" "$HEAD (head)"
is "global options after the command work" "$(rt current -d "$P" --url "$PGURL")" "$HEAD (head)"
is "alembic_version holds one row, the head" "$(psqlc 'SELECT version_num FROM alembic_version')" "$HEAD"
is "alembic_version is Alembic's table" \
	"$(psqlc "SELECT string_agg(format('%s %s %s', column_name, data_type, is_nullable), ',') FROM information_schema.columns WHERE table_name = 'alembic_version'")" \
	"version_num character varying NO"
is "alembic_version: varchar(32) and the alembic_version_pkc key" \
	"$(psqlc "SELECT (SELECT character_maximum_length FROM information_schema.columns WHERE table_name = 'alembic_version'), (SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = 'alembic_version_pkc')")" \
	"32|PRIMARY KEY (version_num)"
is "retort_history has one ok upgrade per revision" \
	"$(psqlc "SELECT count(DISTINCT revision) FROM retort_history WHERE direction = 'upgrade' AND outcome = 'ok'")" "$nrev"
is "retort_history records the file's SHA-256" \
	"$(psqlc "SELECT checksum FROM retort_history WHERE revision = '$HEAD'")" \
	"$(sha256sum "$P"/versions/${HEAD}_*.sql | cut -d' ' -f1)"
is "retort_history records who and the tool" \
	"$(psqlc "SELECT db_user, os_user IS NOT NULL, client_host IS NOT NULL, tool_version LIKE 'retort %', duration_ms >= 0 FROM retort_history WHERE revision = '$HEAD'")" \
	"postgres|t|t|t|t"
is "a second upgrade has nothing to do" "$(R upgrade)" "nothing to do; database at: $HEAD"
is "current --format csv" "$(R current --format csv)" "revision,is_head,message,path
$HEAD,true,replace resumes.template number by template_id foreign key,$P/versions/${HEAD}_resumes_template_foreign_key.sql"
like "history -i marks current" "$(R history -i | head -1)" "\(head\) \(current\)"
unlike "no file is modified yet" "$(R history -i)" "modified"
echo "-- an edit after applying" >>"$P"/versions/2733b3fe03af_*.sql
like "history -i marks a file edited since it was applied" "$(R history -i)" "-> 2733b3fe03af \(modified since applied\), add full_name"
is "... once" "$(R history -i | grep -c modified)" 1
is "... and in csv" "$(R history -i --format csv | grep '^2733b3fe03af,' | cut -d, -f11)" "true"
R -q downgrade 4d68eb8716bd 2>/dev/null; is "... and a downgrade over it is refused" "$?" 2
sed -i '$d' "$P"/versions/2733b3fe03af_*.sql    # the edit undone: the file as applied

R -q downgrade 4d68eb8716bd; is "downgrade to a revision" "$(R current)" "4d68eb8716bd"
R -q downgrade; is "downgrade -1 below the tx-off revision lands on the merge" "$(R current | cut -d' ' -f1)" "$MERGE"
R -q downgrade -1; is "downgrade -1 from a merge leaves both parents" "$(psqlc 'SELECT version_num FROM alembic_version ORDER BY 1' | paste -sd' ')" "a6c9fa37834d bd06c0c5103e"
R -q upgrade +1 >/dev/null 2>&1; is "+1 with two current heads is refused" "$?" 2
R -q upgrade $MERGE; is "upgrade to the merge joins the rows" "$(psqlc 'SELECT version_num FROM alembic_version')" "$MERGE"
R -q upgrade +2; is "upgrade +2" "$(R current | cut -d' ' -f1)" "2733b3fe03af"

R -q stamp base; is "stamp base empties the version table" "$(psqlc 'SELECT count(*) FROM alembic_version')" 0
is "stamp ran no SQL (tables still there)" "$(psqlc "SELECT to_regclass('users') IS NOT NULL")" t
R -q stamp head; is "stamp head" "$(psqlc 'SELECT version_num FROM alembic_version')" "$HEAD"
is "stamps are logged" "$(psqlc "SELECT count(*) FROM retort_history WHERE direction = 'stamp'")" 2
# taking over a Flask-Migrate database: its Alembic id is unknown to retort
psqlc "UPDATE alembic_version SET version_num = 'ae1027a6acf'"
R -q upgrade 2>"$T/err"; is "an unknown id in the version table exits 2" "$?" 2
like "... saying so" "$(cat "$T/err")" "database is at revision ae1027a6acf, which no migration file defines"
R -q stamp head; is "stamp head takes the database over" "$(psqlc 'SELECT version_num FROM alembic_version')" "$HEAD"

# --- new files ---
RETORT_NOW=2026-01-02T03:04:05Z R -q revision -m "add bio to users" --rev-id 0000000000b1
f=$(ls "$P"/versions/0000000000b1_add_bio_to_users.sql 2>/dev/null)
is "revision writes <id>_<slug>.sql" "$f" "$P/versions/0000000000b1_add_bio_to_users.sql"
is "revision file headers" "$(head -4 "$f")" "-- retort:revision 0000000000b1
-- retort:down_revision $HEAD
-- retort:message add bio to users
-- retort:created 2026-01-02T03:04:05Z"
R -q revision -m "x" >/dev/null; is "random ids are 12 hex digits" "$(ls "$P"/versions | grep -cE '^[0-9a-f]{12}_x\.sql$')" 1
rm -f "$P"/versions/*_x.sql
R -q revision -m "other branch" --head $HEAD --rev-id 0000000000b2
is "two heads now" "$(R heads | wc -l)" 2
R -q upgrade head 2>"$T/err"; is "upgrade head with two heads exits 2" "$?" 2
like "... naming both heads" "$(cat "$T/err")" "0000000000b1.*0000000000b2|0000000000b2.*0000000000b1"
R -q merge -m "join bio and other" --rev-id 0000000000b3
is "merge leaves one head" "$(R heads | cut -d' ' -f1)" "0000000000b3"
is "merge file lists both parents" "$(sed -n 2p "$P"/versions/0000000000b3_*.sql)" "-- retort:down_revision 0000000000b1 0000000000b2"
R -q upgrade; is "upgrade through a new branch and merge" "$(psqlc 'SELECT version_num FROM alembic_version')" "0000000000b3"
R revision -m "two
lines" >/dev/null 2>&1; is "a two-line message exits 2" "$?" 2
R revision -m "x" --branch-label "Bad-Label" >/dev/null 2>"$T/err"; is "a bad branch label exits 2" "$?" 2
like "... naming it" "$(cat "$T/err")" "branch label 'Bad-Label'"
is "... and writes no file" "$(ls "$P"/versions | grep -c '_x.sql$')" 0
R -q downgrade --lock-timeout -1 -1; is "--lock-timeout -1 is an option argument, -1 a target" "$(R current | cut -d' ' -f1 | paste -sd' ')" "0000000000b1 0000000000b2"

rt -d "$T/new/migrations" init >/dev/null
check "init creates versions/ and retort.conf" test -d "$T/new/migrations/versions" -a -f "$T/new/migrations/retort.conf"
rt -d "$T/new/migrations" init >/dev/null 2>&1; is "init twice exits 2" "$?" 2
done_testing
