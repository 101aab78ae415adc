/* cli_complete.c - "retort __complete WORD...": the candidates for the last
 * word of a command line being typed, one a line, for the bash completion
 * (data/bash-completion/retort). Commands and options come from their tables,
 * so the completion cannot drift from the parser; env names come from
 * retort.conf and revisions from the versions' header lines. A shell waits on
 * this and a half-typed line is no mistake: it prints no errors and never
 * connects to a database. */
#include "config.h"
#include "cli.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rt_config.h"
#include "rt_err.h"
#include "rt_graph.h"
#include "rt_migration.h"

/* What the words before the one being completed say. */
struct line {
	const char *dir;                  /* -d DIR, else "migrations" */
	const char *cmd_word;             /* the command as typed, or NULL before it */
	const struct cli_command *cmd;    /* NULL before it or when unknown */
	int nargs;                        /* positional arguments after the command */
	const struct cli_option *pending; /* the word being completed is its argument */
	bool is_after_dashes;             /* "--" came: no more options */
};

/* Prints prefix+cand when cand starts with cur (prefix: "--format=", "A:"). */
static void
offer_after(const char *prefix, const char *cur, const char *cand)
{
	if (strncmp(cand, cur, strlen(cur)) == 0)
		printf("%s%s\n", prefix, cand);
}

/* Prints cand when it starts with cur. */
static void
offer(const char *cur, const char *cand)
{
	offer_after("", cur, cand);
}

/* "-1", "-12": a relative target, not an option. */
static bool
is_relative(const char *w)
{
	return w[0] == '-' && w[1] >= '0' && w[1] <= '9' &&
	       strspn(w + 1, "0123456789") == strlen(w + 1);
}

/* Reads the n words before the one being completed as cli_parse_args would:
 * option arguments, "--", relative targets like -1, the command. */
static void
read_line(struct line *l, int n, char **words)
{
	const struct cli_option *o;
	const char *value;

	for (int i = 0; i < n; i++) {
		const char *w = words[i];

		if (l->pending) {
			if (l->pending->values == CLI_WORDS_DIR)
				l->dir = w;
			l->pending = NULL;
		} else if (!l->is_after_dashes && strcmp(w, "--") == 0) {
			l->is_after_dashes = true;
		} else if (!l->is_after_dashes && w[0] == '-' && w[1] && !is_relative(w)) {
			o = cli_option_with_argument(w, &value);
			if (o && !value)
				l->pending = o;
			else if (o && o->values == CLI_WORDS_DIR)
				l->dir = value;
		} else if (!l->cmd_word) {
			l->cmd_word = w;
			l->cmd = cli_command_find(w);
		} else {
			l->nargs++;
		}
	}
}

static void
offer_envs(const char *dir, const char *cur)
{
	struct rt_err err = { 0 };   /* not shown: a shell is waiting */
	struct rt_config *cfg = rt_config_load(dir, &err);

	if (!cfg)
		return;
	for (size_t i = 0; i < cfg->nenvs; i++)
		offer(cur, cfg->envs[i].name);
	rt_config_free(cfg);
}

/* Revision targets: the keywords, every id and branch label (and label@head),
 * after prefix ("A:" in a range); "current" too in a range. */
static void
offer_revs(const char *dir, const char *prefix, const char *cur, bool is_range)
{
	static const char *const keywords[] = { "head", "heads", "base" };
	struct rt_err err = { 0 };   /* not shown: a shell is waiting */
	struct rt_config *cfg;
	struct rt_graph *g = NULL;

	for (size_t i = 0; i < sizeof(keywords) / sizeof(*keywords); i++)
		offer_after(prefix, cur, keywords[i]);
	if (is_range)
		offer_after(prefix, cur, "current");
	cfg = rt_config_load(dir, &err);
	if (cfg)
		g = rt_graph_load_headers(cfg->versions_dir, &err);
	for (size_t i = 0; g && i < rt_graph_count(g); i++) {
		const struct rt_rev *rev = rt_graph_node(g, i)->rev;

		offer_after(prefix, cur, rev->id);
		for (size_t j = 0; j < rev->nlabels; j++) {
			char *at_head = rt_xasprintf("%s@head", rev->labels[j]);

			offer_after(prefix, cur, rev->labels[j]);
			offer_after(prefix, cur, at_head);
			free(at_head);
		}
	}
	rt_graph_free(g);
	rt_config_free(cfg);
}

/* The alternatives of a usage line: "sandbox start|stop|status|url". */
static void
offer_usage(const struct cli_command *cmd, const char *cur)
{
	const char *p = strchr(cmd->usage, ' ');
	char *word;

	while (p && *p) {
		p += strspn(p, " |");
		word = rt_xstrndup(p, strcspn(p, " |"));
		if (*word && !strchr("[-", *word))
			offer(cur, word);
		p += strlen(word);
		free(word);
	}
}

/* Candidates for cur, a value of the kind words (after prefix, as in
 * "--format=" or "A:"). Returns the exit status. */
static int
offer_words(enum cli_words words, const struct line *l, const char *prefix, const char *cur)
{
	const char *colon;
	char *before;
	bool is_lint;

	switch (words) {
	case CLI_WORDS_NONE:
		break;
	case CLI_WORDS_FILE:
		return CLI_COMPLETE_FILES;
	case CLI_WORDS_DIR:
		return CLI_COMPLETE_DIRS;
	case CLI_WORDS_ENV:
		offer_envs(l->dir, cur);
		break;
	case CLI_WORDS_REV:     /* "A:B" too: upgrade --sql FROM:TO */
	case CLI_WORDS_RANGE:
		colon = strrchr(cur, ':');
		if (!colon) {
			offer_revs(l->dir, prefix, cur, words == CLI_WORDS_RANGE);
			break;
		}
		before = rt_xasprintf("%s%.*s", prefix, (int)(colon + 1 - cur), cur);
		offer_revs(l->dir, before, colon + 1, words == CLI_WORDS_RANGE);
		free(before);
		break;
	case CLI_WORDS_FORMAT:
		/* lint writes SARIF and no CSV; the listings the other way round */
		is_lint = l->cmd && strcmp(l->cmd->name, "lint") == 0;
		offer_after(prefix, cur, "text");
		if (!is_lint)
			offer_after(prefix, cur, "csv");
		offer_after(prefix, cur, "json");
		if (is_lint)
			offer_after(prefix, cur, "sarif");
		break;
	case CLI_WORDS_USAGE:
		if (l->cmd)
			offer_usage(l->cmd, cur);
		break;
	}
	return 0;
}

/* The options the command takes (every global one; before the command, only
 * those), long forms; the short form too when cur is one ("-e"). */
static void
offer_options(const struct line *l, const char *cur)
{
	char letter[3] = "-";

	for (const struct cli_option *o = cli_options; o->name; o++) {
		char *spelled;

		if (!cli_option_applies(o, l->cmd ? l->cmd->name : NULL))
			continue;
		spelled = rt_xasprintf("--%s", o->name);
		offer(cur, spelled);
		free(spelled);
		letter[1] = o->letter;
		if (o->letter && strcmp(cur, letter) == 0)
			offer(cur, letter);
	}
}

int
cli_complete(int nwords, char **words)
{
	struct line l = { .dir = "migrations" };
	const char *cur = nwords > 0 ? words[nwords - 1] : "";
	const struct cli_option *o;
	const char *value;
	char *prefix;

	read_line(&l, nwords - 1, words);
	if (l.pending)
		return offer_words(l.pending->values, &l, "", cur);
	if (!l.is_after_dashes && cur[0] == '-' && !is_relative(cur)) {
		o = cli_option_with_argument(cur, &value);
		if (!(o && value && cur[1] == '-')) {
			offer_options(&l, cur);
			return 0;
		}
		/* "--format=cs": the value, after the option as typed (file names
		 * after "--directory=" are not offered: the shell would take the
		 * whole word for one) */
		prefix = rt_xstrndup(cur, (size_t)(value - cur));
		offer_words(o->values, &l, prefix, value);
		free(prefix);
		return 0;
	}
	if (!l.cmd_word) {
		for (const struct cli_command *cmd = cli_commands; cmd->name; cmd++)
			offer(cur, cmd->name);
		return 0;
	}
	if (!l.cmd || (l.cmd->max_args >= 0 && l.nargs >= l.cmd->max_args))
		return 0;
	return offer_words(l.cmd->args, &l, "", cur);
}
