/* status.h - the status line and the message line. */
#ifndef UI_STATUS_H
#define UI_STATUS_H

struct ui;

/* The windows to draw into (WINDOW *), owned by loop.c. */
void status_set_windows(void *status, void *msg);
/* The message line window (the prompt's command line). */
void *status_msg_win(void);

/* Draws status and message lines with wnoutrefresh. */
void status_draw(struct ui *ui);
/* Draws the message line and calls doupdate at once (progress callbacks). */
void status_draw_now(struct ui *ui);

#endif
