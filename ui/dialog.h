/* dialog.h - a dialog is an object drawn over the panes, with its own state,
 * drawing and keys (a confirmation, the backups list, a running job ...), as
 * a pane is: a struct behind a constant operations table. The console keeps
 * a small stack of them; the loop gives keys to the top one first and draws
 * it over the panes. A flow chains its steps through completion callbacks:
 * when a dialog closes, its on_done runs with the result (and may push the
 * next dialog or start a job), then the dialog is released. */
#ifndef UI_DIALOG_H
#define UI_DIALOG_H

#include <stdbool.h>
#include <stddef.h>

#include "rowbuf.h"

struct dialog;
struct rt_event;
struct ui;

/* How a dialog ended, as its completion callback sees it. */
enum dlg_result {
	DLG_CANCEL = -1,   /* Esc, Ctrl-C, a cancelled prompt, or the console quitting */
	DLG_NO = 0,        /* declined: n, Enter on [y/N], a wrong typed name */
	DLG_YES = 1,       /* confirmed, chosen, or (a job's dialog) finished */
};

/* Ctrl-C arrives as SIGINT (cbreak keeps ISIG); the loop hands it to the top
 * dialog as this key. */
#define DLG_KEY_INTR 3

/* At most this many dialogs are open at once (a flow replaces its dialog by
 * the next; only help may sit on top of another). */
#define UI_MAXDIALOGS 4

/* What a dialog shows now: a title and lines, framed and scrolled by
 * dialog_draw(). Pure data, no curses. */
struct dlg_view {
	char title[256];
	struct rowbuf *lines;
	size_t n, cap;
	long cur;            /* a line to keep in view and highlight, or -1 */
	bool is_tail;        /* keep the end in view (a growing list) */
	struct rowbuf question;   /* drawn below the lines, never scrolled away (empty: none) */
	bool is_full;        /* fill the screen above the status line (the table viewer) */
};

/* Appends a line (printf-like) drawn as role. */
void dlg_view_line(struct dlg_view *v, enum ui_role role, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Appends an empty line and returns it to fill (valid until the next append). */
struct rowbuf *dlg_view_row(struct dlg_view *v);
/* Sets the fixed question line (printf-like), drawn as role. */
void dlg_view_question(struct dlg_view *v, enum ui_role role, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Frees the lines; v can be reused. */
void dlg_view_free(struct dlg_view *v);

typedef void (*dialog_done_fn)(struct ui *ui, struct dialog *d, int result, void *ctx);

struct dialog_ops {
	const char *name;
	/* Fills v with what to show (pure: builds lines, no curses). */
	void (*draw)(struct dialog *d, const struct ui *ui, struct dlg_view *v);
	/* A key, or DLG_KEY_INTR. Returns UI_* flags. A dialog that closes itself
	 * may leave UI_HANDLED out: the key then goes on to what is below. */
	unsigned (*on_key)(struct dialog *d, struct ui *ui, int key);
	/* Optional: when pushed (e.g. opens the prompt for a typed name). */
	void (*on_open)(struct dialog *d, struct ui *ui);
	/* Optional: the line typed at the prompt the dialog opened, or NULL when
	 * the prompt was cancelled. */
	void (*on_line)(struct dialog *d, struct ui *ui, const char *line);
	/* Optional: a progress event of the job the dialog follows. */
	void (*on_job_event)(struct dialog *d, const struct rt_event *ev);
	/* Frees d with its state. */
	void (*release)(struct dialog *d);
	/* A dialog whose answer changes the database: opening it discards the
	 * keys typed before it was seen, and it ignores keys for its first
	 * DIALOG_GUARD_MS (all but Ctrl-C). */
	bool guards_input;
};

/* How long a guarding dialog ignores keys after it opens. */
#define DIALOG_GUARD_MS 150

struct dialog {
	const struct dialog_ops *ops;
	size_t top;                  /* first line shown */
	size_t nlines, body;         /* lines and visible lines at the last draw (scroll keys) */
	dialog_done_fn on_done;      /* completion callback, or NULL */
	void *ctx;                   /* for on_done */
	char *typed;                 /* the line typed at its prompt (dialog_take_line) */
	double opened_ms;            /* rt_clock_ms() when pushed */
};

/* Opens d over the others (ownership moves to ui) with its completion
 * callback; calls ops->on_open. */
void ui_dialog_push(struct ui *ui, struct dialog *d, dialog_done_fn on_done, void *ctx);

/* The top dialog, or NULL. Borrowed. */
struct dialog *ui_dialog_top(const struct ui *ui);

/* Whether d is open. */
bool ui_dialog_is_open(const struct ui *ui, const struct dialog *d);

/* Closes d (anywhere in the stack): takes it off, runs its on_done with
 * result, then releases it. No-op when d is not open. */
void ui_dialog_close(struct ui *ui, struct dialog *d, int result);

/* At quit: closes every dialog, top first, with DLG_CANCEL. */
void ui_dialogs_free(struct ui *ui);

/* An rt_event_fn (rt_job.h) whose ctx is a dialog: forwards to its
 * on_job_event. */
void ui_dialog_event(const struct rt_event *ev, void *ctx);

/* Draws the top dialog centred over the panes (wnoutrefresh). */
void dialog_draw(struct ui *ui);
/* Drops the dialog window (after a resize, at quit). */
void dialog_reset(void);

/* An on_line for a dialog whose prompt asks for one line (a database name):
 * keeps it (dialog_typed) and closes with DLG_YES, or DLG_CANCEL when the
 * prompt was cancelled. */
void dialog_take_line(struct dialog *d, struct ui *ui, const char *line);

/* The line dialog_take_line kept, or NULL. Borrowed from d (valid in on_done). */
const char *dialog_typed(const struct dialog *d);

/* Whether the top dialog d takes key now (see guards_input); a key it does
 * not take is dropped. */
bool dialog_takes_key(const struct dialog *d, int key);

/* Scrolling keys shared by the dialogs (arrows, j/k, PgUp/PgDn, space, g/G):
 * UI_HANDLED | UI_REDRAW when key was one, else 0. */
unsigned dialog_scroll_key(struct dialog *d, int key);

/* True for the keys that close a dialog without acting: Esc, q, Enter, space,
 * Ctrl-C. (Not for a question: dialog_answer.) */
bool dialog_is_close_key(int key);

/* A yes/no question's reading of key: DLG_YES for y, DLG_NO for n and Enter
 * (the default answer is no), DLG_CANCEL for Esc, q and Ctrl-C, and
 * DIALOG_NOT_AN_ANSWER for anything else (movement keys scroll instead). */
#define DIALOG_NOT_AN_ANSWER 2
int dialog_answer(int key);

#endif
