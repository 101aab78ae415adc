/* cli.c - dispatch and the helpers every command shares (options: cli_opts.c). */
#include "config.h"
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <readline/readline.h>

#include "rt_config.h"
#include "rt_db.h"
#include "rt_fmt.h"
#include "rt_graph.h"
#include "rt_session.h"

int
cli_load_config(struct cli *c)
{
	const char *env_url = getenv("RETORT_URL");
	struct rt_session_opts o = { c->dir, c->env_name, c->url };

	if (c->session)
		return 0;
	/* RETORT_URL is --url by another way in, out of the process list: the
	 * console hands its session's URL to the retort a ':' command runs */
	if (!o.url && env_url && *env_url)
		o.url = env_url;
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

	struct rt_buf b = { 0 };

	if (!c->quiet)
		fprintf(stderr, "retort: waiting for the migration lock, held by %s\n",
			rt_fmt_safe(&b, holder, 0));
	rt_buf_free(&b);
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
char *
cli_ask_dbname(struct cli *c, const char *question, const char *dbname)
{
	struct rt_buf b = { 0 };
	char *line, *prompt;

	if (!isatty(STDIN_FILENO)) {
		rt_err_set(&c->err, RT_ERR_INPUT, "env '%s' is protected: run on a terminal to confirm, "
			   "or pass --yes --env %s", c->env->name, c->env->name);
		return NULL;
	}
	fprintf(stderr, "env '%s' is protected. %s\n", rt_fmt_safe(&b, c->env->name, 0), question);
	prompt = rt_xasprintf("Type the database name (%s) to go on: ", rt_fmt_safe(&b, dbname, 0));
	rt_buf_free(&b);
	rl_outstream = stderr;
	line = readline(prompt);
	free(prompt);
	return line ? line : rt_xstrdup("");
}

int
cli_confirm_protected(struct cli *c, const char *what)
{
	const char *dbname = rt_db_name(c->db);
	char *line = NULL;
	int rc;

	if (!c->env || !c->env->is_protected)
		return 0;
	if (!c->yes && !(line = cli_ask_dbname(c, what, dbname)))
		return -1;
	/* the engine's rule, as for migrate, restore and seed */
	rc = rt_session_confirm_protected(c->session, dbname, line, c->yes, &c->err);
	free(line);
	return rc;
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
	cli_free_option_values(c);
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
	char **marked;
	char *url_copy;
	int rc;

	/* hidden: the candidates for the bash completion (data/bash-completion/retort) */
	if (argc >= 2 && strcmp(argv[1], "__complete") == 0)
		return cli_complete(argc - 2, argv + 2);
	if (getenv("NO_COLOR") && *getenv("NO_COLOR"))   /* no-color.org: set and not empty */
		c.no_color = true;
	marked = rt_xcalloc((size_t)argc + 1, sizeof(*marked));
	rc = cli_parse_args(&c, argc, argv, marked);
	url_copy = scrub_url_arg(&c, argc, argv);
	if (rc == 0 && c.format == CLI_SARIF && strcmp(c.cmd, "lint") != 0) {
		rt_err_set(&c.err, RT_ERR_INPUT, "--format sarif: only 'retort lint' writes SARIF");
		rc = -1;
	}
	if (rc == 0)
		rc = cli_command_find(c.cmd)->run(&c);
	if (rc < 0)
		print_err(&c.err);
	if (rc < 0 && c.err.kind == RT_ERR_CANCEL && cli_cancel_signal())
		rc = 128 + cli_cancel_signal();   /* 130 after Ctrl-C, 143 after SIGTERM */
	else if (rc < 0)
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
