#!/usr/bin/env bash
# Guarding the applied history (issue 13 item 3): an applied revision's file
# edited since it ran makes upgrade and downgrade refuse (exit 2, nothing
# written, no lock taken) naming the revision and the ways out; check
# reports it; check --accept REV --reason TEXT records the file as it is now
# (a stamp row with the new checksum) and the upgrade runs; a revision the
# database records whose file is gone gets Alembic's "Can't locate
# revision" explanation with the stamp way out (a revision only
# retort_history names is not refused: every version table of a schema
# shares that log).
. "$RT_SRCDIR/tests/lib/tap.sh"
. "$RT_SRCDIR/tests/lib/pg.sh"
pg_start
copy_sample
P="$T/proj/migrations"
V="$P/versions"
R() { rt -d "$P" --url "$PGURL" "$@"; }
at() { psqlc "SELECT string_agg(version_num, ' ' ORDER BY version_num) FROM alembic_version"; }
hist() { psqlc "SELECT count(*) FROM retort_history"; }
state() { echo "$(at) / $(hist)"; }

R -q upgrade 07c2756f9194 || bail "upgrade failed"
before=$(state)
f=$(ls "$V"/6ab519d54207_*.sql)
printf '%s\n' '-- a comment added after it ran' >>"$f"

# --- the refusal -------------------------------------------------------------------
R upgrade head >"$T/out" 2>"$T/err"; rc=$?
is "edited applied revision: upgrade exits 2" "$rc" 2
like "... naming the file and the revision" "$(head -1 "$T/err")" \
	"^retort: .*/6ab519d54207_create_resume_templates_table.sql: revision 6ab519d54207 was edited after it was applied .*nothing changed"
like "... with the way out: a new revision" "$(cat "$T/err")" "put the change in a new revision"
like "... or check --accept" "$(cat "$T/err")" "retort check --accept 6ab519d54207 --reason TEXT"
is "... the database unchanged (version table, history rows)" "$(state)" "$before"
is "... no users.phone column added" \
	"$(psqlc "SELECT count(*) FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'phone'")" 0
R -y downgrade -1 >"$T/out" 2>"$T/err"; rc=$?
is "downgrade refuses too: exit 2" "$rc" 2
is "... the database unchanged" "$(state)" "$before"
R -y upgrade head --dry-run >"$T/out" 2>"$T/err"; rc=$?
is "a dry run refuses too" "$rc" 2

# no lock taken: a session holding the migration lock does not make it wait
"$PG_BINDIR/psql" -qXAt -d app -c "SELECT pg_advisory_lock(1919251572, (SELECT 0))" >/dev/null
R upgrade head --lock-timeout 0 >"$T/out" 2>"$T/err"; rc=$?
is "refused before the lock (exit 2, not a lock timeout)" "$rc" 2

# the unchanged files still pass with the guard on: history -i marks the edit
R history -i >"$T/out" 2>&1
like "history -i marks it modified" "$(grep 6ab519d54207 "$T/out")" "modified since applied"

# --- check reports it -------------------------------------------------------------
R check >"$T/out" 2>"$T/err"; rc=$?
is "check: exit 1 with the edited revision" "$rc" 1
like "... a history finding naming it" "$(cat "$T/out")" \
	"^history: revision 6ab519d54207: .*6ab519d54207_create_resume_templates_table.sql: edited after it was applied"

# --- accept ---------------------------------------------------------------------------
R check --accept 6ab519d54207 >"$T/out" 2>"$T/err"; rc=$?
is "--accept without --reason: exit 2" "$rc" 2
like "... saying so" "$(cat "$T/err")" "--accept needs --reason"
R check --reason "why" >"$T/out" 2>"$T/err"; rc=$?
is "--reason without --accept: exit 2" "$rc" 2
R check --accept 6ab519d54207 --reason "   " >"$T/out" 2>"$T/err"; rc=$?
is "--reason blank: exit 2" "$rc" 2
is "... nothing recorded" "$(state)" "$before"
R check --accept 3c2785439c5f --reason "x" >"$T/out" 2>"$T/err"; rc=$?
is "--accept of a revision not applied: exit 2" "$rc" 2
like "... saying so" "$(cat "$T/err")" "3c2785439c5f is not applied here"

R check --accept 6ab519d54207 --reason "comment only" >"$T/out" 2>"$T/err"; rc=$?
is "--accept REV --reason TEXT: exit 0" "$rc" 0
like "... says it" "$(cat "$T/out")" "^accepted: the file of 6ab519d54207 as it is now"
is "... one stamp row with the new checksum and the reason" \
	"$(psqlc "SELECT direction, checksum, error, encode(sha256(applied_file), 'hex') = checksum FROM retort_history ORDER BY id DESC LIMIT 1")" \
	"stamp|$(sha256sum "$f" | cut -d' ' -f1)|accepted: comment only|t"
is "... the version table unchanged" "$(at)" 07c2756f9194
R check --accept 6ab519d54207 --reason "again" >"$T/out" 2>"$T/err"; rc=$?
is "accepting an unchanged file: exit 0" "$rc" 0
like "... records nothing" "$(cat "$T/out")" "nothing to accept"
R history -i >"$T/out" 2>&1
unlike "history -i no longer marks it" "$(grep 6ab519d54207 "$T/out")" "modified since applied"

R -q upgrade 6b70e43fe85a >"$T/out" 2>"$T/err"; rc=$?
is "after --accept the upgrade runs" "$rc" 0
is "... to its target" "$(at)" 6b70e43fe85a

# an edit after the accepted one is refused again
printf '%s\n' '-- one more' >>"$f"
R -y upgrade head >"$T/out" 2>"$T/err"; rc=$?
is "another edit: refused again" "$rc" 2
is "... nothing moved" "$(at)" 6b70e43fe85a
# putting the accepted text back is fine
head -n -1 "$f" >"$T/f" && cat "$T/f" >"$f"
R -q upgrade 3c2785439c5f; is "the accepted text back: upgrade runs" "$?" 0

# a stamp is not guarded (it is a way out)
R -q stamp 3c2785439c5f; is "stamp runs" "$?" 0

# --- a missing file ---------------------------------------------------------------------
R -q upgrade head || bail "upgrade head failed"
cat >"$V/zz0000000001_extra.sql" <<'SQL'
-- retort:revision zz0000000001
-- retort:down_revision 8289ba23590a
-- retort:message an extra table

-- retort:upgrade
CREATE TABLE extra (id int PRIMARY KEY);

-- retort:downgrade
DROP TABLE extra;
SQL
R -q upgrade head || bail "upgrade zz failed"
mv "$V/zz0000000001_extra.sql" "$T/"
before=$(state)
R upgrade head >"$T/out" 2>"$T/err"; rc=$?
is "the applied head's file deleted: exit 2" "$rc" 2
is "... first line names the revision" "$(head -1 "$T/err")" \
	"retort: database is at revision zz0000000001, which no migration file defines"
like "... with the playbook's explanation" "$(cat "$T/err")" "Can't locate revision"
like "... and the stamp way out" "$(cat "$T/err")" "'retort stamp REV' records that"
is "... nothing changed" "$(state)" "$before"

R -q stamp 8289ba23590a; is "stamp, the way out, runs" "$?" 0
R -q -y downgrade -1; is "... after which downgrade runs" "$?" 0
is "... to the parent" "$(at)" f240f187b0b4

# a resolved transaction-off revision whose file was fixed meanwhile keeps
# the fixed file as its history: the next upgrade is not refused
cat >"$V/zz0000000002_notx.sql" <<'SQL'
-- retort:revision zz0000000002
-- retort:down_revision 8289ba23590a
-- retort:message an index, concurrently
-- retort:transaction off

-- retort:upgrade
CREATE INDEX CONCURRENTLY ix_users_a ON users (id);
SELECT 1/0;

-- retort:downgrade
DROP INDEX CONCURRENTLY IF EXISTS ix_users_a;
SQL
R -q upgrade head >/dev/null 2>&1
is "a failing transaction-off revision stays dirty" \
	"$(psqlc "SELECT outcome FROM retort_history WHERE revision = 'zz0000000002' ORDER BY id DESC LIMIT 1")" dirty
sed -i 's|^SELECT 1/0;$|SELECT 1;|' "$V/zz0000000002_notx.sql"
R -q resolve; is "resolve after fixing the file" "$?" 0
is "... records the fixed file's checksum" \
	"$(psqlc "SELECT checksum, encode(sha256(applied_file), 'hex') = checksum FROM retort_history WHERE revision = 'zz0000000002' ORDER BY id DESC LIMIT 1")" \
	"$(sha256sum "$V/zz0000000002_notx.sql" | cut -d' ' -f1)|t"
R -q -y downgrade -1; is "... so downgrade is not refused" "$?" 0
done_testing
