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
void ui_words_free(char **argv);

/* Runs a ":" line: an action by name, else a CLI command as a child process. */
unsigned ui_command(struct ui *ui, const char *line);

/* The migration flow (migrate.c): lock, read current, plan, then the
 * confirmation overlay; ui_migrate_answer applies or not. */
enum rt_plan_kind;
unsigned ui_migrate(struct ui *ui, int kind, const char *target);
void ui_migrate_answer(struct ui *ui, int yes, const char *why);
/* Applies the confirmed plan (after the automatic backup named backup, or
 * NULL); ui_migrate_end drops it (the backup failed). */
void ui_migrate_apply(struct ui *ui, const char *backup);
void ui_migrate_end(struct ui *ui);

/* Backup and restore (backup.c). The jobs run in the background: the loop
 * polls their descriptors (ui_jobs_fds) and steps them (ui_jobs_step). */
struct pollfd;
/* Why a migration, backup, restore or env switch cannot start now ("a backup
 * is running"), or NULL. */
const char *ui_busy(const struct ui *ui);
/* b: the confirmation overlay; ui_backup_answer starts the job or not. */
unsigned ui_backup(struct ui *ui);
void ui_backup_answer(struct ui *ui, int yes);
/* Starts the backup job; with then_migrate, ui_migrate_apply runs when it
 * is done (the automatic backup of a protected env). 0 or -1 (said on the
 * message line). */
int ui_backup_start(struct ui *ui, bool then_migrate);
/* r: reads and verifies the list and opens it (name: choose that backup at
 * once); ui_backups_key handles keys in the list. */
unsigned ui_restore(struct ui *ui, const char *name);
unsigned ui_backups_key(struct ui *ui, int key);
/* Keys in the restore confirmation (c toggles --clean, y / Enter). */
unsigned ui_restore_key(struct ui *ui, int key);
/* Starts the restore of ui->rinfo, or drops it (why on the message line). */
void ui_restore_answer(struct ui *ui, int yes, const char *why);
/* Adds the running jobs' descriptors to fds (room for 3); returns how many.
 * *now is set when a job wants a step at once. */
size_t ui_jobs_fds(const struct ui *ui, struct pollfd *fds, bool *now);
/* Steps the running backup or restore (non-blocking). */
void ui_jobs_step(struct ui *ui);
/* Asks the running backup or restore to stop; false when none runs. */
bool ui_jobs_cancel(struct ui *ui);
/* At quit: stops and frees everything backup.c holds. */
void ui_jobs_free(struct ui *ui);
/* The count job ended (rc as rt_count_job_step's) after a restore: compares
 * the live counts with the backup's and says so on the message line. */
void ui_restore_counted(struct ui *ui, int rc);
/* The list overlay's lines (pure): a header, then one row per backup. */
void ui_backup_row(const struct rt_backup_info *b, int name_w, long long now,
		   struct rowbuf *out);

/* Runs argv as a child with the terminal handed over; waits for a key after
 * when wait_key. Returns the exit status, or -1. */
int ui_run_child(struct ui *ui, char **argv, int wait_key);

#endif
