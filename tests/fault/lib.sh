# tests/fault/lib.sh - shared helpers of the fault tests (sourced after pg.sh, mig.sh).

P="$T/p"
R() { rt -d "$P" --url "$PGURL" "$@"; }
# Rbg ARGS...: R in the background as the retort process itself (exec, so
# that $! is retort's pid and a signal to it reaches retort, not a subshell).
Rbg() { (exec env -u DATABASE_URL "$RETORT" -d "$P" --url "$PGURL" "$@") & }

# slow_chain DIR N SLEEP: r0001..rN, each creating table tI with one row, then sleeping.
slow_chain() {
	local dir=$1 n=$2 s=$3 prev=none id
	for i in $(seq 1 "$n"); do
		id=$(printf 'r%04d' "$i")
		mig "$dir" "$id" "$prev" "create t$i" "CREATE TABLE t$i (id int);
INSERT INTO t$i VALUES ($i);
SELECT pg_sleep($s);" "DROP TABLE t$i;"
		prev=$id
	done
}

# now_ms: wall clock in milliseconds.
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# sleep_ms N
sleep_ms() { sleep "$(printf '%d.%03d' $(($1 / 1000)) $(($1 % 1000)))"; }

# hist_mark: the highest retort_history id so far (0 when the table does not exist).
hist_mark() {
	psqlc "SELECT CASE WHEN to_regclass('retort_history') IS NULL THEN 0
	       ELSE (xpath('/row/m/text()', query_to_xml('SELECT coalesce(max(id), 0) AS m FROM retort_history', false, true, '')))[1]::text::bigint END"
}

# snapshot MARK: one consistent read (a repeatable-read transaction) of
# "version|tables t<N> present, each with its one row|ok upgrades since MARK".
snapshot() {
	"$PG_BINDIR/psql" -qXAt -v ON_ERROR_STOP=1 -d app <<SQL
BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY;
SELECT
	  CASE WHEN to_regclass('alembic_version') IS NULL THEN '-'
	       ELSE coalesce((xpath('/row/v/text()', query_to_xml('SELECT string_agg(version_num, '' '') AS v FROM alembic_version', false, true, '')))[1]::text, '') END
	  || '|' ||
	  coalesce((SELECT string_agg(c.relname || ':' ||
	        (xpath('/row/n/text()', query_to_xml(format('SELECT count(*) AS n FROM public.%I WHERE id = %s', c.relname, substr(c.relname, 2)), false, true, '')))[1]::text,
	        ' ' ORDER BY substr(c.relname, 2)::int)
	     FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r'
	      AND c.relname ~ '^t[0-9]+\$'), '')
	  || '|' ||
	  CASE WHEN to_regclass('retort_history') IS NULL THEN ''
	       ELSE coalesce((xpath('/row/h/text()', query_to_xml('SELECT string_agg(revision, '' '' ORDER BY revision) AS h FROM retort_history WHERE outcome = ''ok'' AND direction = ''upgrade'' AND id > $1', false, true, '')))[1]::text, '') END;
COMMIT;
SQL
}

# expected K: the snapshot of a database where exactly r0001..rK are applied.
expected() {
	local k=$1 v t='' h='' i
	if [ "$k" -eq 0 ]; then v=''; else v=$(printf 'r%04d' "$k"); fi
	for i in $(seq 1 "$k"); do
		t="$t${t:+ }t$i:1"
		h="$h${h:+ }$(printf 'r%04d' "$i")"
	done
	echo "$v|$t|$h"
}

# level SNAPSHOT: the K the version table names (0 for none or no table).
level() {
	local v=${1%%|*}
	case $v in -|'') echo 0 ;; r[0-9][0-9][0-9][0-9]) echo $((10#${v#r})) ;; *) echo "?$v" ;; esac
}

# consistent MARK: "ok K" when the snapshot is exactly revisions 1..K, else the diff.
consistent() {
	local s k
	s=$(snapshot "$1")
	k=$(level "$s")
	case $k in \?*) echo "version table holds '$s'"; return ;; esac
	# before the version table exists, the setup may not have run: no tables either
	if [ "${s%%|*}" = - ] && [ "$s" = "-||" ]; then echo "ok 0"; return; fi
	if [ "$s" = "$(expected "$k")" ]; then echo "ok $k"; else echo "got $s want $(expected "$k")"; fi
}

# reset_db: drops every table of schema public (the version table and history too).
reset_db() {
	psqlc "DROP SCHEMA public CASCADE; CREATE SCHEMA public" 2>/dev/null
}

# no_sanitizer_report FILE...: true when no ASan/UBSan/LSan report is in the files.
no_sanitizer_report() {
	! grep -lE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$@" 2>/dev/null | grep -q .
}
