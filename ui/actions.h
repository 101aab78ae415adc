/* actions.h - the one action table: keys, ":" commands, the "?" overlay and
 * the tests all go through it. */
#ifndef UI_ACTIONS_H
#define UI_ACTIONS_H

#include <stdbool.h>
#include <stddef.h>

struct rowbuf;
struct rt_backup_info;
struct ui;

struct ui_action {
	const char *name;       /* for ":" and completion */
	int key;                /* default key, 0 for none */
	const char *keyname;    /* as the help overlay shows it */
	const char *help;
	/* argv[0] is the name; returns UI_* flags */
	unsigned (*run)(struct ui *ui, int argc, char **argv);
};

extern const struct ui_action ui_actions[];
extern const size_t ui_nactions;

/* The action bound to key, or NULL. Also accepts the alternative keys
 * (arrows are pane keys, not actions). */
const struct ui_action *ui_action_by_key(int key);
/* The action called name (or an alias: "q", "up", "down"), or NULL. */
const struct ui_action *ui_action_by_name(const char *name);

/* Splits line into words like a shell would for quotes ("..." and '...') and
 * backslashes, without expanding anything. Returns the count and *argv a new
 * NULL-terminated vector of new strings (free with ui_words_free), or -1 on an
 * unterminated quote (*argv NULL). */
int ui_split_words(const char *line, char ***argv);
/* Removes the blanks (spaces, tabs) around s, in place. */
void ui_trim(char *s);
void ui_words_free(char **argv);

/* Runs a ":" line: an action by name, else a CLI command as a child retort
 * on the session shown (its directory, named env and URL, the URL passed in
 * RETORT_URL, never in argv; a --url typed on the line goes the same way). */
unsigned ui_command(struct ui *ui, const char *line);

/* The migration flow (migrate.c): the engine's migration operation is
 * prepared, confirmed in a dialog, then run as a job that a running dialog
 * follows (Esc or Ctrl-C cancels it). kind is an enum rt_plan_kind. */
unsigned ui_migrate(struct ui *ui, int kind, const char *target);

/* Backup and restore (backup.c), each a chain of dialogs and a background job. */
/* b: the confirmation dialog, then the backup job. */
unsigned ui_backup(struct ui *ui);
/* r: reads and verifies the list and opens its dialog (name: confirm the
 * restore of that backup at once). */
unsigned ui_restore(struct ui *ui, const char *name);
/* S (seed.c): the seed operation checked, confirmed, run in the background. */
unsigned ui_seed(struct ui *ui);
/* v, V (verify.c): verify (is_check false) or check as a background job; the
 * findings in the SQL pane's findings view; check marks the failed revisions in History. */
unsigned ui_verify(struct ui *ui, bool is_check);
/* T (verify.c): traces the revision the SQL pane shows (its upgrade) in a
 * shadow database as a background job; the locks and rewrites then show
 * under its SQL, the lines they point at highlighted. */
unsigned ui_trace(struct ui *ui);
/* :migrate MESSAGE... (autogen.c): the engine's migrate operation (a revision
 * generated from the declared schema) as a background job; then the new
 * revision selected in History, its upgrade and lint findings in the SQL
 * pane, or "no changes detected". */
unsigned ui_autogen(struct ui *ui, int argc, char **argv);
/* The table viewer (dlg_table.c): opens a read-only browser on schema.table
 * and its full-screen dialog (the first page is fetched by a job). */
unsigned ui_table_view(struct ui *ui, const char *schema, const char *table);

/* One row of the backups list (pure). */
void ui_backup_row(const struct rt_backup_info *b, int name_w, long long now,
		   struct rowbuf *out);

/* Runs argv as a child with the terminal handed over, env ("K=V" set, "K"
 * removed; may be NULL) in its environment; waits for a key after when
 * wait_key. Returns the exit status (128+N after signal N), or -1 when it
 * could not start (said on the plain terminal, held for a key). */
int ui_run_child(struct ui *ui, char **argv, const char *const *env, int wait_key);

#endif
