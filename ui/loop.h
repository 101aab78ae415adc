/* loop.h - the main loop: layout, drawing, poll() on the tty and the count job. */
#ifndef UI_LOOP_H
#define UI_LOOP_H

struct ui;

/* Runs until ui->quit (or after the first screen with exit_after_draw). */
void ui_loop(struct ui *ui);

/* Frees the windows. */
void ui_loop_fini(struct ui *ui);

#endif
