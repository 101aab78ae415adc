# tests/lib/mig.sh - write small migration projects inside a test (sourced).

# mig DIR ID PARENTS MESSAGE UPGRADE DOWNGRADE [EXTRA HEADER LINES]
mig() {
	local dir=$1 id=$2 parents=$3 msg=$4 up=$5 down=$6 extra=${7:-}
	mkdir -p "$dir/versions"
	rm -f "$dir/versions/${id}_"*.sql   # rewriting a revision replaces its file
	{
		echo "-- retort:revision $id"
		echo "-- retort:down_revision $parents"
		echo "-- retort:message $msg"
		echo "-- retort:created 2025-10-24T10:00:00Z"
		[ -n "$extra" ] && printf '%s\n' "$extra"
		echo
		echo "-- retort:upgrade"
		printf '%s\n' "$up"
		echo
		echo "-- retort:downgrade"
		printf '%s\n' "$down"
	} >"$dir/versions/${id}_$(echo "$msg" | tr ' ' _).sql"
}

# chain DIR N: a linear chain r0001..rN, each creating table tN.
chain() {
	local dir=$1 n=$2 prev=none id
	for i in $(seq 1 "$n"); do
		id=$(printf 'r%04d' "$i")
		mig "$dir" "$id" "$prev" "create t$i" "CREATE TABLE t$i (id int);
INSERT INTO t$i VALUES ($i);" "DROP TABLE t$i;"
		prev=$id
	done
}
