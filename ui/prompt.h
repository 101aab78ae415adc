/* prompt.h - the one-line editor: GNU readline's callback interface inside
 * curses (STYLE §5), used by ":" commands, "/" search, env switching and the
 * typed confirmation of protected envs. */
#ifndef UI_PROMPT_H
#define UI_PROMPT_H

#include <stdbool.h>

struct ui;

enum prompt_kind {
	PROMPT_NONE,
	PROMPT_CMD,
	PROMPT_SEARCH,
	PROMPT_ENV,
	PROMPT_FILTER,
	PROMPT_CONFIRM_NAME,
};

/* Once at start: readline settings, hooks, the history file. */
void prompt_init(struct ui *ui);
/* Saves the history. */
void prompt_fini(void);

/* Opens the editor on the message line (window w, a WINDOW *). */
void prompt_open(enum prompt_kind kind, const char *prompt, void *w);
bool prompt_is_open(void);
enum prompt_kind prompt_kind(void);

/* Feeds one byte from wgetch. */
void prompt_feed(int ch);
/* Cancels (Ctrl-C, double Esc). */
void prompt_cancel(void);
/* Redraws the line (after a relayout). */
void prompt_redraw(void *w);

/* Takes the finished line: returns true once per finished prompt with *line
 * a new string owned by the caller, or NULL when cancelled. */
bool prompt_take(enum prompt_kind *kind, char **line);

/* Completion candidates (exposed for tests): a new NULL-terminated vector of
 * new strings matching text, the word after before (the line up to it). What
 * the word is follows from before: a command first; env names after "env"
 * or -e; backup files after "restore"; A:B ranges after -r (*no_space: no
 * blank is appended, a range goes on after the colon); else revision
 * targets. On the env prompt the whole line is one env name (*no_space). */
char **prompt_candidates(struct ui *ui, enum prompt_kind kind, const char *before,
			 const char *text, bool *no_space);

#endif
