/* ui_main.h - the console's entry point, called by the CLI ("retort ui", or
 * "retort" with no command on a terminal). */
#ifndef UI_MAIN_H
#define UI_MAIN_H

#include <stdbool.h>

struct rt_err;
struct rt_session;

struct ui_opts {
	struct rt_session *session;   /* borrowed: config loaded, graph loaded, maybe not connected */
	const char *retort_path;      /* this program (for ":" commands run as a child), argv[0] */
	bool no_color;                /* --no-color or NO_COLOR */
	bool exit_after_draw;         /* draw the first full screen, then exit 0 (smoke tests) */
	bool bench;                   /* headless: time the first paint and cursor moves, print
				       * the metrics on stdout, exit 0 (tests/bench) */
};

/* Runs the console until the user quits. Restores the terminal on every way
 * out. Returns 0, or -1 with err set (e.g. not a terminal). */
int ui_run(const struct ui_opts *opts, struct rt_err *err);

#endif
