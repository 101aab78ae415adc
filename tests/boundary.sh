#!/usr/bin/env bash
# The engine/front-end boundary: front ends include only the engine's public
# rt_*.h headers, never libpq, libcsv or a private engine header.
. "$RT_SRCDIR/tests/lib/tap.sh"
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
cd "$RT_SRCDIR"
private=$(ls src/*.h | xargs -n1 basename | grep -v '^rt_' | grep -v '^cli.h$' | paste -sd'|')
# the CLI may include the console's entry point ui/ui_main.h and nothing else of ui/
front=$(ls src/main.c src/cli*.c ui/*.c ui/*.h 2>/dev/null)
bad=$(grep -nE "#include [<\"](libpq-fe.h|csv.h|ini.h|openssl/|($private))[>\"]" $front /dev/null || true)
is "front ends include no libpq/libcsv/inih/openssl or private engine header" "$bad" ""
curses=$(grep -nE '#include [<"](n?curses|ncursesw/|readline/)' src/*.c | grep -vE '^src/cli[^:]*\.c:' || true)
is "the engine includes no curses or readline" "$curses" ""
uinc=$(grep -nE '#include "[a-z_]+\.h"' src/main.c src/cli*.c | grep -vE '"(rt_[a-z_]+|cli|ui_main|config)\.h"' || true)
is "the CLI includes only rt_*.h, cli.h and ui_main.h" "$uinc" ""
libpq_ui=$(grep -nE '#include [<"](libpq-fe.h|rt_db_int.h|db_int.h)' ui/*.c ui/*.h 2>/dev/null || true)
is "the console never includes libpq" "$libpq_ui" ""
prints=$(grep -nE '\b(printf|puts|fprintf\(std(out|err)|exit)\(' $(ls src/*.c | grep -vE 'src/(main|cli[^/]*)\.c$') || true)
is "the engine never prints or exits" "$prints" ""
done_testing
