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

static size_t
backup_fds(void *job, int fds[2])
{
	return rt_backup_job_fds(job, fds);
}

static int
backup_step(void *job, struct rt_err *err)
{
	return rt_backup_job_step(job, err);
}

static void
backup_cancel(void *job)
{
	rt_backup_job_cancel(job);
}

static int
wait_backup(struct rt_backup_job *job, struct cli *c)
{
	struct cli_job j = { job, backup_fds, backup_step, backup_cancel };

	return cli_run_job(&j, &c->err);
}

/* Takes a backup; prints where it went (what: "backup", "backup before upgrade"). */
static int
run_backup(struct cli *c, const char *what)
{
	struct progress_state ps = { c, 0, false };
	struct rt_backup_opts o = { c->cfg->backup_dir, c->env ? c->env->name : NULL,
				    on_backup_progress, &ps };
	struct rt_backup_job *job = rt_backup_start(c->db, &o, &c->err);
	const struct rt_backup_info *b;
	char size[32];
	int rc;

	if (!job)
		return -1;
	if (rt_backup_job_note(job) && !c->quiet)
		fprintf(stderr, "retort: note: %s\n", rt_backup_job_note(job));
	rc = wait_backup(job, c);
	if (rc == 0 && (b = rt_backup_job_result(job))) {
		rt_fmt_bytes(b->bytes, size, sizeof(size));
		printf("%s: %s\n", what, b->path);
		if (!c->quiet)
			printf("  %s, revision %s, %zu tables counted, sha256 %.16s...\n", size,
			       b->revision, b->counts.n, b->sha256);
	}
	rt_backup_job_free(job);
	return rc < 0 ? -1 : 0;
}

int
cli_cmd_backup(struct cli *c)
{
	if (cli_connect(c) < 0)
		return -1;
	return run_backup(c, "backup");
}

int
cli_auto_backup(struct cli *c)
{
	if (c->no_backup || !c->cfg->auto_backup) {
		if (!c->quiet)
			printf("no backup before this change (%s)\n",
			       c->no_backup ? "--no-backup" : "auto_backup = false");
		return 0;
	}
	return run_backup(c, "backup before migrating");
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
	char size[32], age[32], bytes[32];

	rt_fmt_bytes(b->bytes, size, sizeof(size));
	rt_fmt_age((long long)(time(NULL) - b->mtime), age, sizeof(age));
	snprintf(bytes, sizeof(bytes), "%lld", b->bytes);
	if (c->format == CLI_TEXT) {
		printf("%-60s %10s  %-16s %6s  %s\n", b->name, size,
		       b->revision ? b->revision : "?", age, check_text(b->check));
	} else {
		const char *vals[] = { b->name, bytes, b->revision, b->created, age,
				       check_text(b->check), b->path };

		cli_table_row(t, vals);
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

int
cli_cmd_prune(struct cli *c)
{
	static const char *const cols[] = { "name", "action" };
	struct rt_prune_policy pol = { 0, 0, 0 };
	struct rt_strv gone = { 0 };
	struct cli_table t;
	const char *action = c->dry_run ? "would delete" : "deleted";

	if (cli_load_config(c) < 0)
		return -1;
	pol.keep_days = c->opts_seen & CLI_OPT_KEEP_DAYS ? c->keep_days : c->cfg->retention_days;
	pol.keep_count = c->opts_seen & CLI_OPT_KEEP ? c->keep_count : c->cfg->retention_count;
	if (pol.keep_days == 0 && pol.keep_count == 0) {
		if (!c->quiet)
			printf("no retention policy (retention_days and retention_count are 0): "
			       "nothing to prune\n");
		return 0;
	}
	if (rt_backup_prune(c->cfg->backup_dir, &pol, c->dry_run, &gone, &c->err) < 0) {
		rt_strv_free(&gone);
		return -1;
	}
	cli_table_begin(&t, c->format, cols, 2);
	for (size_t i = 0; i < gone.n; i++) {
		const char *vals[] = { gone.v[i], c->dry_run ? "would_delete" : "deleted" };

		if (c->format == CLI_TEXT && !c->quiet)
			printf("%s %s\n", action, gone.v[i]);
		else
			cli_table_row(&t, vals);
	}
	if (c->format == CLI_TEXT && gone.n == 0 && !c->quiet)
		printf("nothing to prune\n");
	cli_table_end(&t);
	rt_strv_free(&gone);
	return 0;
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
	if (p->is_shown)
		fprintf(stderr, "\r\033[K");
	p->is_shown = false;
}

/* On a terminal: one line, rewritten at most five times a second. */
static void
on_restore_progress(struct restore_printer *p, const struct rt_backup_progress *b)
{
	char done[32], all[32];

	if (p->c->quiet || !isatty(STDERR_FILENO) || !b)
		return;
	if (b->seconds - p->at < 0.2 && p->is_shown)
		return;
	p->at = b->seconds;
	p->is_shown = true;
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
	char line[64], *typed, *prompt;
	int rc;

	if (!c->quiet)
		fprintf(stderr, "restore %s\n  taken %s from database %s%s%s at revision %s (%zu tables)\n"
			"  into %s%s\n", b->name, b->created ? b->created : "?",
			b->database ? b->database : "?", b->env && *b->env ? ", env " : "",
			b->env ? b->env : "", b->revision ? b->revision : "?", b->counts.n,
			rt_session_url_masked(c->session),
			rt_restore_is_clean(r) ? " (--clean: existing objects dropped first)" : "");
	if (c->yes)
		return rt_restore_confirm(r, NULL, true, &c->err);
	if (rt_restore_confirm_kind(r) == RT_CONFIRM_DBNAME) {
		if (!isatty(STDIN_FILENO)) {
			rt_err_set(&c->err, RT_ERR_INPUT, "env '%s' is protected: run on a terminal to "
				   "confirm, or pass --yes --env %s", c->env->name, c->env->name);
			return -1;
		}
		fprintf(stderr, "env '%s' is protected. Restore this backup over it?\n", c->env->name);
		prompt = rt_xasprintf("Type the database name (%s) to go on: ", rt_restore_dbname(r));
		rl_outstream = stderr;
		typed = readline(prompt);
		free(prompt);
		rc = rt_restore_confirm(r, typed ? typed : "", false, &c->err);
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
			const char *vals[] = { x->schema, x->name, saved, live };

			cli_table_row(&t, vals);
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
	if (res->diffs.n)
		print_diffs(c, &res->diffs);
	else if (is_text)
		printf("row counts: all %zu tables match the backup\n", res->ntables);
	if (is_text)
		printf("database now at: %s%s\n", res->revision_after,
		       strcmp(res->revision_after, res->revision_expected) == 0 ?
		       " (as in the backup)" : "");
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
out:
	rt_job_free(job);
	rt_restore_free(r);
	return rc < 0 ? -1 : 0;
}
