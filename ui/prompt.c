/* prompt.c - readline inside curses through the callback interface, so the
 * loop keeps servicing jobs while the user types (pspg's approach). Bytes go
 * through a one-byte slot; redisplay draws on the message line. */
#include "config.h"
#include "prompt.h"
#include "status.h"

#include <curses.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <readline/readline.h>
#include <readline/history.h>

#include "actions.h"
#include "draw.h"
#include "rowbuf.h"
#include "rt_backup.h"
#include "rt_config.h"
#include "rt_err.h"
#include "rt_graph.h"
#include "rt_migration.h"
#include "rt_session.h"
#include "ui.h"

static struct ui *the_ui;
static WINDOW *win;
static int slot = -1;
static enum prompt_kind open_kind, done_kind;
static bool is_done;
static char *done_line;
static char *hist_path;
static int esc_count;

static int
getc_slot(FILE *f)
{
	int c = slot;

	(void)f;
	slot = -1;
	return c < 0 ? EOF : c;
}

static int
input_available(void)
{
	return slot >= 0;
}

static void
redisplay(void)
{
	const char *p = rl_display_prompt ? rl_display_prompt : "";
	const char *line = rl_line_buffer ? rl_line_buffer : "";
	int width, pw, cw, skip_w;
	size_t skip = 0;

	if (!win)
		return;
	width = getmaxx(win);
	pw = ui_width(p, strlen(p));
	cw = ui_width(line, (size_t)rl_point);
	/* scroll horizontally so the cursor stays visible */
	while (pw + cw - ui_width(line, skip) >= width - 1 && skip < (size_t)rl_point)
		skip++;
	while (skip < strlen(line) && ((unsigned char)line[skip] & 0xc0) == 0x80)
		skip++;
	skip_w = ui_width(line, skip);
	werase(win);
	wattrset(win, (int)A_BOLD);
	mvwaddnstr(win, 0, 0, p, (int)ui_fit(p, strlen(p), width - 1));
	wattrset(win, (int)A_NORMAL);
	waddnstr(win, line + skip, (int)ui_fit(line + skip, strlen(line + skip),
					       width - 1 - pw > 0 ? width - 1 - pw : 0));
	wmove(win, 0, pw + cw - skip_w < width ? pw + cw - skip_w : width - 1);
	wnoutrefresh(win);
	doupdate();
}

static void
finish(char *line)
{
	done_kind = open_kind;
	done_line = line;
	if (the_ui)
		the_ui->hint[0] = '\0';
	is_done = true;
	open_kind = PROMPT_NONE;
	rl_callback_handler_remove();
	keypad(win, TRUE);
	curs_set(0);
}

static void
on_line(char *line)
{
	char *copy = line ? rt_xstrdup(line) : NULL;

	if (line && *line && open_kind != PROMPT_CONFIRM_NAME) {
		HIST_ENTRY *last = history_length ? history_get(history_base + history_length - 1)
						  : NULL;

		if (!last || strcmp(last->line, line) != 0) {
			add_history(line);
			if (hist_path)
				write_history(hist_path);
		}
	}
	free(line);
	finish(copy);
}

static const char *const cli_words[] = {
	"history", "show", "heads", "branches", "current", "counts", "backups", "backup",
	"prune", "resolve", "init", "sandbox", NULL,
};

static void
push_match(char ***v, size_t *n, const char *s, const char *text)
{
	if (strncmp(s, text, strlen(text)) != 0)
		return;
	for (size_t i = 0; i < *n; i++)
		if (strcmp((*v)[i], s) == 0)
			return;
	*v = rt_xreallocarray(*v, *n + 2, sizeof(**v));
	(*v)[(*n)++] = rt_xstrdup(s);
	(*v)[*n] = NULL;
}

/* The words of line (up to len bytes), split at blanks; at most max. */
static int
split_before(const char *line, size_t len, char words[][64], int max)
{
	int n = 0;

	for (size_t i = 0; i < len && n < max;) {
		size_t k = 0;

		while (i < len && line[i] == ' ')
			i++;
		if (i == len)
			break;
		while (i < len && line[i] != ' ') {
			if (k + 1 < 64)
				words[n][k++] = line[i];
			i++;
		}
		words[n++][k] = '\0';
	}
	return n;
}

static void
push_revisions(struct ui *ui, char ***v, size_t *n, const char *prefix, const char *text)
{
	char cand[128];

	for (size_t i = 0; ui && ui->g && i < rt_graph_count(ui->g); i++) {
		snprintf(cand, sizeof(cand), "%s%s", prefix, rt_graph_node(ui->g, i)->rev->id);
		push_match(v, n, cand, text);
	}
}

static const char *const range_words[] = { "head", "base", "current" };

char **
prompt_candidates(struct ui *ui, enum prompt_kind kind, const char *before, const char *text,
		  bool *no_space)
{
	char **v = rt_xcalloc(1, sizeof(*v));
	size_t n = 0;
	const struct rt_config *cfg = ui && ui->s ? rt_session_config(ui->s) : NULL;
	char words[8][64], cand[128];
	const char *cmd, *prev, *colon;
	int nw;

	*no_space = false;
	if (kind == PROMPT_ENV) {
		*no_space = true;   /* the whole line is the value */
		for (size_t i = 0; cfg && i < cfg->nenvs; i++)
			push_match(&v, &n, cfg->envs[i].name, text);
		return v;
	}
	if (kind != PROMPT_CMD)
		return v;
	nw = split_before(before ? before : "", before ? strlen(before) : 0, words, 8);
	if (nw == 0) {
		for (size_t i = 0; i < ui_nactions; i++)
			if (ui_actions[i].name)
				push_match(&v, &n, ui_actions[i].name, text);
		for (size_t i = 0; cli_words[i]; i++)
			push_match(&v, &n, cli_words[i], text);
		return v;
	}
	cmd = words[0];
	prev = words[nw - 1];
	if (strcmp(prev, "-e") == 0 || strcmp(prev, "--env") == 0 || strcmp(cmd, "env") == 0) {
		for (size_t i = 0; cfg && i < cfg->nenvs; i++)
			push_match(&v, &n, cfg->envs[i].name, text);
		return v;
	}
	if (strcmp(cmd, "restore") == 0) {
		struct rt_backup_list l = { 0 };
		struct rt_err err = { 0 };

		if (cfg && rt_backup_list(cfg->backup_dir, false, &l, &err) == 0)
			for (size_t i = 0; i < l.n; i++)
				push_match(&v, &n, l.v[i].path, text);
		rt_backup_list_free(&l);
		return v;
	}
	if (strcmp(prev, "-r") == 0 || strcmp(prev, "--rev-range") == 0) {
		/* a range A:B: no blank after A, the end completes after the colon */
		*no_space = true;
		colon = strchr(text, ':');
		snprintf(cand, sizeof(cand), "%.*s", colon ? (int)(colon - text + 1) : 0, text);
		for (size_t i = 0; i < sizeof(range_words) / sizeof(range_words[0]); i++) {
			char w[160];

			snprintf(w, sizeof(w), "%s%s", cand, range_words[i]);
			push_match(&v, &n, w, text);
		}
		push_revisions(ui, &v, &n, cand, text);
		return v;
	}
	push_match(&v, &n, "head", text);
	push_match(&v, &n, "heads", text);
	push_match(&v, &n, "base", text);
	push_revisions(ui, &v, &n, "", text);
	return v;
}

static char **gen_list;
static size_t gen_pos;

static char *
generator(const char *text, int state)
{
	(void)text;
	if (!state)
		gen_pos = 0;
	if (!gen_list || !gen_list[gen_pos])
		return NULL;
	return strdup(gen_list[gen_pos++]);
}

static char **
complete(const char *text, int start, int end)
{
	char **m, *before;
	bool no_space;

	(void)end;
	rl_attempted_completion_over = 1;
	if (gen_list) {
		for (size_t i = 0; gen_list[i]; i++)
			free(gen_list[i]);
		free(gen_list);
	}
	before = rt_xstrndup(rl_line_buffer, (size_t)start);
	gen_list = prompt_candidates(the_ui, open_kind, before, text, &no_space);
	free(before);
	rl_completion_append_character = no_space ? '\0' : ' ';
	m = rl_completion_matches(text, generator);
	return m;
}

/* Shows several matches on the status line, just above the prompt, instead
 * of scrolling the terminal; the prompt owns the message line meanwhile. */
static void
display_matches(char **matches, int num, int max)
{
	struct rt_buf b = { 0 };

	(void)max;
	for (int i = 1; i <= num; i++) {
		rt_buf_puts(&b, matches[i]);
		rt_buf_putc(&b, ' ');
	}
	snprintf(the_ui->hint, sizeof(the_ui->hint), "%s", rt_buf_str(&b));
	rt_buf_free(&b);
	status_draw(the_ui);
	rl_forced_update_display();
}

void
prompt_init(struct ui *ui)
{
	const char *state = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
	char *dir = NULL;

	the_ui = ui;
	rl_readline_name = "retort";
	rl_catch_signals = 0;
	rl_catch_sigwinch = 0;
	rl_change_environment = 0;
	rl_prep_term_function = NULL;
	rl_deprep_term_function = NULL;
	rl_getc_function = getc_slot;
	rl_input_available_hook = input_available;
	rl_redisplay_function = redisplay;
	rl_attempted_completion_function = complete;
	rl_completion_display_matches_hook = display_matches;
	rl_instream = NULL;
	rl_outstream = NULL;
	stifle_history(500);
	if (state && *state)
		dir = rt_xasprintf("%s/retort", state);
	else if (home && *home)
		dir = rt_xasprintf("%s/.local/state/retort", home);
	if (dir) {
		char *slash;

		for (slash = strchr(dir + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
			*slash = '\0';
			mkdir(dir, 0700);
			*slash = '/';
		}
		mkdir(dir, 0700);
		hist_path = rt_xasprintf("%s/history", dir);
		read_history(hist_path);
		free(dir);
	}
}

void
prompt_fini(void)
{
	if (open_kind != PROMPT_NONE)
		rl_callback_handler_remove();
	open_kind = PROMPT_NONE;
	free(hist_path);
	hist_path = NULL;
	if (gen_list) {
		for (size_t i = 0; gen_list[i]; i++)
			free(gen_list[i]);
		free(gen_list);
		gen_list = NULL;
	}
	free(done_line);
	done_line = NULL;
	clear_history();
}

void
prompt_open(enum prompt_kind kind, const char *prompt, void *w)
{
	win = w;
	open_kind = kind;
	esc_count = 0;
	keypad(win, FALSE);
	curs_set(1);
	rl_callback_handler_install(prompt, on_line);
}

bool
prompt_is_open(void)
{
	return open_kind != PROMPT_NONE;
}

enum prompt_kind
prompt_kind(void)
{
	return open_kind;
}

void
prompt_cancel(void)
{
	if (open_kind == PROMPT_NONE)
		return;
	rl_callback_sigcleanup();
	rl_replace_line("", 0);
	finish(NULL);
}

void
prompt_feed(int ch)
{
	if (open_kind == PROMPT_NONE || ch < 0 || ch > 255)
		return;
	if (ch == 3) {                 /* Ctrl-C */
		prompt_cancel();
		return;
	}
	if (ch == 27) {
		if (++esc_count >= 2) {  /* a double Esc cancels; one starts Meta sequences */
			prompt_cancel();
			return;
		}
	} else {
		esc_count = 0;
	}
	slot = ch;
	rl_callback_read_char();
}

void
prompt_redraw(void *w)
{
	win = w;
	if (open_kind != PROMPT_NONE)
		rl_forced_update_display();
}

bool
prompt_take(enum prompt_kind *kind, char **line)
{
	if (!is_done)
		return false;
	is_done = false;
	*kind = done_kind;
	*line = done_line;
	done_line = NULL;
	return true;
}
