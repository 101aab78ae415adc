/* dialogs.h - the console's dialogs (dialog.h), one module each: a
 * confirmation, help and output text, the backups list and the restore
 * confirmation, and the dialog that follows a running job. A flow creates
 * one, pushes it with ui_dialog_push and a completion callback, and reads
 * its answer through the getters below while the callback runs. */
#ifndef UI_DIALOGS_H
#define UI_DIALOGS_H

#include <stdbool.h>
#include <stddef.h>

#include "rowbuf.h"

struct dialog;
struct dlg_view;
struct rt_backup_info;
struct rt_backup_list;
struct rt_job;
struct rt_plan;
struct ui;

/* ---- dlg_confirm.c: a question about what the body shows ---------------------- */

/* A confirmation showing body (its title and lines; taken: body is emptied).
 * With name_prompt NULL it asks y/N: y gives DLG_YES, Esc or Ctrl-C
 * DLG_CANCEL, any other key DLG_NO. With name_prompt it opens the prompt
 * ("Type the database name (app) to downgrade: ") at once: a typed line gives
 * DLG_YES (the flow checks it, see dialog_typed), a cancelled prompt
 * DLG_CANCEL. */
struct dialog *dlg_confirm_new(struct dlg_view *body, const char *name_prompt);

/* Appends sql to v one highlighted line per source line. */
void dlg_view_sql(struct dlg_view *v, const char *sql);
/* Appends a copy of a formatted row. */
void dlg_view_copy(struct dlg_view *v, const struct rowbuf *row);

/* ---- dlg_text.c: read-only text ------------------------------------------------ */

/* Scrollable text (body taken); any key but a scrolling one closes it (DLG_YES). */
struct dialog *dlg_text_new(struct dlg_view *body);
/* The "Keys" help: the action table and the History markers. */
struct dialog *dlg_help_new(const struct ui *ui);
/* The revision of graph node node in detail (Enter on History): headers,
 * checksums, its retort_history entries and the whole file. */
struct dialog *dlg_revision_new(const struct ui *ui, long node);
/* The message log (L): every message of this session, the newest at the end. */
struct dialog *dlg_log_new(const struct ui *ui);

/* ---- dlg_backups.c: choosing a backup and confirming its restore -------------- */

struct rt_restore;

/* The list of backups (list taken), only those of (database, env) unless a
 * toggles the others in, marked OTHER: j/k move, Enter closes with DLG_YES on a
 * backup that can be restored (a bad checksum or a missing sidecar is said on
 * the message line and the list stays), Esc/q/r close with DLG_CANCEL. */
struct dialog *dlg_backups_new(struct rt_backup_list *list, const char *database,
				const char *env);
/* The chosen backup's path. Borrowed from d (valid in on_done). */
const char *dlg_backups_chosen(const struct dialog *d);

/* The confirmation of the prepared restore op (borrowed: it must outlive the
 * dialog): what is restored into what, --clean (c toggles; as op has it at
 * first). y gives DLG_YES (on a protected env Enter or y opens the prompt for
 * the database name, and a typed line gives DLG_YES), Esc DLG_CANCEL, other
 * keys DLG_NO. */
struct dialog *dlg_restore_new(const struct rt_restore *op);
bool dlg_restore_is_clean(const struct dialog *d);

/* ---- dlg_run.c: a running job ---------------------------------------------------- */

/* Follows a migration of plan (its steps become the per-revision list, each
 * pending at first) titled title: the lock wait, the automatic backup, each
 * revision's state (running at file:line, ok with ms, failed, cancelled),
 * lock retries, and the footer "Esc or Ctrl-C cancels". Feed it the job's
 * events with ui_dialog_event (ctx: the dialog). While the job runs, Esc or
 * Ctrl-C cancels it (rt_job_cancel, see dlg_run_set_job) and the dialog says
 * "cancelling ..."; after dlg_run_finish it shows the outcome until a key
 * closes it (DLG_YES): Esc, q, Enter or space only close; another key also
 * goes on to the console (so d steps down again at once). */
struct dialog *dlg_run_new(const char *title, const struct rt_plan *plan);
/* The job to cancel (borrowed; NULL once it ended). */
void dlg_run_set_job(struct dialog *d, struct rt_job *job);
/* Whether the job was asked to stop from the dialog. */
bool dlg_run_is_cancelling(const struct dialog *d);
enum dlg_run_end { RUN_OK, RUN_FAILED, RUN_CANCELLED };
/* The job ended: how, the outcome line, a detail (may be NULL or "") and
 * where the database is now ("database at X"). A revision still running is
 * marked failed or cancelled. */
void dlg_run_finish(struct dialog *d, enum dlg_run_end end, const char *outcome,
		    const char *detail, const char *where);

#endif
