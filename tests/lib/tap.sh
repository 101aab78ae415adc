# tests/lib/tap.sh - TAP output for shell tests (sourced).
# ok COND_DESC: use   check "description" command...   or   is "desc" got want
_tap_n=0
_tap_failed=0

# check DESC CMD...: runs CMD, passes when it exits 0.
check() {
	local desc=$1; shift
	_tap_n=$((_tap_n + 1))
	if "$@" >"$T/check.out" 2>&1; then
		echo "ok $_tap_n - $desc"
	else
		echo "not ok $_tap_n - $desc"
		sed 's/^/# /' "$T/check.out" | head -40
		_tap_failed=$((_tap_failed + 1))
	fi
}

# is DESC GOT WANT: string equality.
is() {
	_tap_n=$((_tap_n + 1))
	if [ "$2" = "$3" ]; then
		echo "ok $_tap_n - $1"
	else
		echo "not ok $_tap_n - $1"
		printf '# got:  %s\n# want: %s\n' "$2" "$3" | head -40
		_tap_failed=$((_tap_failed + 1))
	fi
}

# like DESC GOT REGEX: extended-regex match.
like() {
	_tap_n=$((_tap_n + 1))
	if printf '%s' "$2" | grep -Eq -- "$3"; then
		echo "ok $_tap_n - $1"
	else
		echo "not ok $_tap_n - $1"
		printf '# got:  %s\n# want /%s/\n' "$2" "$3" | head -40
		_tap_failed=$((_tap_failed + 1))
	fi
}

# unlike DESC GOT REGEX: must not match.
unlike() {
	_tap_n=$((_tap_n + 1))
	if printf '%s' "$2" | grep -Eq -- "$3"; then
		echo "not ok $_tap_n - $1"
		printf '# got:  %s\n# must not match /%s/\n' "$2" "$3" | head -40
		_tap_failed=$((_tap_failed + 1))
	else
		echo "ok $_tap_n - $1"
	fi
}

done_testing() {
	echo "1..$_tap_n"
	[ "$_tap_failed" -eq 0 ]
}

# bail MSG: abort the whole script (TAP Bail out!).
bail() {
	echo "Bail out! $*"
	exit 1
}

# skip WHY N: N tests that cannot run here, reported as skipped.
skip() {
	local n=$2
	while [ "$n" -gt 0 ]; do
		_tap_n=$((_tap_n + 1))
		echo "ok $_tap_n # SKIP $1"
		n=$((n - 1))
	done
}
