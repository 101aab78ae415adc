/* cli_cmds.c - the commands: listings (current, history, heads, branches,
 * show, counts), files (init, revision, merge) and the sandbox. The
 * migration commands are in cli_migrate.c, the backup ones in cli_backup.c.
 *
 * Text that comes from files, file names, the database or the catalog goes
 * to the terminal through rt_fmt_safe: a message or a table name may hold
 * an escape sequence that would otherwise erase or rewrite lines. Revision
 * ids and branch labels are checked by the parser and print as they are;
 * csv and json rows keep the data as it is (cli_out.c escapes json). */
#include "config.h"
#include "cli.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rt_config.h"
#include "rt_counts.h"
#include "rt_fmt.h"
#include "rt_db.h"
#include "rt_graph.h"
#include "rt_job.h"
#include "rt_migrate.h"
#include "rt_migration.h"
#include "rt_project.h"
#include "rt_sandbox.h"
#include "rt_session.h"
#include "ui_main.h"

/* ---- listings ---------------------------------------------------------------- */

/* Reads the version table when the command wants it; a failure leaves cur empty. */
static int
read_current(struct cli *c, struct rt_strv *cur)
{
	if (cli_connect(c) < 0)
		return -1;
	return rt_db_current(c->db, cur, &c->err);
}

static char *
labels_of(const struct rt_rev *rev)
{
	struct rt_strv sv = { rev->labels, rev->nlabels, rev->nlabels };

	return rt_strv_join(&sv, " ");
}

static char *
parents_of(const struct rt_rev *rev)
{
	struct rt_strv sv = { rev->down, rev->ndown, rev->ndown };

	return rt_strv_join(&sv, " ");
}

/* "(head) (current) (branchpoint)..." markers for text listings. */
static void
markers(char *out, size_t size, const struct rt_node *n, bool is_current)
{
	char *labels = labels_of(n->rev);

	snprintf(out, size, "%s%s%s%s%s%s%s", n->rev->nlabels ? " (" : "", labels,
		 n->rev->nlabels ? ")" : "", n->nchildren == 0 ? " (head)" : "",
		 is_current ? " (current)" : "", n->nchildren > 1 ? " (branchpoint)" : "",
		 n->nparents > 1 ? " (mergepoint)" : "");
	free(labels);
}

static int
cmd_current(struct cli *c)
{
	static const char *const cols[] = { "revision", "is_head", "message", "path" };
	struct rt_strv cur = { 0 };
	struct rt_buf safe = { 0 };
	struct cli_table t;
	char mk[256];
	int rc = -1;

	if (cli_load_graph_headers(c) < 0 || read_current(c, &cur) < 0)
		goto out;
	/* as Alembic's current -v: which database, and how long a connection to
	 * it may wait for the server (what libpq holds) */
	if (c->format == CLI_TEXT && c->verbose)
		printf("current revision(s) for %s (connect_timeout %d s):\n",
		       rt_fmt_safe(&safe, rt_session_url_masked(c->session), 0),
		       rt_db_connect_timeout(c->db));
	cli_table_begin(&t, c->format, cols, 4);
	for (size_t i = 0; i < cur.n; i++) {
		long k = rt_graph_find(c->graph, cur.v[i]);
		const struct rt_node *n = k >= 0 ? rt_graph_node(c->graph, (size_t)k) : NULL;
		/* a row no file defines: what the files would say is unknown */
		const struct cli_cell cells[4] = {
			cli_cell_str(cur.v[i]), n ? cli_cell_bool(!n->nchildren) : cli_cell_null(),
			cli_cell_str(n ? n->rev->message : NULL),
			cli_cell_str(n ? n->rev->path : NULL)
		};

		if (c->format != CLI_TEXT) {
			cli_table_cells(&t, cells);
			continue;
		}
		if (!n) {   /* a version-table row can hold anything */
			printf("%s (no migration file defines it)\n",
			       rt_fmt_safe(&safe, cur.v[i], 0));
			continue;
		}
		markers(mk, sizeof(mk), n, false);
		printf(c->verbose ? "%s%s, %s\n" : "%s%s\n", cur.v[i], mk,
		       rt_fmt_safe(&safe, n->rev->message, 0));
	}
	cli_table_end(&t);
	rc = 0;
out:
	rt_buf_free(&safe);
	rt_strv_free(&cur);
	return rc;
}

/* One history line; applied is NULL without -i, modified when the file
 * changed since it was applied (its checksum differs from retort_history's). */
static void
history_row(struct cli *c, struct cli_table *t, const struct rt_node *n, const bool *applied,
	    bool is_current, bool is_modified)
{
	const struct rt_rev *rev = n->rev;
	char *parents = parents_of(rev), *labels = labels_of(rev);
	struct rt_buf safe = { 0 }, safe2 = { 0 };
	char mk[256];

	if (c->format == CLI_TEXT) {
		markers(mk, sizeof(mk), n, is_current);
		printf("%s -> %s%s%s, %s\n", rev->ndown ? parents : "<base>", rev->id, mk,
		       is_modified ? " (modified since applied)" : "",
		       rt_fmt_safe(&safe, rev->message, 0));
		if (c->verbose)
			printf("    path: %s\n    created: %s\n", rt_fmt_safe(&safe, rev->path, 0),
			       rt_fmt_safe(&safe2, rev->created, 0));
	} else {
		/* without -i the database was not read: null, not false */
		const struct cli_cell cells[] = {
			cli_cell_str(rev->id), cli_cell_str(rev->ndown ? parents : NULL),
			cli_cell_str(rev->message), cli_cell_str(rev->created),
			cli_cell_str(labels), cli_cell_bool(!n->nchildren),
			cli_cell_bool(n->nchildren > 1), cli_cell_bool(n->nparents > 1),
			applied ? cli_cell_bool(is_current) : cli_cell_null(),
			applied ? cli_cell_bool(*applied) : cli_cell_null(),
			applied ? cli_cell_bool(is_modified) : cli_cell_null(),
			cli_cell_str(rev->path)
		};

		cli_table_cells(t, cells);
	}
	rt_buf_free(&safe);
	rt_buf_free(&safe2);
	free(parents);
	free(labels);
}

static int
cmd_history(struct cli *c)
{
	static const char *const cols[] = { "revision", "down_revision", "message", "created",
					    "branch_labels", "is_head", "is_branch_point", "is_merge",
					    "is_current", "is_applied", "is_modified", "path" };
	struct rt_strv cur = { 0 }, ids = { 0 }, sums = { 0 };
	bool *in_range = NULL, *applied = NULL;
	struct cli_table t;
	size_t n;
	int rc = -1;

	/* -i compares checksums: only then are the whole files read */
	if ((c->indicate_current ? cli_load_graph(c) : cli_load_graph_headers(c)) < 0)
		return -1;
	n = rt_graph_count(c->graph);
	if ((c->indicate_current || (c->range && strstr(c->range, "current"))) &&
	    read_current(c, &cur) < 0)
		goto out;
	in_range = rt_xcalloc(n + 1, sizeof(bool));
	if (rt_graph_range(c->graph, c->range ? c->range : "", &cur, in_range, &c->err) < 0)
		goto out;
	if (c->indicate_current) {
		applied = rt_xcalloc(n + 1, sizeof(bool));
		if (rt_graph_applied(c->graph, &cur, applied, &c->err) < 0 ||
		    rt_db_applied_checksums(c->db, &ids, &sums, &c->err) < 0)
			goto out;
	}
	cli_table_begin(&t, c->format, cols, sizeof(cols) / sizeof(*cols));
	for (size_t i = n; i-- > 0;) {
		const struct rt_node *node = rt_graph_node(c->graph, i);

		if (in_range[i])
			history_row(c, &t, node, applied ? &applied[i] : NULL,
				    rt_strv_contains(&cur, node->rev->id),
				    applied && applied[i] && rt_db_is_modified(node->rev->id, node->rev->sha256, &ids, &sums));
	}
	cli_table_end(&t);
	rc = 0;
out:
	free(in_range);
	free(applied);
	rt_strv_free(&cur);
	rt_strv_free(&ids);
	rt_strv_free(&sums);
	return rc;
}

static int
cmd_heads(struct cli *c)
{
	static const char *const cols[] = { "revision", "branch_labels", "message", "path" };
	struct rt_buf safe = { 0 };
	struct cli_table t;
	char mk[256];

	if (cli_load_graph_headers(c) < 0)
		return -1;
	cli_table_begin(&t, c->format, cols, 4);
	for (size_t i = 0; i < rt_graph_nheads(c->graph); i++) {
		const struct rt_node *n = rt_graph_node(c->graph, rt_graph_head(c->graph, i));
		char *labels = labels_of(n->rev);
		const char *vals[] = { n->rev->id, labels, n->rev->message, n->rev->path };

		if (c->format == CLI_TEXT) {
			markers(mk, sizeof(mk), n, false);
			printf(c->verbose ? "%s%s, %s\n" : "%s%s\n", n->rev->id, mk,
			       rt_fmt_safe(&safe, n->rev->message, 0));
		} else {
			cli_table_row(&t, vals);
		}
		free(labels);
	}
	cli_table_end(&t);
	rt_buf_free(&safe);
	return 0;
}

static int
cmd_branches(struct cli *c)
{
	static const char *const cols[] = { "branch_point", "child", "child_message" };
	struct rt_buf safe = { 0 };
	struct cli_table t;
	char mk[256];

	if (cli_load_graph_headers(c) < 0)
		return -1;
	cli_table_begin(&t, c->format, cols, 3);
	for (size_t i = 0; i < rt_graph_count(c->graph); i++) {
		const struct rt_node *n = rt_graph_node(c->graph, i);

		if (n->nchildren < 2)
			continue;
		if (c->format == CLI_TEXT) {
			markers(mk, sizeof(mk), n, false);
			printf("%s%s, %s\n", n->rev->id, mk, rt_fmt_safe(&safe, n->rev->message, 0));
		}
		for (size_t k = 0; k < n->nchildren; k++) {
			const struct rt_node *ch = rt_graph_node(c->graph, n->children[k]);
			const char *vals[] = { n->rev->id, ch->rev->id, ch->rev->message };

			if (c->format == CLI_TEXT) {
				markers(mk, sizeof(mk), ch, false);
				printf("    -> %s%s, %s\n", ch->rev->id, mk,
				       rt_fmt_safe(&safe, ch->rev->message, 0));
			} else {
				cli_table_row(&t, vals);
			}
		}
	}
	cli_table_end(&t);
	rt_buf_free(&safe);
	return 0;
}

/* A section body for people: its lines and tabs stay, any other control
 * character in it shows as '?'. */
static void
print_section(const char *name, const char *body)
{
	struct rt_buf safe = { 0 };

	printf("\n-- %s\n%s\n", name,
	       body && *body ? rt_fmt_safe(&safe, body, RT_FMT_MULTILINE) : "(empty)");
	rt_buf_free(&safe);
}

static int
cmd_show(struct cli *c)
{
	struct rt_idxv idx = { 0 };
	struct rt_buf path = { 0 }, created = { 0 }, msg = { 0 };
	bool is_base;
	char mk[256];

	if (cli_load_graph(c) < 0 ||
	    rt_graph_resolve(c->graph, c->args[0], &idx, &is_base, &c->err) < 0) {
		free(idx.v);
		return -1;
	}
	for (size_t k = 0; k < idx.n; k++) {
		const struct rt_node *n = rt_graph_node(c->graph, idx.v[k]);
		const struct rt_rev *rev = n->rev;
		char *parents = parents_of(rev), *labels = labels_of(rev);
		struct rt_strv deps = { rev->depends, rev->ndepends, rev->ndepends };
		char *dep = rt_strv_join(&deps, " ");

		markers(mk, sizeof(mk), n, false);
		printf("%sRev: %s%s\nParent: %s\n", k ? "\n" : "", rev->id, mk,
		       rev->ndown ? parents : "<base>");
		if (rev->ndepends)
			printf("Depends on: %s\n", dep);
		if (rev->nlabels)
			printf("Branch names: %s\n", labels);
		printf("Path: %s\nCreated: %s\nTransaction: %s\nSHA-256: %s\n\n    %s\n",
		       rt_fmt_safe(&path, rev->path, 0), rt_fmt_safe(&created, rev->created, 0),
		       rev->is_transactional ? "on" : "off", rev->sha256,
		       rt_fmt_safe(&msg, rev->message, 0));
		print_section("upgrade", rev->upgrade);
		print_section("downgrade", rev->downgrade);
		if (rev->verify)
			print_section("verify", rev->verify);
		free(parents);
		free(labels);
		free(dep);
	}
	rt_buf_free(&path);
	rt_buf_free(&created);
	rt_buf_free(&msg);
	free(idx.v);
	return 0;
}

/* Exact counts: the count job driven by cli_drive (Ctrl-C cancels it). */
static int
count_exactly(struct cli *c, struct rt_counts *counts)
{
	struct rt_count_job *cj = rt_count_job_start(c->db, counts, &c->err);
	struct rt_job *job;
	int rc;

	if (!cj)
		return -1;
	job = rt_count_job_as_job(cj, counts);
	rc = cli_drive(job, &c->err);
	rt_job_free(job);
	return rc;
}

static int
cmd_counts(struct cli *c)
{
	static const char *const cols[] = { "schema", "table", "estimate", "exact", "bytes" };
	struct rt_counts counts = { 0 };
	struct cli_table t;
	int rc = -1;

	if (cli_connect(c) < 0 || rt_counts_estimate(c->db, &counts, &c->err) < 0)
		goto out;
	if (c->exact && count_exactly(c, &counts) < 0)
		goto out;
	cli_table_begin(&t, c->format, cols, 5);
	if (c->format == CLI_TEXT)
		printf("%-40s %14s  %10s\n", "table", c->exact ? "rows" : "rows (est.)", "size");
	for (size_t i = 0; i < counts.n; i++) {
		const struct rt_table_count *tc = &counts.v[i];
		char est[32], bytes[32], name[512];

		if (c->format != CLI_TEXT) {
			/* the catalog says -1 for a table never analyzed: unknown, so null */
			const struct cli_cell cells[] = {
				cli_cell_str(tc->schema), cli_cell_str(tc->name),
				tc->estimate >= 0 ? cli_cell_num(tc->estimate) : cli_cell_null(),
				c->exact && tc->exact >= 0 ? cli_cell_num(tc->exact) :
							     cli_cell_null(),
				tc->bytes >= 0 ? cli_cell_num(tc->bytes) : cli_cell_null()
			};

			cli_table_cells(&t, cells);
			continue;
		}
		snprintf(name, sizeof(name), "%s.%s", tc->schema, tc->name);
		rt_fmt_safe_inplace(name, 0);   /* a table may be named "\x1b[2J" */
		rt_fmt_bytes(tc->bytes, bytes, sizeof(bytes));
		snprintf(est, sizeof(est), "%lld", c->exact ? tc->exact : tc->estimate);
		printf("%-40s %14s  %10s\n", name, c->exact || tc->estimate >= 0 ? est : "?", bytes);
	}
	cli_table_end(&t);
	rc = 0;
out:
	rt_counts_free(&counts);
	return rc;
}

/* ---- files ------------------------------------------------------------------- */

/* Writes the new revision file through the engine and says where. */
static int
write_revision(struct cli *c, const char *id, const struct rt_strv *parents, const char *upgrade,
	       const char *downgrade)
{
	struct rt_rev_spec spec = { id, c->message, parents, &c->depends, &c->labels, upgrade,
				    downgrade, NULL, false };
	char *path = rt_rev_create(c->cfg->versions_dir, &spec, &c->err);

	if (!path)
		return -1;
	if (!c->quiet) {
		struct rt_buf safe = { 0 };

		printf("Generated %s\n", rt_fmt_safe(&safe, path, 0));
		rt_buf_free(&safe);
	}
	free(path);
	return 0;
}

/* Resolves targets to ids (all must be real revisions). */
static int
resolve_ids(struct cli *c, const char *target, struct rt_strv *out)
{
	struct rt_idxv idx = { 0 };
	bool is_base = false;

	if (rt_graph_resolve(c->graph, target, &idx, &is_base, &c->err) < 0) {
		free(idx.v);
		return -1;
	}
	for (size_t i = 0; i < idx.n; i++) {
		const char *id = rt_graph_node(c->graph, idx.v[i])->rev->id;

		if (!rt_strv_contains(out, id))
			rt_strv_push(out, id);
	}
	free(idx.v);
	return 0;
}

static int
new_id(struct cli *c, char id[RT_REV_ID_MAX + 1])
{
	if (c->rev_id) {
		if (!rt_rev_id_valid(c->rev_id)) {
			rt_err_set(&c->err, RT_ERR_INPUT, "--rev-id '%s': expected 1-32 characters of "
				   "[0-9a-z_]", c->rev_id);
			return -1;
		}
		snprintf(id, RT_REV_ID_MAX + 1, "%s", c->rev_id);
	} else {
		rt_rev_new_id(id);
	}
	if (rt_graph_find(c->graph, id) >= 0) {
		rt_err_set(&c->err, RT_ERR_INPUT, "revision id %s already exists", id);
		return -1;
	}
	return 0;
}

static int
cmd_revision(struct cli *c)
{
	struct rt_strv parents = { 0 };
	char id[RT_REV_ID_MAX + 1];
	int rc = -1;

	if (cli_load_graph(c) < 0 || new_id(c, id) < 0)
		goto out;
	if (rt_migrate_new_parents(c->session, c->head, &parents, &c->err) < 0)
		goto out;
	for (size_t i = 0; i < c->depends.n; i++)
		if (rt_graph_find(c->graph, c->depends.v[i]) < 0) {
			rt_err_set(&c->err, RT_ERR_INPUT, "--depends-on: unknown revision '%s'",
				   c->depends.v[i]);
			goto out;
		}
	rc = write_revision(c, id, &parents, "", "");
out:
	rt_strv_free(&parents);
	return rc;
}

static int
cmd_merge(struct cli *c)
{
	struct rt_strv parents = { 0 };
	char id[RT_REV_ID_MAX + 1];
	int rc = -1;

	if (cli_load_graph(c) < 0 || new_id(c, id) < 0)
		goto out;
	if (c->nargs == 0 && resolve_ids(c, "heads", &parents) < 0)
		goto out;
	for (int i = 0; i < c->nargs; i++)
		if (resolve_ids(c, c->args[i], &parents) < 0)
			goto out;
	if (parents.n < 2) {
		rt_err_set(&c->err, RT_ERR_INPUT, "merge needs at least two revisions (got %zu)",
			   parents.n);
		goto out;
	}
	rc = write_revision(c, id, &parents, "-- merge: no schema change", "-- merge: no schema change");
out:
	rt_strv_free(&parents);
	return rc;
}

static int
cmd_init(struct cli *c)
{
	if (rt_project_init(c->dir, &c->err) < 0)
		return -1;
	if (!c->quiet) {
		struct rt_buf safe = { 0 };
		const char *dir = rt_fmt_safe(&safe, c->dir, 0);

		printf("Created %s/retort.conf and %s/versions\n", dir, dir);
		rt_buf_free(&safe);
	}
	return 0;
}

/* ---- sandbox ----------------------------------------------------------------- */

static const char *
sandbox_db(struct cli *c)
{
	const struct rt_env *env = rt_config_env(c->cfg, c->env_name, NULL);

	return env && env->database ? env->database : "retort";
}

static int
cmd_sandbox(struct cli *c)
{
	const char *sub = c->args[0];
	struct rt_sandbox_status st = { 0 };
	struct rt_buf safe = { 0 };   /* the project's path is in the url and the datadir */
	char *url;
	int rc;

	if (cli_load_config(c) < 0)
		return -1;
	if (strcmp(sub, "start") == 0) {
		if (rt_sandbox_start(c->cfg->project_dir, sandbox_db(c), &c->err) < 0)
			return -1;
		url = rt_sandbox_url(c->cfg->project_dir, sandbox_db(c));
		if (!c->quiet)
			printf("sandbox running: %s\n", rt_fmt_safe(&safe, url, 0));
		rt_buf_free(&safe);
		free(url);
		return 0;
	}
	if (strcmp(sub, "stop") == 0)
		return rt_sandbox_stop(c->cfg->project_dir, &c->err);
	if (strcmp(sub, "url") == 0) {
		url = rt_sandbox_url(c->cfg->project_dir, sandbox_db(c));
		printf("%s\n", rt_fmt_safe(&safe, url, 0));
		rt_buf_free(&safe);
		free(url);
		return 0;
	}
	if (strcmp(sub, "status") == 0) {
		if (rt_sandbox_status(c->cfg->project_dir, &st, &c->err) < 0)
			return -1;
		if (st.is_running)
			printf("running (pid %ld) in %s\n", (long)st.pid,
			       rt_fmt_safe(&safe, st.datadir, 0));
		else
			printf("stopped%s\n", st.is_initialized ? "" : " (not created yet)");
		rc = st.is_running ? 0 : 1;
		rt_buf_free(&safe);
		rt_sandbox_status_free(&st);
		if (rc)
			rt_err_set(&c->err, RT_ERR_RUN, "%s", "");   /* exit 1, "stopped" said it */
		return rc ? -1 : 0;
	}
	rt_err_set(&c->err, RT_ERR_INPUT, "sandbox: expected start, stop, status or url, not '%s'", sub);
	return -1;
}

/* ---- the console ------------------------------------------------------------ */

static int
cmd_ui(struct cli *c)
{
	char self[4096];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	struct ui_opts o = { 0 };

	if (!c->exit_after_draw && !c->bench && (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))) {
		rt_err_set(&c->err, RT_ERR_INPUT, "the console needs a terminal");
		return -1;
	}
	if (cli_load_graph(c) < 0)
		return -1;
	self[n > 0 ? n : 0] = '\0';
	o.session = c->session;
	o.retort_path = n > 0 ? self : "retort";
	o.no_color = c->no_color;
	o.exit_after_draw = c->exit_after_draw;
	o.bench = c->bench;
	return ui_run(&o, &c->err);
}

/* The options each command takes are in cli_options (cli_opts.c). */
const struct cli_command cli_commands[] = {
	{ "init", cmd_init, CLI_WORDS_NONE, 0, 0, "init [-d DIR]",
	  "create a migrations directory with versions/ and retort.conf" },
	{ "revision", cmd_revision, CLI_WORDS_NONE, 0, 0,
	  "revision -m MSG [--head REV|base] [--rev-id ID] [--depends-on REV] [--branch-label NAME]",
	  "create a new empty revision file on top of the head" },
	{ "merge", cmd_merge, CLI_WORDS_REV, 0, -1, "merge -m MSG [REV...]",
	  "create a merge revision joining REVs (default: all heads)" },
	{ "upgrade", cli_cmd_upgrade, CLI_WORDS_REV, 0, 1,
	  "upgrade [TARGET] [--sql] [--dry-run] [--preflight] [--single-transaction] [--lock-timeout S]"
	  " [--no-backup]",
	  "apply revisions up to TARGET (default head; +N, id, prefix, label@head, heads)" },
	{ "downgrade", cli_cmd_downgrade, CLI_WORDS_REV, 0, 1,
	  "downgrade [TARGET] [--sql FROM:TO] [--dry-run] [--preflight] [--single-transaction]"
	  " [--lock-timeout S] [--no-backup]",
	  "revert revisions down to TARGET (default -1: one step; base: all)" },
	{ "stamp", cli_cmd_stamp, CLI_WORDS_REV, 1, 1, "stamp TARGET [--sql]",
	  "set the version table to TARGET without running any migration" },
	{ "resolve", cli_cmd_resolve, CLI_WORDS_NONE, 0, 0,
	  "resolve [--drop-invalid | --mark-applied | --mark-reverted]",
	  "finish a 'transaction off' revision that was interrupted (resume from the next statement)" },
	{ "current", cmd_current, CLI_WORDS_NONE, 0, 0, "current [-v] [--format FMT]",
	  "show the revision(s) the database is at" },
	{ "history", cmd_history, CLI_WORDS_NONE, 0, 0,
	  "history [-r RANGE] [-i] [-v] [--format FMT]",
	  "list revisions newest first (-i marks the current one; RANGE is A:B)" },
	{ "heads", cmd_heads, CLI_WORDS_NONE, 0, 0, "heads [-v] [--format FMT]", "list the head revisions" },
	{ "branches", cmd_branches, CLI_WORDS_NONE, 0, 0, "branches [--format FMT]",
	  "list the branch points and their children" },
	{ "show", cmd_show, CLI_WORDS_REV, 1, 1, "show REV", "show a revision's headers and SQL" },
	{ "lint", cli_cmd_lint, CLI_WORDS_RANGE, 0, 1, "lint [REV|RANGE] [--format text|json|sarif] [--trace]",
	  "check revisions' SQL for locks, rewrites, data loss and bad downgrades (no database)" },
	{ "ui", cmd_ui, CLI_WORDS_NONE, 0, 0, "ui [--exit-after-draw] [--bench]",
	  "open the console (also: retort with no command on a terminal)" },
	{ "counts", cmd_counts, CLI_WORDS_NONE, 0, 0, "counts [--exact] [--format FMT]",
	  "row counts of every table: catalog estimates, or exact with --exact (Ctrl-C cancels)" },
	{ "backup", cli_cmd_backup, CLI_WORDS_NONE, 0, 0, "backup",
	  "dump the database (pg_dump -Fc) into the backup dir, with a sidecar of checksum and counts" },
	{ "backups", cli_cmd_backups, CLI_WORDS_NONE, 0, 0, "backups [--format FMT]",
	  "list the backups newest first: size, revision, age, whether the checksum matches" },
	{ "prune", cli_cmd_prune, CLI_WORDS_NONE, 0, 0,
	  "prune [--keep-days N] [--keep N] [--all-envs] [--dry-run] [--format FMT]",
	  "delete this env's backups past the retention (config or options); the newest of "
	  "each env stays" },
	{ "restore", cli_cmd_restore, CLI_WORDS_FILE, 1, 1,
	  "restore FILE [--clean] [--yes] [--format FMT]",
	  "verify and restore a backup (pg_restore), then compare the row counts with it" },
	{ "seed", cli_cmd_seed, CLI_WORDS_DIR, 0, 1, "seed [DIR] [--clear] [--yes]",
	  "load the seed CSV files (DIR, default the seeds dir) in one transaction" },
	{ "export", cli_cmd_export, CLI_WORDS_NONE, 1, 2,
	  "export TABLE [-o FILE] [--where SQL] [--columns LIST] [--format json] | export alembic DIR",
	  "write a table's rows as CSV (or JSON lines) that seed reads back; or the revisions as "
	  "an Alembic versions/ directory (the way back to Flask-Migrate)" },
	{ "reset", cli_cmd_reset, CLI_WORDS_NONE, 0, 0,
	  "reset [--all] [--no-seed] [--backup] [--yes]",
	  "drop, upgrade head and seed a development database (never a protected env)" },
	{ "sandbox", cmd_sandbox, CLI_WORDS_USAGE, 1, 1, "sandbox start|stop|status|url",
	  "manage the embedded PostgreSQL under .retort/sandbox" },
	{ "import", cli_cmd_import, CLI_WORDS_USAGE, 2, 2,
	  "import alembic DIR [--python PATH] [--dry-run]",
	  "write a retort file for each Alembic revision of DIR (same ids; SQL from Alembic offline)" },
	{ "baseline", cli_cmd_baseline, CLI_WORDS_NONE, 0, 0,
	  "baseline -m MSG [--tables LIST] [--lock-timeout S]",
	  "write a revision creating the tables no migration creates, recorded as applied" },
	{ "schema", cli_cmd_schema, CLI_WORDS_NONE, 0, 0, "schema [-r REV] [--shadow-url URL] | schema --live",
	  "print the schema the migrations produce at REV (default head), canonical; --live: "
	  "the live database's" },
	{ "verify", cli_cmd_verify, CLI_WORDS_NONE, 0, 0,
	  "verify [--format FMT] [--shadow-url URL] [--strict-names] [--column-order] [-v]",
	  "compare the live database with its migrations (drift) and the declared schema" },
	{ "check", cli_cmd_check, CLI_WORDS_NONE, 0, 0, "check [--data] [--format FMT] [--shadow-url URL] [--strict-names] [--column-order] [-v]"
	  " | check --accept REV --reason TEXT",
	  "prove every downgrade undoes its upgrade (in a shadow database); graph problems" },
	{ "migrate", cli_cmd_migrate, CLI_WORDS_NONE, 0, 0,
	  "migrate -m MSG [--no-rename] [--rev-id ID] [--shadow-url URL]",
	  "write a revision taking the migrations' head to the declared schema (schema.sql)" },
	{ "status", cli_cmd_status, CLI_WORDS_NONE, 0, 0, "status [--env NAME]... [--format FMT]",
	  "envs side by side: revision, behind head, differences, and the command to align each" },
	{ NULL, NULL, CLI_WORDS_NONE, 0, 0, NULL, NULL },
};
