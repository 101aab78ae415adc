/* cli.h - the command-line front end (private to src/main.c and src/cli*.c). */
#ifndef RT_CLI_H
#define RT_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "rt_err.h"
#include "rt_mem.h"

struct rt_config;
struct rt_env;
struct rt_graph;
struct rt_db;
struct rt_event;
struct rt_session;

enum cli_format {
	CLI_TEXT,
	CLI_CSV,
	CLI_JSON,
	CLI_SARIF,          /* lint only: SARIF 2.1.0 */
};

/* Options (global and per command) and the state a command builds up. The
 * option fields are filled from the table cli_options (cli_opts.c). */
struct cli {
	const char *dir;            /* -d: migrations directory */
	const char *env_name;       /* -e (the last one given) */
	struct rt_strv envs;        /* every -e given, in order (status) */
	const char *url;            /* --url */
	bool yes, no_color, quiet;
	int verbose;
	enum cli_format format;
	bool sql, dry_run, single_tx, indicate_current, exit_after_draw, exact;
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
	bool all_envs;              /* prune --all-envs */
	const char *python;         /* import --python */
	const char *tables;         /* baseline --tables */
	bool clear;                 /* seed --clear */
	const char *output;         /* export -o */
	const char *where;          /* export --where (raw SQL) */
	const char *columns;        /* export --columns a,b */
	bool all, no_seed, backup;  /* reset --all, --no-seed, --backup */
	const char *shadow_url;     /* schema, verify, check --shadow-url */
	bool live;                  /* schema --live */
	bool strict_names;          /* verify, check --strict-names */
	bool column_order;          /* verify, check --column-order */
	bool whole_reads;           /* check --whole-reads */
	bool reapply;               /* check --reapply */
	bool no_cache;              /* verify --no-cache */
	bool no_rename;             /* migrate --no-rename */
	bool data;                  /* check --data */
	bool preflight;             /* upgrade/downgrade --preflight */
	bool trace;                 /* lint --trace */
	const char *accept;         /* check --accept REV */
	const char *reason;         /* check --reason TEXT */
	unsigned opts_seen;         /* CLI_OPT_* bits of the options given */

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

/* Bits in cli.opts_seen, for the few options whose absence means "from the
 * config" rather than the zero value (prune --keep 0 means no limit). */
enum {
	CLI_OPT_LOCK_TIMEOUT = 1u << 0,
	CLI_OPT_KEEP_DAYS = 1u << 1,
	CLI_OPT_KEEP = 1u << 2,
};

/* How an option's value is stored in struct cli (at cli_option.at). */
enum cli_kind {
	CLI_KIND_FLAG,      /* bool, set to true */
	CLI_KIND_COUNT,     /* int, one more each time (-v -v) */
	CLI_KIND_STRING,    /* const char *, the argument (borrowed from argv) */
	CLI_KIND_STRV,      /* struct rt_strv, the argument added: the option repeats */
	CLI_KIND_SECONDS,   /* int milliseconds: seconds, or "forever"/-1 as -1 */
	CLI_KIND_NUMBER,    /* int, a whole number from 0 (0 = no limit) */
	CLI_KIND_FORMAT,    /* enum cli_format */
	CLI_KIND_HELP,      /* no value: usage of the command, or of retort */
	CLI_KIND_VERSION,   /* no value: print the version and exit 0 */
};

/* What a word completes to (retort __complete, cli_complete.c). */
enum cli_words {
	CLI_WORDS_NONE,     /* free text: nothing to offer */
	CLI_WORDS_FILE,     /* file names, left to the shell */
	CLI_WORDS_DIR,      /* directory names, left to the shell */
	CLI_WORDS_ENV,      /* env names of retort.conf */
	CLI_WORDS_REV,      /* revision ids, branch labels, head, heads, base */
	CLI_WORDS_RANGE,    /* REV, REV:REV, and current */
	CLI_WORDS_FORMAT,   /* text, csv, json */
	CLI_WORDS_USAGE,    /* the alternatives the usage line spells: "sandbox start|stop" */
};

/* One option, declared once: getopt's arrays, the "does not apply" check,
 * --help and the completion all come from the table of these. */
struct cli_option {
	const char *name;       /* long name without "--" */
	char letter;            /* short option, or 0 */
	const char *arg;        /* the argument's name in help ("DIR"); NULL: takes none */
	enum cli_kind kind;
	size_t at;              /* offsetof(struct cli, the field the value goes to) */
	const char *cmds;       /* the commands that take it, space-separated; NULL: global */
	enum cli_words values;  /* what the argument completes to */
	unsigned seen;          /* CLI_OPT_* bit set in cli.opts_seen when given, or 0 */
	const char *help;       /* one line for --help */
};

/* The option table (cli_opts.c), terminated by a NULL name. Global options
 * first, in the order --help lists them. */
extern const struct cli_option cli_options[];

struct cli_command {
	const char *name;
	int (*run)(struct cli *c);      /* returns 0, or -1 with c->err set */
	enum cli_words args;            /* what the positional arguments complete to */
	int min_args, max_args;         /* positional arguments (-1: any) */
	const char *usage;
	const char *help;
};

/* The command table (cli_cmds.c), terminated by a NULL name. */
extern const struct cli_command cli_commands[];

/* Entry point: parses argv, dispatches, prints errors; returns the exit status. */
int cli_main(int argc, char **argv);

/* Option parsing and help (cli_opts.c). */
/* The command called name, or NULL. */
const struct cli_command *cli_command_find(const char *name);
/* Whether command cmd (NULL: none yet) takes option o. */
bool cli_option_applies(const struct cli_option *o, const char *cmd);
/* The option of word that takes an argument, read as getopt reads it ("-m",
 * "-ym", "--lock-timeout", "--lock=5", "-dDIR"); *value is the argument when
 * the word holds it, else NULL (the next word is the argument). NULL when no
 * option of word takes one ("--sql", "-1", "--", "upgrade"). */
const struct cli_option *cli_option_with_argument(const char *word, const char **value);
/* Parses argv into c (marked holds argc slots for the copies it makes of
 * relative targets; the caller frees them). Returns 0 to run c->cmd, 1 to
 * exit 0 (help, version), -1 on a usage error (c->err). */
int cli_parse_args(struct cli *c, int argc, char **argv, char **marked);
/* Frees the option values parsing allocated (the repeatable options). */
void cli_free_option_values(struct cli *c);

/* retort __complete WORD... (cli_complete.c): prints the candidates for the
 * last word, one a line, without errors, a database or a graph's SQL. Returns
 * the exit status: 0, or CLI_COMPLETE_FILES/_DIRS to leave it to the shell. */
enum { CLI_COMPLETE_FILES = 3, CLI_COMPLETE_DIRS = 4 };
int cli_complete(int nwords, char **words);

/* Helpers shared by the commands (cli.c). */
int cli_load_config(struct cli *c);
int cli_load_graph(struct cli *c);
/* The graph from the files' headers only (current, heads, branches, history
 * without -i): no SQL bodies, no checksums. */
int cli_load_graph_headers(struct cli *c);
int cli_connect(struct cli *c);
int cli_lock(struct cli *c);
int cli_confirm_protected(struct cli *c, const char *what);
/* On a protected env: says question on stderr and reads the database name
 * typed at "Type the database name (DBNAME) to go on: " (readline, on
 * stderr). Returns the line (malloc'd; "" at end of input) for the
 * operation's confirm to check, or NULL with c->err when stdin is not a
 * terminal. */
char *cli_ask_dbname(struct cli *c, const char *question, const char *dbname);
void cli_close(struct cli *c);

/* The backup commands (cli_backup.c). */
int cli_cmd_backup(struct cli *c);
int cli_cmd_backups(struct cli *c);
int cli_cmd_prune(struct cli *c);
int cli_cmd_restore(struct cli *c);

/* The data commands (cli_data.c). */
int cli_cmd_seed(struct cli *c);
int cli_cmd_export(struct cli *c);
int cli_cmd_reset(struct cli *c);

/* The migration commands (cli_migrate.c). */
int cli_cmd_upgrade(struct cli *c);
int cli_cmd_downgrade(struct cli *c);
int cli_cmd_stamp(struct cli *c);
int cli_cmd_resolve(struct cli *c);

/* Adopting a Flask-Migrate project (cli_adopt.c). */
int cli_cmd_import(struct cli *c);
int cli_cmd_export_alembic(struct cli *c);
int cli_cmd_baseline(struct cli *c);

/* Environments side by side (cli_status.c). */
int cli_cmd_status(struct cli *c);

/* Schemas in a shadow database (cli_schema.c). */
int cli_cmd_schema(struct cli *c);
int cli_cmd_verify(struct cli *c);
int cli_cmd_check(struct cli *c);
int cli_cmd_migrate(struct cli *c);

/* Clears the progress line on stderr ("\r" + erase) when *shown, and
 * sets *shown false: what any other output first calls (cli_out.c). */
void cli_progress_end(bool *shown);
/* Prints "[i/n] upgrade   ID  message ... " for RT_EV_STEP_START (the line's
 * end comes with the step's outcome) (cli_out.c). */
void cli_print_step_start(const struct rt_event *ev);

/* Drives an engine job (rt_job.h) to its end in one poll() loop (cli_out.c).
 * SIGINT and SIGTERM cancel it (once; a second one only gets a note) and are
 * remembered for the exit status. Returns the job's last step result. */
struct rt_job;
int cli_drive(struct rt_job *job, struct rt_err *err);
/* The signal that cancelled a job (SIGINT, SIGTERM), or 0. */
int cli_cancel_signal(void);
bool cli_is_cancelling(void);


/* Output of listing commands (cli_out.c): text is printed by the command;
 * csv and json rows go through these. JSON is always an array of objects
 * (an empty table prints "[]"), CSV always has its header line. */
struct cli_table {
	enum cli_format format;
	const char *const *cols;
	size_t ncols;
	size_t nrows;
	FILE *fp;
};
void cli_table_begin(struct cli_table *t, enum cli_format format, const char *const *cols,
		     size_t ncols);
/* A row of ncols strings (borrowed); NULL is null in json, empty in csv. */
void cli_table_row(struct cli_table *t, const char *const *vals);
void cli_table_end(struct cli_table *t);

/* One typed value of a row: json writes numbers, booleans and null as such,
 * never guessed from the text ("-1" or "true" in a message stays a string).
 * csv writes null as an empty field. A zeroed cell is null. */
enum cli_cell_kind {
	CLI_CELL_NULL,
	CLI_CELL_STRING,
	CLI_CELL_NUMBER,
	CLI_CELL_BOOL,
};
struct cli_cell {
	enum cli_cell_kind kind;
	const char *s;      /* CLI_CELL_STRING, borrowed */
	long long n;        /* CLI_CELL_NUMBER */
	bool b;             /* CLI_CELL_BOOL */
};
struct cli_cell cli_cell_str(const char *s);    /* NULL gives a null cell */
struct cli_cell cli_cell_num(long long n);
struct cli_cell cli_cell_bool(bool b);
struct cli_cell cli_cell_null(void);
/* A row of ncols typed cells. */
void cli_table_cells(struct cli_table *t, const struct cli_cell *cells);
/* Writes s as a JSON string, quotes included (bytes that are not UTF-8 become U+FFFD). */
void cli_json_string(FILE *fp, const char *s);

/* retort lint (cli_lint.c). */
int cli_cmd_lint(struct cli *c);

#endif
