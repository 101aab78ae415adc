/* ui.h - the console's shared state: what the engine said (graph, current
 * revisions, counts), the selection, the panes and the message line. Panes
 * read it; only state.c and the action handlers change it. */
#ifndef UI_UI_H
#define UI_UI_H

#include <stdbool.h>
#include <time.h>
#include <stddef.h>
#include <stdio.h>

#include "dialog.h"
#include "jobs.h"
#include "layout.h"
#include "pane.h"
#include "rowbuf.h"
#include "rt_counts.h"
#include "rt_err.h"
#include "rt_mem.h"
#include "rt_trace.h"

struct rt_graph;
struct rt_plan;
struct rt_session;
struct ui_opts;

enum { PANE_HISTORY, PANE_PENDING, PANE_SQL, PANE_TABLES, NPANES };
/* What the SQL pane shows: AUTO, the SQL the plan runs for the step under the
 * Plan pane's cursor (its direction), or the selected revision's upgrade when
 * there is no plan; t cycles to the whole plan and to the other direction,
 * until the selection changes. */
enum ui_sql_mode { SQL_AUTO, SQL_PLAN, SQL_OTHER };
enum ui_sort { SORT_NAME, SORT_COUNT, SORT_DELTA };

#define UI_LOG_MAX 1000

struct ui {
	const struct ui_opts *opts;
	struct rt_session *s;          /* borrowed from opts */
	const struct rt_graph *g;      /* borrowed from s; NULL when no graph loaded */
	bool is_utf8;

	bool is_connected;
	bool reload_pending;           /* ui_reload once no job uses the session */
	bool reload_graph;             /* ... with the files */
	char conn_err[1024];           /* why not connected */
	struct rt_strv current;        /* version-table rows */
	bool *applied;                 /* per graph node, NULL when unknown */
	struct rt_strv missing;        /* rows of current no file defines */
	struct rt_strv sum_ids, sums;  /* checksums as applied */
	char *lock_holder;             /* another runner, or NULL */
	struct rt_strv check_failed;   /* V: ids whose round trip failed (History marks R) */
	bool has_checked;              /* V ran to its end in this session */

	long sel;                      /* selected node, -1 for none */
	struct rt_plan *plan;          /* from current to the selection, or NULL */
	char plan_note[1024];          /* why there is no plan / nothing to do */
	enum ui_sql_mode sql_mode;
	/* v, V: findings shown in the SQL pane instead of the SQL, titled
	 * sql_findings_what, until Esc or another selection */
	char *sql_findings;            /* owned; NULL: the SQL */
	char sql_findings_what[128];
	/* T: the last trace, shown under its revision's upgrade in the SQL pane */
	char *trace_id;                /* the revision traced (owned), or NULL */
	struct rt_trace trace;

	struct rt_counts counts, snap;
	time_t counts_at;              /* when counts was read (estimates) or last counted */
	char table_filter[128];        /* f: only tables whose name holds it ("" all) */
	bool has_snap;
	bool snap_is_backup;           /* snap holds a backup's sidecar counts (after a restore) */
	struct rt_counts before;       /* after a restore: the counts just before it ... */
	bool has_before;               /* ... so Tables shows what came back */
	enum ui_sort sort;

	struct pane panes[NPANES];
	int focus;
	bool zoomed;                   /* z: the focused pane fills the screen */
	struct layout lay;
	bool need_layout;

	char msg[1024];
	char hint[1024];          /* completion candidates, on the status line while the prompt is open */
	enum ui_role msg_role;
	char search[256];

	unsigned long msg_seq;         /* counts ui_msg calls: "is my message still shown?" */
	/* every message since the start (the newest UI_LOG_MAX), for L */
	struct ui_logline {
		time_t at;
		enum ui_role role;
		char *text;
	} log[UI_LOG_MAX];
	size_t log_n;                  /* messages ever logged; log[log_n % UI_LOG_MAX] is next */
	char detail[2048];             /* the last error's detail (:detail shows it) */

	/* the open dialogs, bottom first (dialog.h); the top one gets the keys */
	struct dialog *dialogs[UI_MAXDIALOGS];
	size_t ndialogs;
	/* the running jobs (jobs.h), polled and stepped by the loop */
	struct ui_job *jobs[UI_MAXJOBS];
	size_t njobs;

	bool quit;
};

/* Appends a trace line to $RETORT_LOG (when set). */
void ui_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Sets the message line (and bumps msg_seq) and appends it to the log. */
void ui_msg(struct ui *ui, enum ui_role role, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Frees the message log. */
void ui_log_free(struct ui *ui);

/* Re-reads the files (when with_graph), the database state and the estimates,
 * then reloads every pane, keeping the selection by id; a running count
 * stops (the estimates restart it). While another job uses the session's
 * connection or graph (ui_session_in_use) nothing is re-read now: it is
 * when the last such job ends. Returns whether it was done now. */
bool ui_reload(struct ui *ui, bool with_graph);

/* Recomputes the plan for the selection and reloads Pending and SQL. */
void ui_selection_changed(struct ui *ui);

/* Reloads the pane's model and marks it dirty. */
void ui_pane_reload(struct ui *ui, int which);

/* Marker state of node i. */
enum ui_mark { MARK_PENDING, MARK_APPLIED, MARK_CURRENT, MARK_UNKNOWN };
enum ui_mark ui_mark_of(const struct ui *ui, size_t node);
/* True when node i was applied from a file whose SHA-256 differs from now. */
bool ui_is_modified(const struct ui *ui, size_t node);

/* Starts the exact count job (jobs.h) unless one runs. With is_quiet the
 * message line is left alone (a recount after an action). then (may be
 * NULL) replaces the default ending, which says "counted N tables" when the
 * message line still shows the count's own message; then->release frees ctx.
 * When counting cannot start, then->on_done runs at once with -1 (and an
 * entry whose job is NULL). */
void ui_counts_start(struct ui *ui, bool is_quiet, const struct ui_job_cbs *then, void *ctx);
/* Whether the count runs, with its progress. */
bool ui_counts_progress(const struct ui *ui, size_t *done, size_t *total);
/* Stops a running count at once (no callback). */
void ui_counts_drop(struct ui *ui);

/* Back from the SQL pane's findings view to the SQL; false when not shown. */
bool ui_sql_findings_close(struct ui *ui);

/* The version table's location for rt_plan_sql. */
struct rt_vt_opts;
void ui_vt(const struct ui *ui, struct rt_vt_opts *vt);

#endif
