/* status.h - the status line, the message line and the overlays (confirm,
 * help, terminal too small). */
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

/* Draws the modal overlay, if any, on stdscr-sized window (wnoutrefresh). */
void overlay_draw(struct ui *ui);
/* Keys while an overlay is up; returns UI_* flags. */
unsigned overlay_key(struct ui *ui, int key);
/* Drops the overlay window (after a resize). */
void overlay_reset(void);

#endif
