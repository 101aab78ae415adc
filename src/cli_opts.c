/* cli_opts.c - the option table and what is derived from it: getopt's arrays,
 * parsing into struct cli, the "does not apply" check and --help. Adding an
 * option is one entry here (and its field in struct cli). */
#include "config.h"
#include "cli.h"

#include <assert.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The field's offset, refused at compile time when its type does not fit the kind. */
#define FIELD(f, type)  _Generic(((struct cli *)0)->f, type: offsetof(struct cli, f))
#define FLAG(f)         .kind = CLI_KIND_FLAG, .at = FIELD(f, bool)
#define COUNT(f)        .kind = CLI_KIND_COUNT, .at = FIELD(f, int)
#define STRING(f)       .kind = CLI_KIND_STRING, .at = FIELD(f, const char *)
#define STRV(f)         .kind = CLI_KIND_STRV, .at = FIELD(f, struct rt_strv)
#define SECONDS(f)      .kind = CLI_KIND_SECONDS, .at = FIELD(f, int)
#define NUMBER(f)       .kind = CLI_KIND_NUMBER, .at = FIELD(f, int)
#define FORMAT(f)       .kind = CLI_KIND_FORMAT, .at = FIELD(f, enum cli_format)

#define MIGRATE "upgrade downgrade"

const struct cli_option cli_options[] = {
	/* global */
	{ .name = "directory", .letter = 'd', .arg = "DIR", STRING(dir), .values = CLI_WORDS_DIR,
	  .help = "migrations directory (default: migrations)" },
	{ .name = "env", .letter = 'e', .arg = "NAME", STRING(env_name), .values = CLI_WORDS_ENV,
	  .help = "environment from DIR/retort.conf (status: repeatable)" },
	{ .name = "url", .arg = "URL", STRING(url),
	  .help = "database URL (else $DATABASE_URL, else the default env)" },
	{ .name = "yes", .letter = 'y', FLAG(yes), .help = "do not ask for confirmation" },
	{ .name = "format", .arg = "FMT", FORMAT(format), .values = CLI_WORDS_FORMAT,
	  .help = "text, csv or json for listing commands (lint: text, json or sarif)" },
	{ .name = "no-color", FLAG(no_color), .help = "no colours (also NO_COLOR)" },
	{ .name = "quiet", .letter = 'q', FLAG(quiet), .help = "print only errors" },
	{ .name = "verbose", .letter = 'v', COUNT(verbose), .help = "print more" },
	{ .name = "version", .kind = CLI_KIND_VERSION, .help = "print the version" },
	{ .name = "help", .letter = 'h', .kind = CLI_KIND_HELP,
	  .help = "this help; 'retort COMMAND --help' for one command" },

	/* per command; the first one given that a command does not take is the one named */
	{ .name = "sql", FLAG(sql), .cmds = MIGRATE " stamp",
	  .help = "print the SQL instead of running it; touch nothing" },
	{ .name = "dry-run", FLAG(dry_run), .cmds = MIGRATE " prune import",
	  .help = "run in one transaction and roll back (prune, import: only list)" },
	{ .name = "preflight", FLAG(preflight), .cmds = MIGRATE,
	  .help = "locks, sizes, blockers, data and cast checks, time estimates of the plan on the live database; touch nothing" },
	{ .name = "single-transaction", FLAG(single_tx), .cmds = MIGRATE,
	  .help = "run the whole plan in one transaction" },
	{ .name = "message", .letter = 'm', .arg = "MSG", STRING(message), .cmds = "revision merge baseline migrate",
	  .help = "the new revision's message" },
	{ .name = "head", .arg = "REV", STRING(head), .cmds = "revision", .values = CLI_WORDS_REV,
	  .help = "the new revision's parent (default: the head; base: a new root)" },
	{ .name = "rev-range", .letter = 'r', .arg = "RANGE", STRING(range), .cmds = "history schema",
	  .values = CLI_WORDS_RANGE,
	  .help = "history: only the revisions in A:B (either may be empty); schema: the revision" },
	{ .name = "rev-id", .arg = "ID", STRING(rev_id), .cmds = "revision merge migrate",
	  .help = "the new revision's id (default: 12 random hex digits)" },
	{ .name = "depends-on", .arg = "REV", STRV(depends), .cmds = "revision",
	  .values = CLI_WORDS_REV, .help = "a revision the new one depends on (repeatable)" },
	{ .name = "branch-label", .arg = "NAME", STRV(labels), .cmds = "revision",
	  .help = "a branch label for the new revision (repeatable)" },
	{ .name = "lock-timeout", .arg = "S", SECONDS(lock_timeout_ms),
	  .cmds = MIGRATE " stamp resolve restore baseline", .seen = CLI_OPT_LOCK_TIMEOUT,
	  .help = "wait S seconds for the migration lock (forever or -1: no limit)" },
	{ .name = "indicate-current", .letter = 'i', FLAG(indicate_current), .cmds = "history",
	  .help = "mark the current revisions and files edited since applied" },
	{ .name = "exit-after-draw", FLAG(exit_after_draw), .cmds = "ui",
	  .help = "draw the first screen and exit (no terminal needed)" },
	{ .name = "exact", FLAG(exact), .cmds = "counts",
	  .help = "count every row instead of the catalog's estimate" },
	{ .name = "clean", FLAG(clean), .cmds = "restore",
	  .help = "drop the backup's tables first: back to the moment of the backup" },
	{ .name = "no-backup", FLAG(no_backup), .cmds = MIGRATE,
	  .help = "no automatic backup of a protected env" },
	{ .name = "clear", FLAG(clear), .cmds = "seed",
	  .help = "empty the seeded tables first (refused on protected envs)" },
	{ .name = "output", .letter = 'o', .arg = "FILE", STRING(output), .cmds = "export",
	  .values = CLI_WORDS_FILE, .help = "write to FILE (temporary name, fsynced, renamed)" },
	{ .name = "where", .arg = "SQL", STRING(where), .cmds = "export",
	  .help = "only the rows where SQL holds (raw SQL, sent as written)" },
	{ .name = "columns", .arg = "LIST", STRING(columns), .cmds = "export",
	  .help = "only these columns (comma-separated), in this order" },
	{ .name = "all", FLAG(all), .cmds = "reset",
	  .help = "drop every non-system schema, not only what the migrations made" },
	{ .name = "no-seed", FLAG(no_seed), .cmds = "reset", .help = "do not seed after the upgrade" },
	{ .name = "backup", FLAG(backup), .cmds = "reset", .help = "take a backup first" },
	{ .name = "keep-days", .arg = "N", NUMBER(keep_days), .cmds = "prune",
	  .seen = CLI_OPT_KEEP_DAYS, .help = "delete backups older than N days (0: no limit)" },
	{ .name = "keep", .arg = "N", NUMBER(keep_count), .cmds = "prune", .seen = CLI_OPT_KEEP,
	  .help = "keep the N newest backups (0: no limit)" },
	{ .name = "all-envs", FLAG(all_envs), .cmds = "prune",
	  .help = "prune every env's backups in the dir, not only this env's" },
	{ .name = "mark-applied", FLAG(mark_applied), .cmds = "resolve",
	  .help = "run nothing: the revision was finished by hand" },
	{ .name = "mark-reverted", FLAG(mark_reverted), .cmds = "resolve",
	  .help = "run nothing: what ran was undone by hand" },
	{ .name = "drop-invalid", FLAG(drop_invalid), .cmds = "resolve",
	  .help = "drop every INVALID index, then resume" },
	{ .name = "bench", FLAG(bench), .cmds = "ui",
	  .help = "time drawing on a headless terminal and exit" },
	{ .name = "python", .arg = "PATH", STRING(python), .cmds = "import",
	  .values = CLI_WORDS_FILE,
	  .help = "the Python 3 with Alembic to render the revisions (default: python3)" },
	{ .name = "tables", .arg = "LIST", STRING(tables), .cmds = "baseline",
	  .help = "only these tables (name or schema.name, comma-separated)" },
	{ .name = "shadow-url", .arg = "URL", STRING(shadow_url), .cmds = "schema verify check migrate lint",
	  .help = "create the shadow database on this server (default: the env's)" },
	{ .name = "strict-names", FLAG(strict_names), .cmds = "verify check",
	  .help = "constraints with PostgreSQL's default names are matched by name too" },
	{ .name = "column-order", FLAG(column_order), .cmds = "verify check",
	  .help = "report columns whose position differs" },
	{ .name = "no-cache", FLAG(no_cache), .cmds = "verify",
	  .help = "build the migrations' and the declared schema's models in shadow databases "
	  "even when the model cache has them" },
	{ .name = "whole-reads", FLAG(whole_reads), .cmds = "check",
	  .help = "read the whole shadow schema after every step (slower; by default only "
	  "what each step touched, from event triggers, when the role is a superuser)" },
	{ .name = "reapply", FLAG(reapply), .cmds = "check",
	  .help = "after each downgrade, upgrade again and compare with the first upgrade "
	  "(slower; by default the downgrade's transaction is rolled back)" },
	{ .name = "data", FLAG(data), .cmds = "check",
	  .help = "load the seed files at head; each downgrade + upgrade from head down keeps "
	  "the data" },
	{ .name = "no-rename", FLAG(no_rename), .cmds = "migrate",
	  .help = "write a column that disappears while a like one appears as drop + add" },
	{ .name = "live", FLAG(live), .cmds = "schema",
	  .help = "the live database's schema instead of the migrations'" },
	{ .name = "trace", FLAG(trace), .cmds = "lint",
	  .help = "run each revision in a shadow database, rolled back: its real locks and rewrites" },
	{ .name = "accept", .arg = "REV", STRING(accept), .cmds = "check", .values = CLI_WORDS_REV,
	  .help = "record applied revision REV's edited file as it is now (needs --reason)" },
	{ .name = "reason", .arg = "TEXT", STRING(reason), .cmds = "check",
	  .help = "why --accept's edit is harmless (kept in retort_history)" },
	{ .name = NULL },
};

static const char *const format_names[] = { [CLI_TEXT] = "text", [CLI_CSV] = "csv",
					    [CLI_JSON] = "json", [CLI_SARIF] = "sarif" };

/* getopt_long's val for the long form of cli_options[i]; above every letter. */
#define LONG_VAL(i)     (256 + (int)(i))

/* Marks relative targets such as "-1" so getopt does not take them for options. */
#define REL_MARK '\x1f'

static size_t
noptions(void)
{
	size_t n = 0;

	while (cli_options[n].name)
		n++;
	return n;
}

/* Whether word is one of the space-separated words of list. */
static bool
in_list(const char *list, const char *word)
{
	size_t len = strlen(word);

	for (const char *p = list; *p; p += strspn(p, " ")) {
		size_t n = strcspn(p, " ");

		if (n == len && strncmp(p, word, len) == 0)
			return true;
		p += n;
	}
	return false;
}

/* "-m/--message" or "--sql", as messages name an option. */
static const char *
display_name(const struct cli_option *o, char *buf, size_t size)
{
	if (o->letter)
		snprintf(buf, size, "-%c/--%s", o->letter, o->name);
	else
		snprintf(buf, size, "--%s", o->name);
	return buf;
}

const struct cli_command *
cli_command_find(const char *name)
{
	for (const struct cli_command *cmd = cli_commands; cmd->name; cmd++)
		if (strcmp(cmd->name, name) == 0)
			return cmd;
	return NULL;
}

bool
cli_option_applies(const struct cli_option *o, const char *cmd)
{
	return !o->cmds || (cmd && in_list(o->cmds, cmd));
}

static const struct cli_option *
find_letter(char letter)
{
	for (const struct cli_option *o = cli_options; o->name; o++)
		if (o->letter == letter)
			return o;
	return NULL;
}

/* The long option name (up to '=' or the end) means, as getopt_long reads it:
 * an exact name, else a prefix of exactly one. NULL when unknown or ambiguous. */
static const struct cli_option *
find_long(const char *name)
{
	const struct cli_option *found = NULL;
	size_t len = strcspn(name, "=");

	for (const struct cli_option *o = cli_options; o->name; o++)
		if (strncmp(o->name, name, len) == 0 && o->name[len] == '\0')
			return o;
	for (const struct cli_option *o = cli_options; o->name; o++) {
		if (strncmp(o->name, name, len) != 0)
			continue;
		if (found)
			return NULL;
		found = o;
	}
	return found;
}

const struct cli_option *
cli_option_with_argument(const char *word, const char **value)
{
	const struct cli_option *o;

	*value = NULL;
	if (word[0] != '-' || word[1] == '\0')
		return NULL;
	if (word[1] == '-') {
		if (word[2] == '\0')
			return NULL;   /* "--": the end of the options */
		o = find_long(word + 2);
		if (!o || !o->arg)
			return NULL;
		if (strchr(word, '='))
			*value = strchr(word, '=') + 1;
		return o;
	}
	/* a cluster of letters: the first one taking an argument takes the rest */
	for (const char *p = word + 1; *p; p++) {
		o = find_letter(*p);
		if (!o)
			return NULL;
		if (o->arg) {
			if (p[1])
				*value = p + 1;
			return o;
		}
	}
	return NULL;
}

static int
parse_seconds(const char *s, int *ms)
{
	char *end;
	double v;

	if (strcmp(s, "forever") == 0 || strcmp(s, "-1") == 0) {
		*ms = -1;
		return 0;
	}
	v = strtod(s, &end);
	if (end == s || *end || !isfinite(v) || v < 0 || v > 86400 * 7)
		return -1;
	*ms = (int)(v * 1000);
	return 0;
}

static int
parse_number(const char *s, int *out)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (end == s || *end || v < 0 || v > 1000000)
		return -1;
	*out = (int)v;
	return 0;
}

static int
parse_format(const char *s, enum cli_format *out)
{
	for (size_t i = 0; i < sizeof(format_names) / sizeof(*format_names); i++)
		if (strcmp(s, format_names[i]) == 0) {
			*out = (enum cli_format)i;
			return 0;
		}
	return -1;
}

/* Stores option o's value in c. Returns 0, 1 to exit 0 (version), -1 with c->err. */
static int
store_option(struct cli *c, const struct cli_option *o, const char *arg, bool *want_help)
{
	void *field = (char *)c + o->at;

	c->opts_seen |= o->seen;
	switch (o->kind) {
	case CLI_KIND_FLAG:
		*(bool *)field = true;
		break;
	case CLI_KIND_COUNT:
		++*(int *)field;
		break;
	case CLI_KIND_STRING:
		*(const char **)field = arg;
		/* -e repeats for status (envs side by side); elsewhere the last one counts */
		if (o->at == offsetof(struct cli, env_name))
			rt_strv_push(&c->envs, arg);
		break;
	case CLI_KIND_STRV:
		rt_strv_push(field, arg);
		break;
	case CLI_KIND_SECONDS:
		if (parse_seconds(arg, field) < 0) {
			rt_err_set(&c->err, RT_ERR_INPUT, "--%s: expected seconds or 'forever', "
				   "not '%s'", o->name, arg);
			return -1;
		}
		break;
	case CLI_KIND_NUMBER:
		if (parse_number(arg, field) < 0) {
			rt_err_set(&c->err, RT_ERR_INPUT, "--%s: expected a whole number "
				   "(0 = no limit), not '%s'", o->name, arg);
			return -1;
		}
		break;
	case CLI_KIND_FORMAT:
		if (parse_format(arg, field) < 0) {
			rt_err_set(&c->err, RT_ERR_INPUT, "--%s: expected text, csv or json, "
				   "not '%s'", o->name, arg);
			return -1;
		}
		break;
	case CLI_KIND_HELP:
		*want_help = true;
		break;
	case CLI_KIND_VERSION:
		printf("retort %s\n", PACKAGE_VERSION);
		return 1;
	}
	return 0;
}

void
cli_free_option_values(struct cli *c)
{
	for (const struct cli_option *o = cli_options; o->name; o++)
		if (o->kind == CLI_KIND_STRV)
			rt_strv_free((struct rt_strv *)((char *)c + o->at));
	rt_strv_free(&c->envs);
}

/* getopt_long's arrays, built from the table; free with getopt_spec_free. */
struct getopt_spec {
	struct option *longs;
	char *shorts;
};

static void
getopt_spec_build(struct getopt_spec *g)
{
	size_t n = noptions();
	struct rt_buf shorts = { 0 };

	g->longs = rt_xcalloc(n + 1, sizeof(*g->longs));
	rt_buf_putc(&shorts, ':');   /* a missing argument is ':', not '?' */
	for (size_t i = 0; i < n; i++) {
		const struct cli_option *o = &cli_options[i];

		/* a scope naming no command is a typo in the table */
		for (const char *p = o->cmds; p && *p; p += strspn(p, " ")) {
			char *word = rt_xstrndup(p, strcspn(p, " "));

			assert(cli_command_find(word));
			p += strlen(word);
			free(word);
		}
		g->longs[i] = (struct option){ o->name, o->arg ? required_argument : no_argument,
					       NULL, LONG_VAL(i) };
		if (o->letter) {
			rt_buf_putc(&shorts, o->letter);
			if (o->arg)
				rt_buf_putc(&shorts, ':');
		}
	}
	g->shorts = rt_buf_take(&shorts);
}

static void
getopt_spec_free(struct getopt_spec *g)
{
	free(g->longs);
	free(g->shorts);
}

/* Whether usage spells option o: "--format" or "-v", as a whole word. */
static bool
in_usage(const struct cli_option *o, const char *usage)
{
	char word[64];
	size_t len;

	for (int pass = 0; pass < 2; pass++) {
		if (pass == 0)
			snprintf(word, sizeof(word), "--%s", o->name);
		else if (o->letter)
			snprintf(word, sizeof(word), "-%c", o->letter);
		else
			break;
		len = strlen(word);
		for (const char *p = strstr(usage, word); p; p = strstr(p + 1, word))
			if ((p == usage || strchr(" [|", p[-1])) && strchr(" ]|=", p[len]))
				return true;
	}
	return false;
}

/* Whether option o belongs in the help of command cmd, or of retort (NULL):
 * a command's own options, and the global ones its usage line names
 * (--format, -v, --yes), so that every option it shows has a line. */
static bool
in_help(const struct cli_option *o, const char *cmd)
{
	const struct cli_command *c;

	if (!cmd)
		return !o->cmds;
	if (o->cmds)
		return in_list(o->cmds, cmd);
	c = cli_command_find(cmd);
	return c && in_usage(o, c->usage);
}

/* "--name ARG", as --help shows an option. */
static const char *
spelled(const struct cli_option *o, char *buf, size_t size)
{
	snprintf(buf, size, "--%s%s%s", o->name, o->arg ? " " : "", o->arg ? o->arg : "");
	return buf;
}

/* Prints the options of command cmd (NULL: the global ones) with their help,
 * which starts 3 columns past the longest "--name ARG". */
static void
print_options(FILE *fp, const char *cmd)
{
	char buf[64];
	int width = 0;

	for (const struct cli_option *o = cli_options; o->name; o++)
		if (in_help(o, cmd) && (int)strlen(spelled(o, buf, sizeof(buf))) + 3 > width)
			width = (int)strlen(buf) + 3;
	for (const struct cli_option *o = cli_options; o->name; o++) {
		if (!in_help(o, cmd))
			continue;
		if (o->letter)
			fprintf(fp, "  -%c, ", o->letter);
		else
			fputs("      ", fp);
		fprintf(fp, "%-*s%s\n", width, spelled(o, buf, sizeof(buf)), o->help);
	}
}

static void
usage(FILE *fp)
{
	fprintf(fp,
		"usage: retort [global options] COMMAND [options] [args]\n"
		"\n"
		"PostgreSQL schema migrations: plain-SQL revisions, Alembic-compatible version table.\n"
		"\n"
		"Global options (before or after the command):\n");
	print_options(fp, NULL);
	fprintf(fp, "\nCommands:\n");
	for (const struct cli_command *cmd = cli_commands; cmd->name; cmd++)
		fprintf(fp, "  %-10s %s\n", cmd->name, cmd->help);
	fprintf(fp, "\nExit status: 0 success, 1 failure while running, 2 bad input or usage.\n");
}

static void
command_usage(FILE *fp, const struct cli_command *cmd)
{
	bool has_options = false;

	fprintf(fp, "usage: retort %s\n\n%s\n", cmd->usage, cmd->help);
	for (const struct cli_option *o = cli_options; o->name; o++)
		has_options |= in_help(o, cmd->name);
	if (has_options) {
		fprintf(fp, "\nOptions:\n");
		print_options(fp, cmd->name);
	}
	fprintf(fp, "\nGlobal options: see 'retort --help'.\n");
}

/* Whether the word after word is an option's argument ("-m", "--lock-timeout"). */
static bool
takes_next_word(const char *word)
{
	const char *value;

	return cli_option_with_argument(word, &value) && !value;
}

/* "-1", "-12": relative targets, not options (unless an option's argument).
 * Copies them with a mark in front that getopt leaves alone. */
static void
mark_relative_targets(int argc, char **argv, char **marked)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (a[0] == '-' && a[1] >= '0' && a[1] <= '9' &&
		    strspn(a + 1, "0123456789") == strlen(a + 1) && !takes_next_word(argv[i - 1])) {
			marked[i] = rt_xasprintf("%c%s", REL_MARK, a);
			argv[i] = marked[i];
		}
	}
}

/* Runs getopt over argv, storing each option; given[i] says cli_options[i] came.
 * Returns 0, 1 to exit 0 (version), -1 with c->err. */
static int
read_options(struct cli *c, int argc, char **argv, bool *given, bool *want_help)
{
	struct getopt_spec g;
	const struct cli_option *o;
	int ch, rc = 0;

	getopt_spec_build(&g);
	opterr = 0;
	while ((ch = getopt_long(argc, argv, g.shorts, g.longs, NULL)) != -1) {
		if (ch == '?' || ch == ':') {
			rt_err_set(&c->err, RT_ERR_INPUT, "%s: %s", argv[optind - 1], ch == ':' ?
				   "missing argument" : "unknown option; see 'retort --help'");
			rc = -1;
			break;
		}
		o = ch >= LONG_VAL(0) ? &cli_options[ch - LONG_VAL(0)] : find_letter((char)ch);
		given[o - cli_options] = true;
		if ((rc = store_option(c, o, optarg, want_help)) != 0)
			break;
	}
	getopt_spec_free(&g);
	return rc;
}

int
cli_parse_args(struct cli *c, int argc, char **argv, char **marked)
{
	const struct cli_command *cmd;
	bool want_help = false;
	bool *given = rt_xcalloc(noptions(), sizeof(*given));
	char buf[64];
	int rc;

	mark_relative_targets(argc, argv, marked);
	rc = read_options(c, argc, argv, given, &want_help);
	if (rc != 0)
		goto out;
	for (int i = optind; i < argc; i++)
		if (argv[i][0] == REL_MARK)
			argv[i]++;
	if (optind >= argc && !want_help && isatty(STDIN_FILENO) && isatty(STDOUT_FILENO)) {
		c->cmd = "ui";   /* no command on a terminal: the console */
		c->args = argv + argc;
		goto out;
	}
	if (optind >= argc) {
		if (want_help)
			usage(stdout);
		else
			rt_err_set(&c->err, RT_ERR_INPUT, "no command given; see 'retort --help'");
		rc = want_help ? 1 : -1;
		goto out;
	}
	c->cmd = argv[optind];
	c->args = argv + optind + 1;
	c->nargs = argc - optind - 1;
	cmd = cli_command_find(c->cmd);
	if (!cmd) {
		rt_err_set(&c->err, RT_ERR_INPUT, "unknown command '%s'; see 'retort --help'",
			   c->cmd);
		rc = -1;
		goto out;
	}
	if (want_help) {
		command_usage(stdout, cmd);
		rc = 1;
		goto out;
	}
	for (const struct cli_option *o = cli_options; o->name; o++)
		if (given[o - cli_options] && !cli_option_applies(o, cmd->name)) {
			rt_err_set(&c->err, RT_ERR_INPUT, "%s: option %s does not apply", cmd->name,
				   display_name(o, buf, sizeof(buf)));
			rc = -1;
			goto out;
		}
	/* each asks for the other not to run: refuse rather than drop one */
	if (c->sql && c->dry_run) {
		rt_err_set(&c->err, RT_ERR_INPUT, "%s: --sql and --dry-run do not go together: "
			   "--sql prints the SQL and touches nothing, --dry-run runs it and rolls "
			   "back", cmd->name);
		rc = -1;
		goto out;
	}
	if (c->nargs < cmd->min_args || (cmd->max_args >= 0 && c->nargs > cmd->max_args)) {
		rt_err_set(&c->err, RT_ERR_INPUT, "usage: retort %s", cmd->usage);
		rc = -1;
	}
out:
	free(given);
	return rc;
}
