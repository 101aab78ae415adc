#!/usr/bin/env bash
# A backup onto a full file system fails with a clear message and leaves no
# file that looks like a complete backup (nor a temporary one).
. "$RT_SRCDIR/tests/lib/tap.sh"
. "$RT_SRCDIR/tests/lib/pg.sh"
pg_start
copy_sample
P="$T/proj/migrations"
FULL="$T/full"
mkdir -p "$FULL"
mounted=""
if [ "$(id -u)" = 0 ] && mount -t tmpfs -o size=256k tmpfs "$FULL" 2>/dev/null; then
	mounted=1
	trap 'umount "$FULL" 2>/dev/null; _pg_cleanup' EXIT
fi
export APP_URL="$PGURL"
printf '[retort]\nbackup_dir = %s\n[env dev]\nurl = ${APP_URL}\ndefault = true\n' "$FULL/backups" >"$P/retort.conf"
rt -d "$P" -q upgrade head
# about 4 MB of data that does not compress away
psqlc "INSERT INTO users (email, password_hash, first_name, last_name, display_name)
       SELECT 'u' || g || '@example.com', md5(g::text) || md5((g * 7)::text), md5(g::text), 'x', 'user' || g
         FROM generate_series(1, 40000) g" >/dev/null
if [ -n "$mounted" ]; then
	rt -d "$P" backup >"$T/out" 2>"$T/err"; rc=$?
else
	# not root: a file-size limit stands in for the full disk
	( ulimit -f 256; exec env -u DATABASE_URL "$RETORT" -d "$P" backup ) >"$T/out" 2>"$T/err"; rc=$?
fi
is "a backup onto a full file system exits 1" "$rc" 1
like "... with one clear line first" "$(head -1 "$T/err")" "^retort: .*(No space left on device|could not write|File size limit|pg_dump)"
is "... and leaves no dump" "$(ls "$FULL/backups" 2>/dev/null | grep -c '\.dump$')" 0
is "... nor a sidecar or temporary file" "$(ls -A "$FULL/backups" 2>/dev/null | wc -l)" 0
done_testing
