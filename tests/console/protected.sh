#!/usr/bin/env bash
# A protected env: an action asks for the database name to be typed; a wrong
# name (or a bare y) is refused and changes nothing; the right one runs.
# The URL's password never shows.
. "$RT_SRCDIR/tests/lib/tap.sh"
. "$RT_SRCDIR/tests/lib/pg.sh"
. "$RT_SRCDIR/tests/console/lib.sh"
setup_sample
# The server trusts local connections, so the password is never checked.
cat >"$T/proj/migrations/retort.conf" <<CONF
[env prod]
url = postgresql://postgres:s3cr3t@/app?host=$PGSOCK
protected = true
CONF
console_start -d "$T/proj/migrations" -e prod ui
check "the console draws its panes" wait_until 15 drawn
check "the status line names the env prod" wait_for 'env:? *prod' 5
unlike "the password never shows" "$(screen)" 's3cr3t'
TYPE_RE='[Tt]ype the database name'

# refuse TEXT: d, TEXT, Enter is refused.
refuse() {
	keys d
	check "d asks for the database name ($1)" wait_for "$TYPE_RE" 10
	type "$1"
	keys Enter
	check "'$1' is refused: the prompt goes away" wait_gone "$TYPE_RE" 5
	check "'$1' is refused: not confirmed" wait_for 'not confirmed' 5
	is "'$1' is refused: alembic_version unchanged" "$(version)" "$HEAD"
}
refuse wrong
refuse y
refuse apps

keys d
check "d asks for the database name" wait_for "$TYPE_RE" 10
check "... naming it" wait_for "app" 1
type app
keys Enter
check "the right name downgrades one step" wait_for "[Dd]owngraded to $(rev7 f240f187b0b4)" 30
check "alembic_version holds f240f187b0b4" wait_until 5 version_is f240f187b0b4
is "retort current" "$(R current | cut -d' ' -f1)" f240f187b0b4
unlike "the password still never shows" "$(screen)" 's3cr3t'
done_testing
