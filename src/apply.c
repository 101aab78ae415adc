/* apply.c - running a plan on the server, and rendering it as offline SQL.
 *
 * Both paths build the same statements (sqlgen below): the live path sends
 * them, the offline path prints them. A transactional revision goes to the
 * server as one pipeline (BEGIN, its statements, verify, version table,
 * history) followed by COMMIT, so a revision costs two round trips. */
#include "config.h"
#include "rt_db.h"

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "apply_int.h"
#include "db_int.h"
#include "rt_err.h"
#include "rt_graph.h"
#include "rt_mem.h"
#include "rt_migration.h"
#include "rt_sqlsplit.h"

#define TOOL_VERSION PACKAGE_NAME " " PACKAGE_VERSION

void
rt_cmdv_push(struct rt_cmdv *cv, char *sql, const char *path, int line)
{
	if (cv->n == cv->cap) {
		cv->cap = cv->cap ? cv->cap * 2 : 16;
		cv->v = rt_xreallocarray(cv->v, cv->cap, sizeof(*cv->v));
	}
	cv->v[cv->n++] = (struct rt_cmd){ sql, path, line };
}

void
rt_cmdv_free(struct rt_cmdv *cv)
{
	for (size_t i = 0; i < cv->n; i++)
		free(cv->v[i].sql);
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
	struct rt_buf b = { 0 };
	const char *started = who->started ? who->started : NULL;

	rt_buf_printf(&b, "INSERT INTO %s (revision, direction, checksum, started_at, finished_at, "
		      "duration_ms, os_user, client_host, tool_version, outcome, statements_done) "
		      "VALUES (", hist);
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
	rt_buf_puts(&b, strcmp(outcome, "dirty") == 0 ? ", 0)" : ", NULL)");
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
		list.v[i].sql = NULL;
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

static void
put_cmds(struct rt_buf *b, const struct rt_cmdv *cv)
{
	for (size_t i = 0; i < cv->n; i++)
		rt_buf_printf(b, "%s;\n\n", cv->v[i].sql);
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
	rt_buf_printf(b, ", %s\n-- %s\n", rev->message, rev->path);
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

	rt_buf_printf(&b, "-- %s %s %s (offline SQL generated by %s)\n\n",
		      plan->kind == RT_PLAN_UPGRADE ? "upgrade" :
		      plan->kind == RT_PLAN_DOWNGRADE ? "downgrade" : "stamp",
		      plan->target ? plan->target : "", single_transaction ? "as one transaction" :
		      "one transaction per revision", TOOL_VERSION);
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
		rt_cmdv_push(&cv, rt_sqlgen_history(hist, st->rev->id, rt_sqlgen_direction(plan, st),
					     st->rev->sha256, "ok", &who, false), NULL, 0);
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
	if (!opts->single_transaction && !opts->dry_run)
		return 0;
	for (size_t i = 0; i < plan->nsteps; i++)
		if (!plan->steps[i].rev->is_transactional) {
			rt_err_set(err, RT_ERR_INPUT, "%s: revision %s has 'transaction off' and cannot "
				   "run inside %s", plan->steps[i].rev->path, plan->steps[i].rev->id,
				   opts->dry_run ? "a --dry-run transaction" :
				   "--single-transaction");
			return -1;
		}
	return 0;
}
