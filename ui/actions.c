/* actions.c - the action table and its handlers, the ":" command line, and
 * running child programs ($EDITOR, retort itself) with the terminal handed over. */
#include "config.h"
#include "actions.h"

#include <curses.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dialog.h"
#include "dialogs.h"
#include "jobs.h"
#include "pane.h"
#include "panes.h"
#include "prompt.h"
#include "rt_config.h"
#include "rt_conninfo.h"
#include "rt_graph.h"
#include "rt_plan.h"
#include "rt_migration.h"
#include "rt_project.h"
#include "rt_session.h"
#include "rt_spawn.h"
#include "status.h"
#include "term.h"
#include "ui.h"
#include "ui_main.h"

/* ---- helpers ----------------------------------------------------------------- */

static const char *
selected_id(const struct ui *ui)
{
	if (!ui->g || ui->sel < 0)
		return NULL;
	return rt_graph_node(ui->g, (size_t)ui->sel)->rev->id;
}

void
ui_trim(char *s)
{
	size_t lead = strspn(s, " \t"), len = strlen(s + lead);

	memmove(s, s + lead, len + 1);
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		s[--len] = '\0';
}

int
ui_split_words(const char *line, char ***argv)
{
	struct rt_buf w = { 0 };
	char **v = rt_xcalloc(1, sizeof(*v));
	int n = 0;
	bool in_word = false;
	char q = 0;

	for (const char *s = line;; s++) {
		if (q) {
			if (!*s) {
				rt_buf_free(&w);
				ui_words_free(v);
				*argv = NULL;
				return -1;
			}
			if (*s == q)
				q = 0;
			else if (q == '"' && *s == '\\' && (s[1] == '"' || s[1] == '\\'))
				rt_buf_putc(&w, *++s);
			else
				rt_buf_putc(&w, *s);
			continue;
		}
		if (!*s || *s == ' ' || *s == '\t') {
			if (in_word) {
				v = rt_xreallocarray(v, (size_t)n + 2, sizeof(*v));
				v[n++] = rt_buf_take(&w);
				v[n] = NULL;
				in_word = false;
			}
			if (!*s)
				break;
			continue;
		}
		in_word = true;
		if (*s == '"' || *s == '\'')
			q = *s;
		else if (*s == '\\' && s[1])
			rt_buf_putc(&w, *++s);
		else
			rt_buf_putc(&w, *s);
	}
	rt_buf_free(&w);
	*argv = v;
	return n;
}

void
ui_words_free(char **argv)
{
	for (size_t i = 0; argv && argv[i]; i++)
		free(argv[i]);
	free(argv);
}

int
ui_run_child(struct ui *ui, char **argv, const char *const *env, int wait_key)
{
	struct rt_err err = { 0 };
	int status = -1;

	ui_log("run: %s", argv[0]);
	term_suspend();
	/* argv is only read; C has no implicit char ** to const char *const * */
	if (rt_spawn_foreground((const char *const *)argv, env, &status, &err) < 0) {
		/* on the plain terminal (stdout, where the prompt below goes:
		 * stderr may be a log file), and held there: the console would
		 * overwrite a message of its own at once */
		printf("retort: %s\n", err.msg);
		status = -1;
		wait_key = 1;
	}
	if (wait_key) {
		unsigned char c;

		/* the newline: the next child's output starts on a line of its
		 * own, not over this one (the terminal puts the cursor back here) */
		fputs("\n[press any key to return to the console]\n", stdout);
		fflush(stdout);
		term_resume();
		while (read(STDIN_FILENO, &c, 1) < 0 && errno == EINTR)
			;
		flushinp();
	} else {
		term_resume();
	}
	ui->need_layout = true;
	return status;
}

/* ---- handlers ---------------------------------------------------------------- */

static unsigned
act_quit(struct ui *ui, int argc, char **argv)
{
	(void)argc, (void)argv;
	ui->quit = true;
	return UI_QUIT;
}

static unsigned
act_help(struct ui *ui, int argc, char **argv)
{
	(void)argc, (void)argv;
	ui_dialog_push(ui, dlg_help_new(ui), NULL, NULL);
	return UI_REDRAW;
}

static unsigned
act_upgrade(struct ui *ui, int argc, char **argv)
{
	const char *id = selected_id(ui);

	if (argc > 1)
		return ui_migrate(ui, RT_PLAN_UPGRADE, argv[1]);
	if (id && ui->applied && !ui->applied[ui->sel])
		return ui_migrate(ui, RT_PLAN_UPGRADE, id);
	return ui_migrate(ui, RT_PLAN_UPGRADE, "heads");
}

static unsigned
act_downgrade(struct ui *ui, int argc, char **argv)
{
	return ui_migrate(ui, RT_PLAN_DOWNGRADE, argc > 1 ? argv[1] : "-1");
}

static unsigned
act_downgrade_to(struct ui *ui, int argc, char **argv)
{
	const char *id = argc > 1 ? argv[1] : selected_id(ui);

	if (!id) {
		ui_msg(ui, R_ERROR, "select a revision in History first");
		return UI_REDRAW;
	}
	return ui_migrate(ui, RT_PLAN_DOWNGRADE, id);
}

static unsigned
act_stamp(struct ui *ui, int argc, char **argv)
{
	const char *id = argc > 1 ? argv[1] : selected_id(ui);

	if (!id) {
		ui_msg(ui, R_ERROR, "stamp needs a revision: select one or type :stamp REV");
		return UI_REDRAW;
	}
	return ui_migrate(ui, RT_PLAN_STAMP, id);
}

static unsigned
act_counts(struct ui *ui, int argc, char **argv)
{
	(void)argc, (void)argv;
	ui_counts_start(ui, false, NULL, NULL);
	ui_pane_reload(ui, PANE_TABLES);
	return UI_REDRAW;
}

static unsigned
act_cancel(struct ui *ui, int argc, char **argv)
{
	(void)argc, (void)argv;
	if (!ui_jobs_cancel_background(ui) && ui_sql_findings_close(ui))
		ui_msg(ui, R_NORMAL, "SQL pane: back to the SQL");
	return UI_REDRAW;
}

/* The last error's detail (SQLSTATE, DETAIL, HINT, blockers ...) in a dialog. */
static unsigned
act_detail(struct ui *ui, int argc, char **argv)
{
	struct dlg_view v = { .cur = -1 };

	(void)argc, (void)argv;
	if (!ui->detail[0]) {
		ui_msg(ui, R_NORMAL, "no error detail to show");
		return UI_REDRAW;
	}
	snprintf(v.title, sizeof(v.title), "Detail of the last error");
	for (const char *s = ui->detail; *s;) {
		const char *nl = strchr(s, '\n');
		size_t len = nl ? (size_t)(nl - s) : strlen(s);

		rowbuf_addn(dlg_view_row(&v), R_NORMAL, s, len);
		s = nl ? nl + 1 : s + len;
	}
	ui_dialog_push(ui, dlg_text_new(&v), NULL, NULL);
	return UI_REDRAW;
}

static unsigned
act_backup(struct ui *ui, int argc, char **argv)
{
	(void)argc, (void)argv;
	return ui_backup(ui);
}

static unsigned
act_restore(struct ui *ui, int argc, char **argv)
{
	return ui_restore(ui, argc > 1 ? argv[1] : NULL);
}

static unsigned
act_sort(struct ui *ui, int argc, char **argv)
{
	static const char *const by[] = { "name", "count", "delta" };

	(void)argc, (void)argv;
	ui->sort = (ui->sort + 1) % 3;
	ui_pane_reload(ui, PANE_TABLES);
	ui_msg(ui, R_NORMAL, "tables sorted by %s", by[ui->sort]);
	return UI_REDRAW;
}

static unsigned
act_toggle_sql(struct ui *ui, int argc, char **argv)
{
	static const char *const names[] = {
		"the step under the Plan cursor, as the plan runs it", "the whole plan",
		"the other direction (not what the plan runs)",
	};

	(void)argc, (void)argv;
	/* only while this selection stays: a new one shows what its plan runs */
	ui->sql_mode = ui->sql_mode == SQL_AUTO ? (ui->plan && ui->plan->nsteps ? SQL_PLAN :
						   SQL_OTHER) :
		       ui->sql_mode == SQL_PLAN ? SQL_OTHER : SQL_AUTO;
	ui_pane_reload(ui, PANE_SQL);
	ui_msg(ui, R_NORMAL, "SQL preview: %s", names[ui->sql_mode]);
	return UI_REDRAW;
}

static unsigned
act_reload(struct ui *ui, int argc, char **argv)
{
	struct rt_err err = { 0 };

	(void)argc, (void)argv;
	if (!rt_session_db(ui->s) && rt_session_connect(ui->s, &err) < 0)
		snprintf(ui->conn_err, sizeof(ui->conn_err), "%s", err.msg);
	ui_msg(ui, R_NORMAL, ui_reload(ui, true) ? "reloaded" :
	       "reload: once the running job ends");
	return UI_REDRAW;
}

static unsigned
act_edit(struct ui *ui, int argc, char **argv)
{
	const char *ed = getenv("VISUAL"), *id = selected_id(ui);
	char **words = NULL, *cmd;
	int n;

	(void)argc, (void)argv;
	if (!id) {
		ui_msg(ui, R_ERROR, "select a revision in History first");
		return UI_REDRAW;
	}
	if (!ed || !*ed)
		ed = getenv("EDITOR");
	if (!ed || !*ed)
		ed = "vi";
	n = ui_split_words(ed, &words);
	if (n <= 0) {
		ui_words_free(words);
		ui_msg(ui, R_ERROR, "cannot parse $EDITOR");
		return UI_REDRAW;
	}
	words = rt_xreallocarray(words, (size_t)n + 2, sizeof(*words));
	cmd = rt_xstrdup(rt_graph_node(ui->g, (size_t)ui->sel)->rev->path);
	words[n] = cmd;
	words[n + 1] = NULL;
	ui_run_child(ui, words, NULL, 0);
	ui_words_free(words);
	ui_msg(ui, R_NORMAL, ui_reload(ui, true) ? "edited; files reloaded" :
	       "edited; the files reload once the running job ends");
	return UI_REDRAW | UI_RELAYOUT;
}

static void
switch_env(struct ui *ui, const char *name)
{
	struct rt_err err = { 0 };

	if (rt_session_set_env(ui->s, name, &err) < 0) {
		ui_msg(ui, R_ERROR, "%s", err.msg);
		return;
	}
	ui_counts_drop(ui);
	ui->has_snap = false;
	ui->snap_is_backup = false;
	ui->has_before = false;
	rt_counts_free(&ui->snap);
	ui->conn_err[0] = '\0';
	if (rt_session_connect(ui->s, &err) < 0)
		snprintf(ui->conn_err, sizeof(ui->conn_err), "%s", err.msg);
	ui_reload(ui, false);
	if (ui->is_connected)
		ui_msg(ui, R_GOOD, "env %s", name);
	else
		ui_msg(ui, R_ERROR, "env %s: %s", name, ui->conn_err);
}

static void
protected_env_confirmed(struct ui *ui, struct dialog *d, int result, void *ctx)
{
	char *name = ctx;

	(void)d;
	if (result == DLG_YES)
		switch_env(ui, name);
	else
		ui_msg(ui, R_NORMAL, "still on this env (not switched to %s)", name);
	free(name);
}

static unsigned
act_env(struct ui *ui, int argc, char **argv)
{
	const struct rt_env *to, *now = rt_session_env(ui->s);
	struct rt_err err = { 0 };
	struct dlg_view v = { .cur = -1 };

	if (argc < 2) {
		prompt_open(PROMPT_ENV, "env: ", status_msg_win());
		return UI_REDRAW;
	}
	if (ui_busy(ui)) {
		ui_msg(ui, R_ERROR, "%s", ui_busy(ui));
		return UI_REDRAW;
	}
	to = rt_config_env(rt_session_config(ui->s), argv[1], &err);
	if (!to) {
		ui_msg(ui, R_ERROR, "%s", err.msg);
		return UI_REDRAW;
	}
	if (!to->is_protected || to == now) {
		switch_env(ui, argv[1]);
		return UI_REDRAW;
	}
	/* a protected env is entered on purpose, never by a slip of the keys */
	snprintf(v.title, sizeof(v.title), "Switch to a protected env");
	dlg_view_line(&v, R_ERROR, "  %s is PROTECTED: upgrades and restores there ask for the "
		      "database name,", to->name);
	dlg_view_line(&v, R_ERROR, "  back up first, and reset is refused.");
	dlg_view_question(&v, R_HEADER, "Switch to %s? [y/N]", to->name);
	ui_dialog_push(ui, dlg_confirm_new(&v, NULL), protected_env_confirmed,
		       rt_xstrdup(to->name));
	return UI_REDRAW | UI_RELAYOUT;
}

/* Finds the next (dir > 0) or previous match of ui->search and says where:
 * "/phone: 2/5", with a notice when it wrapped. */
static unsigned
search_step(struct ui *ui, int dir)
{
	struct pane_find res;

	if (!ui->search[0]) {
		ui_msg(ui, R_NORMAL, "no search yet: press /");
		return UI_REDRAW;
	}
	ui->focus = PANE_HISTORY;
	if (!pane_history_find(&ui->panes[PANE_HISTORY], ui->search, dir, &res)) {
		ui_msg(ui, R_ERROR, "not found: %s (ids, messages and SQL searched)", ui->search);
		return UI_REDRAW;
	}
	ui_msg(ui, res.wrapped ? R_PENDING : R_NORMAL, "/%s: %zu/%zu%s", ui->search, res.nth,
	       res.total, res.wrapped ? (dir > 0 ? "  (wrapped to the top)" :
					 "  (wrapped to the bottom)") : "");
	return UI_REDRAW | UI_SELECT;
}

static unsigned
act_search(struct ui *ui, int argc, char **argv)
{
	if (argc > 1) {
		snprintf(ui->search, sizeof(ui->search), "%s", argv[1]);
		return search_step(ui, 1);
	}
	prompt_open(PROMPT_SEARCH, "/", status_msg_win());
	return UI_REDRAW;
}

static unsigned
act_search_next(struct ui *ui, int argc, char **argv)
{
	(void)argc, (void)argv;
	return search_step(ui, 1);
}

static unsigned
act_search_prev(struct ui *ui, int argc, char **argv)
{
	(void)argc, (void)argv;
	return search_step(ui, -1);
}

static unsigned
act_command(struct ui *ui, int argc, char **argv)
{
	(void)ui, (void)argc, (void)argv;
	prompt_open(PROMPT_CMD, ":", status_msg_win());
	return UI_REDRAW;
}

static unsigned
act_next_pane(struct ui *ui, int argc, char **argv)
{
	(void)argc, (void)argv;
	ui->focus = (ui->focus + 1) % NPANES;
	return UI_REDRAW | (ui->zoomed ? UI_RELAYOUT : 0);
}

static unsigned
act_prev_pane(struct ui *ui, int argc, char **argv)
{
	(void)argc, (void)argv;
	ui->focus = (ui->focus + NPANES - 1) % NPANES;
	return UI_REDRAW | (ui->zoomed ? UI_RELAYOUT : 0);
}

/* The table viewer: :view [SCHEMA.]TABLE, or the table under the Tables cursor. */
static unsigned
act_view(struct ui *ui, int argc, char **argv)
{
	const char *schema = "public", *name, *dot;
	char *sch = NULL;
	unsigned f;

	if (argc < 2) {
		if (!pane_tables_at(&ui->panes[PANE_TABLES], &schema, &name)) {
			ui_msg(ui, R_ERROR, "select a table in the Tables pane first");
			return UI_REDRAW;
		}
		return ui_table_view(ui, schema, name);
	}
	name = argv[1];
	if (!rt_counts_find(&ui->counts, schema, name) && (dot = strchr(argv[1], '.'))) {
		sch = rt_xstrndup(argv[1], (size_t)(dot - argv[1]));
		schema = sch;
		name = dot + 1;
	}
	f = ui_table_view(ui, schema, name);
	free(sch);
	return f;
}

static unsigned
act_select(struct ui *ui, int argc, char **argv)
{
	long node;

	(void)argc, (void)argv;
	if (ui->focus == PANE_TABLES)
		return act_view(ui, 1, argv);
	if (ui->focus != PANE_HISTORY) {
		ui->focus = PANE_HISTORY;
		return UI_REDRAW | (ui->zoomed ? UI_RELAYOUT : 0);
	}
	node = pane_history_node(&ui->panes[PANE_HISTORY], ui->panes[PANE_HISTORY].cur);
	ui->sel = node;
	ui_selection_changed(ui);
	if (node < 0 || !ui->g) {
		ui_msg(ui, R_NORMAL, "no file defines this revision");
		return UI_REDRAW;
	}
	/* the revision in detail: headers, checksums, its applied log, the file */
	ui_dialog_push(ui, dlg_revision_new(ui, node), NULL, NULL);
	return UI_REDRAW | UI_RELAYOUT;
}

static unsigned
act_filter(struct ui *ui, int argc, char **argv)
{
	if (argc < 2) {
		prompt_open(PROMPT_FILTER, "tables named like (empty: all): ", status_msg_win());
		return UI_REDRAW;
	}
	snprintf(ui->table_filter, sizeof(ui->table_filter), "%s", argv[1]);
	ui->focus = PANE_TABLES;
	ui_pane_reload(ui, PANE_TABLES);
	if (ui->table_filter[0])
		ui_msg(ui, R_NORMAL, "Tables: %zu named like \"%s\" (f with nothing: all)",
		       ui->panes[PANE_TABLES].nrows, ui->table_filter);
	else
		ui_msg(ui, R_NORMAL, "Tables: all %zu", ui->panes[PANE_TABLES].nrows);
	return UI_REDRAW | (ui->zoomed ? UI_RELAYOUT : 0);
}

static unsigned
act_seed(struct ui *ui, int argc, char **argv)
{
	(void)argc, (void)argv;
	return ui_seed(ui);
}

static unsigned
act_zoom(struct ui *ui, int argc, char **argv)
{
	(void)argc, (void)argv;
	ui->zoomed = !ui->zoomed;
	if (ui->zoomed)
		ui_msg(ui, R_DIM, "zoomed: %s fills the screen; z or Esc returns, Left/Right "
		       "scroll sideways", ui->panes[ui->focus].ops->title);
	return UI_REDRAW | UI_RELAYOUT;
}

static unsigned
act_log(struct ui *ui, int argc, char **argv)
{
	(void)argc, (void)argv;
	ui_dialog_push(ui, dlg_log_new(ui), NULL, NULL);
	return UI_REDRAW | UI_RELAYOUT;
}

/* Parses -m MSG and positional revisions for :revision and :merge. */
static int
rev_args(int argc, char **argv, const char **msg, struct rt_strv *revs)
{
	for (int i = 1; i < argc; i++) {
		if ((strcmp(argv[i], "-m") == 0 || strcmp(argv[i], "--message") == 0) && i + 1 < argc)
			*msg = argv[++i];
		else if (strncmp(argv[i], "-m", 2) == 0 && argv[i][2])
			*msg = argv[i] + 2;
		else if (argv[i][0] == '-')
			return -1;
		else
			rt_strv_push(revs, argv[i]);
	}
	return 0;
}

static unsigned
create_rev(struct ui *ui, int argc, char **argv, bool is_merge)
{
	const struct rt_config *cfg = rt_session_config(ui->s);
	struct rt_rev_spec spec = { 0 };
	struct rt_strv parents = { 0 };
	struct rt_err err = { 0 };
	char id[RT_REV_ID_MAX + 1];
	const char *msg = NULL;
	char *path;

	if (rev_args(argc, argv, &msg, &parents) < 0 || !msg) {
		ui_msg(ui, R_ERROR, "usage: :%s -m \"message\"%s", argv[0], is_merge ? " [REVS]" : "");
		rt_strv_free(&parents);
		return UI_REDRAW;
	}
	if (parents.n == 0 && ui->g)
		for (size_t i = 0; i < rt_graph_nheads(ui->g); i++)
			rt_strv_push(&parents, rt_graph_node(ui->g, rt_graph_head(ui->g, i))->rev->id);
	if (is_merge && parents.n < 2) {
		ui_msg(ui, R_ERROR, "merge needs two or more heads (there %s %zu)",
		       parents.n == 1 ? "is" : "are", parents.n);
		rt_strv_free(&parents);
		return UI_REDRAW;
	}
	if (!is_merge && parents.n > 1) {
		ui_msg(ui, R_ERROR, "several heads: use :merge, or name the parent");
		rt_strv_free(&parents);
		return UI_REDRAW;
	}
	rt_rev_new_id(id);
	spec.id = id;
	spec.message = msg;
	spec.parents = &parents;
	path = rt_rev_create(cfg->versions_dir, &spec, &err);
	rt_strv_free(&parents);
	if (!path) {
		ui_msg(ui, R_ERROR, "%s", err.msg);
		return UI_REDRAW;
	}
	ui_reload(ui, true);
	ui_msg(ui, R_GOOD, "created %s", path);
	free(path);
	return UI_REDRAW;
}

static unsigned
act_revision(struct ui *ui, int argc, char **argv)
{
	return create_rev(ui, argc, argv, false);
}

static unsigned
act_verify(struct ui *ui, int argc, char **argv)
{
	(void)argc, (void)argv;
	return ui_verify(ui, false);
}

static unsigned
act_check(struct ui *ui, int argc, char **argv)
{
	(void)argc, (void)argv;
	return ui_verify(ui, true);
}

static unsigned
act_trace(struct ui *ui, int argc, char **argv)
{
	(void)argc, (void)argv;
	return ui_trace(ui);
}

static unsigned
act_merge(struct ui *ui, int argc, char **argv)
{
	return create_rev(ui, argc, argv, true);
}

static unsigned
act_autogen(struct ui *ui, int argc, char **argv)
{
	return ui_autogen(ui, argc, argv);
}

const struct ui_action ui_actions[] = {
	{ "upgrade", 'u', "u", "upgrade to the selected revision (or head); :upgrade [TARGET]", act_upgrade },
	{ "downgrade", 'd', "d", "downgrade one step (-1); :downgrade [TARGET]", act_downgrade },
	{ "downgrade-to", 'D', "D", "downgrade to the selected revision", act_downgrade_to },
	{ "stamp", 's', "s", "stamp the selected revision (no SQL); :stamp REV", act_stamp },
	{ "counts", 'c', "c", "count rows exactly (in the background)", act_counts },
	{ "backup", 'b', "b", "back up the database (pg_dump, with exact row counts)", act_backup },
	{ "restore", 'r', "r", "restore a backup: choose, confirm, compare counts; :restore FILE", act_restore },
	{ "seed", 'S', "S", "load the seed CSV files (checked first; one transaction)", act_seed },
	{ "verify", 'v', "v", "verify: the live database against its migrations and schema.sql "
	  "(drift, shown in the SQL pane; Esc returns)",
	  act_verify },
	{ "check", 'V', "V", "check: every revision's round trip in a shadow database; History "
	  "marks failures R", act_check },
	{ "cancel", 27, "Esc", "cancel the preflight, count, backup, restore, seed, verify, trace or "
	  ":migrate; "
	  "else leave the SQL pane's findings",
	  act_cancel },
	{ "sort", 'o', "o", "sort Tables by name / count / delta", act_sort },
	{ "toggle-sql", 't', "t", "SQL preview: the plan's step / the whole plan / the other direction",
	  act_toggle_sql },
	{ "trace", 'T', "T", "trace the revision in the SQL preview in a shadow database: its locks "
	  "and rewrites under the SQL", act_trace },
	{ "select", '\r', "Enter", "the revision in detail: headers, applied log, the file",
	  act_select },
	{ "view", 0, "Enter", "in Tables: browse the table's rows read-only (PgDn/PgUp Home End, h/l "
	  "columns, / column=value filters, Enter a row, Esc back); :view [SCHEMA.]TABLE", act_view },
	{ "next-pane", '\t', "Tab", "focus the next pane", act_next_pane },
	{ "prev-pane", KEY_BTAB, "S-Tab", "focus the previous pane", act_prev_pane },
	{ "search", '/', "/", "search History: ids, messages, labels and SQL (n/N: next, previous)",
	  act_search },
	{ "search-next", 'n', "n", "next match", act_search_next },
	{ "search-prev", 'N', "N", "previous match", act_search_prev },
	{ "command", ':', ":", "command line: any retort command (Tab completes)", act_command },
	{ "edit", 'e', "e", "open the selected file in $EDITOR, then reload", act_edit },
	{ "env", 'E', "E", "switch environment; :env NAME", act_env },
	{ "reload", 'R', "R", "reload files, database state and counts", act_reload },
	{ "revision", 0, "", ":revision -m \"message\" creates a revision file", act_revision },
	{ "merge", 0, "", ":merge -m \"message\" [REVS] merges the heads", act_merge },
	{ "migrate", 0, "", ":migrate MESSAGE generates a revision from the declared schema "
	  "(schema.sql), then shows it for review", act_autogen },
	{ "detail", 0, "", ":detail shows the last error's detail (SQLSTATE, DETAIL, HINT)", act_detail },
	{ "filter", 'f', "f", "filter the Tables pane by name; :filter TEXT", act_filter },
	{ "zoom", 'z', "z", "zoom: the focused pane fills the screen (z or Esc returns)", act_zoom },
	{ "log", 'L', "L", "the message log: every message, with the exit status of ':' commands",
	  act_log },
	{ "help", '?', "?", "this help", act_help },
	{ "quit", 'q', "q", "quit (:q)", act_quit },
};
const size_t ui_nactions = sizeof(ui_actions) / sizeof(ui_actions[0]);

const struct ui_action *
ui_action_by_key(int key)
{
	if (key == '\n' || key == KEY_ENTER)
		key = '\r';
	for (size_t i = 0; i < ui_nactions; i++)
		if (ui_actions[i].key && ui_actions[i].key == key)
			return &ui_actions[i];
	return NULL;
}

const struct ui_action *
ui_action_by_name(const char *name)
{
	static const char *const alias[][2] = {
		{ "q", "quit" }, { "q!", "quit" }, { "exit", "quit" }, { "up", "upgrade" },
		{ "down", "downgrade" }, { "h", "help" }, { "count", "counts" },
	};

	for (size_t i = 0; i < sizeof(alias) / sizeof(alias[0]); i++)
		if (strcmp(name, alias[i][0]) == 0)
			name = alias[i][1];
	for (size_t i = 0; i < ui_nactions; i++)
		if (strcmp(ui_actions[i].name, name) == 0)
			return &ui_actions[i];
	return NULL;
}

/* ---- ":" commands run as a child retort ---------------------------------------- */

/* The value of a --url typed on the ':' line: "--url X", "--url=X" or a
 * prefix getopt reads as --url ("--ur X": no other long option starts with
 * u); *nwords is then the number of words it spans. NULL when words[i] is not
 * one, or when its value is missing (the child then says so). */
static const char *
typed_url(char **words, int n, int i, int *nwords)
{
	const char *w = words[i], *eq = strchr(w, '=');
	size_t len = eq ? (size_t)(eq - w) : strlen(w);

	if (len < 3 || len > 5 || strncmp(w, "--url", len) != 0)
		return NULL;
	if (eq) {
		*nwords = 1;
		return eq + 1;
	}
	if (i + 1 >= n)
		return NULL;
	*nwords = 2;
	return words[i + 1];
}

/* Runs argv on the terminal with RETORT_URL=url in its environment, or
 * without RETORT_URL when url is NULL (one the console itself was started
 * with may name another database than the session now uses). The URL may
 * hold a password, which ps shows in an argv but not in an environment. */
static int
run_retort(struct ui *ui, char **argv, const char *url)
{
	char *set = url ? rt_xasprintf("RETORT_URL=%s", url) : NULL;
	const char *const env[] = { set ? set : "RETORT_URL", NULL };
	int status = ui_run_child(ui, argv, env, 1);

	if (set) {
		explicit_bzero(set, strlen(set));
		free(set);
	}
	return status;
}

unsigned
ui_command(struct ui *ui, const char *line)
{
	const struct ui_action *a;
	struct rt_session_opts so;
	struct rt_buf shown = { 0 };
	char **words = NULL, **av;
	const char *url;
	unsigned flags = UI_REDRAW;
	int n = ui_split_words(line, &words), k = 0, status;
	bool opts_end = false, is_url_typed = false;

	if (n < 0) {
		ui_msg(ui, R_ERROR, "unterminated quote");
		return UI_REDRAW;
	}
	if (n == 0) {
		ui_words_free(words);
		return UI_REDRAW;
	}
	a = ui_action_by_name(words[0]);
	if (a) {
		flags = a->run(ui, n, words);
		ui_words_free(words);
		return flags;
	}
	/* The child acts on the session shown, as it is now (after E too): its
	 * directory, the env named (else the child chooses the same one by the
	 * same rules; naming it would make --yes pass where the console's own
	 * session would not), and its --url, handed over in the environment. */
	rt_session_get_opts(ui->s, &so);
	url = so.url;
	av = rt_xcalloc((size_t)n + 7, sizeof(*av));
	av[k++] = (char *)(ui->opts->retort_path ? ui->opts->retort_path : "retort");
	av[k++] = "-d";
	av[k++] = (char *)so.dir;
	if (so.env_name) {
		av[k++] = "--env";
		av[k++] = (char *)so.env_name;
	}
	if (ui->opts->no_color)
		av[k++] = "--no-color";
	rt_buf_puts(&shown, "retort");
	for (int i = 0; i < n;) {
		int span = 1;
		const char *typed = opts_end ? NULL : typed_url(words, n, i, &span);

		if (typed) {
			/* it replaces the session's URL, and stays out of argv as well */
			char *masked = rt_url_mask(typed);

			url = typed;
			is_url_typed = true;
			rt_buf_printf(&shown, " --url %s", masked);
			free(masked);
			i += span;
			continue;
		}
		opts_end = opts_end || strcmp(words[i], "--") == 0;
		rt_buf_printf(&shown, " %s", words[i]);
		av[k++] = words[i++];
	}
	av[k] = NULL;
	status = run_retort(ui, av, url);
	free(av);
	ui_words_free(words);
	ui_reload(ui, true);
	/* the exit status stays in the message log (L) */
	ui_msg(ui, status == 0 ? R_NORMAL : R_ERROR, "ran: %s%s (exit %d)",
	       is_url_typed ? "" : "retort ", is_url_typed ? rt_buf_str(&shown) : line, status);
	rt_buf_free(&shown);
	return UI_REDRAW | UI_RELAYOUT;
}
