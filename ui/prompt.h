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

/* Completion candidates for the ":" line (for tests): a new NULL-terminated
 * vector of new strings matching text, for word number word_index. */
char **prompt_candidates(struct ui *ui, enum prompt_kind kind, int word_index, const char *text);

#endif
