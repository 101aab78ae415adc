#!/usr/bin/env bash
# The engine/front-end boundary: front ends include only the engine's public
# rt_*.h headers, never libpq, libcsv or a private engine header.
. "$RT_SRCDIR/tests/lib/tap.sh"
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
cd "$RT_SRCDIR"
private=$(ls src/*.h | xargs -n1 basename | grep -v '^rt_' | grep -v '^cli.h$' | paste -sd'|')
front=$(ls src/main.c src/cli*.c ui/*.c ui/*.h 2>/dev/null)
bad=$(grep -nE "#include [<\"](libpq-fe.h|csv.h|ini.h|openssl/|($private))[>\"]" $front /dev/null || true)
is "front ends include no libpq/libcsv/inih/openssl or private engine header" "$bad" ""
curses=$(grep -nE '#include [<"](n?curses|ncursesw/|readline/)' src/*.c | grep -vE '^src/cli[^:]*\.c:' || true)
is "the engine includes no curses or readline" "$curses" ""
prints=$(grep -nE '\b(printf|puts|fprintf\(std(out|err)|exit)\(' $(ls src/*.c | grep -vE 'src/(main|cli[^/]*)\.c$') || true)
is "the engine never prints or exits" "$prints" ""
done_testing
