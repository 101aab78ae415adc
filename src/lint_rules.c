/* lint_rules.c - the statement recogniser of the linter and the rules that
 * look at one statement.
 *
 * Statements arrive as tokens of the engine's lexer (comments left out), so
 * quotes, dollar quotes and identifiers are already told apart: a word
 * inside a string or a DO body never matches. The recogniser knows the few
 * commands the rules need (CREATE TABLE, ALTER TABLE and its actions, CREATE
 * and DROP INDEX, DROP TABLE, ALTER TYPE ... ADD VALUE, SET lock_timeout,
 * and the commands that do not belong in a migration); anything else is
 * passed over. Names are compared without their schema, unquoted ones in
 * lower case, as the server folds them.
 *
 * "Existing table" means one not created earlier in the same section: a
 * fresh CREATE TABLE followed by its indexes and constraints is never
 * flagged for locks, since nobody else can see the table yet.
 */
#include "config.h"
#include "lint_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rt_migration.h"

static const char *const volatile_fns[] = {
	"random", "random_normal", "gen_random_uuid", "uuid_generate_v1", "uuid_generate_v1mc",
	"uuid_generate_v4", "clock_timestamp", "timeofday", "nextval", NULL,
};

static const char *const serial_types[] = {
	"serial", "bigserial", "smallserial", "serial2", "serial4", "serial8", NULL,
};

static bool
is_word(const struct lint_stmt *s, size_t i, const char *word)
{
	return i < s->n && rt_sql_token_is(s->sql, &s->t[i], word);
}

static bool
is_punct(const struct lint_stmt *s, size_t i, char c)
{
	return i < s->n && s->t[i].kind == RT_SQL_TOK_PUNCT && s->t[i].len == 1 &&
	       s->sql[s->t[i].offset] == c;
}

static bool
in_list(const struct lint_stmt *s, size_t i, const char *const *words)
{
	for (; *words; words++)
		if (is_word(s, i, *words))
			return true;
	return false;
}

/* The index after the parenthesis group opening at i ('('), or s->n. */
static size_t
skip_parens(const struct lint_stmt *s, size_t i)
{
	int depth = 0;

	for (; i < s->n; i++) {
		if (is_punct(s, i, '('))
			depth++;
		else if (is_punct(s, i, ')') && --depth == 0)
			return i + 1;
	}
	return s->n;
}

static bool
is_name_tok(const struct lint_stmt *s, size_t i)
{
	return i < s->n && (s->t[i].kind == RT_SQL_TOK_IDENT || s->t[i].kind == RT_SQL_TOK_KEYWORD ||
			    s->t[i].kind == RT_SQL_TOK_QUOTED_IDENT);
}

/* Copies the name token i into out, as the server folds it. */
static void
copy_name(const struct lint_stmt *s, size_t i, char *out, size_t size)
{
	const struct rt_sql_token *t = &s->t[i];
	const char *p = s->sql + t->offset;
	size_t len = t->len, o = 0;

	if (t->kind == RT_SQL_TOK_QUOTED_IDENT && len >= 2) {
		for (size_t k = 1; k + 1 < len && o + 1 < size; k++) {
			out[o++] = p[k];
			if (p[k] == '"' && k + 2 < len && p[k + 1] == '"')
				k++;
		}
	} else {
		for (size_t k = 0; k < len && o + 1 < size; k++)
			out[o++] = (p[k] >= 'A' && p[k] <= 'Z') ? (char)(p[k] + 32) : p[k];
	}
	out[o] = '\0';
}

/* Reads a possibly qualified name at *i into out (its last part) and moves
 * *i past it. False (out "") when there is no name. */
static bool
read_name(const struct lint_stmt *s, size_t *i, char *out, size_t size)
{
	out[0] = '\0';
	if (!is_name_tok(s, *i))
		return false;
	copy_name(s, *i, out, size);
	++*i;
	while (is_punct(s, *i, '.') && is_name_tok(s, *i + 1)) {
		copy_name(s, *i + 1, out, size);
		*i += 2;
	}
	return true;
}

static void
skip_if_exists(const struct lint_stmt *s, size_t *i)
{
	if (is_word(s, *i, "if") && is_word(s, *i + 1, "exists"))
		*i += 2;
	else if (is_word(s, *i, "if") && is_word(s, *i + 1, "not") && is_word(s, *i + 2, "exists"))
		*i += 3;
}

/* ",a,b," of the names inside the group opening at i. */
static char *
name_list(const struct lint_stmt *s, size_t i)
{
	struct rt_buf b = { 0 };
	char name[LINT_NAME_MAX];
	size_t end = skip_parens(s, i);

	rt_buf_putc(&b, ',');
	for (size_t k = i + 1; k + 1 < end; k++)
		if (is_name_tok(s, k) && (is_punct(s, k + 1, ',') || is_punct(s, k + 1, ')'))) {
			copy_name(s, k, name, sizeof(name));
			rt_buf_printf(&b, "%s,", name);
		}
	return rt_buf_take(&b);
}

/* "a,b" of the names inside the group opening at i (a new string). */
static char *
cols_of_list(const struct lint_stmt *s, size_t i)
{
	char *list = name_list(s, i);
	size_t len = strlen(list);
	char *out = len >= 2 ? rt_xstrndup(list + 1, len - 2) : rt_xstrdup("");

	free(list);
	return out;
}

static bool
is_existing(const struct lint *L, const char *table)
{
	return !rt_strv_contains(&L->o[L->sec].tables_created, table);
}

static void
push2(struct rt_strv *sv, const char *a, const char *b)
{
	rt_strv_push_take(sv, rt_xasprintf("%s.%s", a, b));
}

#define AE "ACCESS EXCLUSIVE"
#define SRE "SHARE ROW EXCLUSIVE"
#define SUE "SHARE UPDATE EXCLUSIVE"

/* Records the lock for rt_lint_locks (when collecting). */
static void
record_lock(struct lint *L, const char *table, const char *mode, const char *what)
{
	struct rt_lint_lock *k;

	if (!L->locks || !is_existing(L, table))
		return;
	L->locks->v = rt_xreallocarray(L->locks->v, L->locks->n + 1, sizeof(*L->locks->v));
	k = &L->locks->v[L->locks->n++];
	memset(k, 0, sizeof(*k));
	k->line = L->line;
	k->what = rt_xstrdup(what);
	k->table = rt_xstrdup(table);
	k->mode = mode;
}

/* The lock the statement being read recorded last on table, or NULL. */
static struct rt_lint_lock *
last_lock(struct lint *L, const char *table)
{
	struct rt_lint_lock *k;

	if (!L->locks || !L->locks->n)
		return NULL;
	k = &L->locks->v[L->locks->n - 1];
	return k->line == L->line && strcmp(k->table, table) == 0 ? k : NULL;
}

/* The work on the table's data of the lock the statement recorded last on
 * table (when collecting). */
static void
set_work(struct lint *L, const char *table, enum rt_lint_work work)
{
	struct rt_lint_lock *k = last_lock(L, table);

	if (k)
		k->work = work;
}

/* The text of tokens [from, to) as written (NULL when empty). */
static char *
tokens_text(const struct lint_stmt *s, size_t from, size_t to)
{
	if (from >= to || to > s->n)
		return NULL;
	return rt_xstrndup(s->sql + s->t[from].offset,
			   s->t[to - 1].offset + s->t[to - 1].len - s->t[from].offset);
}

/* A statement that locks table in mode (PostgreSQL's level for it). */
static void
took_lock(struct lint *L, const char *table, const char *mode, const char *what)
{
	bool ae = strcmp(mode, AE) == 0;

	record_lock(L, table, mode, what);
	if (!is_existing(L, table))
		return;
	L->took_lock = true;
	if (ae && !L->took_ae) {
		L->took_ae = true;
		L->ae_what = what;
		snprintf(L->ae_table, sizeof(L->ae_table), "%s", table);
	}
}

/* ---- column definitions ---------------------------------------------------- */

struct coldef {
	char name[LINT_NAME_MAX];
	bool is_json, is_ts_no_tz, is_serial;
	bool is_not_null, has_default, is_volatile, is_stored, is_identity, is_pk;
};

/* Reads the type at *i: hygiene flags; moves *i past the type's first word. */
static void
read_type(const struct lint_stmt *s, size_t i, struct coldef *cd)
{
	if (is_word(s, i, "json"))
		cd->is_json = true;
	else if (in_list(s, i, serial_types))
		cd->is_serial = true;
	else if (is_word(s, i, "timestamp")) {
		i++;
		if (is_punct(s, i, '('))
			i = skip_parens(s, i);
		cd->is_ts_no_tz = !is_word(s, i, "with");
	}
}

/* The words that end a column's DEFAULT expression. */
static const char *const col_constraint_words[] = {
	"not", "null", "constraint", "check", "unique", "primary", "references", "generated",
	"collate", NULL,
};

/* Reads "name type [constraints...]" in tokens [from, to). */
static void
read_coldef(const struct lint_stmt *s, size_t from, size_t to, struct coldef *cd)
{
	size_t i = from;

	memset(cd, 0, sizeof(*cd));
	if (!read_name(s, &i, cd->name, sizeof(cd->name)))
		return;
	read_type(s, i, cd);
	for (; i < to; i++) {
		if (is_punct(s, i, '(')) {
			i = skip_parens(s, i) - 1;
			continue;
		}
		if (is_word(s, i, "not") && is_word(s, i + 1, "null"))
			cd->is_not_null = true;
		else if (is_word(s, i, "primary") && is_word(s, i + 1, "key"))
			cd->is_pk = cd->is_not_null = true;
		else if (is_word(s, i, "identity"))
			cd->is_identity = true;
		else if (is_word(s, i, "stored"))
			cd->is_stored = true;
		else if (is_word(s, i, "default")) {
			cd->has_default = true;
			for (i++; i < to && !in_list(s, i, col_constraint_words); i++)
				if (in_list(s, i, volatile_fns) && is_punct(s, i + 1, '('))
					cd->is_volatile = true;
			i--;
		}
	}
	if (cd->is_serial)
		cd->has_default = cd->is_not_null = true;
}

/* The hygiene rules of a column's type (any table). */
static void
type_hygiene(struct lint *L, const char *table, const struct coldef *cd)
{
	if (cd->is_json)
		lint_add(L, "prefer-jsonb", L->line, L->stmt, "%s.%s is json", table, cd->name);
	if (cd->is_ts_no_tz)
		lint_add(L, "prefer-timestamptz", L->line, L->stmt,
			 "%s.%s is timestamp without time zone", table, cd->name);
	if (cd->is_serial)
		lint_add(L, "prefer-identity", L->line, L->stmt, "%s.%s is serial", table, cd->name);
}

/* ---- CREATE TABLE ------------------------------------------------------------ */

static void
create_table(struct lint *L, const struct lint_stmt *s, size_t i)
{
	char table[LINT_NAME_MAX];
	bool has_pk = false, check_pk = true;
	size_t end, el;

	skip_if_exists(s, &i);
	if (!read_name(s, &i, table, sizeof(table)))
		return;
	if (!rt_strv_contains(&L->o[L->sec].tables_created, table))
		rt_strv_push(&L->o[L->sec].tables_created, table);
	if (!is_punct(s, i, '('))
		return;     /* AS SELECT, PARTITION OF, OF type */
	end = skip_parens(s, i);
	for (el = i + 1; el < end - 1;) {
		size_t k = el, next;
		struct coldef cd;

		/* the element runs to the next comma at depth 1 */
		for (next = k; next < end - 1 && !is_punct(s, next, ','); next++)
			if (is_punct(s, next, '('))
				next = skip_parens(s, next) - 1;
		if (is_word(s, k, "constraint"))
			k += 2;
		if (is_word(s, k, "primary"))
			has_pk = true;
		else if (is_word(s, k, "like"))
			check_pk = false;
		else if (!in_list(s, k, (const char *const[]){ "unique", "check", "foreign",
							      "exclude", NULL })) {
			read_coldef(s, k, next, &cd);
			has_pk = has_pk || cd.is_pk;
			type_hygiene(L, table, &cd);
		}
		el = next + 1;
	}
	for (size_t k = end; k < s->n; k++)
		if (is_word(s, k, "partition") && is_word(s, k + 1, "of"))
			check_pk = false;
	if (!has_pk && check_pk)
		lint_add(L, "require-primary-key", L->line, L->stmt, "table %s has no primary key",
			 table);
}

/* ---- ALTER TABLE -------------------------------------------------------------- */

static void
add_column(struct lint *L, const struct lint_stmt *s, size_t i, size_t to, const char *table)
{
	struct coldef cd;

	skip_if_exists(s, &i);
	read_coldef(s, i, to, &cd);
	if (!cd.name[0])
		return;
	type_hygiene(L, table, &cd);
	took_lock(L, table, AE, "ADD COLUMN");
	if (cd.is_volatile || cd.is_serial || cd.is_identity || cd.is_stored)
		set_work(L, table, RT_LINT_WORK_REWRITE);
	if (!is_existing(L, table))
		return;
	push2(&L->o[L->sec].cols_added, table, cd.name);
	if (cd.is_not_null && !cd.has_default && !cd.is_identity && !cd.is_stored)
		lint_add(L, "adding-required-field", L->line, L->stmt,
			 L->sec == SEC_DOWN ? "the downgrade re-adds %s.%s NOT NULL without a default"
			 : "%s.%s is added NOT NULL without a default", table, cd.name);
	if (cd.is_volatile || cd.is_serial || cd.is_identity)
		lint_add(L, "adding-field-with-default", L->line, L->stmt,
			 "%s.%s gets a volatile default: the table is rewritten", table, cd.name);
	if (cd.is_stored)
		lint_add(L, "adding-stored-generated-column", L->line, L->stmt,
			 "%s.%s is a stored generated column: the table is rewritten", table, cd.name);
	if (rt_strv_contains(&L->col_dropped_on, table))
		lint_add(L, "drop-then-add-column", L->line, L->stmt,
			 "%s.%s is added after a column of %s was dropped: a rename this way loses "
			 "the data", table, cd.name, table);
}

/* The text of tokens [from, to) without spaces, in lower case (a new string). */
static char *
squeezed(const struct lint_stmt *s, size_t from, size_t to)
{
	struct rt_buf b = { 0 };

	for (size_t k = from; k < to; k++)
		for (size_t c = 0; c < s->t[k].len; c++) {
			char ch = s->sql[s->t[k].offset + c];

			rt_buf_putc(&b, ch >= 'A' && ch <= 'Z' ? (char)(ch + 32) : ch);
		}
	return rt_buf_take(&b);
}

/* USING in [from, to) is the column itself, or the column cast to the type
 * written in [tfrom, tto): the same conversion as no USING at all. */
static bool
is_plain_using(const struct lint_stmt *s, size_t from, size_t to, const char *col,
	       size_t tfrom, size_t tto)
{
	char name[LINT_NAME_MAX];
	size_t k = from;
	char *a, *b;
	bool same;

	if (!read_name(s, &k, name, sizeof(name)) || strcmp(name, col) != 0)
		return false;
	if (k == to)
		return true;
	if (k >= s->n || s->t[k].kind != RT_SQL_TOK_OPERATOR || s->t[k].len != 2 ||
	    memcmp(s->sql + s->t[k].offset, "::", 2) != 0)
		return false;
	a = squeezed(s, k + 1, to);
	b = squeezed(s, tfrom, tto);
	same = strcmp(a, b) == 0;
	free(a);
	free(b);
	return same;
}

/* The type names whose typmod PostgreSQL can widen without touching the
 * stored values (their length-coercion support functions: varchar_support,
 * numeric_support, varbit_support, TemporalSimplify). */
static bool
typmod_widens(const char *type, int old_mod, int new_mod)
{
	if (new_mod < 0)
		return strcmp(type, "bpchar") != 0 && strcmp(type, "bit") != 0;
	if (old_mod < 0)
		return strcmp(type, "timestamp") == 0 || strcmp(type, "timestamptz") == 0 ||
		       strcmp(type, "time") == 0 || strcmp(type, "timetz") == 0 ? new_mod >= 6 :
		       false;
	if (strcmp(type, "varchar") == 0 || strcmp(type, "varbit") == 0 ||
	    strcmp(type, "timestamp") == 0 || strcmp(type, "timestamptz") == 0 ||
	    strcmp(type, "time") == 0 || strcmp(type, "timetz") == 0)
		return new_mod >= old_mod;
	if (strcmp(type, "numeric") == 0)      /* ((precision << 16) | scale) + 4 */
		return ((old_mod - 4) & 0xffff) == ((new_mod - 4) & 0xffff) &&
		       ((new_mod - 4) >> 16) >= ((old_mod - 4) >> 16);
	return false;
}

bool
rt_lint_type_change_rewrites(const struct rt_lint_type_change *tc)
{
	if (tc->has_using || !tc->is_binary_coercible)
		return true;
	if (tc->new_mod == tc->old_mod && strcmp(tc->old_type, tc->new_type) == 0)
		return false;
	if (tc->new_mod < 0)
		return strcmp(tc->old_type, tc->new_type) == 0 ?
		       !typmod_widens(tc->new_type, tc->old_mod, -1) : false;
	/* a length coercion on a value of another type (text to varchar(n)) checks
	 * every value */
	if (strcmp(tc->old_type, tc->new_type) != 0)
		return true;
	return !typmod_widens(tc->new_type, tc->old_mod, tc->new_mod);
}

static void
alter_column(struct lint *L, const struct lint_stmt *s, size_t i, size_t to, const char *table)
{
	char col[LINT_NAME_MAX], tc[2 * LINT_NAME_MAX + 2];

	if (!read_name(s, &i, col, sizeof(col)))
		return;
	snprintf(tc, sizeof(tc), "%s.%s", table, col);
	took_lock(L, table, AE, "ALTER COLUMN");
	if (is_word(s, i, "set") && is_word(s, i + 1, "not") && is_word(s, i + 2, "null")) {
		struct rt_lint_lock *k = last_lock(L, table);

		if (k) {
			free(k->what);
			k->what = rt_xstrdup("SET NOT NULL");
			k->check = RT_LINT_CHECK_NOT_NULL;
			k->columns = rt_xstrdup(col);
			/* a valid CHECK (col IS NOT NULL) spares the scan */
			k->work = rt_strv_contains(&L->notnull_ok, tc) ? RT_LINT_WORK_NONE :
				  RT_LINT_WORK_SCAN;
		}
		if (is_existing(L, table) && !rt_strv_contains(&L->notnull_ok, tc))
			lint_add(L, "adding-not-nullable-field", L->line, L->stmt,
				 "SET NOT NULL on %s scans the table under ACCESS EXCLUSIVE", tc);
		return;
	}
	if (is_word(s, i, "set") && is_word(s, i + 1, "data"))
		i += 2;
	if (is_word(s, i, "type") && i + 1 < to) {
		struct coldef cd = { 0 };
		struct rt_lint_lock *k = last_lock(L, table);
		size_t end = i + 1, u;

		while (end < to && !is_word(s, end, "using") && !is_word(s, end, "collate"))
			end++;
		for (u = end; u < to && !is_word(s, u, "using"); u++)
			;
		if (k) {
			free(k->what);
			k->what = rt_xstrdup("ALTER COLUMN TYPE");
			k->work = RT_LINT_WORK_TYPE;
			k->check = RT_LINT_CHECK_CAST;
			k->columns = rt_xstrdup(col);
			k->new_type = tokens_text(s, i + 1, end);
			if (u < to) {
				k->using_expr = tokens_text(s, u + 1, to);
				k->is_using_plain = is_plain_using(s, u + 1, to, col, i + 1, end);
			}
		}
		snprintf(cd.name, sizeof(cd.name), "%s", col);
		read_type(s, i + 1, &cd);
		cd.is_serial = false;
		type_hygiene(L, table, &cd);
		if (is_existing(L, table))
			lint_add(L, "changing-column-type", L->line, L->stmt,
				 "changing the type of %s may rewrite the table and its indexes", tc);
	}
}

/* "( col IS NOT NULL )" at i: the column into col. */
static bool
is_not_null_check(const struct lint_stmt *s, size_t i, char *col, size_t size)
{
	size_t k = i + 1;

	if (!is_punct(s, i, '(') || !read_name(s, &k, col, size))
		return false;
	return is_word(s, k, "is") && is_word(s, k + 1, "not") && is_word(s, k + 2, "null") &&
	       is_punct(s, k + 3, ')');
}

/* What preflight checks before a constraint at i (UNIQUE, PRIMARY KEY,
 * FOREIGN KEY); a foreign key locks the referenced table too. */
static void
constraint_check(struct lint *L, const struct lint_stmt *s, size_t i, size_t to,
		 const char *table, bool is_fk, bool is_checked)
{
	struct rt_lint_lock *k = last_lock(L, table);
	char ref[LINT_NAME_MAX];
	size_t g = i;

	if (!k)
		return;
	while (g < to && !is_punct(s, g, '('))
		g++;
	if (g >= to)
		return;
	if (!is_checked && !is_fk)
		return;
	if (is_word(s, i, "unique") || is_word(s, i, "primary")) {
		free(k->what);
		k->what = rt_xstrdup(is_word(s, i, "unique") ? "ADD UNIQUE" : "ADD PRIMARY KEY");
		k->check = is_word(s, i, "unique") ? RT_LINT_CHECK_UNIQUE : RT_LINT_CHECK_PRIMARY_KEY;
		k->columns = cols_of_list(s, g);
		return;
	}
	if (!is_fk)
		return;
	if (is_checked) {
		k->check = RT_LINT_CHECK_FOREIGN_KEY;
		k->columns = cols_of_list(s, g);
	}
	g = skip_parens(s, g);
	if (!is_word(s, g, "references"))
		return;
	g++;
	if (!read_name(s, &g, ref, sizeof(ref)))
		return;
	if (is_checked) {
		k->ref_table = rt_xstrdup(ref);
		if (is_punct(s, g, '('))
			k->ref_columns = cols_of_list(s, g);
	}
	/* NOT VALID or not, the referenced table is locked too */
	record_lock(L, ref, SRE, "ADD FOREIGN KEY (referenced)");
}

static void
add_constraint(struct lint *L, const struct lint_stmt *s, size_t i, size_t to, const char *table)
{
	char name[LINT_NAME_MAX] = "", col[LINT_NAME_MAX];
	bool not_valid = false, using_index = false, is_fk = false;
	bool existing = is_existing(L, table);
	size_t k;

	if (is_word(s, i, "constraint")) {
		i++;
		read_name(s, &i, name, sizeof(name));
	}
	for (k = i; k < to; k++) {
		if (is_word(s, k, "not") && is_word(s, k + 1, "valid"))
			not_valid = true;
		if (is_word(s, k, "using") && is_word(s, k + 1, "index"))
			using_index = true;
	}
	is_fk = is_word(s, i, "foreign");
	took_lock(L, table, is_fk ? SRE : AE, is_fk ? "ADD FOREIGN KEY" : "ADD CONSTRAINT");
	/* an index is built unless USING INDEX names one; a CHECK or FOREIGN KEY
	 * scans the table unless NOT VALID */
	if (in_list(s, i, (const char *const[]){ "unique", "primary", "exclude", NULL }))
		set_work(L, table, using_index ? RT_LINT_WORK_NONE : RT_LINT_WORK_INDEX);
	else if (!not_valid)
		set_work(L, table, RT_LINT_WORK_SCAN);
	constraint_check(L, s, i, to, table, is_fk, !not_valid && !using_index);
	if (existing && name[0]) {
		size_t g = i;

		while (g < to && !is_punct(s, g, '('))
			g++;
		rt_strv_push(&L->o[L->sec].cons_added, name);
		rt_strv_push(&L->o[L->sec].cons_table, table);
		rt_strv_push_take(&L->o[L->sec].cons_cols, g < to ? name_list(s, g) : rt_xstrdup(","));
	}
	if (is_word(s, i, "check")) {
		if (is_not_null_check(s, i + 1, col, sizeof(col))) {
			if (not_valid && name[0]) {
				rt_strv_push(&L->pending_checks, name);
				push2(&L->pending_checks, table, col);
			} else if (!not_valid) {
				push2(&L->notnull_ok, table, col);
			}
		}
		if (existing && !not_valid)
			lint_add(L, "constraint-missing-not-valid", L->line, L->stmt,
				 "CHECK %s on %s is validated at once, under ACCESS EXCLUSIVE",
				 name[0] ? name : "(unnamed)", table);
	} else if (is_fk) {
		if (existing && !not_valid)
			lint_add(L, "constraint-missing-not-valid", L->line, L->stmt,
				 "FOREIGN KEY %s on %s is validated at once, blocking writes to both "
				 "tables", name[0] ? name : "(unnamed)", table);
	} else if (is_word(s, i, "unique") || is_word(s, i, "primary")) {
		if (existing && !using_index)
			lint_add(L, "disallowed-unique-constraint", L->line, L->stmt,
				 "%s %s on %s builds its index under ACCESS EXCLUSIVE",
				 is_word(s, i, "unique") ? "UNIQUE" : "PRIMARY KEY",
				 name[0] ? name : "(unnamed)", table);
	}
}

static void
validate_constraint(struct lint *L, const struct lint_stmt *s, size_t i)
{
	char name[LINT_NAME_MAX];

	if (!read_name(s, &i, name, sizeof(name)))
		return;
	for (size_t k = 0; k + 1 < L->pending_checks.n; k += 2)
		if (strcmp(L->pending_checks.v[k], name) == 0)
			rt_strv_push(&L->notnull_ok, L->pending_checks.v[k + 1]);
}

static void
drop_column(struct lint *L, const struct lint_stmt *s, size_t i, const char *table)
{
	char col[LINT_NAME_MAX], tc[2 * LINT_NAME_MAX + 2];
	struct lint_objs *o = &L->o[L->sec];

	skip_if_exists(s, &i);
	if (!read_name(s, &i, col, sizeof(col)))
		return;
	took_lock(L, table, AE, "DROP COLUMN");
	if (!is_existing(L, table))
		return;
	snprintf(tc, sizeof(tc), "%s.%s", table, col);
	if (L->sec == SEC_UP && !rt_strv_contains(&o->cols_added, tc))
		lint_add(L, "ban-drop-column", L->line, L->stmt, "dropping %s loses its data", tc);
	rt_strv_push(&o->cols_dropped, tc);
	if (!rt_strv_contains(&L->col_dropped_on, table))
		rt_strv_push(&L->col_dropped_on, table);
}

static void
rename_action(struct lint *L, const struct lint_stmt *s, size_t i, const char *table)
{
	char a[LINT_NAME_MAX], b[LINT_NAME_MAX];

	took_lock(L, table, AE, "RENAME");
	if (L->sec != SEC_UP || !is_existing(L, table) || is_word(s, i, "constraint"))
		return;
	if (is_word(s, i, "to")) {
		i++;
		read_name(s, &i, b, sizeof(b));
		lint_add(L, "renaming-table", L->line, L->stmt,
			 "renaming %s to %s breaks the running code that still uses %s", table, b,
			 table);
		return;
	}
	if (is_word(s, i, "column"))
		i++;
	if (!read_name(s, &i, a, sizeof(a)) || !is_word(s, i, "to"))
		return;
	i++;
	read_name(s, &i, b, sizeof(b));
	lint_add(L, "renaming-column", L->line, L->stmt,
		 "renaming %s.%s to %s breaks the running code that still uses %s", table, a, b, a);
}

/* One action of ALTER TABLE in tokens [i, to). */
static void
alter_action(struct lint *L, const struct lint_stmt *s, size_t i, size_t to, const char *table)
{
	char name[LINT_NAME_MAX];

	if (is_word(s, i, "add")) {
		i++;
		if (in_list(s, i, (const char *const[]){ "constraint", "check", "foreign", "unique",
							  "primary", "exclude", NULL }))
			add_constraint(L, s, i, to, table);
		else
			add_column(L, s, is_word(s, i, "column") ? i + 1 : i, to, table);
	} else if (is_word(s, i, "alter")) {
		i++;
		if (is_word(s, i, "constraint"))
			return took_lock(L, table, AE, "ALTER CONSTRAINT");
		alter_column(L, s, is_word(s, i, "column") ? i + 1 : i, to, table);
	} else if (is_word(s, i, "drop")) {
		i++;
		if (is_word(s, i, "constraint")) {
			i++;
			skip_if_exists(s, &i);
			took_lock(L, table, AE, "DROP CONSTRAINT");
			if (read_name(s, &i, name, sizeof(name)))
				rt_strv_push(&L->o[L->sec].cons_dropped, name);
			return;
		}
		drop_column(L, s, is_word(s, i, "column") ? i + 1 : i, table);
	} else if (is_word(s, i, "rename")) {
		rename_action(L, s, i + 1, table);
	} else if (is_word(s, i, "validate") && is_word(s, i + 1, "constraint")) {
		validate_constraint(L, s, i + 2);
		took_lock(L, table, SUE, "VALIDATE CONSTRAINT");
		set_work(L, table, RT_LINT_WORK_SCAN);
	} else if (is_word(s, i, "set") && in_list(s, i + 1, (const char *const[]){
			"logged", "unlogged", "tablespace", NULL })) {
		/* a new copy of the table: written to WAL, or to the new place */
		took_lock(L, table, AE, is_word(s, i + 1, "logged") ? "SET LOGGED" :
			  is_word(s, i + 1, "unlogged") ? "SET UNLOGGED" : "SET TABLESPACE");
		set_work(L, table, RT_LINT_WORK_REWRITE);
	} else if (is_word(s, i, "set") && is_word(s, i + 1, "access") &&
		   is_word(s, i + 2, "method")) {
		took_lock(L, table, AE, "SET ACCESS METHOD");
		set_work(L, table, RT_LINT_WORK_REWRITE);
	} else {
		took_lock(L, table, AE, "ALTER TABLE");
	}
}

static void
alter_table(struct lint *L, const struct lint_stmt *s, size_t i)
{
	char table[LINT_NAME_MAX];

	skip_if_exists(s, &i);
	if (is_word(s, i, "only"))
		i++;
	if (!read_name(s, &i, table, sizeof(table)))
		return;
	while (i < s->n) {
		size_t to = i;

		while (to < s->n && !is_punct(s, to, ',')) {
			if (is_punct(s, to, '('))
				to = skip_parens(s, to);
			else
				to++;
		}
		alter_action(L, s, i, to, table);
		i = to + 1;
	}
}

/* ---- indexes, tables, types ---------------------------------------------------- */

static void
create_index(struct lint *L, const struct lint_stmt *s, size_t i, bool is_unique)
{
	char name[LINT_NAME_MAX] = "", table[LINT_NAME_MAX];
	bool concurrently = false;
	struct lint_objs *o = &L->o[L->sec];

	if (is_word(s, i, "concurrently")) {
		concurrently = true;
		i++;
	}
	skip_if_exists(s, &i);
	if (!is_word(s, i, "on"))
		read_name(s, &i, name, sizeof(name));
	if (!is_word(s, i, "on"))
		return;
	i++;
	if (is_word(s, i, "only"))
		i++;
	if (!read_name(s, &i, table, sizeof(table)))
		return;
	if (concurrently && L->rev->is_transactional)
		lint_add(L, "ban-concurrent-index-creation-in-transaction", L->line, L->stmt,
			 "CREATE INDEX CONCURRENTLY %s cannot run inside the revision's transaction",
			 name);
	if (!concurrently && is_existing(L, table)) {
		lint_add(L, "require-concurrent-index-creation", L->line, L->stmt,
			 "CREATE INDEX %s blocks writes to %s while it builds", name, table);
		took_lock(L, table, "SHARE", is_unique ? "CREATE UNIQUE INDEX" : "CREATE INDEX");
	} else if (concurrently) {
		record_lock(L, table, SUE, is_unique ? "CREATE UNIQUE INDEX CONCURRENTLY" :
			    "CREATE INDEX CONCURRENTLY");
	}
	set_work(L, table, RT_LINT_WORK_INDEX);
	if (is_unique && last_lock(L, table)) {
		size_t g = i;
		struct rt_lint_lock *k = last_lock(L, table);

		while (g < s->n && !is_punct(s, g, '('))
			g++;
		if (g < s->n) {
			k->check = RT_LINT_CHECK_UNIQUE;
			k->columns = cols_of_list(s, g);
		}
	}
	if (name[0] && is_existing(L, table)) {
		while (i < s->n && !is_punct(s, i, '('))
			i++;
		rt_strv_push(&o->idx_created, name);
		rt_strv_push(&o->idx_table, table);
		rt_strv_push_take(&o->idx_cols, i < s->n ? name_list(s, i) : rt_xstrdup(","));
	}
}

static void
drop_index(struct lint *L, const struct lint_stmt *s, size_t i)
{
	char name[LINT_NAME_MAX];
	bool concurrently = false;
	struct lint_objs *o = &L->o[L->sec];

	if (is_word(s, i, "concurrently")) {
		concurrently = true;
		i++;
	}
	skip_if_exists(s, &i);
	while (read_name(s, &i, name, sizeof(name))) {
		/* an index built earlier in this section is on a table only this
		 * transaction has seen change... unless it is an existing table:
		 * the table of a dropped index is unknown, so the name decides */
		if (concurrently && L->rev->is_transactional)
			lint_add(L, "ban-concurrent-index-creation-in-transaction", L->line, L->stmt,
				 "DROP INDEX CONCURRENTLY %s cannot run inside the revision's "
				 "transaction", name);
		if (concurrently && !rt_strv_contains(&o->idx_created, name))
			record_lock(L, name, SUE, "DROP INDEX CONCURRENTLY");
		if (!concurrently && !rt_strv_contains(&o->idx_created, name)) {
			lint_add(L, "require-concurrent-index-deletion", L->line, L->stmt,
				 "DROP INDEX %s takes ACCESS EXCLUSIVE on its table", name);
			took_lock(L, name, AE, "DROP INDEX");
			/* the table is unknown here: name the index */
			snprintf(L->ae_table, sizeof(L->ae_table), "the table of %s", name);
		}
		rt_strv_push(&o->idx_dropped, name);
		if (!is_punct(s, i, ','))
			break;
		i++;
	}
}

static void
drop_table(struct lint *L, const struct lint_stmt *s, size_t i)
{
	char table[LINT_NAME_MAX];
	struct lint_objs *o = &L->o[L->sec];

	skip_if_exists(s, &i);
	while (read_name(s, &i, table, sizeof(table))) {
		if (is_existing(L, table)) {
			if (L->sec == SEC_UP)
				lint_add(L, "ban-drop-table", L->line, L->stmt,
					 "dropping table %s loses its data", table);
			took_lock(L, table, AE, "DROP TABLE");
		}
		rt_strv_push(&o->tables_dropped, table);
		if (!is_punct(s, i, ','))
			break;
		i++;
	}
}

static void
alter_type(struct lint *L, const struct lint_stmt *s, size_t i)
{
	char name[LINT_NAME_MAX];

	if (!read_name(s, &i, name, sizeof(name)) || !is_word(s, i, "add") ||
	    !is_word(s, i + 1, "value"))
		return;
	i += 2;
	skip_if_exists(s, &i);
	if (i < s->n && s->t[i].kind == RT_SQL_TOK_STRING && L->rev->is_transactional)
		rt_strv_push_take(&L->enum_values, rt_xstrndup(s->sql + s->t[i].offset, s->t[i].len));
}

/* A string equal to an enum value added earlier in this transaction. */
static void
enum_use(struct lint *L, const struct lint_stmt *s)
{
	for (size_t i = 0; i < s->n && L->enum_values.n; i++) {
		const struct rt_sql_token *t = &s->t[i];

		if (t->kind != RT_SQL_TOK_STRING)
			continue;
		for (size_t k = 0; k < L->enum_values.n; k++)
			if (strlen(L->enum_values.v[k]) == t->len &&
			    memcmp(L->enum_values.v[k], s->sql + t->offset, t->len) == 0) {
				lint_add(L, "enum-value-used-in-transaction", L->line, L->stmt,
					 "the enum value %s is used in the transaction that adds it",
					 L->enum_values.v[k]);
				return;
			}
	}
}

/* VACUUM FULL [options] table / VACUUM (FULL ...) table: a rewrite, recorded
 * for preflight (the statement is a finding all the same). */
static void
vacuum_full(struct lint *L, const struct lint_stmt *s)
{
	char table[LINT_NAME_MAX];
	bool full = false;
	size_t i = 1;

	if (is_punct(s, i, '(')) {
		size_t end = skip_parens(s, i);

		for (; i < end; i++)
			full = full || (is_word(s, i, "full") && !is_word(s, i + 1, "false") &&
					!is_word(s, i + 1, "off"));
	}
	while (in_list(s, i, (const char *const[]){ "full", "freeze", "verbose", "analyze",
						   "analyse", NULL })) {
		full = full || is_word(s, i, "full");
		i++;
	}
	if (!full || !read_name(s, &i, table, sizeof(table)))
		return;
	took_lock(L, table, AE, "VACUUM FULL");
	set_work(L, table, RT_LINT_WORK_REWRITE);
}

static bool
not_in_migration(struct lint *L, const struct lint_stmt *s)
{
	const char *what = NULL;

	if (s->n && s->t[0].kind == RT_SQL_TOK_META)
		what = "a psql meta-command";
	else if ((is_word(s, 0, "create") || is_word(s, 0, "drop") || is_word(s, 0, "alter")) &&
		 is_word(s, 1, "database"))
		what = is_word(s, 0, "create") ? "CREATE DATABASE" : is_word(s, 0, "drop") ?
		       "DROP DATABASE" : "ALTER DATABASE";
	else if (is_word(s, 0, "alter") && is_word(s, 1, "system"))
		what = "ALTER SYSTEM";
	else if (is_word(s, 0, "vacuum"))
		what = "VACUUM";
	else if (is_word(s, 0, "checkpoint"))
		what = "CHECKPOINT";
	else if (is_word(s, 0, "begin") || is_word(s, 0, "start") || is_word(s, 0, "commit") ||
		 is_word(s, 0, "end") || is_word(s, 0, "abort") ||
		 (is_word(s, 0, "rollback") && !is_word(s, 1, "to")))
		what = "transaction control";
	if (!what)
		return false;
	lint_add(L, "statement-not-in-migration", L->line, L->stmt,
		 "%s does not belong in a migration", what);
	if (is_word(s, 0, "vacuum"))
		vacuum_full(L, s);
	return true;
}

void
lint_stmt(struct lint *L, const struct lint_stmt *s)
{
	size_t i = 1;

	L->line = s->line;
	L->took_ae = L->took_lock = false;
	enum_use(L, s);
	if (not_in_migration(L, s))
		return;
	if (is_word(s, 0, "set")) {
		if (is_word(s, 1, "local") || is_word(s, 1, "session"))
			i++;
		if (is_word(s, i, "lock_timeout"))
			L->sets_lock_timeout = true;
	} else if (is_word(s, 0, "create")) {
		if (is_word(s, i, "or") && is_word(s, i + 1, "replace"))
			i += 2;
		bool is_unique = is_word(s, i, "unique");

		if (is_unique)
			i++;
		if (is_word(s, i, "index"))
			return create_index(L, s, i + 1, is_unique);
		while (in_list(s, i, (const char *const[]){ "global", "local", "temp", "temporary",
							  "unlogged", NULL }))
			i++;
		if (is_word(s, i, "table"))
			create_table(L, s, i + 1);
	} else if (is_word(s, 0, "alter")) {
		if (is_word(s, 1, "table"))
			alter_table(L, s, 2);
		else if (is_word(s, 1, "type"))
			alter_type(L, s, 2);
	} else if (is_word(s, 0, "drop")) {
		if (is_word(s, 1, "table"))
			drop_table(L, s, 2);
		else if (is_word(s, 1, "index"))
			drop_index(L, s, 2);
	} else if (is_word(s, 0, "truncate") || is_word(s, 0, "cluster")) {
		char table[LINT_NAME_MAX];

		if (is_word(s, i, "table"))
			i++;
		if (is_word(s, i, "only"))
			i++;
		if (read_name(s, &i, table, sizeof(table))) {
			took_lock(L, table, AE, is_word(s, 0, "truncate") ? "TRUNCATE" : "CLUSTER");
			if (is_word(s, 0, "cluster"))
				set_work(L, table, RT_LINT_WORK_REWRITE);
		}
	}
}
