#!/usr/bin/env bash
# retort seed: the sample project's seeds at head (exact counts and values),
# every malformed file refused at its physical line with nothing loaded,
# sequences moved past the seeded ids, --clear, protected envs, and a
# cancelled big seed leaving nothing behind.
. "$RT_SRCDIR/tests/lib/tap.sh"
. "$RT_SRCDIR/tests/lib/pg.sh"
pg_start
copy_sample
P="$T/proj/migrations"
sample_envs "$P"
R() { rt -d "$P" "$@"; }
TABLES="users resume_templates resumes job_descriptions google_auth google_docs_exports"
counts() {
	psqlc "SELECT (SELECT count(*) FROM users) || ' ' || (SELECT count(*) FROM resume_templates) || ' ' ||
	  (SELECT count(*) FROM resumes) || ' ' || (SELECT count(*) FROM job_descriptions) || ' ' ||
	  (SELECT count(*) FROM google_auth) || ' ' || (SELECT count(*) FROM google_docs_exports)"
}
# every table's contents in one md5
fingerprint() {
	local t out=""
	for t in $TABLES; do
		out+=$(psqlc "SELECT md5(coalesce(string_agg(x::text, E'\n' ORDER BY x::text), '')) FROM $t x")
	done
	echo "$out"
}

check "upgrade head" R upgrade head
out=$(R seed 2>&1); rc=$?
is "seed exits 0" "$rc" 0
unlike "into empty tables: no warning" "$out" "already hold"
like "says how many rows" "$out" "seeded 152 rows into 6 tables"
like "names each file and its table" "$out" "users.csv: 32 rows into public.users"
is "exact counts, every table" "$(counts)" "32 6 51 39 12 12"
# values: JSON fields, NULL vs "", quoted commas, newlines, unicode
is "JSON parsed_resume" "$(psqlc "SELECT parsed_resume->>'name' FROM resumes WHERE user_id = 2 AND serial_number = 1")" "Jane Doe"
is "JSON nested in a template" "$(psqlc "SELECT style_config->'margins'->>'top' FROM resume_templates WHERE id = 4")" "0.75"
is "a JSON string with quotes" "$(psqlc "SELECT style_config->'header'->>'quote' FROM resume_templates WHERE id = 5")" 'Say "hello"'
is "an empty unquoted field is NULL" "$(psqlc "SELECT full_name IS NULL, phone IS NULL FROM users WHERE id = 3")" "t|t"
is "\"\" is an empty string" "$(psqlc "SELECT full_name = '' FROM users WHERE id = 7")" "t"
is "\"\" description vs NULL description" "$(psqlc "SELECT (SELECT description = '' FROM resume_templates WHERE id = 5) || ' ' || (SELECT description IS NULL FROM resume_templates WHERE id = 6)")" "true true"
is "a quoted comma" "$(psqlc "SELECT full_name FROM users WHERE id = 9")" "Zoë Schäfer, PhD"
is "an embedded newline" "$(psqlc "SELECT description FROM resume_templates WHERE id = 4")" "Publications, grants, teaching.
For CVs longer than two pages."
is "unicode" "$(psqlc "SELECT name FROM resume_templates WHERE id = 5")" "Creative “Bold”"
is "a backslash in JSON survives" "$(psqlc "SELECT parsed_resume->>'summary' LIKE '%backslashes ' || chr(92) || chr(92) || ' too.' FROM resumes WHERE user_id = 1 AND serial_number = 1")" "t"

# sequences continue after the seeded ids
check "next users insert does not collide" psqlc "INSERT INTO users (email, display_name) VALUES ('new@example.com', 'newbie')"
is "... it got id 33" "$(psqlc "SELECT id FROM users WHERE display_name = 'newbie'")" 33
check "next template insert does not collide" psqlc "INSERT INTO resume_templates (name) VALUES ('x')"
is "... id 7" "$(psqlc "SELECT max(id) FROM resume_templates")" 7
check "google_auth and exports too" psqlc "INSERT INTO google_auth (user_id, google_user_id, access_token) VALUES (33, 'g', 't');
  INSERT INTO google_docs_exports (user_id, resume_serial_number, google_doc_id) VALUES (1, 1, 'd')"
psqlc "DELETE FROM google_docs_exports WHERE google_doc_id = 'd'; DELETE FROM google_auth WHERE google_user_id = 'g';
  DELETE FROM users WHERE id = 33; DELETE FROM resume_templates WHERE id = 7"

# seeding again without --clear: duplicate keys, rolled back, named at a line
before=$(fingerprint)
out=$(R seed 2>&1); rc=$?
is "seeding twice fails (exit 1: a server error)" "$rc" 1
like "... warned first that the tables hold rows" "$out" "^retort: public\.[a-z_]+, .* already hold rows: the seed adds to them"
like "... names the first file and line 2 with the duplicate key" "$out" "seeds/(users|resume_templates).csv:2: duplicate key value violates unique constraint"
is "... every table unchanged" "$(fingerprint)" "$before"

# --clear empties and reloads: same contents, sequences restarted then moved
out=$(R seed --clear 2>&1); rc=$?
is "seed --clear exits 0" "$rc" 0
unlike "... with --clear: no warning" "$out" "already hold"
is "... same counts" "$(counts)" "32 6 51 39 12 12"
is "... the sequence is past the ids again" "$(psqlc "SELECT nextval('users_id_seq')")" 33
check "... and a protected env refuses --clear" bash -c "! env -u DATABASE_URL '$RETORT' -d '$P' -e production -y seed --clear 2>'$T/err'"
like "... exit message" "$(cat "$T/err")" "protected: seed --clear is refused"
env -u DATABASE_URL "$RETORT" -d "$P" -e production seed </dev/null >"$T/out" 2>&1; rc=$?
is "a protected env without a terminal or --yes: exit 2" "$rc" 2
like "... says how to confirm" "$(cat "$T/out")" "pass --yes --env production"

# ---------------------------------------------------------------------------
# Malformed files: refused at the physical line, exit 2, nothing loaded.
psqlc "TRUNCATE users, resume_templates RESTART IDENTITY CASCADE"
before=$(fingerprint)
bad() {   # bad NAME FILE CONTENT: a seeds dir with users.csv = CONTENT
	mkdir -p "$T/bad/$1"
	cp "$P/seeds/resume_templates.csv" "$T/bad/$1/"
	printf '%b' "$3" >"$T/bad/$1/$2"
}
expect_bad() {   # expect_bad NAME CODE REGEX
	local out rc
	out=$(R seed "$T/bad/$1" 2>&1); rc=$?
	is "$1: exit $2" "$rc" "$2"
	like "$1: file and physical line" "$out" "$3"
	is "$1: every table unchanged" "$(fingerprint)" "$before"
}
H='id,display_name,email\n'
bad missing_field users.csv "${H}1,a,a@x\n2,\"two\nlines\",b@x\n3,c\n"
expect_bad missing_field 2 "bad/missing_field/users.csv:5: 2 fields, the header has 3"
bad extra_field users.csv "${H}1,a,a@x\n2,b,b@x,extra\n"
expect_bad extra_field 2 "users.csv:3: 4 fields, the header has 3"
bad unterminated users.csv "${H}1,a,a@x\n2,\"b,b@x\n3,c,c@x\n"
expect_bad unterminated 2 "users.csv:3: unterminated quoted field"
bad unknown_header users.csv "id,display_name,email,nickname\n1,a,a@x,n\n"
expect_bad unknown_header 2 "users.csv:1: unknown column \"nickname\""
bad missing_column users.csv "id,display_name\n1,a\n"
expect_bad missing_column 2 "users.csv:1: missing column \"email\""
bad bad_utf8 users.csv "${H}1,a,a@x\n2,\"b\nc\",b@x\n3,\xff\xfe,c@x\n"
expect_bad bad_utf8 2 "users.csv:5: invalid UTF-8"
bad bad_quote users.csv "${H}1,\"a\"b,a@x\n"
expect_bad bad_quote 2 "users.csv:2: malformed quoting"
bad unknown_table nosuch.csv "a\n1\n"
expect_bad unknown_table 2 "nosuch.csv: no table public.nosuch|nosuch.csv: no table nosuch"
# a good file next to a bad one: the good one is not loaded either
bad good_then_bad users.csv "${H}1,a,a@x\n"
printf 'user_id,serial_number,parsed_resume\n1,1,"{}"\n1,2\n' >"$T/bad/good_then_bad/resumes.csv"
expect_bad good_then_bad 2 "resumes.csv:3: 2 fields, the header has 3"
# server-side errors: a type error (with COPY's line) and a foreign key (from its DETAIL)
bad bad_type users.csv "${H}1,a,a@x\n2,\"multi\nline\",b@x\nthree,c,c@x\n"
expect_bad bad_type 1 "users.csv:5: invalid input syntax for type integer"
bad bad_type2 users.csv "${H}1,a,a@x\n2,\"multi\nline\",b@x\n3,\"x\ny\",\"a@b\nwith a newline and a length past the varchar(120) limit of the email column: xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"\n"
expect_bad bad_type2 1 "users.csv:5: value too long for type character varying"
bad fk users.csv "${H}1,a,a@x\n2,b,b@x\n"
printf 'user_id,serial_number,parsed_resume\n1,1,"{""a"":\n1}"\n2,1,"{}"\n7,1,"{}"\n1,2,"{}"\n' >"$T/bad/fk/resumes.csv"
expect_bad fk 1 "resumes.csv:5: insert or update on table \"resumes\" violates foreign key constraint"
bad bad_json users.csv "${H}1,a,a@x\n"
printf 'user_id,serial_number,parsed_resume\n1,1,"{}"\n1,2,"{not json"\n' >"$T/bad/bad_json/resumes.csv"
expect_bad bad_json 1 "resumes.csv:3: invalid input syntax for type json"

# the order file: one table a line
mkdir -p "$T/ord"
printf 'id,name\n1,t\n' >"$T/ord/resume_templates.csv"
printf 'id,display_name,email\n1,a,a@x\n' >"$T/ord/users.csv"
printf '# templates first\nresume_templates\nnosuch\n' >"$T/ord/order"
out=$(R seed "$T/ord" 2>&1); rc=$?
is "an order file naming no seed file: exit 2" "$rc" 2
like "... at its line" "$out" "ord/order:3: nosuch: no seed file"
printf 'resume_templates\n' >"$T/ord/order"
out=$(R seed "$T/ord" 2>&1)
like "the order file decides the order" "$(printf '%s\n' "$out" | grep -n 'rows into' | paste -sd' ')" "1:.*resume_templates.csv.* 2:.*users.csv"
psqlc "TRUNCATE users, resume_templates RESTART IDENTITY CASCADE"

# ---------------------------------------------------------------------------
# A big seed cancelled with SIGINT: exit 130, nothing loaded.
mkdir -p "$T/big"
python3 - "$T/big/users.csv" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    f.write("id,display_name,email,full_name\n")
    for i in range(1, 600001):
        f.write('%d,user%d,user%d@example.com,"Name, %d with a long-ish padding text to make the file bigger"\n' % (i, i, i, i))
PY
env -u DATABASE_URL "$RETORT" -d "$P" seed "$T/big" >"$T/big.out" 2>&1 &
pid=$!
for _ in $(seq 200); do
	[ "$(psqlc "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'retort seed' AND query LIKE 'COPY%'")" = 1 ] && break
	sleep 0.05
done
sleep 0.3
kill -INT "$pid"
wait "$pid"; rc=$?
is "SIGINT during a big seed: exit 130" "$rc" 130
like "... says it was cancelled" "$(cat "$T/big.out")" "cancelled"
is "... nothing loaded" "$(psqlc "SELECT count(*) FROM users")" 0
out=$(R seed "$T/big" 2>&1); rc=$?
is "the big seed itself works" "$rc" 0
is "... 600000 rows" "$(psqlc "SELECT count(*) FROM users")" 600000

done_testing
