#!/usr/bin/env bash
# Backups and restores on a real server with the sample project and seeded
# data: a restore brings back the counts and alembic_version of the moment of
# the backup; damaged or foreign files are refused (a damaged dump is found in
# the one pass that feeds pg_restore, before anything commits); a restore whose
# revision differs from the backup's is a failure; Ctrl-C during a restore
# changes nothing; a killed pg_dump leaves no complete-looking file; modes
# 0600/0700; no password in any output or process list; retention; the
# automatic backup before migrating a protected env.
. "$RT_SRCDIR/tests/lib/tap.sh"
. "$RT_SRCDIR/tests/lib/pg.sh"
pg_start
copy_sample
P="$T/proj/migrations"
B="$T/proj/backups"
export APP_URL="$PGURL"
cat >"$P/retort.conf" <<EOF
[retort]
backup_dir = backups
retention_days = 7

[env dev]
url = \${APP_URL}
default = true

[env prod]
url = \${APP_URL}
protected = true
EOF
R() { rt -d "$P" "$@"; }
# restore's FIFO goes to TMPDIR: a private one, to see that it is removed
export TMPDIR="$T/tmp"
mkdir -p "$TMPDIR"
URL2="postgresql://postgres@/app2?host=$PGSOCK"
HEAD=8289ba23590a MID=2733b3fe03af

# counts: "table=n ..." for every table of schema public but retort_history,
# the audit log, which a restore does not roll back
counts() {
	psqlc "SELECT string_agg(format('%s=%s', c.relname,
	         (xpath('/row/n/text()', query_to_xml(format('SELECT count(*) AS n FROM %I', c.relname), false, true, '')))[1]::text), ' ' ORDER BY c.relname)
	         FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r'
	          AND c.relname <> 'retort_history'"
}
newest() { ls -t "$B"/*.dump 2>/dev/null | head -1; }

# --- seed at MID, back up ---
R -q upgrade $MID || bail "upgrade to $MID failed"
psqlc "INSERT INTO users (username, email) SELECT 'u' || i, 'u' || i || '@example.com' FROM generate_series(1, 3000) i;
       INSERT INTO resume_templates (name, legacy_template_number) SELECT 't' || i, i FROM generate_series(1, 40) i;
       INSERT INTO resumes (user_id, serial_number, parsed_resume, template, status)
         SELECT u.id, s, '{\"x\": 1}', 1 + u.id % 40, 'draft' FROM users u, generate_series(1, 2) s" >/dev/null ||
	bail "seeding failed"
before=$(counts)
like "seeded a few thousand rows" "$before" "resumes=6000 .*users=3000"
out=$(R backup 2>&1); rc=$?
is "backup exits 0" "$rc" 0
dump=$(newest)
like "backup names the file" "$out" "^backup: $B/app_dev_[0-9]{8}T[0-9]{6}Z_${MID}\.dump$"
like "... with its size, revision and the tables counted" "$out" "revision $MID, [0-9]+ tables counted"
is "the backup dir is 0700" "$(stat -c %a "$B")" 700
is "the dump is 0600" "$(stat -c %a "$dump")" 600
is "the sidecar is 0600" "$(stat -c %a "$dump.csv")" 600
is "the dump is a pg_dump custom archive" "$(head -c 5 "$dump")" PGDMP
is "the sidecar holds the dump's SHA-256" "$(grep '^sha256,' "$dump.csv" | cut -d, -f2)" "$(sha256sum "$dump" | cut -d' ' -f1)"
is "... the revision" "$(grep '^revision,' "$dump.csv" | cut -d, -f2)" "$MID"
like "... the server version" "$(grep '^server_version,' "$dump.csv" | cut -d, -f2)" "^[0-9]{5,6}$"
is "... and the exact count of every table" \
	"$(grep '^table,public,' "$dump.csv" | grep -v '^table,public,retort_history,' | cut -d, -f3,4 | tr , = | paste -sd' ')" "$before"
is "... retort_history's too" "$(grep '^table,public,retort_history,' "$dump.csv" | cut -d, -f4)" \
	"$(psqlc 'SELECT count(*) FROM retort_history')"
is "no temporary file is left" "$(ls -A "$B" | grep -c tmp)" 0
list=$(R backups)
like "backups lists it with revision and a good checksum" "$list" "$(basename "$dump") +[0-9.]+ kB +$MID +[0-9]+s +ok"
csv=$(R backups --format csv)
is "backups csv header" "$(printf '%s\n' "$csv" | head -1)" "name,bytes,revision,created,age,checksum,path"
like "backups json" "$(R backups --format json)" "\"revision\": \"$MID\", \"created\": \"[0-9TZ:-]+\""

# --- change data and schema, then restore --clean ---
R -q upgrade || bail "upgrade failed"
psqlc "DELETE FROM resumes WHERE user_id % 3 = 0; DELETE FROM users WHERE id > 2500; INSERT INTO resume_templates (name) VALUES ('new')" >/dev/null
unlike "the data changed" "$(counts)" "^$before\$"
hist_before=$(psqlc 'SELECT count(*) FROM retort_history')
R restore "$dump" </dev/null >"$T/out" 2>&1; rc=$?
is "restore without --yes off a terminal exits 2" "$rc" 2
like "... and says to confirm" "$(cat "$T/out")" "confirm on a terminal, or pass --yes"
out=$(R restore --clean --yes "$(basename "$dump")" 2>&1); rc=$?
is "restore --clean --yes (by name in the backup dir) exits 0" "$rc" 0
like "... reports that every count matches" "$out" "row counts: all [0-9]+ tables match the backup"
like "... and the revision" "$out" "database now at: $MID \(as in the backup\)"
is "the counts are those of the backup exactly" "$(counts)" "$before"
is "alembic_version is the backup's" "$(psqlc 'SELECT version_num FROM alembic_version')" "$MID"
is "retort_history is not rolled back: every row, and one for the restore" \
	"$(psqlc "SELECT count(*) || ' ' || (SELECT direction FROM retort_history ORDER BY id DESC LIMIT 1) FROM retort_history")" \
	"$((hist_before + 1)) restore"
is "the schema is the backup's (template, not template_id)" \
	"$(psqlc "SELECT string_agg(column_name, ' ' ORDER BY column_name) FROM information_schema.columns WHERE table_name = 'resumes' AND column_name LIKE 'template%'")" template

# --clean drops tables created since the backup in its schemas; a table
# elsewhere stays and shows in the table of differences (exit 1)
psqlc "CREATE TABLE public.extra_after (id int); CREATE SCHEMA other; CREATE TABLE other.extra (id int); INSERT INTO other.extra VALUES (1)"
out=$(R restore --clean --yes "$dump" --format csv 2>/dev/null); rc=$?
is "a table the backup does not have makes the restore exit 1" "$rc" 1
is "... listed in the difference table (no count on one side: an empty field)" "$out" "schema,table,backup,now
other,extra,,1"
is "--clean dropped the table created since the backup in public" "$(psqlc "SELECT to_regclass('public.extra_after') IS NULL")" t
psqlc "SET client_min_messages = warning; DROP SCHEMA other CASCADE"

# --- damaged and foreign files ---
cp "$dump" "$B/damaged.dump"; cp "$dump.csv" "$B/damaged.dump.csv"
size=$(stat -c %s "$B/damaged.dump")
printf '\x5a' | dd of="$B/damaged.dump" bs=1 seek=$((size / 2)) conv=notrunc status=none
psqlc "DELETE FROM resumes WHERE serial_number = 2" >/dev/null
c1=$(counts)
R restore --yes --clean "$B/damaged.dump" >"$T/out" 2>&1; rc=$?
is "a damaged dump is refused (exit 2)" "$rc" 2
like "... by its checksum" "$(cat "$T/out")" "damaged.dump: checksum mismatch: .*; nothing restored"
is "... and nothing changed" "$(counts)" "$c1"
is "... (the table's rows, read with psql)" "$(psqlc "SELECT count(*) FROM resumes")" 3000
like "backups marks it" "$(R backups)" "damaged.dump .* MISMATCH"

# a byte flipped near the end: pg_restore (plain, into an empty database) gets
# all but the held-back tail, so it has loaded the data in its transaction
# when the checksum fails; it is stopped before its COMMIT
psqlc "CREATE DATABASE app2" >/dev/null
cp "$dump" "$B/tail.dump"; cp "$dump.csv" "$B/tail.dump.csv"
printf '\x5a' | dd of="$B/tail.dump" bs=1 seek=$((size - 10)) conv=notrunc status=none
APP_URL=$URL2 R restore --yes tail.dump >"$T/out" 2>&1; rc=$?
is "a dump damaged in its last bytes is refused (exit 2)" "$rc" 2
like "... by its checksum" "$(cat "$T/out")" "tail.dump: checksum mismatch: .*; nothing restored"
is "... and the empty database stayed empty" \
	"$(psqlc -d app2 "SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace")" 0
is "... no FIFO is left behind" "$(ls -A "$TMPDIR")" ""
cp "$dump" "$B/good.dump"; cp "$dump.csv" "$B/good.dump.csv"
if command -v strace >/dev/null; then
	# every read of the dump, by retort and its children: it is read once
	# (LeakSanitizer cannot run under ptrace: no leak check in this one)
	APP_URL=$URL2 ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
		strace -f -ff -qq -e trace=openat,read,close -o "$T/st" \
		env -u DATABASE_URL "$RETORT" -d "$P" restore --yes good.dump >"$T/out" 2>&1; rc=$?
	read_bytes=$(awk -v f="\"$B/good.dump\"" '
		FNR == 1 { split("", open) }
		/^openat\(/ { if (index($0, f) && $NF ~ /^[0-9]+$/) open[$NF] = 1; next }
		/^close\(/ { fd = substr($0, 7); sub(/\).*/, "", fd); delete open[fd]; next }
		/^read\(/ { fd = substr($0, 6); sub(/,.*/, "", fd); if ((fd in open) && $NF ~ /^[0-9]+$/) n += $NF }
		END { print n + 0 }' "$T"/st.*)
	is "the dump is read once: its size plus the 5 bytes of the PGDMP check" "$read_bytes" $((size + 5))
	rm -f "$T"/st.*
else
	APP_URL=$URL2 R restore --yes good.dump >"$T/out" 2>&1; rc=$?
	_tap_n=$((_tap_n + 1))
	echo "ok $_tap_n - the dump is read once # SKIP strace is not installed"
fi
is "a good dump restores into the empty database (exit 0)" "$rc" 0
like "... and says so" "$(cat "$T/out")" "restored good.dump"
is "... with the backup's counts" "$(psqlc -d app2 "SELECT count(*) FROM resumes")" 6000

# the backup says another revision than what the restore leaves: a failure,
# the same message in both front ends (the engine's)
cp "$dump" "$B/otherrev.dump"
sed "s/^revision,$MID\$/revision,0123456789ab/" "$dump.csv" >"$B/otherrev.dump.csv"
out=$(R restore --clean --yes otherrev.dump 2>&1); rc=$?
is "a restore whose revision differs from the backup's exits 1" "$rc" 1
like "... saying so" "$out" "retort: the database is at $MID, the backup was at 0123456789ab"
like "... after the counts, which match" "$out" "row counts: all [0-9]+ tables match the backup"
like "... and the revision line without '(as in the backup)'" "$out" "database now at: $MID
"
rm -f "$B"/tail.dump* "$B"/good.dump* "$B"/otherrev.dump*
echo "SELECT 1;" >"$B/plain.dump"
R restore --yes "$B/plain.dump" >"$T/out" 2>&1; rc=$?
is "a file that is not a custom archive is refused (exit 2)" "$rc" 2
like "... saying so" "$(cat "$T/out")" "is not a pg_dump custom-format archive"
cp "$dump" "$B/nosidecar.dump"
R restore --yes "$B/nosidecar.dump" >"$T/out" 2>&1; rc=$?
is "a dump without its sidecar is refused" "$rc" 2
like "... saying why" "$(cat "$T/out")" "cannot be verified"
rm -f "$B"/damaged.dump* "$B"/plain.dump "$B"/nosidecar.dump

# --- a large table: password never shown, killed pg_dump, timing ---
psqlc "CREATE TABLE big AS SELECT i AS id, md5(i::text) || md5((i * 7)::text) AS pad FROM generate_series(1, 1500000) i" >/dev/null
PW='Pw-s3cr3t-4711'
psqlc "CREATE ROLE secret LOGIN PASSWORD '$PW'; GRANT pg_read_all_data TO secret" >/dev/null
sed -i "1i local all secret scram-sha-256" "$PGDATA_T/pg_hba.conf"
psqlc "SELECT pg_reload_conf()" >/dev/null
nfiles=$(ls "$B"/*.dump | wc -l)
APP_URL="postgresql://secret:$PW@/app?host=$PGSOCK" env -u DATABASE_URL "$RETORT" -d "$P" backup >"$T/pw.out" 2>&1 &
bk=$!
: >"$T/ps"
while kill -0 $bk 2>/dev/null; do ps -eo args >>"$T/ps"; sleep 0.05; done
wait $bk; rc=$?
is "a backup as a password-protected role works (the password went by environment)" "$rc" 0
like "pg_dump was seen in the process list" "$(cat "$T/ps")" "pg_dump --format=custom"
is "... the password never was" "$(grep -c -- "$PW" "$T/ps")" 0
is "... nor in any output" "$(grep -c -- "$PW" "$T/pw.out")" 0
is "... nor in the sidecar" "$(grep -c -- "$PW" "$(newest).csv")" 0
is "one more backup" "$(ls "$B"/*.dump | wc -l)" $((nfiles + 1))
like "the backup counted the big table" "$(grep '^table,public,big,' "$(newest).csv")" ",1500000$"

env -u DATABASE_URL "$RETORT" -d "$P" backup >"$T/kill.out" 2>&1 &
bk=$!
pd=""
for _ in $(seq 200); do pd=$(pgrep -f -P $bk -- '--format=custom'); [ -n "$pd" ] && break; sleep 0.02; done
sleep 0.3
[ -n "$pd" ] && kill -9 "$pd"
wait $bk; rc=$?
is "a killed pg_dump fails the backup (exit 1)" "$rc" 1
like "... saying so" "$(cat "$T/kill.out")" "pg_dump was killed \(signal 9\); no backup was made"
is "... and leaves no new dump" "$(ls "$B"/*.dump | wc -l)" $((nfiles + 1))
is "... and no temporary file" "$(ls -A "$B" | grep -c tmp)" 0

# Ctrl-C during a restore: its drops wait behind a lock another session holds,
# so it is surely running when the signal comes
d=$(newest)
psqlc "DELETE FROM big WHERE id <= 1000" >/dev/null
c2=$(counts)
"$PG_BINDIR/psql" -qX -d app -c "BEGIN" -c "LOCK TABLE big IN ACCESS SHARE MODE" \
	-c "SELECT pg_sleep(120)" >/dev/null 2>&1 &
holder=$!
for _ in $(seq 200); do
	[ "$(psqlc "SELECT count(*) FROM pg_locks WHERE relation = 'big'::regclass AND granted")" -ge 1 ] && break
	sleep 0.05
done
# retort itself, not a subshell of R (which would ignore SIGINT, being in the background)
env -u DATABASE_URL "$RETORT" -d "$P" restore --clean --yes "$d" >"$T/int.out" 2>&1 &
rp=$!
for _ in $(seq 400); do
	[ "$(psqlc "SELECT count(*) FROM pg_stat_activity WHERE datname = 'app' AND wait_event_type = 'Lock'")" -ge 1 ] && break
	sleep 0.05
done
kill -INT $rp
wait $rp; rc=$?
# the holder's backend sleeps on unless it is ended on the server
psqlc "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE relation = 'big'::regclass AND granted AND pid <> pg_backend_pid()" >/dev/null
wait $holder 2>/dev/null
is "Ctrl-C during a restore exits 130" "$rc" 130
like "... saying nothing was restored" "$(cat "$T/int.out")" "restore cancelled; nothing restored"
is "... and the database is unchanged" "$(counts)" "$c2"
is "... no pg_restore or psql is left" "$(pgrep -f "$TMPDIR/retort-restore" | wc -l)" 0
is "... nor its FIFO" "$(ls -A "$TMPDIR")" ""

# timing against plain pg_dump / pg_restore on the same data
t0=$(date +%s.%N); R -q backup >/dev/null; t1=$(date +%s.%N)
"$PG_BINDIR/pg_dump" -Fc -f "$T/plain.dump" -d app; t2=$(date +%s.%N)
d=$(newest)
t3=$(date +%s.%N); R -q restore --clean --yes "$d" >/dev/null; t4=$(date +%s.%N)
"$PG_BINDIR/pg_restore" --clean --if-exists --single-transaction -d app "$T/plain.dump"; t5=$(date +%s.%N)
echo "# timing: retort backup $(echo "$t1 - $t0" | bc) s, pg_dump $(echo "$t2 - $t1" | bc) s; " \
	"retort restore $(echo "$t4 - $t3" | bc) s, pg_restore $(echo "$t5 - $t4" | bc) s"
psqlc "DROP TABLE big" >/dev/null

# --- automatic backup before migrating a protected env ---
rm -f "$B"/*
out=$(R -e prod --yes downgrade -1 2>&1); rc=$?
is "downgrade on a protected env exits 0" "$rc" 0
like "... names the backup it made first" "$out" "backup before migrating: $B/app_prod_[0-9]{8}T[0-9]{6}Z_${MID}\.dump"
is "... which exists" "$(ls "$B"/*.dump | wc -l)" 1
is "... at the revision before the downgrade" "$(grep '^revision,' "$(newest).csv" | cut -d, -f2)" "$MID"
out=$(R -e prod --yes upgrade --no-backup 2>&1); rc=$?
is "upgrade --no-backup exits 0" "$rc" 0
like "... says there was no backup" "$out" "no backup before this change \(--no-backup\)"
is "... and made none" "$(ls "$B"/*.dump | wc -l)" 1
R -q -e prod --yes downgrade -1 >/dev/null 2>&1
is "a second protected downgrade backs up again" "$(ls "$B"/*.dump | wc -l)" 2
sed -i 's/^retention_days = 7$/retention_days = 7\nauto_backup = false/' "$P/retort.conf"
out=$(R -e prod --yes upgrade 2>&1)
like "auto_backup = false turns it off" "$out" "no backup before this change \(auto_backup = false\)"
is "... and made none" "$(ls "$B"/*.dump | wc -l)" 2
R -q -e dev downgrade -1 >/dev/null 2>&1
is "an unprotected env is not backed up" "$(ls "$B"/*.dump | wc -l)" 2

# --- prune ---
# prune keeps to the session's (database, env), read from the sidecar: the
# copies become dev's (the default env) whatever env made the original
src=$(newest); cp "$src" "$T/src.dump"; sed 's/^env,.*/env,dev/' "$src.csv" >"$T/src.dump.csv"
src="$T/src.dump"; rm -f "$B"/*
for age in 0 1 2 3 5 6 8 9 12 30; do
	f="$B/app_dev_age$(printf %02d $age).dump"
	cp "$src" "$f"; cp "$src.csv" "$f.csv"
	touch -d "$age days ago" "$f"
done
left() { ls "$B"/*.dump | sed 's|.*/app_dev_age||; s|\.dump||' | sort | paste -sd' '; }
out=$(R prune --dry-run)
is "prune --dry-run lists what the 7 days of the config remove" \
	"$(grep '^  would delete' <<<"$out")" "  would delete app_dev_age08.dump  (older than 7 days)
  would delete app_dev_age09.dump  (older than 7 days)
  would delete app_dev_age12.dump  (older than 7 days)
  would delete app_dev_age30.dump  (older than 7 days)"
like "... under the session's database and env, with what stays" "$out" "^database app, env dev: 6 stay, 4 would go
  stays +app_dev_age00.dump  \(the newest\)
  stays +app_dev_age01.dump  \(within the policy\)"
is "... and deletes nothing" "$(left)" "00 01 02 03 05 06 08 09 12 30"
R -q prune
is "prune keeps 7 days" "$(left)" "00 01 02 03 05 06"
is "... and deletes the sidecars too" "$(ls "$B"/*.csv | wc -l)" 6
R -q prune --keep 3 --keep-days 0
is "--keep 3 keeps the 3 newest" "$(left)" "00 01 02"
is "prune csv" "$(R prune --keep 1 --keep-days 0 --dry-run --format csv)" "name,database,env,action,reason
app_dev_age00.dump,app,dev,keep,newest
app_dev_age01.dump,app,dev,would_delete,too_many
app_dev_age02.dump,app,dev,would_delete,too_many"
touch -d "40 days ago" "$B/app_dev_age00.dump"; touch -d "41 days ago" "$B/app_dev_age01.dump"
touch -d "42 days ago" "$B/app_dev_age02.dump"
R -q prune --keep-days 7
is "the newest backup always stays, however old" "$(left)" "00"
is "no policy at all prunes nothing" "$(R prune --keep-days 0 --keep 0)" \
	"no retention policy (retention_days and retention_count are 0): nothing to prune"
R prune --keep x >/dev/null 2>&1; is "--keep needs a number (exit 2)" "$?" 2
R backups --keep 3 >/dev/null 2>&1; is "--keep does not apply to backups (exit 2)" "$?" 2
done_testing
