# tests/hostile/cmdlines.sh - hostile command lines (sourced by tests/fault/hostile.sh).
# bad DESC REGEX ARGS...: retort ARGS must exit 2 with a one-line error
# matching REGEX and change nothing. -d and --url are added unless given.
bad "unknown command" "unknown command 'frobnicate'" frobnicate
bad "unknown command with a quote" "unknown command" "up'grade"
bad "--lock-timeout not a number" "--lock-timeout: expected seconds" upgrade --lock-timeout abc
bad "--lock-timeout negative" "--lock-timeout: expected seconds" upgrade --lock-timeout -5
bad "--lock-timeout huge" "--lock-timeout: expected seconds" upgrade --lock-timeout 1e308
bad "--lock-timeout missing argument" "--lock-timeout" upgrade --lock-timeout
bad "-d missing argument" "-d" current -d
bad "--format unknown" "--format: expected text, csv or json" current --format xml
bad "option that does not apply" "option --exact does not apply" upgrade --exact
bad "target with a newline" "bad target" upgrade $'r0001\nDROP TABLE users'
bad "target with invalid UTF-8" "" upgrade $'\xff\xfe'
bad "target with quotes and a semicolon" "" upgrade "'; DROP TABLE users; --"
bad "target of 100000 characters" "" upgrade "$(head -c 100000 /dev/zero | tr '\0' a)"
bad "downgrade by a huge relative step" "" downgrade -99999999999999999999
bad "upgrade by a huge relative step" "" upgrade +99999999999999999999
bad "upgrade by a negative relative step" "" upgrade +-1
bad "label@head with an injected label" "" upgrade "x'y@head"
bad "--sql with a path-like range" "" upgrade --sql ../../etc:passwd
bad "show a path" "" show ../../../etc/passwd
bad "revision id with a quote" "" revision -m x --rev-id "a'b"
bad "revision id with a slash" "" revision -m x --rev-id "../../evil"
bad "revision message with a newline" "" revision -m $'two\nlines' --rev-id newrev
bad "--env with a semicolon" "" current --env "a;b"
bad "--env path" "" current --env ../../x
bad "-d to a file" "" -d /etc/passwd current
bad "-d empty" "" -d "" current
bad "-d escaping upwards to nothing" "" -d "../../../../../../../../nonexistent/migrations" current
bad "target with a terminal escape" "bad target" upgrade $'\e[31mred'
bad "--lock-timeout inf" "--lock-timeout: expected seconds" upgrade --lock-timeout inf
