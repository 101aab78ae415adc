#!/usr/bin/env bash
# The server's warnings during a migration are always shown, its notices
# with -v, each with its revision and after the revision's progress line;
# retort's own bookkeeping (CREATE TABLE IF NOT EXISTS ...) says nothing.
. "$RT_SRCDIR/tests/lib/tap.sh"
. "$RT_SRCDIR/tests/lib/pg.sh"
. "$RT_SRCDIR/tests/lib/mig.sh"
pg_start
P="$T/p"
R() { rt -d "$P" --url "$PGURL" "$@"; }
long=$(printf 'x%.0s' $(seq 70))
mig "$P" w1 none "warns" "DO \$\$ BEGIN RAISE WARNING 'careful: %', 42; RAISE NOTICE 'just so you know'; END \$\$;
CREATE TABLE $long (id int);" "DROP TABLE ${long:0:63};"
mig "$P" w2 w1 "notx warns" "DO \$\$ BEGIN RAISE WARNING 'outside a transaction'; END \$\$;" "SELECT 1;" "-- retort:transaction off"
R upgrade >"$T/out" 2>"$T/err"; rc=$?
is "an upgrade whose statements raise warnings succeeds" "$rc" 0
like "a warning is shown with its revision" "$(cat "$T/err")" "^retort: w1: WARNING: careful: 42$"
like "... in a transaction-off revision as well" "$(cat "$T/err")" "retort: w2: WARNING: outside a transaction"
unlike "notices are not shown without -v" "$(cat "$T/err")" "just so you know"
unlike "retort's own bookkeeping raises nothing" "$(cat "$T/err")" "already exists, skipping"
like "the progress line stays whole" "$(cat "$T/out")" "\[1/2\] upgrade   w1  warns \.\.\. ok \([0-9]+ ms\)"
R -q downgrade base
R -v upgrade >"$T/out" 2>"$T/err"
like "with -v the notices are shown too" "$(cat "$T/err")" "retort: w1: NOTICE: just so you know"
like "... the server's own among them (an identifier truncated)" "$(cat "$T/err")" "retort: w1: NOTICE: identifier \"x+\" will be truncated to \"x+\""
done_testing
