#!/usr/bin/env bash
# Alembic compatibility: the same steps run by retort and by Alembic 1.8 (on
# a mirror of the sample project's graph) leave identical alembic_version
# rows; Alembic reads a retort-managed database; retort takes over an
# Alembic-managed one.
. "$RT_SRCDIR/tests/lib/tap.sh"
. "$RT_SRCDIR/tests/lib/pg.sh"
pg_start
copy_sample
P="$T/proj/migrations"
psqlc -d postgres "CREATE DATABASE alem" >/dev/null
/usr/bin/python3 -c 'import alembic, psycopg2' 2>/dev/null || bail "python3-alembic and python3-psycopg2 are needed (scripts/deps installs them)"
/usr/bin/python3 "$RT_SRCDIR/tests/lib/alembic_mirror.py" "$P/versions" "$T/alembic" \
	"postgresql+psycopg2://postgres@/alem?host=$PGSOCK"
A() { /usr/bin/python3 -m alembic -c "$T/alembic/alembic.ini" "$@"; }
AR() { A -x "url=postgresql+psycopg2://postgres@/app?host=$PGSOCK" "$@"; }   # Alembic on retort's database
R() { rt -d "$P" --url "$PGURL" -q "$@"; }
rows() { psqlc -d "$1" "SELECT coalesce(string_agg(version_num, ' ' ORDER BY version_num), '') FROM alembic_version"; }

# step DESC CMD TARGET: run CMD TARGET with both tools, compare the rows
step() {
	local desc=$1 cmd=$2 target=$3
	A "$cmd" "$target" >"$T/alembic.out" 2>&1 || { cat "$T/alembic.out" >&2; }
	R "$cmd" "$target" 2>&1
	is "$desc: retort's rows equal Alembic's" "$(rows app)" "$(rows alem)"
}

step "upgrade to the branch point" upgrade 6b70e43fe85a
step "upgrade one branch" upgrade b12209810ecc
step "upgrade the other branch too (two heads)" upgrade 3c2785439c5f
like "... there are two rows" "$(rows app)" "^3c2785439c5f b12209810ecc$"
step "upgrade the google branch by label" upgrade google@head
step "upgrade heads through the merge" upgrade heads
step "downgrade to a revision" downgrade 4d68eb8716bd
step "downgrade -1 to the merge" downgrade -1
# One step down from a merge: Alembic refuses ("Ambiguous walk"); retort
# unapplies the merge revision, which leaves both parents, the rows Alembic
# itself writes when it downgrades a merge by an explicit target.
A downgrade -1 >"$T/alembic.out" 2>&1
like "Alembic refuses -1 from a merge" "$(cat "$T/alembic.out")" "Ambiguous walk"
R downgrade -1
is "retort's -1 from a merge leaves both parents" "$(rows app)" "a6c9fa37834d bd06c0c5103e"
A downgrade a6c9fa37834d >/dev/null 2>&1 || A downgrade a6c9fa37834d
is "... as Alembic's downgrade of the merge to one parent does" "$(rows alem)" "a6c9fa37834d bd06c0c5103e"
step "downgrade one branch by id" downgrade b12209810ecc
step "upgrade head again" upgrade head
step "downgrade base" downgrade base
step "stamp heads" stamp heads
step "stamp a middle revision" stamp 2733b3fe03af

# Alembic reads what retort wrote
R stamp base
R upgrade head
like "alembic current on a retort database" "$(AR current 2>&1)" "8289ba23590a \(head\)"
AR upgrade heads >"$T/a.out" 2>&1; is "alembic upgrade heads on it has nothing to do" "$?|$(grep -c 'Running upgrade' "$T/a.out")" "0|0"
R downgrade -1
like "alembic current after a retort downgrade" "$(AR current 2>&1)" "^f240f187b0b4"

# retort reads what Alembic wrote
A upgrade heads >/dev/null 2>&1
is "retort current on an Alembic database" "$(rt -d "$P" --url "postgresql://postgres@/alem?host=$PGSOCK" current)" "8289ba23590a (head)"
done_testing
