/* cli.c - option parsing, dispatch and the helpers every command shares. */
#include "config.h"
#include "cli.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <readline/readline.h>

#include "rt_config.h"
#include "rt_db.h"
#include "rt_graph.h"
#include "rt_session.h"

enum {
	OPT_URL = 256, OPT_NO_COLOR, OPT_FORMAT, OPT_VERSION, OPT_SQL, OPT_DRY_RUN,
	OPT_SINGLE_TX, OPT_LOCK_TIMEOUT, OPT_HEAD, OPT_REV_ID, OPT_DEPENDS, OPT_LABEL,
	OPT_EXIT_AFTER_DRAW, OPT_EXACT, OPT_CLEAN, OPT_NO_BACKUP, OPT_KEEP_DAYS, OPT_KEEP,
	OPT_MARK_APPLIED, OPT_MARK_REVERTED, OPT_DROP_INVALID, OPT_BENCH,
};

static const struct option long_opts[] = {
	{ "directory", required_argument, NULL, 'd' },
	{ "env", required_argument, NULL, 'e' },
	{ "url", required_argument, NULL, OPT_URL },
	{ "yes", no_argument, NULL, 'y' },
	{ "no-color", no_argument, NULL, OPT_NO_COLOR },
	{ "quiet", no_argument, NULL, 'q' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ "help", no_argument, NULL, 'h' },
	{ "sql", no_argument, NULL, OPT_SQL },
	{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
	{ "single-transaction", no_argument, NULL, OPT_SINGLE_TX },
	{ "lock-timeout", required_argument, NULL, OPT_LOCK_TIMEOUT },
	{ "message", required_argument, NULL, 'm' },
	{ "head", required_argument, NULL, OPT_HEAD },
	{ "rev-range", required_argument, NULL, 'r' },
	{ "rev-id", required_argument, NULL, OPT_REV_ID },
	{ "depends-on", required_argument, NULL, OPT_DEPENDS },
	{ "branch-label", required_argument, NULL, OPT_LABEL },
	{ "indicate-current", no_argument, NULL, 'i' },
	{ "exit-after-draw", no_argument, NULL, OPT_EXIT_AFTER_DRAW },
	{ "exact", no_argument, NULL, OPT_EXACT },
	{ "clean", no_argument, NULL, OPT_CLEAN },
	{ "no-backup", no_argument, NULL, OPT_NO_BACKUP },
	{ "keep-days", required_argument, NULL, OPT_KEEP_DAYS },
	{ "keep", required_argument, NULL, OPT_KEEP },
	{ "mark-applied", no_argument, NULL, OPT_MARK_APPLIED },
	{ "mark-reverted", no_argument, NULL, OPT_MARK_REVERTED },
	{ "drop-invalid", no_argument, NULL, OPT_DROP_INVALID },
	{ "bench", no_argument, NULL, OPT_BENCH },
	{ NULL, 0, NULL, 0 },
};

/* Marks relative targets such as "-1" so getopt does not take them for options. */
#define REL_MARK '\x1f'

static void
usage(FILE *fp)
{
	fprintf(fp,
		"usage: retort [global options] COMMAND [options] [args]\n"
		"\n"
		"PostgreSQL schema migrations: plain-SQL revisions, Alembic-compatible version table.\n"
		"\n"
		"Global options (before or after the command):\n"
		"  -d, --directory DIR   migrations directory (default: migrations)\n"
		"  -e, --env NAME        environment from DIR/retort.conf\n"
		"      --url URL         database URL (else $DATABASE_URL, else the default env)\n"
		"  -y, --yes             do not ask for confirmation\n"
		"      --format FMT      text, csv or json for listing commands\n"
		"      --no-color        no colours (also NO_COLOR)\n"
		"  -q, --quiet           print only errors\n"
		"  -v, --verbose         print more\n"
		"      --version         print the version\n"
		"  -h, --help            this help; 'retort COMMAND --help' for one command\n"
		"\n"
		"Commands:\n");
	for (const struct cli_command *cmd = cli_commands; cmd->name; cmd++)
		fprintf(fp, "  %-10s %s\n", cmd->name, cmd->help);
	fprintf(fp, "\nExit status: 0 success, 1 failure while running, 2 bad input or usage.\n");
}

static void
command_usage(FILE *fp, const struct cli_command *cmd)
{
	fprintf(fp, "usage: retort %s\n\n%s\n", cmd->usage, cmd->help);
}

static const struct cli_command *
find_command(const char *name)
{
	for (const struct cli_command *cmd = cli_commands; cmd->name; cmd++)
		if (strcmp(cmd->name, name) == 0)
			return cmd;
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

/* A count for --keep-days and --keep: 0 or more. */
static int
parse_count(struct cli *c, const char *opt, const char *s, int *out)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (end == s || *end || v < 0 || v > 1000000) {
		rt_err_set(&c->err, RT_ERR_INPUT, "%s: expected a whole number (0 = no limit), "
			   "not '%s'", opt, s);
		return -1;
	}
	*out = (int)v;
	return 0;
}

static int
set_format(struct cli *c, const char *s)
{
	if (strcmp(s, "text") == 0)
		c->format = CLI_TEXT;
	else if (strcmp(s, "csv") == 0)
		c->format = CLI_CSV;
	else if (strcmp(s, "json") == 0)
		c->format = CLI_JSON;
	else
		return -1;
	return 0;
}

/* Returns 0 to go on, 1 to exit 0 (help, version), -1 on a usage error (c->err). */
static int
parse_option(struct cli *c, int ch, const char *arg, bool *want_help)
{
	switch (ch) {
	case 'd': c->dir = arg; break;
	case 'e': c->env_name = arg; break;
	case OPT_URL: c->url = arg; break;
	case 'y': c->yes = true; break;
	case OPT_NO_COLOR: c->no_color = true; break;
	case 'q': c->quiet = true; break;
	case 'v': c->verbose++; break;
	case OPT_FORMAT:
		if (set_format(c, arg) < 0) {
			rt_err_set(&c->err, RT_ERR_INPUT, "--format: expected text, csv or json, not '%s'", arg);
			return -1;
		}
		break;
	case OPT_VERSION: printf("retort %s\n", PACKAGE_VERSION); return 1;
	case 'h': *want_help = true; break;
	case OPT_SQL: c->sql = true; c->opts_seen |= CLI_OPT_SQL; break;
	case OPT_DRY_RUN: c->dry_run = true; c->opts_seen |= CLI_OPT_DRY_RUN; break;
	case OPT_SINGLE_TX: c->single_tx = true; c->opts_seen |= CLI_OPT_SINGLE_TX; break;
	case OPT_LOCK_TIMEOUT:
		if (parse_seconds(arg, &c->lock_timeout_ms) < 0) {
			rt_err_set(&c->err, RT_ERR_INPUT, "--lock-timeout: expected seconds or 'forever', not '%s'", arg);
			return -1;
		}
		c->opts_seen |= CLI_OPT_LOCK_TIMEOUT;
		break;
	case 'm': c->message = arg; c->opts_seen |= CLI_OPT_MESSAGE; break;
	case OPT_HEAD: c->head = arg; c->head_set = true; c->opts_seen |= CLI_OPT_HEAD; break;
	case 'r': c->range = arg; c->opts_seen |= CLI_OPT_RANGE; break;
	case OPT_REV_ID: c->rev_id = arg; c->opts_seen |= CLI_OPT_REV_ID; break;
	case OPT_DEPENDS: rt_strv_push(&c->depends, arg); c->opts_seen |= CLI_OPT_DEPENDS; break;
	case OPT_LABEL: rt_strv_push(&c->labels, arg); c->opts_seen |= CLI_OPT_LABEL; break;
	case 'i': c->indicate_current = true; c->opts_seen |= CLI_OPT_INDICATE; break;
	case OPT_EXACT: c->exact = true; c->opts_seen |= CLI_OPT_EXACT; break;
	case OPT_EXIT_AFTER_DRAW:
		c->exit_after_draw = true;
		c->opts_seen |= CLI_OPT_EXIT_AFTER_DRAW;
		break;
	case OPT_CLEAN: c->clean = true; c->opts_seen |= CLI_OPT_CLEAN; break;
	case OPT_NO_BACKUP: c->no_backup = true; c->opts_seen |= CLI_OPT_NO_BACKUP; break;
	case OPT_KEEP_DAYS:
		c->opts_seen |= CLI_OPT_KEEP_DAYS;
		return parse_count(c, "--keep-days", arg, &c->keep_days);
	case OPT_KEEP:
		c->opts_seen |= CLI_OPT_KEEP;
		return parse_count(c, "--keep", arg, &c->keep_count);
	case OPT_MARK_APPLIED: c->mark_applied = true; c->opts_seen |= CLI_OPT_MARK_APPLIED; break;
	case OPT_MARK_REVERTED: c->mark_reverted = true; c->opts_seen |= CLI_OPT_MARK_REVERTED; break;
	case OPT_DROP_INVALID: c->drop_invalid = true; c->opts_seen |= CLI_OPT_DROP_INVALID; break;
	case OPT_BENCH:
		c->bench = true;
		c->opts_seen |= CLI_OPT_BENCH;
		break;
	default:
		rt_err_set(&c->err, RT_ERR_INPUT, "unknown option; see 'retort --help'");
		return -1;
	}
	return 0;
}

static const char *const option_names[] = {
	"--sql", "--dry-run", "--single-transaction", "-m/--message", "--head", "-r/--rev-range",
	"--rev-id", "--depends-on", "--branch-label", "--lock-timeout", "-i/--indicate-current",
	"--exit-after-draw", "--exact", "--clean", "--no-backup", "--keep-days", "--keep",
	"--mark-applied", "--mark-reverted", "--drop-invalid", "--bench",
};

/* True when arg is an option whose argument is the next word ("--lock-timeout", "-m"). */
static bool
takes_argument(const char *arg)
{
	if (arg[0] != '-' || arg[1] == '\0')
		return false;
	if (arg[1] != '-')   /* short options: the last letter decides */
		return strchr("demr", arg[strlen(arg) - 1]) != NULL && strspn(arg + 1, "yqvhi") ==
		       strlen(arg + 1) - 1;
	for (const struct option *o = long_opts; o->name; o++)
		if (o->has_arg == required_argument && strcmp(arg + 2, o->name) == 0)
			return true;
	return false;
}

/* Parses argv into c. Returns 0 to run, 1 to exit 0, -1 on a usage error. */
static int
parse_args(struct cli *c, int argc, char **argv, char **marked)
{
	const struct cli_command *cmd;
	bool want_help = false;
	int ch, rc;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		/* "-1", "-12": relative targets, not options (unless an option's argument) */
		if (a[0] == '-' && a[1] >= '0' && a[1] <= '9' &&
		    strspn(a + 1, "0123456789") == strlen(a + 1) && !takes_argument(argv[i - 1])) {
			marked[i] = rt_xasprintf("%c%s", REL_MARK, a);
			argv[i] = marked[i];
		}
	}
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":d:e:yqvhm:r:i", long_opts, NULL)) != -1) {
		if (ch == '?' || ch == ':') {
			rt_err_set(&c->err, RT_ERR_INPUT, "%s: %s", argv[optind - 1],
				   ch == ':' ? "missing argument" : "unknown option; see 'retort --help'");
			return -1;
		}
		if ((rc = parse_option(c, ch, optarg, &want_help)) != 0)
			return rc;
	}
	for (int i = optind; i < argc; i++)
		if (argv[i][0] == REL_MARK)
			argv[i]++;
	if (optind >= argc && !want_help && isatty(STDIN_FILENO) && isatty(STDOUT_FILENO)) {
		c->cmd = "ui";   /* no command on a terminal: the console */
		c->args = argv + argc;
		return 0;
	}
	if (optind >= argc) {
		if (want_help) {
			usage(stdout);
			return 1;
		}
		rt_err_set(&c->err, RT_ERR_INPUT, "no command given; see 'retort --help'");
		return -1;
	}
	c->cmd = argv[optind];
	c->args = argv + optind + 1;
	c->nargs = argc - optind - 1;
	cmd = find_command(c->cmd);
	if (!cmd) {
		rt_err_set(&c->err, RT_ERR_INPUT, "unknown command '%s'; see 'retort --help'", c->cmd);
		return -1;
	}
	if (want_help) {
		command_usage(stdout, cmd);
		return 1;
	}
	for (unsigned bit = 0; bit < sizeof(option_names) / sizeof(*option_names); bit++)
		if ((c->opts_seen & (1u << bit)) && !(cmd->opts & (1u << bit))) {
			rt_err_set(&c->err, RT_ERR_INPUT, "%s: option %s does not apply", cmd->name,
				   option_names[bit]);
			return -1;
		}
	if (c->nargs < cmd->min_args || (cmd->max_args >= 0 && c->nargs > cmd->max_args)) {
		rt_err_set(&c->err, RT_ERR_INPUT, "usage: retort %s", cmd->usage);
		return -1;
	}
	return 0;
}

int
cli_load_config(struct cli *c)
{
	struct rt_session_opts o = { c->dir, c->env_name, c->url };

	if (c->session)
		return 0;
	c->session = rt_session_new(&o, &c->err);
	if (!c->session)
		return -1;
	c->cfg = rt_session_config(c->session);
	if (c->cfg->warning)
		fprintf(stderr, "retort: warning: %s\n", c->cfg->warning);
	return 0;
}

int
cli_load_graph(struct cli *c)
{
	if (c->graph && !rt_graph_is_headers_only(c->graph))
		return 0;
	if (cli_load_config(c) < 0 || rt_session_load_graph(c->session, &c->err) < 0)
		return -1;
	c->graph = rt_session_graph(c->session);
	return 0;
}

int
cli_load_graph_headers(struct cli *c)
{
	if (c->graph)
		return 0;
	if (cli_load_config(c) < 0 || rt_session_load_graph_headers(c->session, &c->err) < 0)
		return -1;
	c->graph = rt_session_graph(c->session);
	return 0;
}

int
cli_connect(struct cli *c)
{
	int rc;

	if (c->db)
		return 0;
	if (cli_load_config(c) < 0)
		return -1;
	rc = rt_session_connect(c->session, &c->err);
	c->env = rt_session_env(c->session);
	c->db = rt_session_db(c->session);
	return rc;
}

static void
on_lock_wait(const char *holder, void *ctx)
{
	struct cli *c = ctx;

	if (!c->quiet)
		fprintf(stderr, "retort: waiting for the migration lock, held by %s\n", holder);
}

int
cli_lock(struct cli *c)
{
	int timeout = c->lock_timeout_ms;

	if (!(c->opts_seen & CLI_OPT_LOCK_TIMEOUT))
		timeout = c->cfg->lock_timeout_ms;
	return rt_db_lock(c->db, timeout, on_lock_wait, c, NULL, &c->err);
}

/* A protected env needs the database name typed on a terminal, or --yes with --env naming it. */
int
cli_confirm_protected(struct cli *c, const char *what)
{
	const char *dbname;
	char *line, *prompt;
	bool ok;

	if (!c->env || !c->env->is_protected)
		return 0;
	if (c->yes) {
		if (rt_session_env_is_explicit(c->session))
			return 0;
		rt_err_set(&c->err, RT_ERR_INPUT, "env '%s' is protected: --yes needs --env %s as well",
			   c->env->name, c->env->name);
		return -1;
	}
	if (!isatty(STDIN_FILENO)) {
		rt_err_set(&c->err, RT_ERR_INPUT, "env '%s' is protected: run on a terminal to confirm, "
			   "or pass --yes --env %s", c->env->name, c->env->name);
		return -1;
	}
	dbname = rt_db_name(c->db);
	fprintf(stderr, "env '%s' is protected. %s\n", c->env->name, what);
	prompt = rt_xasprintf("Type the database name (%s) to go on: ", dbname);
	rl_outstream = stderr;
	line = readline(prompt);
	free(prompt);
	ok = line && strcmp(line, dbname) == 0;
	free(line);
	if (!ok) {
		rt_err_set(&c->err, RT_ERR_INPUT, "not confirmed: the typed name is not '%s'; nothing changed",
			   dbname);
		return -1;
	}
	return 0;
}

void
cli_close(struct cli *c)
{
	rt_session_free(c->session);
	c->session = NULL;
	c->cfg = NULL;
	c->graph = NULL;
	c->db = NULL;
	c->env = NULL;
	rt_strv_free(&c->depends);
	rt_strv_free(&c->labels);
}

static void
print_err(const struct rt_err *err)
{
	if (!err->msg[0])   /* the command already said it (sandbox status: "stopped") */
		return;
	fprintf(stderr, "retort: %s\n", err->msg);
	if (err->detail[0])
		fprintf(stderr, "%s\n", err->detail);
}

/* A password given with --url shows in the process list (/proc/PID/cmdline)
 * while retort runs: keep a private copy and overwrite the argument with the
 * masked URL, as mysql and others do. A moment at start-up remains, so the
 * advice stays: pass passwords through DATABASE_URL, ${VAR} or .pgpass.
 * Returns the copy c->url now points to (owned by the caller), or NULL. */
static char *
scrub_url_arg(struct cli *c, int argc, char **argv)
{
	char *copy, *masked;
	size_t len, mlen;

	if (!c->url)
		return NULL;
	masked = rt_url_mask(c->url);
	if (strcmp(masked, c->url) == 0) {
		free(masked);
		return NULL;
	}
	copy = rt_xstrdup(c->url);
	for (int i = 1; i < argc; i++) {
		char *start = argv[i], *end = argv[i] + strlen(argv[i]);
		char *at = (char *)c->url;

		if (at < start || at >= end)
			continue;
		len = strlen(at);
		mlen = strlen(masked);
		memset(at, ' ', len);
		memcpy(at, masked, mlen < len ? mlen : len);
		break;
	}
	c->url = copy;
	free(masked);
	return copy;
}

int
cli_main(int argc, char **argv)
{
	struct cli c = { .dir = "migrations", .lock_timeout_ms = -2 };
	char **marked = rt_xcalloc((size_t)argc + 1, sizeof(*marked));
	char *url_copy;
	int rc;

	if (getenv("NO_COLOR") && *getenv("NO_COLOR"))   /* no-color.org: set and not empty */
		c.no_color = true;
	rc = parse_args(&c, argc, argv, marked);
	url_copy = scrub_url_arg(&c, argc, argv);
	if (rc == 0)
		rc = find_command(c.cmd)->run(&c);
	if (rc < 0)
		print_err(&c.err);
	if (rc < 0)
		rc = c.err.kind == RT_ERR_NONE ? 1 : rt_err_exit_code(&c.err);
	else
		rc = 0;
	cli_close(&c);
	free(url_copy);
	for (int i = 0; i < argc; i++)
		free(marked[i]);
	free(marked);
	return rc;
}
