#!/usr/bin/env bash
# Declining a confirmation changes nothing: d then n, d then Escape, u then n.
. "$RT_SRCDIR/tests/lib/tap.sh"
. "$RT_SRCDIR/tests/lib/pg.sh"
. "$RT_SRCDIR/tests/console/lib.sh"
setup_sample
console_start_sample
check "the console draws its panes" wait_until 15 drawn
DECLINED='not confirmed|[Cc]ancell?ed'
nhist() { psqlc "SELECT count(*) FROM retort_history"; }
h0=$(nhist)

keys d
check "d asks for confirmation" wait_for "$CONFIRM_RE" 10
answer n
check "n: the prompt goes away" wait_gone "$CONFIRM_RE" 5
check "n: the message says so" wait_for "$DECLINED" 5
is "n: alembic_version unchanged" "$(version)" "$HEAD"

keys d
check "d asks again" wait_for "$CONFIRM_RE" 10
answer Escape
check "Escape: the prompt goes away" wait_gone "$CONFIRM_RE" 5
check "Escape: the message says so" wait_for "$DECLINED" 5
check "Escape: the console is still running" wait_until 1 drawn
is "Escape: alembic_version unchanged" "$(version)" "$HEAD"

keys d
check "d asks once more" wait_for "$CONFIRM_RE" 10
answer Enter
check "Enter (the default is No): the prompt goes away" wait_gone "$CONFIRM_RE" 5
check "Enter: the message says so" wait_for "$DECLINED" 5
is "Enter: alembic_version unchanged" "$(version)" "$HEAD"

# From one step down, declining u keeps it there.
keys d
check "d asks for confirmation" wait_for "$CONFIRM_RE" 10
answer y
check "d, y: one step down" wait_for "[Dd]owngraded to $(rev7 f240f187b0b4)" 30
check "... in the database" wait_until 5 version_is f240f187b0b4
keys Home u
check "u asks for confirmation" wait_for "$CONFIRM_RE" 10
answer n
check "u, n: the prompt goes away" wait_gone "$CONFIRM_RE" 5
is "u, n: alembic_version unchanged" "$(version)" f240f187b0b4
is "retort current unchanged" "$(R current | cut -d' ' -f1)" f240f187b0b4
is "retort_history: only the one confirmed step" "$(nhist)" "$((h0 + 1))"
done_testing
