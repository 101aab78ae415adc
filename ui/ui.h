/* ui.h - the console's shared state: what the engine said (graph, current
 * revisions, counts), the selection, the panes and the message line. Panes
 * read it; only state.c and the action handlers change it. */
#ifndef UI_UI_H
#define UI_UI_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "layout.h"
#include "pane.h"
#include "rowbuf.h"
#include "rt_counts.h"
#include "rt_err.h"
#include "rt_mem.h"

struct rt_backup_info;
struct rt_backup_job;
struct rt_backup_list;
struct rt_graph;
struct rt_plan;
struct rt_restore_job;
struct rt_session;
struct ui_opts;

enum { PANE_HISTORY, PANE_PENDING, PANE_SQL, PANE_TABLES, NPANES };
enum ui_sql_mode { SQL_AUTO, SQL_UP, SQL_DOWN, SQL_PLAN };
enum ui_sort { SORT_NAME, SORT_COUNT, SORT_DELTA };
enum ui_modal {
	MODAL_NONE, MODAL_CONFIRM, MODAL_HELP, MODAL_OUTPUT,
	MODAL_BACKUP,                  /* "Back up <db> to <dir>? [y/N]" */
	MODAL_BACKUPS,                 /* the list of backups (r) */
	MODAL_RESTORE,                 /* confirming the restore of rinfo */
};

struct ui {
	const struct ui_opts *opts;
	struct rt_session *s;          /* borrowed from opts */
	const struct rt_graph *g;      /* borrowed from s; NULL when no graph loaded */
	bool is_utf8;

	bool is_connected;
	char conn_err[1024];           /* why not connected */
	struct rt_strv current;        /* version-table rows */
	bool *applied;                 /* per graph node, NULL when unknown */
	struct rt_strv missing;        /* rows of current no file defines */
	struct rt_strv sum_ids, sums;  /* checksums as applied */
	char *lock_holder;             /* another runner, or NULL */

	long sel;                      /* selected node, -1 for none */
	struct rt_plan *plan;          /* from current to the selection, or NULL */
	char plan_note[1024];          /* why there is no plan / nothing to do */
	enum ui_sql_mode sql_mode;

	struct rt_counts counts, snap;
	bool has_snap;
	bool snap_is_backup;           /* snap holds a backup's sidecar counts (after a restore) */
	struct rt_count_job *job;
	enum ui_sort sort;

	struct pane panes[NPANES];
	int focus;
	struct layout lay;
	bool need_layout;

	char msg[1024];
	char hint[1024];          /* completion candidates, on the status line while the prompt is open */
	enum ui_role msg_role;
	char search[256];

	enum ui_modal modal;
	size_t modal_top;              /* overlay scroll */
	struct rt_plan *confirm_plan;  /* owned while the overlay is up */
	char *confirm_sql;
	char confirm_what[256];        /* "upgrade to 6ee1c5ab22d4" */
	bool confirm_locked;

	/* backup and restore (backup.c) */
	struct rt_backup_job *bjob;    /* a running backup, or NULL */
	struct rt_restore_job *rjob;   /* a running restore, or NULL */
	double job_t0;                 /* when it started (monotonic seconds) */
	struct rt_backup_list *blist;  /* the r overlay's list, owned while it is up */
	size_t bsel;                   /* its cursor */
	struct rt_backup_info *rinfo;  /* the verified backup being restored, or NULL */
	bool restore_clean;            /* --clean for it (the default) */
	bool restore_locked;           /* the migration lock is held for it */
	char restored[256];            /* its file name until the counts are compared */
	bool migrate_after_backup;     /* bjob is the automatic backup before confirm_plan */

	volatile sig_atomic_t cancel;
	bool quit;
};

/* Appends a trace line to $RETORT_LOG (when set). */
void ui_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Sets the message line. */
void ui_msg(struct ui *ui, enum ui_role role, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Re-reads the files (when with_graph), the database state and the estimates,
 * then reloads every pane, keeping the selection by id. */
void ui_reload(struct ui *ui, bool with_graph);

/* Recomputes the plan for the selection and reloads Pending and SQL. */
void ui_selection_changed(struct ui *ui);

/* Reloads the pane's model and marks it dirty. */
void ui_pane_reload(struct ui *ui, int which);

/* Marker state of node i. */
enum ui_mark { MARK_PENDING, MARK_APPLIED, MARK_CURRENT, MARK_UNKNOWN };
enum ui_mark ui_mark_of(const struct ui *ui, size_t node);
/* True when node i was applied from a file whose SHA-256 differs from now. */
bool ui_is_modified(const struct ui *ui, size_t node);

/* Starts / cancels the exact count job. */
void ui_counts_start(struct ui *ui);
void ui_counts_cancel(struct ui *ui);
/* Services the count job (its fd is readable or a tick passed). */
void ui_counts_step(struct ui *ui);

/* The version table's location for rt_plan_sql. */
struct rt_vt_opts;
void ui_vt(const struct ui *ui, struct rt_vt_opts *vt);

#endif
