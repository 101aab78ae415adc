#!/usr/bin/env bash
# valgrind's memcheck on the CLI commands the integration suite uses, on the
# sample project against a real server: no errors, nothing definitely or
# indirectly lost.
. "$RT_SRCDIR/tests/lib/tap.sh"
. "$RT_SRCDIR/tests/lib/pg.sh"
command -v valgrind >/dev/null || bail "valgrind is needed (scripts/deps installs it)"
# the sanitizer build cannot run under valgrind
if nm "$RETORT" 2>/dev/null | grep -q __asan_init; then
	echo "1..0 # SKIP the ASan build cannot run under valgrind"
	exit 0
fi
pg_start
copy_sample
P="$T/proj/migrations"
vg() {
	local name=$1; shift
	env -u DATABASE_URL valgrind --tool=memcheck --error-exitcode=99 --leak-check=full \
		--errors-for-leak-kinds=definite,indirect --log-file="$T/vg.$name.log" \
		"$RETORT" -d "$P" --url "$PGURL" "$@" >"$T/vg.$name.out" 2>&1
	local rc=$?
	is "valgrind: $* (exit $rc)" "$(grep -E 'ERROR SUMMARY' "$T/vg.$name.log" | sed 's/==[0-9]*== //; s/ from .*//')" "ERROR SUMMARY: 0 errors"
	[ "$rc" != 99 ] || sed 's/^/# /' "$T/vg.$name.log" | head -40
}
vg history history
vg history_fmt history --format json
vg heads heads
vg branches branches
vg show show 8289
vg sql upgrade --sql
vg upgrade upgrade head
vg current current -v
vg history_i history -i
vg counts counts --exact --format csv
vg downgrade downgrade -1
vg stamp stamp head
vg bad_target upgrade nosuchrevision
vg revision revision -m "valgrind check" --rev-id 00000000dead
done_testing
