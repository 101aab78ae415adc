#!/bin/bash
# tests/integration/sample_walk.sh - the sample project (migrations/), walked
# up revision by revision on an empty database, with data inserted along the
# way, then down one step at a time to base and up to head again.
#
# After every step: alembic_version and `retort current` name the expected
# revisions, the schema fingerprint is the one recorded for that state, and
# specific catalog facts and data hold (composite keys, the status backfill,
# the concurrent index, the username/display_name rename and the
# template -> template_id foreign key round-tripping their data).
#
# The history (see migrations/versions/):
#   6ee1c5ab22d4 users -> 6ab519d54207 resume_templates
#   -> 07c2756f9194 resumes, job_descriptions -> 6b70e43fe85a users.phone
#   -> branch "google": b12209810ecc google_auth -> a6c9fa37834d google_docs_exports
#   -> branch status:   3c2785439c5f status (nullable) -> bd06c0c5103e backfill, NOT NULL
#   -> a003f1a5e3fc merge -> 4d68eb8716bd idx_users_phone (transaction off)
#   -> 2733b3fe03af full_name -> f240f187b0b4 username -> display_name
#   -> 8289ba23590a template -> template_id FK (head)
. "$RT_SRCDIR/tests/lib/tap.sh"
. "$RT_SRCDIR/tests/lib/pg.sh"
pg_start
copy_sample

P="$T/proj/migrations"

R_USERS=6ee1c5ab22d4
R_TEMPLATES=6ab519d54207
R_RESUMES=07c2756f9194
R_PHONE=6b70e43fe85a
R_GAUTH=b12209810ecc
R_GDOCS=a6c9fa37834d
R_STATUS=3c2785439c5f
R_BACKFILL=bd06c0c5103e
R_MERGE=a003f1a5e3fc
R_INDEX=4d68eb8716bd
R_FULLNAME=2733b3fe03af
R_RENAME=f240f187b0b4
R_TEMPLATE_FK=8289ba23590a
HEAD=$R_TEMPLATE_FK
NREV=13

# rta ARGS: retort on the sample project and the test database.
rta() { rt -d "$P" --url "$PGURL" "$@"; }

# state: the rows of alembic_version, sorted, space-separated.
state() {
	psqlc "SELECT coalesce(string_agg(version_num, ' ' ORDER BY version_num), '') FROM alembic_version" 2>/dev/null
}
# current_ids: the first word of each line `retort current` prints, sorted.
current_ids() {
	rta current 2>/dev/null | awk 'NF { print $1 }' | sort | paste -sd' ' -
}
# colinfo TABLE COLUMN: "type null|not null [default EXPR]", empty when absent.
colinfo() {
	psqlc "SELECT format_type(a.atttypid, a.atttypmod)
	              || CASE WHEN a.attnotnull THEN ' not null' ELSE ' null' END
	              || coalesce(' default ' || pg_get_expr(d.adbin, d.adrelid), '')
	         FROM pg_attribute a
	         LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
	        WHERE a.attrelid = to_regclass('public.$1') AND a.attname = '$2'
	          AND a.attnum > 0 AND NOT a.attisdropped"
}
# condef TABLE NAME: the constraint's definition, empty when absent.
condef() {
	psqlc "SELECT pg_get_constraintdef(oid) FROM pg_constraint
	        WHERE conrelid = to_regclass('public.$1') AND conname = '$2'"
}
# idxdef NAME: the index's definition, empty when absent.
idxdef() {
	psqlc "SELECT indexdef FROM pg_indexes WHERE schemaname = 'public' AND indexname = '$1'"
}
# user_relations: tables, views and sequences in public other than retort's own.
user_relations() {
	psqlc "SELECT coalesce(string_agg(relname, ' ' ORDER BY relname), '') FROM pg_class
	        WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
	          AND relname <> 'alembic_version' AND relname NOT LIKE 'retort\_history%'"
}
# fingerprint_of DB: schema_fingerprint of another database of this server.
fingerprint_of() {
	local db=$1
	(
		psqlc() { "$PG_BINDIR/psql" -qXAt -v ON_ERROR_STOP=1 -d "$db" -c "$1"; }
		schema_fingerprint
	)
}
# fails CMD...: succeeds when CMD fails.
fails() { ! "$@"; }
# without_bookkeeping: a fingerprint minus alembic_version and retort_history.
without_bookkeeping() {
	grep -Ev '^(col (alembic_version|retort_history[a-z_]*)\.|con (alembic_version|retort_history[a-z_]*) |idx .* ON public\.(alembic_version|retort_history[a-z_]*) )'
}

# The graph, read from the headers: PARENTS[rev] = "p1 p2 ...".
declare -A PARENTS
for f in "$P"/versions/*.sql; do
	r=$(awk '/^-- retort:revision /{ print $3; exit }' "$f")
	p=$(awk '/^-- retort:down_revision /{ $1 = ""; $2 = ""; sub(/^ +/, ""); print; exit }' "$f")
	[ "$p" = none ] && p=
	PARENTS[$r]=$p
done
is "the sample has $NREV revisions" "${#PARENTS[@]}" "$NREV"
# applied_set HEADS...: the revisions applied when HEADS are the heads, one a line.
applied_set() {
	local r
	for r in "$@"; do
		echo "$r"
		[ -n "${PARENTS[$r]-}" ] && applied_set ${PARENTS[$r]}
	done | sort -u
}

# FP[state] = the schema fingerprint recorded for that alembic_version state.
declare -A FP

# up LABEL WANT_STATE ARGS...: `retort upgrade ARGS`, then the state must be
# WANT_STATE; records its fingerprint. SAME=1 means the schema must not change.
up() {
	local want=$1; shift
	local before after
	before=$(schema_fingerprint)
	check "upgrade $*" rta upgrade "$@"
	is "alembic_version after upgrade $*" "$(state)" "$want"
	is "current after upgrade $*" "$(current_ids)" "$want"
	after=$(schema_fingerprint)
	if [ "${SAME:-0}" = 1 ]; then
		is "upgrade $* leaves the schema as it was" "$after" "$before"
	else
		check "upgrade $* changes the schema" test "$after" != "$before"
	fi
	FP[$want]=$after
}

# ref_fingerprint STATE: the fingerprint of STATE reached by upgrades alone,
# in a scratch database (for states the way up did not pass through, when a
# downgrade from two heads picks the other branch first).
ref_fingerprint() {
	local h url="postgresql://postgres@/ref?host=$PGSOCK"
	psqlc -d postgres "DROP DATABASE IF EXISTS ref" >/dev/null 2>&1
	psqlc -d postgres "CREATE DATABASE ref" >/dev/null
	for h in $1; do
		rt -d "$P" --url "$url" upgrade "$h" >/dev/null 2>&1 || echo "# upgrade $h on ref failed" >&2
	done
	fingerprint_of ref
}

# ---------------------------------------------------------------------------
# Up, one revision at a time.

is "empty database: no tables" "$(user_relations)" ""

up "$R_USERS" +1
like "users.id serial" "$(colinfo users id)" "^integer not null default nextval"
is "users.email varchar(120) not null" "$(colinfo users email)" "character varying(120) not null"
is "users.email unique" "$(condef users users_email_key)" "UNIQUE (email)"
is "users.username unique" "$(condef users users_username_key)" "UNIQUE (username)"
is "users.created_at default now()" "$(colinfo users created_at)" "timestamp with time zone not null default now()"
psqlc "INSERT INTO users (username, email, first_name, last_name) VALUES
	('alice', 'alice@example.com', 'Alice', 'Smith'),
	('bob', 'bob@example.com', 'Bob', NULL),
	('carol', 'carol@example.com', NULL, NULL),
	('long', 'long@example.com', repeat('F', 50), repeat('L', 50))"
check "a duplicate email is refused" fails psqlc "INSERT INTO users (username, email) VALUES ('dup', 'alice@example.com')"

up "$R_TEMPLATES" +1
is "resume_templates.legacy_template_number unique" \
	"$(condef resume_templates resume_templates_legacy_template_number_key)" "UNIQUE (legacy_template_number)"
is "resume_templates.style_config json default" "$(colinfo resume_templates style_config)" "json null default '{}'::json"
# Ids deliberately differ from the legacy numbers: Modern is id 1, number 2.
psqlc "INSERT INTO resume_templates (name, legacy_template_number) VALUES
	('Modern', 2), ('Professional', 1), ('Minimal', NULL)"

up "$R_RESUMES" +1
is "resumes composite primary key" "$(condef resumes resumes_pkey)" "PRIMARY KEY (user_id, serial_number)"
is "job_descriptions composite primary key" "$(condef job_descriptions job_descriptions_pkey)" "PRIMARY KEY (user_id, serial_number)"
like "resumes.user_id references users" "$(condef resumes resumes_user_id_fkey)" "^FOREIGN KEY \(user_id\) REFERENCES users\(id\)"
like "job_descriptions.user_id references users" "$(condef job_descriptions job_descriptions_user_id_fkey)" "^FOREIGN KEY \(user_id\) REFERENCES users\(id\)"
is "resumes.template integer" "$(colinfo resumes template)" "integer null"
is "resumes.parsed_resume json not null" "$(colinfo resumes parsed_resume)" "json not null"
is "job_descriptions.parsed json not null" "$(colinfo job_descriptions parsed)" "json not null"
psqlc "INSERT INTO resumes (user_id, serial_number, title, template, parsed_resume) VALUES
	(1, 1, 'alice 1', 1, '{\"n\": 1}'), (1, 2, 'alice 2', 2, '{\"n\": 2}'), (2, 1, 'bob 1', NULL, '{}');
	INSERT INTO job_descriptions (user_id, serial_number, title, parsed) VALUES (1, 1, 'jd', '{}')"
check "a duplicate (user_id, serial_number) is refused" \
	fails psqlc "INSERT INTO resumes (user_id, serial_number, parsed_resume) VALUES (1, 1, '{}')"
TEMPLATES_BEFORE=$(psqlc "SELECT user_id, serial_number, template FROM resumes ORDER BY 1, 2")

up "$R_PHONE" +1
is "users.phone nullable varchar(20)" "$(colinfo users phone)" "character varying(20) null"
psqlc "UPDATE users SET phone = '+1-555-0100' WHERE username = 'alice'"

# The branch point: two revisions follow, so one step up is ambiguous.
rta upgrade +1 >"$T/amb.out" 2>&1
is "upgrade +1 at the branch point exits 2" "$?" 2
like "the error names the google candidate" "$(cat "$T/amb.out")" "$R_GAUTH"
like "the error names the status candidate" "$(cat "$T/amb.out")" "$R_STATUS"
is "the database is untouched" "$(state)" "$R_PHONE"

up "$R_GAUTH" "$R_GAUTH"
like "google_auth.user_id references users" "$(condef google_auth google_auth_user_id_fkey)" "^FOREIGN KEY \(user_id\) REFERENCES users\(id\) ON DELETE CASCADE"
is "google_auth one row per user" "$(condef google_auth google_auth_user_id_key)" "UNIQUE (user_id)"
is "google_auth is documented" "$(psqlc "SELECT obj_description('public.google_auth'::regclass, 'pg_class') IS NOT NULL")" t
psqlc "INSERT INTO google_auth (user_id, google_user_id, access_token) VALUES (1, 'sub-1', 'token')"

up "$R_GDOCS" "$R_GDOCS"
is "google_docs_exports references a resume by its composite key" \
	"$(condef google_docs_exports google_docs_exports_resume_fkey)" \
	"FOREIGN KEY (user_id, resume_serial_number) REFERENCES resumes(user_id, serial_number) ON DELETE CASCADE"
psqlc "INSERT INTO google_docs_exports (user_id, resume_serial_number, google_doc_id) VALUES (1, 2, 'doc-1')"

# The other branch: two heads.
up "$R_STATUS $R_GDOCS" "$R_STATUS"
is "resumes.status nullable" "$(colinfo resumes status)" "character varying(20) null"
psqlc "UPDATE resumes SET status = 'draft' WHERE user_id = 1 AND serial_number = 2"

up "$R_GDOCS $R_BACKFILL" "$R_BACKFILL"
is "resumes.status not null default 'active'" "$(colinfo resumes status)" \
	"character varying(20) not null default 'active'::character varying"
is "status backfilled, 'draft' kept" "$(psqlc "SELECT string_agg(serial_number || status, ',' ORDER BY user_id, serial_number) FROM resumes")" \
	"1active,2draft,1active"
psqlc "INSERT INTO users (username, email) VALUES ('dave', 'dave@example.com');
	INSERT INTO resumes (user_id, serial_number, title, template, parsed_resume)
	     SELECT id, 1, 'dave 1', 2, '{}' FROM users WHERE username = 'dave'"
is "a new resume gets status 'active'" \
	"$(psqlc "SELECT r.status FROM resumes r JOIN users u ON u.id = r.user_id WHERE u.username = 'dave'")" active
TEMPLATES_BEFORE=$(psqlc "SELECT user_id, serial_number, template FROM resumes ORDER BY 1, 2")

SAME=1 up "$R_MERGE" "$R_MERGE"
is "one row in alembic_version after the merge" "$(psqlc "SELECT count(*) FROM alembic_version")" 1

up "$R_INDEX" +1
is "idx_users_phone exists" "$(idxdef idx_users_phone)" "CREATE INDEX idx_users_phone ON public.users USING btree (phone)"
is "idx_users_phone is valid" "$(psqlc "SELECT indisvalid FROM pg_index WHERE indexrelid = 'public.idx_users_phone'::regclass")" t

up "$R_FULLNAME" "$R_FULLNAME"
is "users.full_name nullable varchar(100)" "$(colinfo users full_name)" "character varying(100) null"
is "full_name filled from first_name/last_name" \
	"$(psqlc "SELECT string_agg(username || '=' || coalesce(full_name, '-'), ',' ORDER BY id) FROM users WHERE username <> 'long'")" \
	"alice=Alice Smith,bob=Bob,carol=-,dave=-"
is "a 50+50 character name fits varchar(100)" "$(psqlc "SELECT length(full_name) FROM users WHERE username = 'long'")" 100
USERNAMES=$(psqlc "SELECT id, username FROM users ORDER BY id")

up "$R_RENAME" "$R_RENAME"
is "users.username is gone" "$(colinfo users username)" ""
is "users.display_name varchar(80) not null" "$(colinfo users display_name)" "character varying(80) not null"
is "users.display_name unique" "$(condef users users_display_name_key)" "UNIQUE (display_name)"
is "display_name holds the usernames" "$(psqlc "SELECT id, display_name FROM users ORDER BY id")" "$USERNAMES"

up "$HEAD" heads
is "resumes.template is gone" "$(colinfo resumes template)" ""
is "resumes.template_id integer" "$(colinfo resumes template_id)" "integer null"
is "fk_resumes_template_id" "$(condef resumes fk_resumes_template_id)" "FOREIGN KEY (template_id) REFERENCES resume_templates(id)"
is "template_id mapped through legacy_template_number" \
	"$(psqlc "SELECT r.user_id, r.serial_number, t.legacy_template_number FROM resumes r
	           LEFT JOIN resume_templates t ON t.id = r.template_id ORDER BY 1, 2")" "$TEMPLATES_BEFORE"
is "the Modern template (number 2) is id 1" "$(psqlc "SELECT template_id FROM resumes WHERE user_id = 1 AND serial_number = 2")" 1

is "alembic_version at head: one row, the head" "$(psqlc "SELECT version_num FROM alembic_version")" "$HEAD"
SAME=1 up "$HEAD" head
HEAD_FP=${FP[$HEAD]}

# The declared schema (schema.sql) is the schema at head.
psqlc -d postgres "CREATE DATABASE declared" >/dev/null
check "schema.sql loads" "$PG_BINDIR/psql" -qX -v ON_ERROR_STOP=1 -d declared -f "$P/schema.sql"
is "schema.sql matches the migrations at head" "$(fingerprint_of declared)" "$(printf '%s\n' "$HEAD_FP" | without_bookkeeping)"

# ---------------------------------------------------------------------------
# Down, one step at a time, to base.

steps=0
cur=$(state)
while [ -n "$cur" ] && [ "$steps" -lt $((NREV + 2)) ]; do
	check "downgrade from [$cur]" rta downgrade
	steps=$((steps + 1))
	new=$(state)
	is "current after downgrade from [$cur]" "$(current_ids)" "$new"
	undone=$(comm -23 <(applied_set $cur) <(applied_set $new))
	redone=$(comm -13 <(applied_set $cur) <(applied_set $new))
	is "downgrade from [$cur] undoes exactly one revision" \
		"$(printf '%s' "$undone" | grep -c .) $(printf '%s' "$redone" | grep -c .)" "1 0"
	if [ -n "$new" ]; then
		[ -n "${FP[$new]+x}" ] || FP[$new]=$(ref_fingerprint "$new")
		is "schema after undoing $undone is the one of [$new]" "$(schema_fingerprint)" "${FP[$new]}"
	fi
	case $undone in
	"$HEAD")
		is "resumes.template is back" "$(colinfo resumes template)" "integer null"
		is "template_id and its FK are gone" "$(colinfo resumes template_id)$(condef resumes fk_resumes_template_id)" ""
		is "template numbers round-trip" "$(psqlc "SELECT user_id, serial_number, template FROM resumes ORDER BY 1, 2")" \
			"$TEMPLATES_BEFORE" ;;
	"$R_RENAME")
		is "users.username back, not null" "$(colinfo users username)" "character varying(80) not null"
		is "users.username unique again" "$(condef users users_username_key)" "UNIQUE (username)"
		is "usernames round-trip" "$(psqlc "SELECT id, username FROM users ORDER BY id")" "$USERNAMES"
		is "display_name is gone" "$(colinfo users display_name)" "" ;;
	"$R_FULLNAME")
		is "full_name is gone" "$(colinfo users full_name)" ""
		is "first/last names intact" "$(psqlc "SELECT string_agg(coalesce(first_name, '-') || ' ' || coalesce(last_name, '-'), ',' ORDER BY id)
		                                   FROM users WHERE username <> 'long'")" "Alice Smith,Bob -,- -,- -" ;;
	"$R_INDEX")
		is "idx_users_phone is gone" "$(idxdef idx_users_phone)" "" ;;
	"$R_MERGE")
		is "one step below the merge: both parents in alembic_version" \
			"$(psqlc "SELECT version_num FROM alembic_version ORDER BY 1" | paste -sd' ' -)" "$R_GDOCS $R_BACKFILL" ;;
	"$R_BACKFILL")
		is "resumes.status nullable again, no default" "$(colinfo resumes status)" "character varying(20) null"
		is "status values kept" "$(psqlc "SELECT string_agg(status, ',' ORDER BY user_id, serial_number) FROM resumes")" \
			"active,draft,active,active" ;;
	"$R_STATUS")
		is "resumes.status is gone" "$(colinfo resumes status)" "" ;;
	"$R_PHONE")
		is "users.phone is gone" "$(colinfo users phone)" "" ;;
	"$R_RESUMES")
		is "resumes and job_descriptions are gone" \
			"$(psqlc "SELECT to_regclass('public.resumes') IS NULL AND to_regclass('public.job_descriptions') IS NULL")" t ;;
	esac
	cur=$new
done
is "base reached in $NREV single steps" "$steps" "$NREV"
is "at base: alembic_version is empty" "$(psqlc "SELECT count(*) FROM alembic_version")" 0
is "at base: no tables or sequences but retort's own" "$(user_relations)" ""

# ---------------------------------------------------------------------------
# And up again.

check "upgrade head from base" rta upgrade head
is "alembic_version: one row, the head" "$(psqlc "SELECT string_agg(version_num, ' ') FROM alembic_version")" "$HEAD"
is "current is the head" "$(current_ids)" "$HEAD"
is "the schema at head is the same as the first time" "$(schema_fingerprint)" "$HEAD_FP"

# The seed files fit the schema at head.
for t in users resume_templates resumes job_descriptions google_auth google_docs_exports; do
	check "seeds/$t.csv loads" "$PG_BINDIR/psql" -qX -v ON_ERROR_STOP=1 -d app \
		-c "\\copy $t ($(head -1 "$P/seeds/$t.csv")) FROM '$P/seeds/$t.csv' WITH (FORMAT csv, HEADER true)"
done
is "seeded rows" "$(psqlc "SELECT (SELECT count(*) FROM users) || ' ' || (SELECT count(*) FROM resume_templates)
                                  || ' ' || (SELECT count(*) FROM resumes)")" "32 6 51"
is "seeded JSON is JSON" "$(psqlc "SELECT parsed_resume->>'name' FROM resumes WHERE user_id = 2")" "Jane Doe"

done_testing
