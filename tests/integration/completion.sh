#!/usr/bin/env bash
# The bash completion (data/bash-completion/retort) and what it asks of
# "retort __complete": commands, options the command takes, --format values,
# env names, revision ids; no errors, no database, nothing extra. Also that
# the usage lines name only options the option table gives their command.
. "$RT_SRCDIR/tests/lib/tap.sh"
set -u
T=$(mktemp -d /tmp/rt-test.XXXXXX)
trap 'rm -rf "$T"' EXIT
mkdir -p "$T/bin" "$T/proj"
ln -s "$RETORT" "$T/bin/retort"
PATH="$T/bin:$PATH"
cp -R "$RT_SRCDIR/migrations" "$T/proj/"
chmod -R u+w "$T/proj"
P="$T/proj/migrations"
# a server that is not there: completion must never try one
export DATABASE_URL="postgresql://nobody@/nodb?host=$T/nosock"
. "$RT_SRCDIR/data/bash-completion/retort"

# comp WORD...: completes the last word (give '' for an empty one) as bash
# would after TAB, and prints COMPREPLY one a line.
comp() {
	COMP_WORDS=(retort "$@")
	COMP_CWORD=$(($# ))
	COMPREPLY=()
	_retort 2>"$T/comp.err"
	[ ${#COMPREPLY[@]} -eq 0 ] || printf '%s\n' "${COMPREPLY[@]}"
}
# ncomp WORD...: how many candidates.
ncomp() {
	COMP_WORDS=(retort "$@")
	COMP_CWORD=$#
	COMPREPLY=()
	_retort 2>/dev/null
	echo ${#COMPREPLY[@]}
}

is "complete registers _retort for retort" "$(complete -p retort)" "complete -F _retort retort"
is "retort up<TAB>" "$(comp up)" "upgrade"
is "... exactly one candidate, nothing trailing" "$(ncomp up)" 1
is "... and no stderr" "$(cat "$T/comp.err")" ""
is "retort upgrade --dr<TAB>" "$(comp upgrade --dr)" "--dry-run"
is "retort history --dr<TAB>: not an option of history" "$(comp history --dr)" ""
is "... zero candidates" "$(ncomp history --dr)" 0
is "retort history --i<TAB> offers history's options" "$(comp history --i)" "--indicate-current"
is "retort --dr<TAB> before a command: only global options" "$(comp --dr)" ""
is "retort --ver<TAB>" "$(comp --ver)" "--verbose
--version"
is "retort -e<TAB> completes the short option" "$(comp -e)" "-e"
is "retort s<TAB>" "$(comp s | sort | paste -sd' ')" "sandbox schema seed show stamp status"
unlike "the hidden __complete is not a command" "$(comp '')" "__complete"
is "every command is offered" "$(comp '' | wc -l)" \
	"$(retort --help | sed -n '/^Commands:/,/^$/p' | grep -c '^  [a-z]')"
is "retort --format <TAB>" "$(comp --format '' | paste -sd' ')" "text csv json"
is "retort history --format c<TAB>" "$(comp history --format c)" "csv"
is "retort lint --format <TAB>: sarif, no csv (lint's formats)" "$(comp lint --format '' | paste -sd' ')" "text json sarif"
is "__complete --format=j keeps the option in the word" "$(retort __complete --format=j)" "--format=json"
is "retort sandbox st<TAB>" "$(comp sandbox st | paste -sd' ')" "start stop status"

cd "$T/proj"
is "retort -e <TAB>: the envs of ./migrations/retort.conf" "$(comp -e '' | paste -sd' ')" "dev production"
is "retort --env p<TAB>" "$(comp --env p)" "production"
cd "$T"
is "retort -d DIR -e <TAB>: the envs of DIR" "$(comp -d "$P" -e '' | paste -sd' ')" "dev production"
is "retort --directory=DIR upgrade -e d<TAB>" "$(comp --directory="$P" upgrade -e d)" "dev"
is "no project here: no envs, no errors" "$(comp -e '')" ""
is "... nothing on stderr" "$(cat "$T/comp.err")" ""

is "retort upgrade 6b<TAB>" "$(comp -d "$P" upgrade 6b)" "6b70e43fe85a"
is "... exactly one candidate" "$(ncomp -d "$P" upgrade 6b)" 1
is "retort downgrade 6b<TAB>" "$(comp -d "$P" downgrade 6b)" "6b70e43fe85a"
is "retort stamp ba<TAB>" "$(comp -d "$P" stamp ba)" "base"
is "retort show 8289<TAB>" "$(comp -d "$P" show 8289)" "8289ba23590a"
is "retort upgrade 6b70e43fe85a <TAB>: one target only" "$(comp -d "$P" upgrade 6b70e43fe85a '')" ""
is "retort merge A 6b<TAB>: any number of revisions" \
	"$(comp -d "$P" merge -m x 8289ba23590a 6b)" "6b70e43fe85a"
is "retort revision --head 6b<TAB>" "$(comp -d "$P" revision --head 6b)" "6b70e43fe85a"
is "retort history -r 6b<TAB>" "$(comp -d "$P" history -r 6b)" "6b70e43fe85a"
is "__complete history -r A:82 completes after the colon" \
	"$(retort __complete -d "$P" history -r 6b70e43fe85a:82)" "6b70e43fe85a:8289ba23590a"
like "labels and label@head are targets" "$(comp -d "$P" upgrade '')" "@head"
is "every revision is offered" "$(comp -d "$P" upgrade '' | grep -cE '^[0-9a-f]{12}$')" \
	"$(ls "$P"/versions/*.sql | wc -l)"
is "retort downgrade -1 <TAB>: a relative target is an argument" "$(comp -d "$P" downgrade -1 '')" ""
is "retort -m -1 rev<TAB>: -1 is -m's argument" "$(comp -m -1 rev)" "revision"
is "retort upgrade --lock-timeout <TAB>: seconds, nothing to offer" "$(comp upgrade --lock-timeout '')" ""
retort __complete restore '' >/dev/null 2>&1; is "restore FILE asks the shell for file names" "$?" 3
retort __complete -d '' >/dev/null 2>&1; is "-d DIR asks for directory names" "$?" 4
touch "$T/backup.dump"
is "retort restore ba<TAB> completes a file" "$(comp restore ba)" "backup.dump"

printf '[retort\n' >"$P/retort.conf"
is "a broken retort.conf: no envs" "$(comp -d "$P" -e '')" ""
is "... and no errors" "$(retort __complete -d "$P" -e '' 2>&1)" ""
rm "$P/retort.conf"
is "no retort.conf: revisions still come" "$(comp -d "$P" upgrade 6b)" "6b70e43fe85a"
echo 'not a migration' >"$P/versions/zz_broken.sql"
is "a broken revision file: no revisions, no errors" \
	"$(retort __complete -d "$P" upgrade 6b 2>&1)" ""
rm "$P/versions/zz_broken.sql"

# The usage lines are written by hand; each option they name must be one the
# table gives that command (or a global one), or parsing would refuse it.
for cmd in $(comp ''); do
	opts=$(retort __complete "$cmd" --)
	bad=""
	for o in $(retort "$cmd" --help | head -1 | grep -oE -- '--[a-z-]+|[[ ]-[a-z]' | tr -d '[ '); do
		case $o in
		--*) printf '%s\n' "$opts" | grep -qx -- "$o" || bad="$bad $o" ;;
		*) [ "$(retort __complete "$cmd" "$o")" = "$o" ] || bad="$bad $o" ;;
		esac
	done
	is "usage of $cmd names only its options" "$bad" ""
done
like "upgrade --help lists its options with help" "$(retort upgrade --help)" "--dry-run +run in one transaction"
like "history --help lists -r" "$(retort history --help)" "-r, --rev-range RANGE"
unlike "history --help does not list --sql" "$(retort history --help)" "--sql"
like "--help lists the global options" "$(retort --help)" "-d, --directory DIR   migrations directory"
done_testing
