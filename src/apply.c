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

#include "db_int.h"
#include "rt_err.h"
#include "rt_graph.h"
#include "rt_mem.h"
#include "rt_migration.h"
#include "rt_sqlsplit.h"

#define TOOL_VERSION PACKAGE_NAME " " PACKAGE_VERSION

/* One statement to send, with where it came from for error messages. */
struct cmd {
	char *sql;
	const char *path;   /* migration file, or NULL for retort's own statements */
	int line;
};

struct cmdv {
	struct cmd *v;
	size_t n, cap;
};

static void
cmd_push(struct cmdv *cv, char *sql, const char *path, int line)
{
	if (cv->n == cv->cap) {
		cv->cap = cv->cap ? cv->cap * 2 : 16;
		cv->v = rt_xreallocarray(cv->v, cv->cap, sizeof(*cv->v));
	}
	cv->v[cv->n++] = (struct cmd){ sql, path, line };
}

static void
cmdv_free(struct cmdv *cv)
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
static void
vt_statements(struct cmdv *out, const char *vt, const struct rt_strv *before,
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
		cmd_push(out, rt_buf_take(&b), NULL, 0);
	} else {
		for (size_t i = 0; i < gone.n; i++) {
			rt_buf_printf(&b, "DELETE FROM %s WHERE %s.version_num = ", vt, vt);
			put_literal(&b, gone.v[i]);
			cmd_push(out, rt_buf_take(&b), NULL, 0);
		}
		for (size_t i = 0; i < added.n; i++) {
			rt_buf_printf(&b, "INSERT INTO %s (version_num) VALUES (", vt);
			put_literal(&b, added.v[i]);
			rt_buf_putc(&b, ')');
			cmd_push(out, rt_buf_take(&b), NULL, 0);
		}
	}
	rt_strv_free(&gone);
	rt_strv_free(&added);
}

/* Who and when, for retort_history; NULL fields render as NULL (offline). */
struct who {
	const char *started;   /* timestamp literal text, or NULL: statement_timestamp() */
	const char *os_user;
	const char *host;
};

static void
put_opt_literal(struct rt_buf *b, const char *s)
{
	if (s)
		put_literal(b, s);
	else
		rt_buf_puts(b, "NULL");
}

static char *
history_insert(const char *hist, const char *rev, const char *direction, const char *checksum,
	       const char *outcome, const struct who *who, bool returning)
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
section_statements(struct cmdv *out, const struct rt_rev *rev, const char *body, int line,
		   struct rt_err *err)
{
	struct rt_stmt_list list = { 0 };

	if (!body)
		return 0;
	if (rt_sql_split(body, line, &list, err) < 0) {
		char msg[sizeof(err->msg)];

		if (err) {
			snprintf(msg, sizeof(msg), "%s:%s", rev->path, err->msg + 5);
			rt_err_set(err, RT_ERR_INPUT, "%s", msg);
		}
		return -1;
	}
	for (size_t i = 0; i < list.n; i++) {
		cmd_push(out, list.v[i].sql, rev->path, list.v[i].line);
		list.v[i].sql = NULL;
	}
	rt_stmt_list_free(&list);
	return 0;
}

/* The body statements of a step: the section, then verify for an upgrade. */
static int
step_body(struct cmdv *out, const struct rt_step *st, struct rt_err *err)
{
	const struct rt_rev *rev = st->rev;

	if (st->is_up) {
		if (section_statements(out, rev, rev->upgrade, rev->upgrade_body_line, err) < 0)
			return -1;
		return section_statements(out, rev, rev->verify, rev->verify_body_line, err);
	}
	return section_statements(out, rev, rev->downgrade, rev->downgrade_body_line, err);
}

static const char *
direction_of(const struct rt_plan *plan, const struct rt_step *st)
{
	if (plan->kind == RT_PLAN_STAMP)
		return "stamp";
	return st->is_up ? "upgrade" : "downgrade";
}

static int check_plan(const struct rt_plan *plan, const struct rt_apply_opts *opts,
		      struct rt_err *err);
struct run;
static int finish_notx(struct run *r, const struct rt_step *st, const char *id,
		       struct rt_err *err);

/* ---- offline SQL ----------------------------------------------------------- */

static void
put_cmds(struct rt_buf *b, const struct cmdv *cv)
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

static char *
stamp_sql(const struct rt_plan *plan, const char *vt, const char *hist, const struct who *who)
{
	struct cmdv cv = { 0 };
	struct rt_buf b = { 0 };

	vt_statements(&cv, vt, &plan->heads_before, &plan->heads_after);
	for (size_t i = 0; i < plan->heads_after.n; i++)
		cmd_push(&cv, history_insert(hist, plan->heads_after.v[i], "stamp", NULL, "ok", who,
					     false), NULL, 0);
	if (!plan->heads_after.n)
		cmd_push(&cv, history_insert(hist, "base", "stamp", NULL, "ok", who, false), NULL, 0);
	put_cmds(&b, &cv);
	cmdv_free(&cv);
	return rt_buf_take(&b);
}

char *
rt_plan_sql(const struct rt_plan *plan, const struct rt_vt_opts *vt_opts, bool single_transaction,
	    struct rt_err *err)
{
	const char *table = vt_opts && vt_opts->table ? vt_opts->table : "alembic_version";
	const char *schema = vt_opts ? vt_opts->schema : NULL;
	struct who who = { NULL, NULL, NULL };
	struct rt_buf b = { 0 };
	char *vt, *hist, *qs, *qt, *qh, *qp, *pkc, *s;
	bool in_tx = false;

	if (single_transaction) {
		struct rt_apply_opts o = { .single_transaction = true };

		if (check_plan(plan, &o, err) < 0)
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
		s = stamp_sql(plan, vt, hist, &who);
		rt_buf_puts(&b, s);
		free(s);
		if (!in_tx)
			rt_buf_puts(&b, "COMMIT;\n\n");
	}
	for (size_t i = 0; i < plan->nsteps; i++) {
		const struct rt_step *st = &plan->steps[i];
		bool own_tx = !in_tx && st->rev->is_transactional;
		struct cmdv cv = { 0 };

		if (step_body(&cv, st, err) < 0) {
			cmdv_free(&cv);
			free(vt);
			free(hist);
			rt_buf_free(&b);
			return NULL;
		}
		step_comment(&b, st);
		if (own_tx)
			rt_buf_puts(&b, "BEGIN;\n\n");
		put_cmds(&b, &cv);
		cmdv_free(&cv);
		if (!in_tx && !own_tx)
			rt_buf_puts(&b, "-- transaction off: the statements above ran one by one\n"
				    "BEGIN;\n\n");
		vt_statements(&cv, vt, &st->heads_before, &st->heads_after);
		cmd_push(&cv, history_insert(hist, st->rev->id, direction_of(plan, st),
					     st->rev->sha256, "ok", &who, false), NULL, 0);
		put_cmds(&b, &cv);
		cmdv_free(&cv);
		if (!in_tx)
			rt_buf_puts(&b, "COMMIT;\n\n");
	}
	if (single_transaction)
		rt_buf_puts(&b, "COMMIT;\n");
	free(vt);
	free(hist);
	return rt_buf_take(&b);
}

/* ---- live ------------------------------------------------------------------ */

struct run {
	struct rt_db *db;
	const struct rt_plan *plan;
	const struct rt_apply_opts *opts;
	struct who who;
	char started[64];
	char host[256];
	char *os_user;
	bool in_outer_tx;     /* single transaction or dry run */
};

static void
stamp_now(char *out, size_t size)
{
	struct timeval tv;
	struct tm tm;
	char base[40];

	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	strftime(base, sizeof(base), "%Y-%m-%d %H:%M:%S", &tm);
	snprintf(out, size, "%s.%06ld+00", base, (long)tv.tv_usec);
}

static double
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Byte offset of the pos-th character (1-based, as the server counts) in s. */
static int
line_of_position(const char *s, const char *pos_text)
{
	long pos = pos_text ? strtol(pos_text, NULL, 10) : 0;
	int lines = 0;

	for (long chars = 1; *s && chars < pos; s++) {
		if ((*s & 0xC0) != 0x80)
			chars++;
		if (*s == '\n')
			lines++;
	}
	return lines;
}

static void lost_connection(struct rt_db *db, struct rt_err *err);

/* Whether a failed statement's result means the session itself ended
 * (pg_terminate_backend, a server crash or shutdown), not the statement. */
static bool
session_ended(struct rt_db *db, const PGresult *res)
{
	const char *sev = PQresultErrorField(res, PG_DIAG_SEVERITY_NONLOCALIZED);

	return PQstatus(db->conn) != CONNECTION_OK ||
	       (sev && (strcmp(sev, "FATAL") == 0 || strcmp(sev, "PANIC") == 0));
}

static void
cmd_err(struct rt_db *db, const struct cmd *c, const PGresult *res, struct rt_err *err)
{
	char prefix[1200];

	if (session_ended(db, res)) {
		const char *msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);

		lost_connection(db, err);
		if (msg)
			rt_err_detail(err, "the server said: %s", msg);
		return;
	}
	if (c->path) {
		int line = c->line + line_of_position(c->sql,
				PQresultErrorField(res, PG_DIAG_STATEMENT_POSITION));

		snprintf(prefix, sizeof(prefix), "%s:%d", c->path, line);
	} else {
		snprintf(prefix, sizeof(prefix), "retort");
	}
	rt_db_result_err(res, prefix, err);
}

static void
lost_connection(struct rt_db *db, struct rt_err *err)
{
	rt_err_set(err, RT_ERR_RUN, "lost the connection to the server; the database is at the last "
		   "completed revision and rerunning is safe");
	rt_err_detail(err, "%s", PQerrorMessage(db->conn));
}

/* Statements per pipeline sync. Reading the results of each batch before
 * sending the next bounds what is in flight, so a blocking connection cannot
 * deadlock with both socket buffers full; syncs inside an explicit
 * transaction block do not end it. */
#define PIPELINE_BATCH 64

/* Reads the results of cmds [from, to) and the sync; keeps the first error. */
static int
read_batch(struct rt_db *db, const struct cmdv *cv, size_t from, size_t to, struct rt_err *err)
{
	PGconn *conn = db->conn;
	PGresult *res;
	int rc = 0;

	for (size_t i = from; i < to; i++) {
		res = PQgetResult(conn);
		if (!res) {
			lost_connection(db, err);
			return -1;
		}
		if (rc == 0 && PQresultStatus(res) == PGRES_FATAL_ERROR) {
			cmd_err(db, &cv->v[i], res, err);
			rc = -1;
		}
		PQclear(res);
		/* each command's results end with a NULL */
		while ((res = PQgetResult(conn)) != NULL)
			PQclear(res);
	}
	res = PQgetResult(conn);
	if (!res || PQresultStatus(res) != PGRES_PIPELINE_SYNC) {
		if (rc == 0)
			lost_connection(db, err);
		rc = -1;
	}
	PQclear(res);
	return rc;
}

/* Sends cmds in pipelined batches and reads every result. Returns 0, or -1
 * with err naming the first failing statement (the rest are not run). */
static int
run_pipeline(struct rt_db *db, const struct cmdv *cv, struct rt_err *err)
{
	PGconn *conn = db->conn;
	int rc = 0;

	if (PQenterPipelineMode(conn) != 1) {
		lost_connection(db, err);
		return -1;
	}
	for (size_t from = 0; from < cv->n && rc == 0; from += PIPELINE_BATCH) {
		size_t to = cv->n - from > PIPELINE_BATCH ? from + PIPELINE_BATCH : cv->n;

		for (size_t i = from; i < to; i++)
			if (!PQsendQueryParams(conn, cv->v[i].sql, 0, NULL, NULL, NULL, NULL, 0)) {
				lost_connection(db, err);
				return -1;
			}
		if (!PQpipelineSync(conn)) {
			lost_connection(db, err);
			return -1;
		}
		rc = read_batch(db, cv, from, to, err);
	}
	PQexitPipelineMode(conn);
	if (PQstatus(conn) == CONNECTION_BAD && rc == 0) {
		lost_connection(db, err);
		rc = -1;
	}
	return rc;
}

static int
exec_simple(struct rt_db *db, const char *sql, struct rt_err *err)
{
	PGresult *res = rt_db_exec(db, sql, "retort", err);

	if (!res)
		return -1;
	PQclear(res);
	return 0;
}

static void
log_failure(struct run *r, const struct rt_step *st, const struct rt_err *err)
{
	char *sql, *esc;
	PGresult *res;

	if (r->in_outer_tx || PQstatus(r->db->conn) != CONNECTION_OK)
		return;
	sql = history_insert(r->db->hist, st->rev->id, direction_of(r->plan, st), st->rev->sha256,
			     "failed", &r->who, true);
	res = PQexec(r->db->conn, sql);
	free(sql);
	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1 && err) {
		esc = PQescapeLiteral(r->db->conn, err->msg, strlen(err->msg));
		if (esc) {
			sql = rt_xasprintf("UPDATE %s SET error = %s WHERE id = %s", r->db->hist, esc,
					   PQgetvalue(res, 0, 0));
			PQclear(PQexec(r->db->conn, sql));
			free(sql);
			PQfreemem(esc);
		}
	}
	PQclear(res);
}

/* A transactional step: one pipeline, then COMMIT (or nothing inside an outer transaction). */
static int
run_tx_step(struct run *r, const struct rt_step *st, struct rt_err *err)
{
	struct cmdv cv = { 0 };
	int rc;

	if (!r->in_outer_tx) {
		cmd_push(&cv, rt_xstrdup("BEGIN"), NULL, 0);
		if (r->opts->ddl_lock_timeout_ms > 0)
			cmd_push(&cv, rt_xasprintf("SET LOCAL lock_timeout = %d",
						   r->opts->ddl_lock_timeout_ms), NULL, 0);
	}
	if (step_body(&cv, st, err) < 0) {
		cmdv_free(&cv);
		return -1;
	}
	vt_statements(&cv, r->db->vt, &st->heads_before, &st->heads_after);
	cmd_push(&cv, history_insert(r->db->hist, st->rev->id, direction_of(r->plan, st),
				     st->rev->sha256, "ok", &r->who, false), NULL, 0);
	rc = run_pipeline(r->db, &cv, err);
	cmdv_free(&cv);
	if (r->in_outer_tx)
		return rc;
	if (rc < 0) {
		if (PQstatus(r->db->conn) == CONNECTION_OK)
			PQclear(PQexec(r->db->conn, "ROLLBACK"));
		return -1;
	}
	if (exec_simple(r->db, "COMMIT", err) < 0) {
		if (PQstatus(r->db->conn) != CONNECTION_OK)
			lost_connection(r->db, err);
		return -1;
	}
	return 0;
}

/* Records the error on a dirty history entry (the revision stays dirty). */
static void
note_dirty(struct run *r, const char *id, const struct rt_err *err)
{
	char *esc, *sql;

	if (!err || PQstatus(r->db->conn) != CONNECTION_OK)
		return;
	esc = PQescapeLiteral(r->db->conn, err->msg, strlen(err->msg));
	if (!esc)
		return;
	sql = rt_xasprintf("UPDATE %s SET error = %s, finished_at = clock_timestamp() WHERE id = %s",
			   r->db->hist, esc, id);
	PQclear(PQexec(r->db->conn, sql));
	free(sql);
	PQfreemem(esc);
}

/* Statements [start, n) of a "transaction off" step, one by one, journaled
 * in history entry id (statements_done), then the version table and the
 * entry marked ok in one transaction. */
static int
run_notx_from(struct run *r, const struct rt_step *st, const char *id, size_t start,
	      struct rt_err *err)
{
	struct cmdv body = { 0 }, fin = { 0 };
	PGresult *res;
	char *sql;
	int rc = -1;

	if (step_body(&body, st, err) < 0)
		goto out;
	if (r->opts->ddl_lock_timeout_ms > 0) {
		sql = rt_xasprintf("SET lock_timeout = %d", r->opts->ddl_lock_timeout_ms);
		rc = exec_simple(r->db, sql, err);
		free(sql);
		if (rc < 0)
			goto out;
		rc = -1;
	}
	for (size_t i = start; i < body.n; i++) {
		if (r->opts->cancel && *r->opts->cancel) {
			rt_err_set(err, RT_ERR_CANCEL, "%s:%d: cancelled before this statement "
				   "(transaction off: %zu of %zu statements ran)",
				   body.v[i].path, body.v[i].line, i, body.n);
			goto out;
		}
		res = PQexec(r->db->conn, body.v[i].sql);
		if (PQresultStatus(res) != PGRES_COMMAND_OK &&
		    PQresultStatus(res) != PGRES_TUPLES_OK) {
			cmd_err(r->db, &body.v[i], res, err);
			rt_err_detail(err, "transaction off: %zu of %zu statements of %s ran; "
				      "retort_history entry %s is marked dirty: 'retort resolve' "
				      "resumes from statement %zu", i, body.n, st->rev->id, id, i + 1);
			PQclear(res);
			note_dirty(r, id, err);
			goto out;
		}
		PQclear(res);
		sql = rt_xasprintf("UPDATE %s SET statements_done = %zu WHERE id = %s",
				   r->db->hist, i + 1, id);
		res = rt_db_exec(r->db, sql, "retort", err);
		free(sql);
		if (!res)
			goto out;
		PQclear(res);
	}
	rc = finish_notx(r, st, id, err);
out:
	if (r->opts->ddl_lock_timeout_ms > 0 && PQstatus(r->db->conn) == CONNECTION_OK)
		PQclear(PQexec(r->db->conn, "RESET lock_timeout"));
	cmdv_free(&body);
	cmdv_free(&fin);
	return rc;
}

/* The version table for a finished transaction-off step, and its entry marked ok. */
static int
finish_notx(struct run *r, const struct rt_step *st, const char *id, struct rt_err *err)
{
	struct cmdv fin = { 0 };
	int rc;

	cmd_push(&fin, rt_xstrdup("BEGIN"), NULL, 0);
	vt_statements(&fin, r->db->vt, &st->heads_before, &st->heads_after);
	cmd_push(&fin, rt_xasprintf("UPDATE %s SET outcome = 'ok', finished_at = clock_timestamp(), "
				    "duration_ms = extract(epoch FROM clock_timestamp() - started_at)"
				    " * 1000, error = NULL WHERE id = %s", r->db->hist, id), NULL, 0);
	rc = run_pipeline(r->db, &fin, err);
	if (rc == 0)
		rc = exec_simple(r->db, "COMMIT", err);
	else if (PQstatus(r->db->conn) == CONNECTION_OK)
		PQclear(PQexec(r->db->conn, "ROLLBACK"));
	cmdv_free(&fin);
	return rc;
}

/* A "transaction off" step: a dirty history entry, then the statements. */
static int
run_notx_step(struct run *r, const struct rt_step *st, struct rt_err *err)
{
	char *sql, *id;
	PGresult *res;
	int rc;

	sql = history_insert(r->db->hist, st->rev->id, direction_of(r->plan, st), st->rev->sha256,
			     "dirty", &r->who, true);
	res = rt_db_exec(r->db, sql, "retort", err);
	free(sql);
	if (!res)
		return -1;
	id = rt_xstrdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	rc = run_notx_from(r, st, id, 0, err);
	free(id);
	return rc;
}

static int
run_stamp(struct run *r, struct rt_err *err)
{
	char *sql = stamp_sql(r->plan, r->db->vt, r->db->hist, &r->who);
	struct rt_buf b = { 0 };
	int rc;

	if (!r->in_outer_tx)
		rt_buf_puts(&b, "BEGIN;\n");
	rt_buf_puts(&b, sql);
	if (!r->in_outer_tx)
		rt_buf_puts(&b, "COMMIT;\n");
	free(sql);
	/* several statements in one simple query: one implicit unit of work */
	rc = exec_simple(r->db, rt_buf_str(&b), err);
	rt_buf_free(&b);
	return rc;
}

static void
fill_who(struct run *r)
{
	const char *user = r->opts->os_user;
	struct passwd *pw;

	if (!user) {
		pw = getpwuid(geteuid());
		user = pw ? pw->pw_name : getenv("USER");
	}
	r->os_user = rt_xstrdup(user ? user : "?");
	if (gethostname(r->host, sizeof(r->host)) != 0)
		snprintf(r->host, sizeof(r->host), "?");
	r->host[sizeof(r->host) - 1] = '\0';
	r->who.os_user = r->os_user;
	r->who.host = r->host;
	r->who.started = r->started;
}

static int
check_plan(const struct rt_plan *plan, const struct rt_apply_opts *opts, struct rt_err *err)
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

/* Adds who probably blocks to a lock-timeout error. */
static void
name_blockers(struct run *r, struct rt_err *err, int attempts)
{
	char *who = rt_db_blockers(r->db);
	char msg[sizeof(err->msg)];

	snprintf(msg, sizeof(msg), "%.900s (lock_timeout %d ms, %d attempt%s)", err->msg,
		 r->opts->ddl_lock_timeout_ms, attempts, attempts == 1 ? "" : "s");
	snprintf(err->msg, sizeof(err->msg), "%s", msg);
	rt_err_detail(err, "blocked by: %s", who ? who : "(nobody holds a relation lock now)");
	free(who);
}

/* Runs one step; a transactional one that hits the DDL lock timeout is rolled
 * back and retried with backoff, so the migration waits its turn without
 * making the application's queries queue behind its lock request. */
static int
run_step_retrying(struct run *r, const struct rt_step *st, struct rt_err *err)
{
	const struct rt_apply_opts *o = r->opts;
	bool can_retry = st->rev->is_transactional && !r->in_outer_tx;
	int wait_ms = 250;

	for (int attempt = 1;; attempt++) {
		int rc;

		stamp_now(r->started, sizeof(r->started));
		rc = st->rev->is_transactional || r->in_outer_tx ? run_tx_step(r, st, err)
								 : run_notx_step(r, st, err);
		if (rc == 0 || !err || strcmp(err->sqlstate, "55P03") != 0)
			return rc;
		if (!can_retry || attempt > o->lock_retries ||
		    PQstatus(r->db->conn) != CONNECTION_OK) {
			name_blockers(r, err, attempt);
			return rc;
		}
		if (o->on_retry) {
			char *who = rt_db_blockers(r->db);

			o->on_retry(st, attempt, o->lock_retries + 1, who, wait_ms, o->ctx);
			free(who);
		}
		for (int slept = 0; slept < wait_ms; slept += 50) {
			if (o->cancel && *o->cancel) {
				rt_err_set(err, RT_ERR_CANCEL, "cancelled while retrying revision %s",
					   st->rev->id);
				return -1;
			}
			usleep(50 * 1000);
		}
		wait_ms = wait_ms * 2 > 4000 ? 4000 : wait_ms * 2;
	}
}

/* Every step's SQL must split before anything runs: an unterminated quote in
 * the fifth revision is bad input, not a failure after four commits. */
static int
check_splits(const struct rt_plan *plan, struct rt_err *err)
{
	for (size_t i = 0; i < plan->nsteps; i++) {
		struct cmdv cv = { 0 };
		int rc = step_body(&cv, &plan->steps[i], err);

		cmdv_free(&cv);
		if (rc < 0)
			return -1;
	}
	return 0;
}

static int
run_steps(struct run *r, struct rt_err *err)
{
	const struct rt_plan *plan = r->plan;
	const struct rt_apply_opts *o = r->opts;

	for (size_t i = 0; i < plan->nsteps; i++) {
		const struct rt_step *st = &plan->steps[i];
		double t0 = mono_ms();
		int rc;

		if (o->cancel && *o->cancel) {
			rt_err_set(err, RT_ERR_CANCEL, "cancelled before revision %s", st->rev->id);
			return -1;
		}
		if (o->progress)
			o->progress(st, i, plan->nsteps, RT_STEP_START, 0, o->ctx);
		rc = run_step_retrying(r, st, err);
		if (rc < 0) {
			/* a transaction-off step keeps its own dirty entry */
			if (st->rev->is_transactional || r->in_outer_tx)
				log_failure(r, st, err);
			if (o->progress)
				o->progress(st, i, plan->nsteps, RT_STEP_FAILED, mono_ms() - t0, o->ctx);
			return -1;
		}
		if (o->progress)
			o->progress(st, i, plan->nsteps, RT_STEP_DONE, mono_ms() - t0, o->ctx);
	}
	return 0;
}

/* Lists the INVALID indexes into err's detail; returns how many. */
static size_t
detail_invalid(struct rt_db *db, struct rt_err *err)
{
	struct rt_strv idx = { 0 };
	size_t n;

	if (rt_db_invalid_indexes(db, &idx, NULL) < 0)
		return 0;
	for (size_t i = 0; i < idx.n; i++)
		rt_err_detail(err, "index %s is INVALID (left by a failed CREATE INDEX "
			      "CONCURRENTLY?)", idx.v[i]);
	n = idx.n;
	rt_strv_free(&idx);
	return n;
}

/* An interrupted transaction-off revision must be resolved before anything
 * else runs: its statements were neither all applied nor rolled back. */
static int
refuse_dirty(struct rt_db *db, struct rt_err *err)
{
	struct rt_dirty d;
	bool found;

	if (rt_db_find_dirty(db, &d, &found, err) < 0)
		return -1;
	if (!found)
		return 0;
	rt_err_set(err, RT_ERR_INPUT, "revision %s was interrupted during its %s after %d "
		   "statement%s (retort_history entry %lld); run 'retort resolve' first",
		   d.revision, d.is_up ? "upgrade" : "downgrade", d.statements_done,
		   d.statements_done == 1 ? "" : "s", d.id);
	if (d.error[0])
		rt_err_detail(err, "it failed with: %s", d.error);
	detail_invalid(db, err);
	return -1;
}

int
rt_plan_apply(struct rt_db *db, const struct rt_plan *plan, const struct rt_apply_opts *opts,
	      struct rt_err *err)
{
	static const struct rt_apply_opts defaults;
	struct run r = { 0 };
	char *setup;
	int rc;

	if (!opts)
		opts = &defaults;
	if (check_plan(plan, opts, err) < 0 || check_splits(plan, err) < 0)
		return -1;
	r.db = db;
	r.plan = plan;
	r.opts = opts;
	r.in_outer_tx = opts->single_transaction || opts->dry_run;
	fill_who(&r);
	if (r.in_outer_tx && exec_simple(db, "BEGIN", err) < 0) {
		free(r.os_user);
		return -1;
	}
	if (r.in_outer_tx && opts->ddl_lock_timeout_ms > 0) {
		char *sql = rt_xasprintf("SET LOCAL lock_timeout = %d", opts->ddl_lock_timeout_ms);

		rc = exec_simple(db, sql, err);
		free(sql);
		if (rc < 0) {
			PQclear(PQexec(db->conn, "ROLLBACK"));
			free(r.os_user);
			return -1;
		}
	}
	setup = rt_db_setup_sql(db->vt, db->pkc, db->hist);
	rc = exec_simple(db, setup, err);
	free(setup);
	if (rc == 0 && plan->kind != RT_PLAN_STAMP && plan->nsteps)
		rc = refuse_dirty(db, err);
	if (rc == 0 && plan->kind == RT_PLAN_STAMP) {
		stamp_now(r.started, sizeof(r.started));
		rc = run_stamp(&r, err);
	} else if (rc == 0) {
		rc = run_steps(&r, err);
	}
	if (r.in_outer_tx && PQstatus(db->conn) == CONNECTION_OK) {
		if (rc < 0 || opts->dry_run)
			PQclear(PQexec(db->conn, "ROLLBACK"));
		else
			rc = exec_simple(db, "COMMIT", err);
	}
	free(r.os_user);
	return rc;
}

/* ---- resolving an interrupted transaction-off revision --------------------- */

/* The one-step plan that re-creates the interrupted step from the version table. */
static struct rt_plan *
interrupted_step(struct rt_db *db, const struct rt_graph *g, const struct rt_dirty *d,
		 struct rt_err *err)
{
	struct rt_strv cur = { 0 };
	struct rt_plan *plan = NULL;

	if (rt_graph_find(g, d->revision) < 0) {
		rt_err_set(err, RT_ERR_INPUT, "revision %s was interrupted, but no migration file "
			   "defines it any more", d->revision);
		return NULL;
	}
	if (rt_db_current(db, &cur, err) < 0)
		return NULL;
	plan = d->is_up ? rt_plan_upgrade(g, &cur, d->revision, err)
			: rt_plan_downgrade(g, &cur, "-1", err);
	rt_strv_free(&cur);
	if (plan && (plan->nsteps != 1 || strcmp(plan->steps[0].rev->id, d->revision) != 0)) {
		rt_err_set(err, RT_ERR_INPUT, "the version table no longer matches the interrupted "
			   "%s of %s; resolve it by hand ('retort resolve --mark-applied' or "
			   "'--mark-reverted')", d->is_up ? "upgrade" : "downgrade", d->revision);
		rt_plan_free(plan);
		return NULL;
	}
	return plan;
}

static int
drop_invalid_indexes(struct rt_db *db, bool drop, struct rt_err *err)
{
	struct rt_strv idx = { 0 };
	int rc = 0;

	if (rt_db_invalid_indexes(db, &idx, err) < 0)
		return -1;
	if (idx.n && !drop) {
		rt_err_set(err, RT_ERR_INPUT, "%zu INVALID index%s would make the resumed statements "
			   "fail: drop %s, or pass --drop-invalid", idx.n, idx.n == 1 ? "" : "es",
			   idx.n == 1 ? "it" : "them");
		for (size_t i = 0; i < idx.n; i++)
			rt_err_detail(err, "index %s is INVALID", idx.v[i]);
		rc = -1;
	}
	for (size_t i = 0; rc == 0 && i < idx.n; i++) {
		/* regclass text is already a quoted, qualified-as-needed name */
		char *sql = rt_xasprintf("DROP INDEX CONCURRENTLY IF EXISTS %s", idx.v[i]);

		rc = exec_simple(db, sql, err);
		free(sql);
	}
	rt_strv_free(&idx);
	return rc;
}

int
rt_resolve(struct rt_db *db, const struct rt_graph *g, enum rt_resolve_mode mode,
	   bool drop_invalid, const struct rt_apply_opts *opts, struct rt_err *err)
{
	static const struct rt_apply_opts defaults;
	struct rt_plan *plan = NULL;
	struct run r = { 0 };
	struct rt_dirty d;
	char id[32], *sql;
	bool found;
	int rc = -1;

	if (rt_db_find_dirty(db, &d, &found, err) < 0)
		return -1;
	if (!found) {
		rt_err_set(err, RT_ERR_INPUT, "nothing to resolve: no revision was interrupted");
		return -1;
	}
	snprintf(id, sizeof(id), "%lld", d.id);
	if (mode == RT_RESOLVE_MARK_REVERTED) {
		sql = rt_xasprintf("UPDATE %s SET outcome = 'failed', finished_at = clock_timestamp(),"
				   " error = coalesce(error || ' ', '') || '(marked reverted by retort "
				   "resolve)' WHERE id = %s", db->hist, id);
		rc = exec_simple(db, sql, err);
		free(sql);
		return rc;
	}
	if (!(plan = interrupted_step(db, g, &d, err)))
		return -1;
	r.db = db;
	r.plan = plan;
	r.opts = opts ? opts : &defaults;
	fill_who(&r);
	if (mode == RT_RESOLVE_MARK_APPLIED)
		rc = finish_notx(&r, &plan->steps[0], id, err);
	else if (drop_invalid_indexes(db, drop_invalid, err) == 0)
		rc = run_notx_from(&r, &plan->steps[0], id, (size_t)d.statements_done, err);
	free(r.os_user);
	rt_plan_free(plan);
	return rc;
}
