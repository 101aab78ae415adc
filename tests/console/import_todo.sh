#!/usr/bin/env bash
# The History pane marks a revision `import alembic` could not render (its
# file holds the "-- TODO retort import:" line) with T, and only that one.
. "$RT_SRCDIR/tests/lib/tap.sh"
. "$RT_SRCDIR/tests/lib/pg.sh"
. "$RT_SRCDIR/tests/console/lib.sh"
/usr/bin/python3 -c 'import alembic' 2>/dev/null || bail "python3-alembic is needed (scripts/deps installs it)"
pg_start
mkdir -p "$T/proj"
rt -d "$T/proj/migrations" import alembic "$RT_SRCDIR/tests/fixtures/alembic/flask" \
	--python /usr/bin/python3 -q 2>/dev/null || bail "import failed"
console_start -d "$T/proj/migrations" --url "$PGURL" ui

check "the console draws History" wait_for "1a0000000010" 15
check "the revision with a TODO is marked T" wait_for "T 1a0000000009 " 5
is "... and no other" "$(pane History | grep -c ' T 1a')" 1
keys q
check "q quits" wait_until 5 console_exited
done_testing
