#!/usr/bin/env bash
# retort status (issue 13 item 4): envs side by side - each one's revision,
# how far behind head, what is applied in one and not the other, checksums
# that disagree, and the command that brings each in line; an env that
# cannot be reached (dead socket, unset ${VAR}) is shown as such while the
# others are still read. Exit 0 when every reachable env is at head and
# clean, else 1.
. "$RT_SRCDIR/tests/lib/tap.sh"
. "$RT_SRCDIR/tests/lib/pg.sh"
pg_start
copy_sample
P="$T/proj/migrations"
"$PG_BINDIR/psql" -qX -d postgres -c "CREATE DATABASE app2" >/dev/null
URL2="postgresql://postgres@/app2?host=$PGSOCK"
cat >"$P/retort.conf" <<EOF2
[env dev]
url = $PGURL
default = true

[env staging]
url = $URL2

[env dead]
url = postgresql://postgres@/app?host=$T/nosock

[env unset]
url = \${RT_TEST_NO_SUCH_VAR}
EOF2
unset RT_TEST_NO_SUCH_VAR
S() { rt -d "$P" "$@"; }
counts() { echo "$(psqlc "SELECT count(*) FROM retort_history")/$(psqlc -d app2 "SELECT count(*) FROM retort_history")"; }

S -q -e dev upgrade head || bail "upgrade dev failed"
S -q -e staging upgrade 6b70e43fe85a || bail "upgrade staging failed"
before=$(counts)

S status >"$T/out" 2>"$T/err"; rc=$?
is "status: exit 1 when an env is behind" "$rc" 1
like "dev at head" "$(grep '^dev:' "$T/out")" "^dev: 8289ba23590a, at head \(postgresql://postgres@/app\?host="
like "staging behind, with the count" "$(grep '^staging:' "$T/out")" "^staging: 6b70e43fe85a, 9 behind head"
like "... what dev has that staging lacks" "$(cat "$T/out")" \
	"not applied here but in another env: .*3c2785439c5f.*8289ba23590a"
like "... and the command that brings it in line" "$(cat "$T/out")" \
	"to bring in line: retort -e staging upgrade head"
unlike "dev needs no command" "$(sed -n '/^dev:/,/^[a-z]*:/p' "$T/out" | sed 1d | grep -v '^[a-z]')" "to bring in line"
like "the dead socket: unreachable, shown as such" "$(grep '^dead:' "$T/out")" "^dead: unreachable: "
like "the unset variable: unreachable, naming it" "$(grep '^unset:' "$T/out")" "^unset: unreachable: .*RT_TEST_NO_SUCH_VAR"
is "status wrote nothing" "$(counts)" "$before"

S status --env dev --env dead >"$T/out" 2>"$T/err"; rc=$?
is "--env dev --env dead: exit 0 (the reachable env is in line)" "$rc" 0
is "... two envs shown, in the order asked" "$(cut -d: -f1 "$T/out" | paste -sd' ')" "dev dead"
like "... dev still printed" "$(cat "$T/out")" "^dev: 8289ba23590a, at head"

S status -e nosuch >"$T/out" 2>"$T/err"; rc=$?
is "an unknown env: exit 2" "$rc" 2

# the same revision applied from different files in two envs
psqlc -d app2 "UPDATE retort_history SET checksum = repeat('a', 64) WHERE revision = '6ab519d54207' AND direction = 'upgrade'" >/dev/null
S status -e dev -e staging >"$T/out" 2>"$T/err"
like "a checksum disagreement is named" "$(cat "$T/out")" \
	"checksum differs: 6ab519d54207: here [0-9a-f]{12}, staging aaaaaaaaaaaa"
like "... and staging's own file differs from its history" "$(sed -n '/^staging:/,$p' "$T/out")" \
	"edited since applied: 6ab519d54207"

S status -e dev -e staging --format json >"$T/json" 2>"$T/err"; rc=$?
is "--format json: exit 1 as well" "$rc" 1
jq() { python3 -c "import json,sys; d=json.load(open('$T/json')); print($1)"; }
is "... one object per env" "$(jq "[e['env'] for e in d]")" "['dev', 'staging']"
is "... revision and pending" "$(jq "[(e['revision'], e['pending']) for e in d]")" \
	"[('8289ba23590a', 0), ('6b70e43fe85a', 9)]"
is "... the command" "$(jq "d[1]['command']")" "retort -e staging check --accept 6ab519d54207 --reason TEXT"
S status -e dead --format json >"$T/json" 2>/dev/null
is "... unreachable: is_reachable false, revision null" "$(jq "(d[0]['is_reachable'], d[0]['revision'])")" "(False, None)"

# all in line: exit 0
S -q -e staging check --accept 6ab519d54207 --reason "test: the checksum was forged" >/dev/null 2>&1
S -q -e staging upgrade head || bail "upgrade staging failed"
S status -e dev -e staging >"$T/out" 2>"$T/err"; rc=$?
like "after the upgrade staging is at head" "$(grep '^staging:' "$T/out")" "^staging: 8289ba23590a, at head"
is "... and status exits 0" "$rc" 0
done_testing
