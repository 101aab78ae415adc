/* cli_backup.c - the backup commands: backup, backups, prune, restore, and
 * the automatic backup before migrating a protected env. The jobs run in the
 * engine; here they are driven by a blocking poll() loop (Ctrl-C cancels). */
#include "config.h"
#include "cli.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <readline/readline.h>

#include "rt_backup.h"
#include "rt_config.h"
#include "rt_counts.h"
#include "rt_db.h"
#include "rt_fmt.h"
#include "rt_job.h"
#include "rt_restore.h"
#include "rt_session.h"

/* ---- backup ------------------------------------------------------------------ */

struct progress_state {
	const struct cli *c;
	double last;
	bool shown;
};

/* On a terminal: one line, rewritten at most five times a second. */
static void
on_backup_progress(const struct rt_backup_progress *p, void *ctx)
{
	struct progress_state *ps = ctx;
	char bytes[32];

	if (ps->c->quiet || !isatty(STDERR_FILENO))
		return;
	if (p->phase == RT_BACKUP_DONE) {
		if (ps->shown)
			fprintf(stderr, "\r\033[K");
		return;
	}
	if (p->seconds - ps->last < 0.2 && ps->shown)
		return;
	ps->last = p->seconds;
	ps->shown = true;
	rt_fmt_bytes(p->bytes, bytes, sizeof(bytes));
	fprintf(stderr, "\r\033[K%s: %s, %zu/%zu tables counted, %.0f s",
		p->phase == RT_BACKUP_DUMPING ? "dumping" : "verifying", bytes, p->tables_done,
		p->tables_total, p->seconds);
}

/* Takes a backup; prints where it went (what: "backup", "backup before upgrade"). */
static int
run_backup(struct cli *c, const char *what)
{
	struct progress_state ps = { c, 0, false };
	struct rt_backup_opts o = { c->cfg->backup_dir, c->env ? c->env->name : NULL,
				    on_backup_progress, &ps };
	struct rt_backup_job *bj = rt_backup_start(c->db, &o, &c->err);
	const struct rt_backup_info *b;
	struct rt_job *job;
	char size[32];
	int rc;

	if (!bj)
		return -1;
	if (rt_backup_job_note(bj) && !c->quiet)
		fprintf(stderr, "retort: note: %s\n", rt_backup_job_note(bj));
	job = rt_backup_job_as_job(bj);
	rc = cli_drive(job, &c->err);
	/* -q: nothing at all; `retort backups` lists where it went */
	if (rc == 0 && (b = rt_backup_job_result(bj)) && !c->quiet) {
		rt_fmt_bytes(b->bytes, size, sizeof(size));
		printf("%s: %s\n", what, b->path);
		printf("  %s, revision %s, %zu tables counted, sha256 %.16s...\n", size,
		       b->revision, b->counts.n, b->sha256);
	}
	rt_job_free(job);
	return rc < 0 ? -1 : 0;
}

int
cli_cmd_backup(struct cli *c)
{
	if (cli_connect(c) < 0)
		return -1;
	return run_backup(c, "backup");
}

/* ---- backups, prune ---------------------------------------------------------- */

static const char *
check_text(enum rt_backup_check check)
{
	switch (check) {
	case RT_BACKUP_OK: return "ok";
	case RT_BACKUP_BAD_SUM: return "MISMATCH";
	case RT_BACKUP_NO_SIDECAR: return "no sidecar";
	default: return "unchecked";
	}
}

static void
backup_row(struct cli *c, struct cli_table *t, const struct rt_backup_info *b)
{
	char size[32], age[32];

	rt_fmt_bytes(b->bytes, size, sizeof(size));
	rt_fmt_age((long long)(time(NULL) - b->mtime), age, sizeof(age));
	if (c->format == CLI_TEXT) {
		printf("%-60s %10s  %-16s %6s  %s\n", b->name, size,
		       b->revision ? b->revision : "?", age, check_text(b->check));
	} else {
		const struct cli_cell cells[] = {
			cli_cell_str(b->name), cli_cell_num(b->bytes), cli_cell_str(b->revision),
			cli_cell_str(b->created), cli_cell_str(age),
			cli_cell_str(check_text(b->check)), cli_cell_str(b->path)
		};

		cli_table_cells(t, cells);
	}
}

int
cli_cmd_backups(struct cli *c)
{
	static const char *const cols[] = { "name", "bytes", "revision", "created", "age",
					    "checksum", "path" };
	struct rt_backup_list l = { 0 };
	struct cli_table t;

	if (cli_load_config(c) < 0 || rt_backup_list(c->cfg->backup_dir, true, &l, &c->err) < 0)
		return -1;
	cli_table_begin(&t, c->format, cols, sizeof(cols) / sizeof(*cols));
	if (c->format == CLI_TEXT && l.n == 0)
		printf("no backups in %s\n", c->cfg->backup_dir);
	else if (c->format == CLI_TEXT)
		printf("%-60s %10s  %-16s %6s  %s\n", "backup (newest first)", "size", "revision",
		       "age", "checksum");
	for (size_t i = 0; i < l.n; i++)
		backup_row(c, &t, &l.v[i]);
	cli_table_end(&t);
	rt_backup_list_free(&l);
	return 0;
}

/* A prune's reason: a word for csv and json, a phrase for people. */
static const char *
why_code(enum rt_prune_why why)
{
	switch (why) {
	case RT_PRUNE_NEWEST: return "newest";
	case RT_PRUNE_WITHIN: return "within_policy";
	case RT_PRUNE_OTHER: return "other_env";
	case RT_PRUNE_NO_SIDECAR: return "no_sidecar";
	case RT_PRUNE_TOO_OLD: return "too_old";
	default: return "too_many";
	}
}

static void
why_text(const struct rt_prune_policy *pol, enum rt_prune_why why, char *buf, size_t len)
{
	switch (why) {
	case RT_PRUNE_NEWEST: snprintf(buf, len, "the newest"); break;
	case RT_PRUNE_WITHIN: snprintf(buf, len, "within the policy"); break;
	case RT_PRUNE_OTHER: snprintf(buf, len, "another env"); break;
	case RT_PRUNE_NO_SIDECAR: snprintf(buf, len, "no sidecar"); break;
	case RT_PRUNE_TOO_OLD: snprintf(buf, len, "older than %d days", pol->keep_days); break;
	default: snprintf(buf, len, "beyond the %d newest", pol->keep_count); break;
	}
}

static const char *
prune_action(const struct rt_prune_item *it, bool dry_run, bool is_text)
{
	if (!it->goes)
		return is_text ? "stays" : "keep";
	if (dry_run)
		return is_text ? "would delete" : "would_delete";
	return it->is_deleted ? "deleted" : is_text ? "not deleted" : "not_deleted";
}

/* One pair's backups, v[0 .. n): a head line, then (dry run: every backup;
 * else what went) one line each. Backups of nobody are always listed. */
static void
print_prune_pair(const struct rt_prune_policy *pol, const struct rt_prune_item *v, size_t n,
		 bool dry_run)
{
	size_t ngo = 0;
	char why[64];

	for (size_t i = 0; i < n; i++)
		ngo += v[i].goes;
	if (v[0].why == RT_PRUNE_NO_SIDECAR)
		printf("without a sidecar: %zu backup(s) stay (whose they are is unknown)\n", n);
	else if (v[0].why == RT_PRUNE_OTHER)
		printf("database %s, env %s: %zu backup(s) stay, another env (--all-envs prunes "
		       "every env)\n", v[0].database, rt_backup_env_label(v[0].env), n);
	else if (ngo == 0)
		printf("database %s, env %s: %zu backup(s) stay, nothing to prune\n", v[0].database,
		       rt_backup_env_label(v[0].env), n);
	else
		printf("database %s, env %s: %zu stay, %zu %s\n", v[0].database,
		       rt_backup_env_label(v[0].env), n - ngo, ngo,
		       dry_run ? "would go" : "deleted");
	if (v[0].why == RT_PRUNE_OTHER)
		return;
	for (size_t i = 0; i < n; i++) {
		if (!dry_run && !v[i].goes && v[i].why != RT_PRUNE_NO_SIDECAR)
			continue;
		why_text(pol, v[i].why, why, sizeof(why));
		printf("  %-12s %s  (%s)\n", prune_action(&v[i], dry_run, true), v[i].name, why);
	}
}

static void
print_prune(struct cli *c, const struct rt_prune_policy *pol, const struct rt_prune_result *r)
{
	static const char *const cols[] = { "name", "database", "env", "action", "reason" };
	bool has_session_pair = pol->all_envs;
	struct cli_table t;

	if (c->format != CLI_TEXT) {
		cli_table_begin(&t, c->format, cols, sizeof(cols) / sizeof(*cols));
		for (size_t i = 0; i < r->n; i++) {
			const struct rt_prune_item *it = &r->v[i];
			/* no sidecar: whose it is is unknown, null rather than a guess */
			const struct cli_cell cells[] = {
				cli_cell_str(it->name), cli_cell_str(it->database),
				cli_cell_str(it->database ? rt_backup_env_label(it->env) : NULL),
				cli_cell_str(prune_action(it, c->dry_run, false)),
				cli_cell_str(why_code(it->why))
			};

			cli_table_cells(&t, cells);
		}
		cli_table_end(&t);
		return;
	}
	if (c->quiet)
		return;
	for (size_t i = 0; i < r->n; i++)
		has_session_pair = has_session_pair || (r->v[i].why != RT_PRUNE_OTHER &&
							r->v[i].why != RT_PRUNE_NO_SIDECAR);
	if (!has_session_pair)      /* say so: the user asked about this pair */
		printf("database %s, env %s: no backups\n", pol->database,
		       rt_backup_env_label(pol->env));
	for (size_t i = 0, n; i < r->n; i += n) {
		for (n = 1; i + n < r->n && rt_prune_same_pair(&r->v[i], &r->v[i + n]); n++)
			;
		print_prune_pair(pol, &r->v[i], n, c->dry_run);
	}
}

int
cli_cmd_prune(struct cli *c)
{
	struct rt_prune_policy pol = { 0 };
	struct rt_prune_result res = { 0 };
	int rc;

	if (cli_load_config(c) < 0)
		return -1;
	pol.keep_days = c->opts_seen & CLI_OPT_KEEP_DAYS ? c->keep_days : c->cfg->retention_days;
	pol.keep_count = c->opts_seen & CLI_OPT_KEEP ? c->keep_count : c->cfg->retention_count;
	if (pol.keep_days == 0 && pol.keep_count == 0) {
		if (c->format != CLI_TEXT)
			print_prune(c, &pol, &res);   /* csv and json stay parseable: empty */
		else if (!c->quiet)
			printf("no retention policy (retention_days and retention_count are 0): "
			       "nothing to prune\n");
		return 0;
	}
	pol.all_envs = c->all_envs;
	if (!pol.all_envs) {
		/* whose backups these are is what the session connects to: the
		 * database name as the server gives it, as backups record it */
		if (cli_connect(c) < 0) {
			rt_err_detail(&c->err, "prune needs the database to know whose backups to "
				      "prune; --all-envs prunes every env's without connecting");
			return -1;
		}
		pol.database = rt_db_name(c->db);
		pol.env = c->env ? c->env->name : "";
	}
	rc = rt_backup_prune(c->cfg->backup_dir, &pol, c->dry_run, &res, &c->err);
	print_prune(c, &pol, &res);    /* after a failure too: what was deleted */
	rt_prune_result_free(&res);
	return rc;
}

/* ---- restore ----------------------------------------------------------------- */

/* What the restore's event printer needs. */
struct restore_printer {
	const struct cli *c;
	const struct rt_restore *r;
	bool is_shown;          /* a progress line is on stderr */
	double at;
};

static void
end_progress(struct restore_printer *p)
{
	cli_progress_end(&p->is_shown);
}

/* On a terminal: one line, rewritten at most five times a second. */
static void
on_restore_progress(struct restore_printer *p, const struct rt_backup_progress *b)
{
	char done[32], all[32];

	if (p->c->quiet || !isatty(STDERR_FILENO) || !b || b->phase == RT_BACKUP_DONE)
		return;
	if (b->seconds - p->at < 0.2 && p->is_shown)
		return;
	p->at = b->seconds;
	p->is_shown = true;
	if (b->phase == RT_BACKUP_DUMPING || b->phase == RT_BACKUP_HASHING) {
		rt_fmt_bytes(b->bytes, done, sizeof(done));
		fprintf(stderr, "\r\033[Kbacking up first: %s, %zu/%zu tables counted, %.0f s", done,
			b->tables_done, b->tables_total, b->seconds);
		return;
	}
	if (b->phase == RT_BACKUP_COUNTING) {
		fprintf(stderr, "\r\033[Kcounting: %zu/%zu tables, %.0f s", b->tables_done,
			b->tables_total, b->seconds);
		return;
	}
	rt_fmt_bytes(b->bytes, done, sizeof(done));
	rt_fmt_bytes(rt_restore_info(p->r)->bytes, all, sizeof(all));
	fprintf(stderr, "\r\033[Krestoring: %s of %s, %.0f s", done, all, b->seconds);
}

static void
on_restore_event(const struct rt_event *ev, void *ctx)
{
	struct restore_printer *p = ctx;

	if (ev->kind == RT_EV_BACKUP) {
		on_restore_progress(p, ev->backup);
		return;
	}
	if (ev->kind == RT_EV_BACKUP_DONE) {     /* where it went matters even with -q */
		struct rt_buf safe = { 0 };
		/* with csv or json, stdout holds only the document */
		FILE *fp = p->c->format == CLI_TEXT ? stdout : stderr;

		end_progress(p);
		fprintf(fp, "backup before restoring: %s\n", rt_fmt_safe(&safe, ev->text, 0));
		fflush(fp);
		rt_buf_free(&safe);
		return;
	}
	if (p->c->quiet)
		return;
	if (ev->kind == RT_EV_LOCK_WAIT) {
		end_progress(p);
		fprintf(stderr, "retort: waiting for the migration lock, held by %s\n", ev->text);
	} else if (ev->kind == RT_EV_NOTE && ev->text) {
		end_progress(p);
		fprintf(stderr, "retort: note: %s\n", ev->text);
	}
}

/* y/N on a terminal, unless --yes; a protected env needs the typed name. */
static int
confirm_restore(struct cli *c, struct rt_restore *r)
{
	const struct rt_backup_info *b = rt_restore_info(r);
	char line[64], *typed;
	int rc;

	if (!c->quiet)
		fprintf(stderr, "restore %s\n  taken %s from database %s%s%s at revision %s (%zu tables)\n"
			"  into %s%s\n", b->name, b->created ? b->created : "?",
			b->database ? b->database : "?", b->env && *b->env ? ", env " : "",
			b->env ? b->env : "", b->revision ? b->revision : "?", b->counts.n,
			rt_session_url_masked(c->session),
			rt_restore_is_clean(r) ? " (--clean: existing objects dropped first)" : "");
	if (!c->quiet && rt_restore_backs_up(r))
		fprintf(stderr, "  a backup of %s is made first (protected env)\n",
			rt_restore_dbname(r));
	if (c->yes)
		return rt_restore_confirm(r, NULL, true, &c->err);
	if (rt_restore_confirm_kind(r) == RT_CONFIRM_DBNAME) {
		if (!(typed = cli_ask_dbname(c, "Restore this backup over it?", rt_restore_dbname(r))))
			return -1;
		rc = rt_restore_confirm(r, typed, false, &c->err);
		free(typed);
		return rc;
	}
	if (!isatty(STDIN_FILENO)) {
		rt_err_set(&c->err, RT_ERR_INPUT, "restore overwrites data: confirm on a terminal, "
			   "or pass --yes");
		return -1;
	}
	fprintf(stderr, "Restore? [y/N] ");
	fflush(stderr);
	if (!fgets(line, sizeof(line), stdin) || (line[0] != 'y' && line[0] != 'Y')) {
		rt_err_set(&c->err, RT_ERR_INPUT, "not confirmed; nothing changed");
		return -1;
	}
	return rt_restore_confirm(r, NULL, true, &c->err);
}

static void
print_diffs(struct cli *c, const struct rt_count_diffs *d)
{
	static const char *const cols[] = { "schema", "table", "backup", "now" };
	struct cli_table t;

	cli_table_begin(&t, c->format, cols, 4);
	if (c->format == CLI_TEXT)
		printf("%zu table(s) differ from the backup:\n%-40s %14s %14s\n", d->n, "table",
		       "backup", "now");
	for (size_t i = 0; i < d->n; i++) {
		const struct rt_count_diff *x = &d->v[i];
		char saved[32], live[32], name[512];

		snprintf(saved, sizeof(saved), x->saved < 0 ? "(absent)" : "%lld", x->saved);
		snprintf(live, sizeof(live), x->live < 0 ? "(absent)" : "%lld", x->live);
		snprintf(name, sizeof(name), "%s.%s", x->schema, x->name);
		if (c->format == CLI_TEXT) {
			printf("%-40s %14s %14s\n", name, saved, live);
		} else {
			/* a table on one side only has no count on the other: null */
			const struct cli_cell cells[] = {
				cli_cell_str(x->schema), cli_cell_str(x->name),
				x->saved < 0 ? cli_cell_null() : cli_cell_num(x->saved),
				x->live < 0 ? cli_cell_null() : cli_cell_num(x->live)
			};

			cli_table_cells(&t, cells);
		}
	}
	cli_table_end(&t);
}

/* What the engine found after pg_restore; the verdict is its error. */
static void
print_result(struct cli *c, const struct rt_restore *r)
{
	const struct rt_restore_result *res = rt_restore_result(r);
	bool is_text = c->format == CLI_TEXT && !c->quiet;

	if (!res || !res->is_restored)
		return;
	if (is_text)
		printf("restored %s\n", rt_restore_info(r)->name);
	if (!res->is_compared)
		return;
	/* csv and json print the table even when it is empty: a header, "[]" */
	if (res->diffs.n || c->format != CLI_TEXT)
		print_diffs(c, &res->diffs);
	else if (is_text)
		printf("row counts: all %zu tables match the backup\n", res->ntables);
	if (is_text)
		printf("database now at: %s%s\n", res->revision_after,
		       strcmp(res->revision_after, res->revision_expected) == 0 ?
		       " (as in the backup)" : "");
	if (is_text && rt_restore_is_clean(r))
		printf("retort_history: not rolled back (rows since the backup kept, this restore "
		       "recorded)\n");
}

/* Without --clean, pg_restore's CREATE TABLE fails on the first table that
 * exists already, and the restore rolls back. When the database has tables
 * of the backup, name a few and the way out. Read after the rollback, so
 * these tables were there before the restore too. */
static void
suggest_clean(struct cli *c, const struct rt_restore *r)
{
	const struct rt_counts *saved = &rt_restore_info(r)->counts;
	struct rt_counts live = { 0 };
	struct rt_err ignored = { 0 };
	struct rt_buf names = { 0 };
	size_t n = 0;

	if (rt_counts_estimate(c->db, &live, &ignored) < 0)
		goto out;
	for (size_t i = 0; i < live.n; i++)
		for (size_t k = 0; k < saved->n; k++) {
			if (strcmp(live.v[i].schema, saved->v[k].schema) != 0 ||
			    strcmp(live.v[i].name, saved->v[k].name) != 0)
				continue;
			if (n < 3)
				rt_buf_printf(&names, "%s%s.%s", n ? ", " : "", live.v[i].schema,
					      live.v[i].name);
			n++;
			break;
		}
	if (n)
		rt_err_detail(&c->err, "the database already has %zu of the backup's tables (%s%s): "
			      "restore --clean drops them first, back to the moment of the backup",
			      n, rt_buf_str(&names), n > 3 ? ", ..." : "");
out:
	rt_buf_free(&names);
	rt_counts_free(&live);
}

int
cli_cmd_restore(struct cli *c)
{
	struct rt_restore_req req = { c->args[0], c->clean, c->lock_timeout_ms };
	struct restore_printer p = { c, NULL, false, 0 };
	struct rt_restore *r = NULL;
	struct rt_job *job = NULL;
	int rc = -1;

	if (cli_load_config(c) < 0 || !(r = rt_restore_prepare(c->session, &req, &c->err)) ||
	    cli_connect(c) < 0 || confirm_restore(c, r) < 0)
		goto out;
	p.r = r;
	if (!(job = rt_restore_op_start(r, on_restore_event, &p, &c->err)))
		goto out;
	rc = cli_drive(job, &c->err);
	end_progress(&p);
	print_result(c, r);
	if (rc < 0 && c->err.kind == RT_ERR_RUN && !c->clean &&
	    (!rt_restore_result(r) || !rt_restore_result(r)->is_restored))
		suggest_clean(c, r);
out:
	rt_job_free(job);
	rt_restore_free(r);
	return rc < 0 ? -1 : 0;
}
