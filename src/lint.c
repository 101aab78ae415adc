/* lint.c - the static linter: the rules table, one revision's sections read
 * on the lexer, the rules that look at a whole revision (empty or
 * non-inverse downgrades, statements after ACCESS EXCLUSIVE, lock_timeout,
 * TODO comments), and suppressions.
 *
 * A suppression is a comment "-- retort:allow RULE[,RULE] because REASON":
 * in the header block (rt_rev.allows) it covers the whole revision; in a
 * section, the next statement, or the whole section when no statement
 * follows it. Comments are tokens of the lexer, so one inside a string or a
 * dollar-quoted body is no suppression (nor a TODO).
 */
#include "config.h"
#include "rt_lint.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lint_int.h"
#include "rt_err.h"
#include "rt_mem.h"
#include "rt_migration.h"
#include "rt_sqlsplit.h"

#define E RT_LINT_ERROR
#define W RT_LINT_WARNING
#define I RT_LINT_INFO

static const struct rt_lint_rule rules[] = {
	/* data safety */
	{ "adding-required-field", E, "a NOT NULL column without a default added to an existing "
	  "table (fails on existing rows; also when a downgrade re-adds one)",
	  "add it nullable or with a default, backfill, then SET NOT NULL" },
	{ "adding-not-nullable-field", W, "SET NOT NULL on an existing table without a validated "
	  "CHECK (col IS NOT NULL) first (full scan under ACCESS EXCLUSIVE)",
	  "ADD CONSTRAINT ... CHECK (col IS NOT NULL) NOT VALID, VALIDATE CONSTRAINT, then SET "
	  "NOT NULL" },
	{ "ban-drop-column", E, "dropping a column of an existing table in an upgrade (data loss)",
	  "stop using it in the code first; acknowledge with -- retort:allow ban-drop-column "
	  "because ..." },
	{ "ban-drop-table", E, "dropping an existing table in an upgrade (data loss)",
	  "back it up or rename it away first; acknowledge with -- retort:allow ban-drop-table "
	  "because ..." },
	{ "drop-then-add-column", E, "a column dropped and another added to the same table: a "
	  "rename done this way loses the data",
	  "add the new column, copy the data, then drop the old one (or RENAME COLUMN)" },
	{ "empty-downgrade", E, "an upgrade with statements and an empty downgrade",
	  "write the inverse statements, or acknowledge an irreversible revision with a reason" },
	{ "downgrade-not-inverse", W, "a downgrade that drops what the upgrade did not create, or "
	  "leaves what it created, or does not restore what it dropped",
	  "make the downgrade undo exactly what the upgrade does" },
	/* locks and rewrites */
	{ "require-concurrent-index-creation", W, "CREATE INDEX without CONCURRENTLY on an existing "
	  "table (blocks writes while it builds)",
	  "CREATE INDEX CONCURRENTLY in a '-- retort:transaction off' revision" },
	{ "require-concurrent-index-deletion", W, "DROP INDEX without CONCURRENTLY (ACCESS EXCLUSIVE "
	  "on the table)", "DROP INDEX CONCURRENTLY in a '-- retort:transaction off' revision" },
	{ "ban-concurrent-index-creation-in-transaction", E, "CREATE or DROP INDEX CONCURRENTLY in a "
	  "transactional revision (fails: it cannot run inside a transaction block)",
	  "put it in its own revision with '-- retort:transaction off'" },
	{ "constraint-missing-not-valid", W, "a FOREIGN KEY or CHECK added to an existing table "
	  "without NOT VALID (validated at once while writes wait)",
	  "ADD CONSTRAINT ... NOT VALID, then VALIDATE CONSTRAINT in a later statement" },
	{ "disallowed-unique-constraint", W, "a UNIQUE or PRIMARY KEY constraint added to an "
	  "existing table without USING INDEX (index built under ACCESS EXCLUSIVE)",
	  "CREATE UNIQUE INDEX CONCURRENTLY first, then ADD CONSTRAINT ... USING INDEX" },
	{ "changing-column-type", W, "ALTER COLUMN ... TYPE on an existing table (may rewrite the "
	  "table and its indexes)", "add a new column, backfill, switch the code, drop the old one" },
	{ "adding-field-with-default", W, "a column with a volatile default (random(), "
	  "gen_random_uuid(), clock_timestamp(), serial, identity) added to an existing table "
	  "(rewrites it)", "add it without the default, set the default, backfill in batches" },
	{ "adding-stored-generated-column", W, "a stored generated column added to an existing "
	  "table (rewrites it)", "add a plain column, backfill, keep it current with a trigger" },
	{ "statements-after-access-exclusive", W, "more statements after one that takes ACCESS "
	  "EXCLUSIVE on an existing table, in the same transaction (the lock is held until "
	  "COMMIT)", "put the locking statement last, or in its own revision" },
	{ "require-lock-timeout", W, "a locking statement with no lock_timeout (retort's own, "
	  "retort.conf ddl_lock_timeout, is disabled)",
	  "SET lock_timeout in the revision, or enable ddl_lock_timeout in retort.conf" },
	/* compatibility with running code */
	{ "renaming-column", W, "RENAME COLUMN on an existing table (running code still uses the "
	  "old name)", "expand/contract: add the new column, write both, switch, drop the old" },
	{ "renaming-table", W, "RENAME TO on an existing table (running code still uses the old "
	  "name)", "expand/contract: a new table or a view with the old name, switch, then drop" },
	{ "enum-value-used-in-transaction", E, "an enum value added by ALTER TYPE ... ADD VALUE "
	  "used in the same transaction (fails: unsafe use of new value)",
	  "add the value in its own revision" },
	/* hygiene */
	{ "todo-placeholder", E, "a -- TODO comment left in a section (retort migrate, import)",
	  "write the SQL the TODO asks for, then remove the comment" },
	{ "statement-not-in-migration", E, "CREATE/DROP/ALTER DATABASE, ALTER SYSTEM, VACUUM, "
	  "CHECKPOINT, transaction control or a psql meta-command",
	  "run it outside migrations; retort runs each revision in its own transaction" },
	{ "unparsable-sql", E, "a section the lexer cannot split (an unterminated quote or "
	  "comment)", "close the quote or comment" },
	{ "require-primary-key", I, "a table created without a primary key",
	  "add a PRIMARY KEY (an identity column if nothing else)" },
	{ "prefer-jsonb", I, "a json column (jsonb is what is usually meant)",
	  "use jsonb: indexable, comparable, no reparsing" },
	{ "prefer-timestamptz", I, "timestamp without time zone",
	  "use timestamp with time zone (timestamptz)" },
	{ "prefer-identity", I, "a serial column", "use integer GENERATED BY DEFAULT AS IDENTITY" },
	/* suppressions */
	{ "suppression-without-reason", E, "-- retort:allow RULE without 'because REASON', or "
	  "without a rule", "-- retort:allow RULE because REASON" },
	{ "unused-suppression", W, "a -- retort:allow that suppresses nothing (or names no rule)",
	  "remove it" },
};

#define NRULES (sizeof(rules) / sizeof(*rules))

struct allow {
	struct rt_strv rules;
	int line;
	int sec;            /* -1: the revision */
	long stmt;          /* -1: the whole section */
	bool has_reason;
	bool is_used;
};

struct allows {
	struct allow *v;
	size_t n, cap;
};

const struct rt_lint_rule *
rt_lint_rules(size_t *n)
{
	*n = NRULES;
	return rules;
}

const struct rt_lint_rule *
rt_lint_rule_find(const char *id)
{
	for (size_t i = 0; i < NRULES; i++)
		if (strcmp(rules[i].id, id) == 0)
			return &rules[i];
	return NULL;
}

const char *
rt_lint_severity_name(enum rt_lint_severity s)
{
	return s == RT_LINT_ERROR ? "error" : s == RT_LINT_WARNING ? "warning" : "info";
}

void
lint_add(struct lint *L, const char *rule_id, int line, long stmt, const char *fmt, ...)
{
	struct lint_raw *r;
	va_list ap;
	char why[768];

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (L->nf == L->capf) {
		L->capf = L->capf ? 2 * L->capf : 16;
		L->f = rt_xreallocarray(L->f, L->capf, sizeof(*L->f));
	}
	r = &L->f[L->nf++];
	r->rule = rt_lint_rule_find(rule_id);
	r->sec = L->sec;
	r->stmt = stmt;
	r->line = line;
	r->why = rt_xstrdup(why);
}

void
lint_objs_free(struct lint_objs *o)
{
	struct rt_strv *all[] = { &o->tables_created, &o->cols_added, &o->idx_created,
				  &o->idx_table, &o->idx_cols, &o->cons_added, &o->cons_table,
				  &o->cons_cols, &o->tables_dropped, &o->cols_dropped,
				  &o->idx_dropped, &o->cons_dropped };

	for (size_t i = 0; i < sizeof(all) / sizeof(*all); i++)
		rt_strv_free(all[i]);
}

/* ---- comments: suppressions and TODOs ------------------------------------------ */

/* Parses "RULE[,RULE] because REASON" (s, len bytes) into a. */
static void
parse_allow(const char *s, size_t len, struct allow *a)
{
	size_t i = 0, start;

	while (i < len && (s[i] == ' ' || s[i] == '\t'))
		i++;
	for (;;) {
		start = i;
		while (i < len && s[i] != ',' && s[i] != ' ' && s[i] != '\t')
			i++;
		if (i > start)
			rt_strv_push_take(&a->rules, rt_xstrndup(s + start, i - start));
		if (i < len && s[i] == ',')
			i++;
		else
			break;
	}
	while (i < len && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (len - i >= 7 && memcmp(s + i, "because", 7) == 0) {
		for (i += 7; i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r'); i++)
			;
		a->has_reason = i < len && a->rules.n > 0;
	}
}

static struct allow *
new_allow(struct allows *as, int line, int sec, long stmt)
{
	struct allow *a;

	if (as->n == as->cap) {
		as->cap = as->cap ? 2 * as->cap : 8;
		as->v = rt_xreallocarray(as->v, as->cap, sizeof(*as->v));
	}
	a = &as->v[as->n++];
	memset(a, 0, sizeof(*a));
	a->line = line;
	a->sec = sec;
	a->stmt = stmt;
	return a;
}

/* The index of the first statement starting after line, or -1. */
static long
stmt_after(const struct rt_stmt_list *stmts, int line)
{
	for (size_t k = 0; k < stmts->n; k++)
		if (stmts->v[k].line > line)
			return (long)k;
	return -1;
}

/* Reads the comments of a section body: TODOs and suppressions. */
static void
read_comments(struct lint *L, struct allows *as, const char *body, int first_line,
	      const struct rt_stmt_list *stmts)
{
	struct rt_sql_lexer lx;
	struct rt_sql_token t;

	rt_sql_lexer_init(&lx, body, strlen(body), first_line);
	while (rt_sql_lex_next(&lx, &t) != RT_SQL_TOK_EOF) {
		const char *c = body + t.offset;
		size_t len = t.len, i = 2;

		if (t.kind != RT_SQL_TOK_COMMENT || len < 2)
			continue;
		while (i < len && (c[i] == ' ' || c[i] == '\t' || c[i] == '*'))
			i++;
		if (len - i >= 4 && memcmp(c + i, "TODO", 4) == 0 &&
		    (len - i == 4 || !((c[i + 4] >= 'a' && c[i + 4] <= 'z') ||
				       (c[i + 4] >= 'A' && c[i + 4] <= 'Z'))))
			lint_add(L, "todo-placeholder", t.line, stmt_after(stmts, t.line),
				 "a TODO comment is left in the %s section",
				 L->sec == SEC_UP ? "upgrade" : "downgrade");
		else if (c[1] == '-' && len - i >= 13 && memcmp(c + i, "retort:allow", 12) == 0 &&
			 (c[i + 12] == ' ' || c[i + 12] == '\t'))
			parse_allow(c + i + 12, len - i - 12,
				    new_allow(as, t.line, L->sec, stmt_after(stmts, t.line)));
		else if (c[1] == '-' && len - i == 12 && memcmp(c + i, "retort:allow", 12) == 0)
			new_allow(as, t.line, L->sec, stmt_after(stmts, t.line));
	}
}

/* ---- sections -------------------------------------------------------------------- */

static void
lex_stmt(const struct rt_stmt *st, struct lint_stmt *s, size_t *cap)
{
	struct rt_sql_lexer lx;
	struct rt_sql_token t;

	s->sql = st->sql;
	s->line = st->line;
	s->n = 0;
	rt_sql_lexer_init(&lx, st->sql, strlen(st->sql), st->line);
	while (rt_sql_lex_next(&lx, &t) != RT_SQL_TOK_EOF) {
		if (t.kind == RT_SQL_TOK_COMMENT)
			continue;
		if (s->n == *cap) {
			*cap = *cap ? 2 * *cap : 64;
			s->t = rt_xreallocarray(s->t, *cap, sizeof(*s->t));
		}
		s->t[s->n++] = t;
	}
}

static void
reset_section_state(struct lint *L)
{
	rt_strv_free(&L->notnull_ok);
	rt_strv_free(&L->pending_checks);
	rt_strv_free(&L->enum_values);
	rt_strv_free(&L->col_dropped_on);
}

/* Lints one section; returns its statement count. */
static void
lint_section(struct lint *L, struct allows *as, int sec, const char *body, int first_line)
{
	struct rt_stmt_list stmts = { 0 };
	struct lint_stmt s = { 0 };
	struct rt_err err = { 0 };
	size_t cap = 0;
	long ae_stmt = -1;
	int ae_line = 0;
	char ae_table[LINT_NAME_MAX + 16] = "";
	const char *ae_what = "";

	L->sec = sec;
	reset_section_state(L);
	if (rt_sql_split(body, first_line, &stmts, &err) < 0) {
		lint_add(L, "unparsable-sql", err.line ? err.line : first_line, -1, "%s", err.text);
		return;
	}
	read_comments(L, as, body, first_line, &stmts);
	L->o[sec].nstmts = stmts.n;
	for (size_t k = 0; k < stmts.n; k++) {
		L->stmt = (long)k;
		lex_stmt(&stmts.v[k], &s, &cap);
		lint_stmt(L, &s);
		if (L->took_lock && L->lock_line == 0) {
			L->lock_sec = sec;
			L->lock_line = s.line;
			L->lock_stmt = (long)k;
		}
		if (L->took_ae && ae_stmt < 0) {
			ae_stmt = (long)k;
			ae_line = s.line;
			ae_what = L->ae_what;
			snprintf(ae_table, sizeof(ae_table), "%s", L->ae_table);
		}
	}
	if (L->rev->is_transactional && ae_stmt >= 0 && (size_t)ae_stmt + 1 < stmts.n)
		lint_add(L, "statements-after-access-exclusive", ae_line, ae_stmt,
			 "%zu more statement%s run while %s holds ACCESS EXCLUSIVE on %s",
			 stmts.n - (size_t)ae_stmt - 1, stmts.n - (size_t)ae_stmt - 1 == 1 ? "" : "s",
			 ae_what, ae_table);
	free(s.t);
	rt_stmt_list_free(&stmts);
}

/* ---- the downgrade as the upgrade's inverse ------------------------------------- */

/* Whether the object at index i of names (on table tables[i], columns
 * cols[i]) goes away in the downgrade d: dropped by name, with its table,
 * or with one of its columns. */
static bool
goes_away(const struct lint_objs *d, const struct rt_strv *dropped, const char *name,
	  const char *table, const char *cols)
{
	if (rt_strv_contains(dropped, name) || rt_strv_contains(&d->tables_dropped, table))
		return true;
	for (size_t k = 0; k < d->cols_dropped.n; k++) {
		const char *tc = d->cols_dropped.v[k], *dot = strchr(tc, '.');
		char pat[LINT_NAME_MAX + 3];

		if (!dot || strncmp(tc, table, (size_t)(dot - tc)) != 0 ||
		    table[dot - tc] != '\0')
			continue;
		snprintf(pat, sizeof(pat), ",%s,", dot + 1);
		if (strstr(cols, pat))
			return true;
	}
	return false;
}

static bool
table_of_in(const char *tc, const struct rt_strv *tables)
{
	const char *dot = strchr(tc, '.');

	for (size_t k = 0; dot && k < tables->n; k++)
		if (strlen(tables->v[k]) == (size_t)(dot - tc) &&
		    strncmp(tables->v[k], tc, (size_t)(dot - tc)) == 0)
			return true;
	return false;
}

static void
leaves(struct lint *L, const char *what, const char *name)
{
	lint_add(L, "downgrade-not-inverse", L->rev->downgrade_line, -1,
		 "the downgrade leaves %s %s that the upgrade creates", what, name);
}

static void
check_inverse(struct lint *L)
{
	const struct lint_objs *u = &L->o[SEC_UP], *d = &L->o[SEC_DOWN];
	int line = L->rev->downgrade_line;

	L->sec = SEC_DOWN;
	for (size_t i = 0; i < u->tables_created.n; i++)
		if (!rt_strv_contains(&d->tables_dropped, u->tables_created.v[i]))
			leaves(L, "table", u->tables_created.v[i]);
	for (size_t i = 0; i < u->cols_added.n; i++)
		if (!rt_strv_contains(&d->cols_dropped, u->cols_added.v[i]) &&
		    !table_of_in(u->cols_added.v[i], &d->tables_dropped))
			leaves(L, "column", u->cols_added.v[i]);
	/* an index or constraint the upgrade drops before making it again (around
	 * a column's type change) is no new one: the downgrade does the same */
	for (size_t i = 0; i < u->idx_created.n; i++)
		if (!rt_strv_contains(&u->idx_dropped, u->idx_created.v[i]) &&
		    !goes_away(d, &d->idx_dropped, u->idx_created.v[i], u->idx_table.v[i],
			       u->idx_cols.v[i]))
			leaves(L, "index", u->idx_created.v[i]);
	for (size_t i = 0; i < u->cons_added.n; i++)
		if (!rt_strv_contains(&u->cons_dropped, u->cons_added.v[i]) &&
		    !goes_away(d, &d->cons_dropped, u->cons_added.v[i], u->cons_table.v[i],
			       u->cons_cols.v[i]))
			leaves(L, "constraint", u->cons_added.v[i]);
	for (size_t i = 0; i < d->tables_dropped.n; i++)
		if (!rt_strv_contains(&u->tables_created, d->tables_dropped.v[i]))
			lint_add(L, "downgrade-not-inverse", line, -1, "the downgrade drops table %s, "
				 "which the upgrade does not create (data loss)", d->tables_dropped.v[i]);
	for (size_t i = 0; i < d->cols_dropped.n; i++)
		if (!rt_strv_contains(&u->cols_added, d->cols_dropped.v[i]) &&
		    !table_of_in(d->cols_dropped.v[i], &u->tables_created))
			lint_add(L, "downgrade-not-inverse", line, -1, "the downgrade drops column %s, "
				 "which the upgrade does not add (data loss)", d->cols_dropped.v[i]);
	for (size_t i = 0; i < u->tables_dropped.n; i++)
		if (!rt_strv_contains(&d->tables_created, u->tables_dropped.v[i]))
			lint_add(L, "downgrade-not-inverse", line, -1, "the upgrade drops table %s and "
				 "the downgrade does not create it again", u->tables_dropped.v[i]);
	for (size_t i = 0; i < u->cols_dropped.n; i++)
		if (!rt_strv_contains(&d->cols_added, u->cols_dropped.v[i]) &&
		    !table_of_in(u->cols_dropped.v[i], &u->tables_created))
			lint_add(L, "downgrade-not-inverse", line, -1, "the upgrade drops column %s and "
				 "the downgrade does not add it again", u->cols_dropped.v[i]);
}

/* ---- suppressions and the report -------------------------------------------------- */

static bool
allow_covers(const struct allow *a, const struct lint_raw *f)
{
	if (!a->has_reason || !rt_strv_contains(&a->rules, f->rule->id))
		return false;
	return a->sec < 0 || (a->sec == f->sec && (a->stmt < 0 || a->stmt == f->stmt));
}

static void
apply_allows(struct lint *L, struct allows *as)
{
	size_t nf = L->nf, keep = 0;

	for (size_t i = 0; i < nf; i++) {
		bool is_suppressed = false;

		for (size_t k = 0; k < as->n; k++)
			if (allow_covers(&as->v[k], &L->f[i])) {
				as->v[k].is_used = true;
				is_suppressed = true;
			}
		if (is_suppressed)
			free(L->f[i].why);
		else
			L->f[keep++] = L->f[i];
	}
	L->nf = keep;
	L->sec = -1;
	for (size_t k = 0; k < as->n; k++) {
		struct allow *a = &as->v[k];
		char *names = rt_strv_join(&a->rules, ",");

		if (!a->has_reason)
			lint_add(L, "suppression-without-reason", a->line, -1,
				 "-- retort:allow %s gives no rule or no 'because REASON'", names);
		for (size_t r = 0; a->has_reason && r < a->rules.n; r++)
			if (!rt_lint_rule_find(a->rules.v[r]))
				lint_add(L, "unused-suppression", a->line, -1,
					 "-- retort:allow names %s, which is no rule", a->rules.v[r]);
		if (a->has_reason && !a->is_used)
			lint_add(L, "unused-suppression", a->line, -1,
				 "-- retort:allow %s suppresses nothing", names);
		free(names);
		rt_strv_free(&a->rules);
	}
}

static int
cmp_raw(const void *a, const void *b)
{
	const struct lint_raw *x = a, *y = b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return strcmp(x->rule->id, y->rule->id);
}

static void
take_findings(struct lint *L, struct rt_lint_report *out)
{
	if (L->nf > 1)
		qsort(L->f, L->nf, sizeof(*L->f), cmp_raw);
	for (size_t i = 0; i < L->nf; i++) {
		struct rt_lint_finding *f;

		if (out->n == out->cap) {
			out->cap = out->cap ? 2 * out->cap : 16;
			out->v = rt_xreallocarray(out->v, out->cap, sizeof(*out->v));
		}
		f = &out->v[out->n++];
		f->rule = L->f[i].rule;
		f->rev_id = rt_xstrdup(L->rev->id);
		f->path = rt_xstrdup(L->rev->path ? L->rev->path : "");
		f->line = L->f[i].line;
		f->section = L->f[i].sec == SEC_UP ? "upgrade" : L->f[i].sec == SEC_DOWN ?
			     "downgrade" : "revision";
		f->why = L->f[i].why;
		if (f->rule->severity == RT_LINT_ERROR)
			out->nerrors++;
		else if (f->rule->severity == RT_LINT_WARNING)
			out->nwarnings++;
		else
			out->ninfos++;
	}
	L->nf = 0;
}

int
rt_lint_rev(const struct rt_rev *rev, const struct rt_lint_opts *opts,
	    struct rt_lint_report *out, struct rt_err *err)
{
	struct lint L = { .rev = rev, .has_retort_lock_timeout = !opts ||
			  opts->has_retort_lock_timeout };
	struct allows as = { 0 };

	if (rev->is_headers_only || !rev->upgrade || !rev->downgrade) {
		rt_err_set(err, RT_ERR_INPUT, "%s: revision %s was read without its SQL",
			   rev->path ? rev->path : "?", rev->id);
		return -1;
	}
	for (size_t i = 0; i < rev->nallows; i++)
		parse_allow(rev->allows[i], strlen(rev->allows[i]),
			    new_allow(&as, rev->allow_lines[i], -1, -1));
	lint_section(&L, &as, SEC_UP, rev->upgrade, rev->upgrade_body_line);
	lint_section(&L, &as, SEC_DOWN, rev->downgrade, rev->downgrade_body_line);
	L.sec = SEC_DOWN;
	if (L.o[SEC_DOWN].nstmts == 0 && L.o[SEC_UP].nstmts > 0)
		lint_add(&L, "empty-downgrade", rev->downgrade_line, -1,
			 "the upgrade has %zu statement%s and the downgrade none", L.o[SEC_UP].nstmts,
			 L.o[SEC_UP].nstmts == 1 ? "" : "s");
	else if (L.o[SEC_DOWN].nstmts > 0)
		check_inverse(&L);
	if (!L.has_retort_lock_timeout && !L.sets_lock_timeout && L.lock_line) {
		L.sec = L.lock_sec;
		lint_add(&L, "require-lock-timeout", L.lock_line, L.lock_stmt,
			 "this statement waits for its lock without a lock_timeout, and every "
			 "query behind it waits too");
	}
	apply_allows(&L, &as);
	take_findings(&L, out);
	free(as.v);
	free(L.f);
	reset_section_state(&L);
	for (int s = 0; s < NSEC; s++)
		lint_objs_free(&L.o[s]);
	return 0;
}

void
rt_lint_report_free(struct rt_lint_report *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++) {
		free(r->v[i].rev_id);
		free(r->v[i].path);
		free(r->v[i].why);
	}
	free(r->v);
	memset(r, 0, sizeof(*r));
}

size_t
rt_lint_rev_errors(const struct rt_rev *rev, const struct rt_lint_opts *opts)
{
	struct rt_lint_report r = { 0 };
	size_t n = 0;

	if (rt_lint_rev(rev, opts, &r, NULL) == 0)
		n = r.nerrors;
	rt_lint_report_free(&r);
	return n;
}

int
rt_lint_locks(const struct rt_rev *rev, bool is_up, struct rt_lint_locks *out,
	      struct rt_err *err)
{
	struct lint L = { .rev = rev, .has_retort_lock_timeout = true, .locks = out };
	struct allows as = { 0 };

	if (rev->is_headers_only || !rev->upgrade || !rev->downgrade) {
		rt_err_set(err, RT_ERR_INPUT, "%s: revision %s was read without its SQL",
			   rev->path ? rev->path : "?", rev->id);
		return -1;
	}
	if (is_up)
		lint_section(&L, &as, SEC_UP, rev->upgrade, rev->upgrade_body_line);
	else
		lint_section(&L, &as, SEC_DOWN, rev->downgrade, rev->downgrade_body_line);
	for (size_t i = 0; i < L.nf; i++)
		free(L.f[i].why);
	free(L.f);
	free(as.v);
	reset_section_state(&L);
	for (int s = 0; s < NSEC; s++)
		lint_objs_free(&L.o[s]);
	return 0;
}

void
rt_lint_locks_free(struct rt_lint_locks *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].what);
		free(l->v[i].table);
		free(l->v[i].columns);
		free(l->v[i].ref_table);
		free(l->v[i].ref_columns);
		free(l->v[i].new_type);
		free(l->v[i].using_expr);
	}
	free(l->v);
	memset(l, 0, sizeof(*l));
}
