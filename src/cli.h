/* cli.h - the command-line front end (private to src/main.c and src/cli*.c). */
#ifndef RT_CLI_H
#define RT_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "rt_err.h"
#include "rt_mem.h"

struct rt_config;
struct rt_env;
struct rt_graph;
struct rt_db;
struct rt_session;

enum cli_format {
	CLI_TEXT,
	CLI_CSV,
	CLI_JSON,
};

/* Options (global and per command) and the state a command builds up. */
struct cli {
	const char *dir;            /* -d: migrations directory */
	const char *env_name;       /* -e */
	const char *url;            /* --url */
	bool yes, no_color, quiet;
	int verbose;
	enum cli_format format;
	bool sql, dry_run, single_tx, indicate_current, head_set, exit_after_draw, exact;
	bool bench;                 /* ui --bench */
	bool mark_applied, mark_reverted, drop_invalid;   /* resolve */
	const char *message;        /* -m */
	const char *head;           /* --head */
	const char *range;          /* -r */
	const char *rev_id;         /* --rev-id */
	struct rt_strv depends;     /* --depends-on */
	struct rt_strv labels;      /* --branch-label */
	int lock_timeout_ms;        /* --lock-timeout; -2 = from the config */
	bool clean, no_backup;      /* restore --clean; upgrade/downgrade --no-backup */
	int keep_days, keep_count;  /* prune --keep-days, --keep */
	unsigned opts_seen;         /* CLI_OPT_* bits given on the command line */

	const char *cmd;
	char **args;
	int nargs;

	struct rt_session *session;
	const struct rt_config *cfg;    /* borrowed from session */
	const struct rt_env *env;       /* borrowed from session, after cli_connect */
	const struct rt_graph *graph;   /* borrowed from session, after cli_load_graph */
	struct rt_db *db;               /* borrowed from session, after cli_connect */
	struct rt_err err;
};

/* Command-specific options, as bits, to refuse options a command does not take. */
enum {
	CLI_OPT_SQL = 1u << 0,
	CLI_OPT_DRY_RUN = 1u << 1,
	CLI_OPT_SINGLE_TX = 1u << 2,
	CLI_OPT_MESSAGE = 1u << 3,
	CLI_OPT_HEAD = 1u << 4,
	CLI_OPT_RANGE = 1u << 5,
	CLI_OPT_REV_ID = 1u << 6,
	CLI_OPT_DEPENDS = 1u << 7,
	CLI_OPT_LABEL = 1u << 8,
	CLI_OPT_LOCK_TIMEOUT = 1u << 9,
	CLI_OPT_INDICATE = 1u << 10,
	CLI_OPT_EXIT_AFTER_DRAW = 1u << 11,
	CLI_OPT_EXACT = 1u << 12,
	CLI_OPT_CLEAN = 1u << 13,
	CLI_OPT_NO_BACKUP = 1u << 14,
	CLI_OPT_KEEP_DAYS = 1u << 15,
	CLI_OPT_KEEP = 1u << 16,
	CLI_OPT_MARK_APPLIED = 1u << 17,
	CLI_OPT_MARK_REVERTED = 1u << 18,
	CLI_OPT_DROP_INVALID = 1u << 19,
	CLI_OPT_BENCH = 1u << 20,
};

struct cli_command {
	const char *name;
	int (*run)(struct cli *c);      /* returns 0, or -1 with c->err set */
	unsigned opts;                  /* CLI_OPT_* accepted */
	int min_args, max_args;         /* positional arguments (-1: any) */
	const char *usage;
	const char *help;
};

/* The command table (cli_cmds.c), terminated by a NULL name. */
extern const struct cli_command cli_commands[];

/* Entry point: parses argv, dispatches, prints errors; returns the exit status. */
int cli_main(int argc, char **argv);

/* Helpers shared by the commands (cli.c). */
int cli_load_config(struct cli *c);
int cli_load_graph(struct cli *c);
/* The graph from the files' headers only (current, heads, branches, history
 * without -i): no SQL bodies, no checksums. */
int cli_load_graph_headers(struct cli *c);
int cli_connect(struct cli *c);
int cli_lock(struct cli *c);
int cli_confirm_protected(struct cli *c, const char *what);
void cli_close(struct cli *c);

/* cli_backup.c: before an upgrade or downgrade of a protected env, back up
 * (unless disabled); prints where the backup went. 0, or -1 with c->err. */
int cli_auto_backup(struct cli *c);
/* The backup commands (cli_backup.c). */
int cli_cmd_backup(struct cli *c);
int cli_cmd_backups(struct cli *c);
int cli_cmd_prune(struct cli *c);
int cli_cmd_restore(struct cli *c);

/* A job of the engine driven to the end from the CLI (cli_out.c): polls the
 * fds fds() gives, calls step() (1 running, 0 done, -1 err), and cancel() once
 * on Ctrl-C. Returns step's last result. */
struct cli_job {
	void *job;
	size_t (*fds)(void *job, int fds[2]);
	int (*step)(void *job, struct rt_err *err);
	void (*cancel)(void *job);
};
int cli_run_job(const struct cli_job *j, struct rt_err *err);

/* Output of listing commands (cli_out.c): text is printed by the command;
 * csv and json rows go through these. */
struct cli_table {
	enum cli_format format;
	const char *const *cols;
	size_t ncols;
	size_t nrows;
	FILE *fp;
};
void cli_table_begin(struct cli_table *t, enum cli_format format, const char *const *cols,
		     size_t ncols);
void cli_table_row(struct cli_table *t, const char *const *vals);
void cli_table_end(struct cli_table *t);

#endif
