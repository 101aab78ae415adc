/* apply.c - running a plan on the server, and rendering it as offline SQL.
 *
 * Both paths build the same statements (sqlgen below): the live path sends
 * them, the offline path prints them. A transactional revision goes to the
 * server as one pipeline (BEGIN, its statements, verify, version table,
 * history) followed by COMMIT, so a revision costs two round trips. */
#include "config.h"
#include "rt_apply.h"

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "apply_int.h"
#include "db_int.h"
#include "rt_db.h"
#include "rt_err.h"
#include "rt_fmt.h"
#include "rt_graph.h"
#include "rt_plan.h"
#include "rt_mem.h"
#include "rt_migration.h"
#include "rt_sqllex.h"
#include "rt_sqlsplit.h"

#define TOOL_VERSION PACKAGE_NAME " " PACKAGE_VERSION

void
rt_cmdv_push(struct rt_cmdv *cv, char *sql, const char *path, int line)
{
	if (cv->n == cv->cap) {
		cv->cap = cv->cap ? cv->cap * 2 : 16;
		cv->v = rt_xreallocarray(cv->v, cv->cap, sizeof(*cv->v));
	}
	cv->v[cv->n++] = (struct rt_cmd){ sql, path, line, NULL, 0 };
}

void
rt_cmdv_free(struct rt_cmdv *cv)
{
	for (size_t i = 0; i < cv->n; i++) {
		free(cv->v[i].sql);
		free(cv->v[i].copy_data);
	}
	free(cv->v);
	cv->v = NULL;
	cv->n = cv->cap = 0;
}

/* A SQL string literal, as PQescapeLiteral writes it, so that live and
 * offline SQL are the same text. */
static void
put_literal(struct rt_buf *b, const char *s)
{
	bool has_backslash = strchr(s, '\\') != NULL;

	rt_buf_puts(b, has_backslash ? " E'" : "'");
	for (; *s; s++) {
		if (*s == '\'' || *s == '\\')
			rt_buf_putc(b, *s);
		rt_buf_putc(b, *s);
	}
	rt_buf_putc(b, '\'');
}

char *
rt_quote_ident(const char *name)
{
	struct rt_buf b = { 0 };

	rt_buf_putc(&b, '"');
	for (; *name; name++) {
		if (*name == '"')
			rt_buf_putc(&b, '"');
		rt_buf_putc(&b, *name);
	}
	rt_buf_putc(&b, '"');
	return rt_buf_take(&b);
}

/* Version-table statements turning the rows in before into after. */
void
rt_sqlgen_vt(struct rt_cmdv *out, const char *vt, const struct rt_strv *before,
	      const struct rt_strv *after)
{
	struct rt_strv gone = { 0 }, added = { 0 };
	struct rt_buf b = { 0 };

	for (size_t i = 0; i < before->n; i++)
		if (!rt_strv_contains(after, before->v[i]))
			rt_strv_push(&gone, before->v[i]);
	for (size_t i = 0; i < after->n; i++)
		if (!rt_strv_contains(before, after->v[i]))
			rt_strv_push(&added, after->v[i]);
	if (gone.n == 1 && added.n == 1) {
		rt_buf_printf(&b, "UPDATE %s SET version_num = ", vt);
		put_literal(&b, added.v[0]);
		rt_buf_printf(&b, " WHERE %s.version_num = ", vt);
		put_literal(&b, gone.v[0]);
		rt_cmdv_push(out, rt_buf_take(&b), NULL, 0);
	} else {
		for (size_t i = 0; i < gone.n; i++) {
			rt_buf_printf(&b, "DELETE FROM %s WHERE %s.version_num = ", vt, vt);
			put_literal(&b, gone.v[i]);
			rt_cmdv_push(out, rt_buf_take(&b), NULL, 0);
		}
		for (size_t i = 0; i < added.n; i++) {
			rt_buf_printf(&b, "INSERT INTO %s (version_num) VALUES (", vt);
			put_literal(&b, added.v[i]);
			rt_buf_putc(&b, ')');
			rt_cmdv_push(out, rt_buf_take(&b), NULL, 0);
		}
	}
	rt_strv_free(&gone);
	rt_strv_free(&added);
}

static void
put_opt_literal(struct rt_buf *b, const char *s)
{
	if (s)
		put_literal(b, s);
	else
		rt_buf_puts(b, "NULL");
}

char *
rt_sqlgen_history(const char *hist, const char *rev, const char *direction, const char *checksum,
	       const char *outcome, const struct rt_who *who, bool returning)
{
	return rt_sqlgen_history_file(hist, rev, direction, checksum, outcome, who, returning, NULL);
}

/* E'\\x...'::bytea: any bytes, whatever the database's encoding. */
static void
put_bytea(struct rt_buf *b, const char *data, size_t len)
{
	static const char hex[] = "0123456789abcdef";

	rt_buf_puts(b, "E'\\\\x");   /* E'': whatever standard_conforming_strings says */
	for (size_t i = 0; i < len; i++) {
		rt_buf_putc(b, hex[(unsigned char)data[i] >> 4]);
		rt_buf_putc(b, hex[(unsigned char)data[i] & 15]);
	}
	rt_buf_puts(b, "'::bytea");
}

char *
rt_sqlgen_history_file(const char *hist, const char *rev, const char *direction,
		       const char *checksum, const char *outcome, const struct rt_who *who,
		       bool returning, const struct rt_rev *file)
{
	struct rt_buf b = { 0 };
	const char *started = who->started ? who->started : NULL;
	bool has_file = file && file->text;

	rt_buf_printf(&b, "INSERT INTO %s (revision, direction, checksum, started_at, finished_at, "
		      "duration_ms, os_user, client_host, tool_version, outcome, statements_done%s) "
		      "VALUES (", hist, has_file ? ", applied_file" : "");
	put_literal(&b, rev);
	rt_buf_puts(&b, ", ");
	put_literal(&b, direction);
	rt_buf_puts(&b, ", ");
	put_opt_literal(&b, checksum);
	rt_buf_puts(&b, ", ");
	if (started) {
		put_literal(&b, started);
		rt_buf_puts(&b, "::timestamptz, clock_timestamp(), extract(epoch FROM clock_timestamp() - ");
		put_literal(&b, started);
		rt_buf_puts(&b, "::timestamptz) * 1000, ");
	} else {
		rt_buf_puts(&b, "statement_timestamp(), clock_timestamp(), extract(epoch FROM "
			    "clock_timestamp() - statement_timestamp()) * 1000, ");
	}
	put_opt_literal(&b, who->os_user);
	rt_buf_puts(&b, ", ");
	put_opt_literal(&b, who->host);
	rt_buf_puts(&b, ", ");
	put_literal(&b, TOOL_VERSION);
	rt_buf_puts(&b, ", ");
	put_literal(&b, outcome);
	rt_buf_puts(&b, strcmp(outcome, "dirty") == 0 ? ", 0" : ", NULL");
	if (has_file) {
		rt_buf_puts(&b, ", ");
		put_bytea(&b, file->text, file->text_len);
	}
	rt_buf_puts(&b, ")");
	if (returning)
		rt_buf_puts(&b, " RETURNING id");
	return rt_buf_take(&b);
}

/* Appends the statements of one section. */
static int
section_statements(struct rt_cmdv *out, const struct rt_rev *rev, const char *body, int line,
		   struct rt_err *err)
{
	struct rt_stmt_list list = { 0 };

	if (!body)
		return 0;
	if (rt_sql_split(body, line, &list, err) < 0) {
		rt_err_locate(err, rev->path);
		return -1;
	}
	for (size_t i = 0; i < list.n; i++) {
		rt_cmdv_push(out, list.v[i].sql, rev->path, list.v[i].line);
		out->v[out->n - 1].copy_data = list.v[i].copy_data;
		out->v[out->n - 1].copy_len = list.v[i].copy_len;
		list.v[i].sql = NULL;
		list.v[i].copy_data = NULL;
	}
	rt_stmt_list_free(&list);
	return 0;
}

/* The body statements of a step: the section, then verify for an upgrade. */
int
rt_sqlgen_step_body(struct rt_cmdv *out, const struct rt_step *st, struct rt_err *err)
{
	const struct rt_rev *rev = st->rev;

	if (st->is_up) {
		if (section_statements(out, rev, rev->upgrade, rev->upgrade_body_line, err) < 0)
			return -1;
		return section_statements(out, rev, rev->verify, rev->verify_body_line, err);
	}
	return section_statements(out, rev, rev->downgrade, rev->downgrade_body_line, err);
}

const char *
rt_sqlgen_direction(const struct rt_plan *plan, const struct rt_step *st)
{
	if (plan->kind == RT_PLAN_STAMP)
		return "stamp";
	return st->is_up ? "upgrade" : "downgrade";
}


/* ---- offline SQL ----------------------------------------------------------- */

/* Where a statement's terminating ';' goes: just past its last token that is
 * not a comment. A statement's text runs to where its ';' was, so it keeps
 * the comments before it, and the last one of a section has none at all:
 * "CREATE TABLE t (id int)  -- the table" followed by ';' would put the ';'
 * inside the comment, and psql would read the next statement as part of
 * this one. */
static size_t
terminator_at(const char *sql)
{
	struct rt_sql_lexer lx;
	struct rt_sql_token tok;
	size_t len = strlen(sql), end = 0;

	rt_sql_lexer_init(&lx, sql, len, 1);
	while (rt_sql_lex_next(&lx, &tok) != RT_SQL_TOK_EOF) {
		if (tok.kind == RT_SQL_TOK_ERROR)   /* rt_sql_split gives none: keep it whole */
			return len;
		if (tok.kind != RT_SQL_TOK_COMMENT)
			end = tok.offset + tok.len;
	}
	return end;
}

/* Each statement, its ';' after its last token and its trailing comments
 * after that: "CREATE TABLE t (id int);  -- the table". */
static void
put_cmds(struct rt_buf *b, const struct rt_cmdv *cv)
{
	for (size_t i = 0; i < cv->n; i++) {
		const char *sql = cv->v[i].sql;
		size_t end = terminator_at(sql);

		rt_buf_append(b, sql, end);
		rt_buf_putc(b, ';');
		rt_buf_puts(b, sql + end);
		rt_buf_putc(b, '\n');
		if (cv->v[i].copy_data) {   /* psql reads the data from the script itself */
			rt_buf_puts(b, cv->v[i].copy_data);
			rt_buf_puts(b, "\\.\n");
		}
		rt_buf_putc(b, '\n');
	}
}

/* Text from a header, a file name or the command line in a "--" comment of
 * the offline SQL. PostgreSQL ends the comment at a line feed or a carriage
 * return, and both are legal in a file name ("a\rDROP TABLE keep; --.sql"):
 * text holding any character rt_fmt_control_at flags, but the tab, is
 * written as an E'' literal with those characters escaped, which ends no
 * comment, reaches no terminal raw and still shows what is there. Other
 * text is written as it is. */
static void
put_comment_text(struct rt_buf *b, const char *s)
{
	struct rt_buf e = { 0 };
	size_t len = strlen(s), i, n;
	bool is_escaped = false;
	unsigned cp;

	for (i = 0; i < len; i += n) {
		n = rt_fmt_control_at(s + i, len - i, &cp);
		if (n == 0) {   /* printable: copied whole, quote and backslash doubled */
			for (n = 1; i + n < len && ((unsigned char)s[i + n] & 0xc0) == 0x80; n++)
				;
			if (s[i] == '\'' || s[i] == '\\')
				rt_buf_putc(&e, '\\');
			rt_buf_append(&e, s + i, n);
		} else if (s[i] == '\t') {
			rt_buf_putc(&e, '\t');
		} else {
			is_escaped = true;
			if (s[i] == '\n' || s[i] == '\r')
				rt_buf_puts(&e, s[i] == '\n' ? "\\n" : "\\r");
			else if (cp < 0x80 || cp == 0xfffd)   /* C0, DEL, a byte not UTF-8 */
				rt_buf_printf(&e, "\\x%02x", (unsigned char)s[i]);
			else
				rt_buf_printf(&e, "\\u%04x", cp);
		}
	}
	if (is_escaped) {
		rt_buf_puts(b, "E'");
		rt_buf_append(b, e.data, e.len);
		rt_buf_putc(b, '\'');
	} else {
		rt_buf_puts(b, s);
	}
	rt_buf_free(&e);
}

static void
step_comment(struct rt_buf *b, const struct rt_step *st)
{
	const struct rt_strv *from = &st->heads_before;
	const struct rt_rev *rev = st->rev;

	rt_buf_printf(b, "-- Running %s ", st->is_up ? "upgrade" : "downgrade");
	if (st->is_up) {
		for (size_t i = 0; i < rev->ndown; i++)
			rt_buf_printf(b, "%s%s", i ? ", " : "", rev->down[i]);
		rt_buf_printf(b, "%s -> %s", rev->ndown ? "" : "<base>", rev->id);
	} else {
		rt_buf_printf(b, "%s -> ", rev->id);
		for (size_t i = 0; i < rev->ndown; i++)
			rt_buf_printf(b, "%s%s", i ? ", " : "", rev->down[i]);
		if (!rev->ndown)
			rt_buf_puts(b, "<base>");
	}
	rt_buf_puts(b, ", ");
	put_comment_text(b, rev->message);
	rt_buf_puts(b, "\n-- ");
	put_comment_text(b, rev->path);
	rt_buf_putc(b, '\n');
	(void)from;
}

char *
rt_sqlgen_stamp(const struct rt_plan *plan, const char *vt, const char *hist, const struct rt_who *who)
{
	struct rt_cmdv cv = { 0 };
	struct rt_buf b = { 0 };

	rt_sqlgen_vt(&cv, vt, &plan->heads_before, &plan->heads_after);
	for (size_t i = 0; i < plan->heads_after.n; i++)
		rt_cmdv_push(&cv, rt_sqlgen_history(hist, plan->heads_after.v[i], "stamp", NULL, "ok", who,
					     false), NULL, 0);
	if (!plan->heads_after.n)
		rt_cmdv_push(&cv, rt_sqlgen_history(hist, "base", "stamp", NULL, "ok", who, false), NULL, 0);
	put_cmds(&b, &cv);
	rt_cmdv_free(&cv);
	return rt_buf_take(&b);
}

char *
rt_plan_sql(const struct rt_plan *plan, const struct rt_vt_opts *vt_opts, bool single_transaction,
	    struct rt_err *err)
{
	const char *table = vt_opts && vt_opts->table ? vt_opts->table : "alembic_version";
	const char *schema = vt_opts ? vt_opts->schema : NULL;
	struct rt_who who = { NULL, NULL, NULL };
	struct rt_buf b = { 0 };
	char *vt, *hist, *qs, *qt, *qh, *qp, *pkc, *s;
	bool in_tx = false;

	if (single_transaction) {
		struct rt_apply_opts o = { .single_transaction = true };

		if (rt_sqlgen_check_plan(plan, &o, err) < 0)
			return NULL;
	}
	qt = rt_quote_ident(table);
	qh = rt_quote_ident("retort_history");
	qs = schema ? rt_quote_ident(schema) : NULL;
	vt = qs ? rt_xasprintf("%s.%s", qs, qt) : rt_xstrdup(qt);
	hist = qs ? rt_xasprintf("%s.%s", qs, qh) : rt_xstrdup(qh);
	free(qs);
	free(qt);
	free(qh);

	rt_buf_printf(&b, "-- %s ", plan->kind == RT_PLAN_UPGRADE ? "upgrade" :
		      plan->kind == RT_PLAN_DOWNGRADE ? "downgrade" : "stamp");
	put_comment_text(&b, plan->target ? plan->target : "");
	rt_buf_printf(&b, " %s (offline SQL generated by %s)\n",
		      single_transaction ? "as one transaction" : "one transaction per revision",
		      TOOL_VERSION);
	/* psql's default goes on after an error: the version table would then
	 * be moved past a revision whose statements failed */
	rt_buf_puts(&b, "\\set ON_ERROR_STOP on\n\n");
	if (single_transaction) {
		rt_buf_puts(&b, "BEGIN;\n\n");
		in_tx = true;
	}
	pkc = rt_xasprintf("%s_pkc", table);
	qp = rt_quote_ident(pkc);
	s = rt_db_setup_sql(vt, qp, hist);
	free(pkc);
	free(qp);
	rt_buf_printf(&b, "%s\n", s);
	free(s);
	if (plan->kind == RT_PLAN_STAMP) {
		if (!in_tx)
			rt_buf_puts(&b, "BEGIN;\n\n");
		s = rt_sqlgen_stamp(plan, vt, hist, &who);
		rt_buf_puts(&b, s);
		free(s);
		if (!in_tx)
			rt_buf_puts(&b, "COMMIT;\n\n");
	}
	for (size_t i = 0; i < plan->nsteps; i++) {
		const struct rt_step *st = &plan->steps[i];
		bool own_tx = !in_tx && st->rev->is_transactional;
		struct rt_cmdv cv = { 0 };

		if (rt_sqlgen_step_body(&cv, st, err) < 0) {
			rt_cmdv_free(&cv);
			free(vt);
			free(hist);
			rt_buf_free(&b);
			return NULL;
		}
		step_comment(&b, st);
		if (own_tx)
			rt_buf_puts(&b, "BEGIN;\n\n");
		put_cmds(&b, &cv);
		rt_cmdv_free(&cv);
		if (!in_tx && !own_tx)
			rt_buf_puts(&b, "-- transaction off: the statements above ran one by one\n"
				    "BEGIN;\n\n");
		rt_sqlgen_vt(&cv, vt, &st->heads_before, &st->heads_after);
		rt_cmdv_push(&cv, rt_sqlgen_history_file(hist, st->rev->id,
							  rt_sqlgen_direction(plan, st), st->rev->sha256,
							  "ok", &who, false, st->is_up ? st->rev : NULL),
			     NULL, 0);
		put_cmds(&b, &cv);
		rt_cmdv_free(&cv);
		if (!in_tx)
			rt_buf_puts(&b, "COMMIT;\n\n");
	}
	if (single_transaction)
		rt_buf_puts(&b, "COMMIT;\n");
	free(vt);
	free(hist);
	return rt_buf_take(&b);
}

/* A plan that must run inside one transaction cannot hold transaction-off
 * revisions. */
int
rt_sqlgen_check_plan(const struct rt_plan *plan, const struct rt_apply_opts *opts, struct rt_err *err)
{
	if (!opts->single_transaction && !opts->dry_run && !opts->keep_open)
		return 0;
	for (size_t i = 0; i < plan->nsteps; i++)
		if (!plan->steps[i].rev->is_transactional) {
			rt_err_set(err, RT_ERR_INPUT, "%s: revision %s has 'transaction off' and cannot "
				   "run inside %s", plan->steps[i].rev->path, plan->steps[i].rev->id,
				   opts->dry_run ? "a --dry-run transaction" :
				   opts->keep_open ? "one transaction" : "--single-transaction");
			return -1;
		}
	return 0;
}
