/* dlg_run.c - the dialog that follows a running migration: the lock wait,
 * the automatic backup, one line per revision (pending, running at the
 * statement's file:line, ok with its duration, failed, cancelled), lock
 * retries, and how to cancel; at the end the outcome and where the database
 * is now, until a key closes it (the migration flow closes it at once after
 * a success). It learns everything from the job's events (rt_job.h) and
 * cancels the job on Esc or Ctrl-C. */
#include "config.h"
#include "dialogs.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dialog.h"
#include "pane.h"
#include "rt_backup.h"
#include "rt_fmt.h"
#include "rt_graph.h"
#include "rt_plan.h"
#include "rt_job.h"
#include "rt_mem.h"
#include "rt_migration.h"
#include "ui.h"

/* The operations tables (at the end) */
static const struct dialog_ops run_ops;

/* Retry and note lines kept (the newest). */
#define RUN_NOTES 6

enum rev_state { REV_PENDING, REV_RUNNING, REV_OK, REV_FAILED, REV_CANCELLED, REV_NOT_RUN };

struct run_rev {
	char id[40];
	char *message;
	bool is_up, is_stamp;
	enum rev_state state;
	double t0, ms;           /* start (monotonic), duration once done */
	char section[300];       /* file:line where its section starts */
	char where[300];         /* file:line of the last statement done */
	size_t stmt, nstmts;     /* statements done, of */
};

struct run {
	struct dialog d;
	char title[256];
	struct run_rev *revs;
	size_t nrevs;
	struct rt_job *job;            /* borrowed while it runs */
	bool is_cancelling, is_done;
	char lock_line[1200];
	enum ui_role lock_role;
	char backup_line[1200];
	char *notes[RUN_NOTES];        /* oldest first */
	size_t nnotes;
	enum dlg_run_end end;
	char outcome[1024], where[1024];
	char *detail;
};

static double
mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Copies s into buf with control characters (newlines, tabs) as spaces. */
static void
one_line(char *buf, size_t size, const char *s)
{
	snprintf(buf, size, "%s", s ? s : "");
	for (char *c = buf; *c; c++)
		if ((unsigned char)*c < 0x20)
			*c = ' ';
}

static void
add_note(struct run *r, const char *line)
{
	if (r->nnotes == RUN_NOTES) {
		free(r->notes[0]);
		memmove(r->notes, r->notes + 1, (RUN_NOTES - 1) * sizeof(*r->notes));
		r->nnotes--;
	}
	r->notes[r->nnotes++] = rt_xstrdup(line);
}

/* "c2_slow.sql:8": the file name is enough next to the revision id. */
static void
file_line(char *buf, size_t size, const char *path, int line)
{
	const char *slash = path ? strrchr(path, '/') : NULL;

	snprintf(buf, size, "%s:%d", slash ? slash + 1 : path ? path : "?", line);
}

static void
set_rev(struct run_rev *rv, const struct rt_step *st, bool is_stamp)
{
	snprintf(rv->id, sizeof(rv->id), "%s", st->rev->id);
	file_line(rv->section, sizeof(rv->section), st->rev->path,
		  st->is_up ? st->rev->upgrade_line : st->rev->downgrade_line);
	free(rv->message);
	rv->message = rt_xstrdup(st->rev->message ? st->rev->message : "");
	rv->is_up = st->is_up;
	rv->is_stamp = is_stamp;
}

/* The entry of step i of n (the job re-plans: the list follows it). */
static struct run_rev *
rev_at(struct run *r, size_t i, size_t n, const struct rt_step *st)
{
	if (n > r->nrevs) {
		r->revs = rt_xreallocarray(r->revs, n, sizeof(*r->revs));
		memset(r->revs + r->nrevs, 0, (n - r->nrevs) * sizeof(*r->revs));
		r->nrevs = n;
	}
	if (i >= r->nrevs)
		return NULL;
	if (st && strcmp(r->revs[i].id, st->rev->id) != 0)
		set_rev(&r->revs[i], st, r->revs[i].is_stamp);
	return &r->revs[i];
}

static void
backup_line(struct run *r, const struct rt_backup_progress *p)
{
	char bytes[32];

	if (!p)
		return;
	rt_fmt_bytes(p->bytes, bytes, sizeof(bytes));
	snprintf(r->backup_line, sizeof(r->backup_line),
		 "backing up first: %s %s, %zu/%zu tables counted, %.0f s",
		 p->phase == RT_BACKUP_DUMPING ? "dumping" : "verifying", bytes, p->tables_done,
		 p->tables_total, p->seconds);
}

static void
on_job_event(struct dialog *d, const struct rt_event *ev)
{
	struct run *r = (struct run *)d;
	struct run_rev *rv;
	char text[1024], line[1200];

	switch (ev->kind) {
	case RT_EV_LOCK_WAIT:
		one_line(text, sizeof(text), ev->text ? ev->text : "another session");
		snprintf(r->lock_line, sizeof(r->lock_line),
			 "waiting for the migration lock held by %s \u2026", text);
		r->lock_role = R_PENDING;
		break;
	case RT_EV_LOCKED:
		if (r->lock_line[0])
			snprintf(r->lock_line, sizeof(r->lock_line), "the migration lock is ours now");
		r->lock_role = R_GOOD;
		break;
	case RT_EV_BACKUP:
		backup_line(r, ev->backup);
		break;
	case RT_EV_BACKUP_DONE:
		one_line(text, sizeof(text), ev->text);
		snprintf(r->backup_line, sizeof(r->backup_line), "backed up first: %s", text);
		break;
	case RT_EV_STEP_START:
		if ((rv = rev_at(r, ev->i, ev->n, ev->step))) {
			rv->state = REV_RUNNING;
			rv->t0 = mono();
			rv->where[0] = '\0';
			rv->stmt = rv->nstmts = 0;
		}
		break;
	case RT_EV_STATEMENT:
		if ((rv = rev_at(r, ev->i, ev->n, ev->step))) {
			rv->stmt = ev->stmt;
			rv->nstmts = ev->nstmts;
			if (ev->path)
				file_line(rv->where, sizeof(rv->where), ev->path, ev->line);
		}
		break;
	case RT_EV_STEP_DONE:
		if ((rv = rev_at(r, ev->i, ev->n, ev->step))) {
			rv->state = REV_OK;
			rv->ms = ev->ms;
		}
		break;
	case RT_EV_STEP_FAILED:
		if ((rv = rev_at(r, ev->i, ev->n, ev->step))) {
			rv->state = r->is_cancelling ? REV_CANCELLED : REV_FAILED;
			rv->ms = ev->ms > 0 ? ev->ms : (mono() - rv->t0) * 1e3;
		}
		break;
	case RT_EV_RETRY:
		one_line(text, sizeof(text), ev->text && *ev->text ? ev->text : "(nobody now)");
		snprintf(line, sizeof(line), "retry %d/%d after lock_timeout (in %.0f ms); blocked by %s",
			 ev->attempt, ev->max_attempts, ev->ms, text);
		add_note(r, line);
		break;
	case RT_EV_CANCELLING:
		r->is_cancelling = true;
		break;
	case RT_EV_NOTE:
		one_line(line, sizeof(line), ev->text);
		add_note(r, line);
		break;
	case RT_EV_NOTICE:   /* the server's notices and warnings, with their revision */
		one_line(text, sizeof(text), ev->text);
		snprintf(line, sizeof(line), "%s: %s", ev->step ? ev->step->rev->id : "", text);
		add_note(r, line);
		break;
	case RT_EV_DATA:     /* seed/export progress: not a migration's (issue 14's console part) */
		break;
	}
}

static void
draw_rev(const struct run *r, size_t i, struct rowbuf *rb)
{
	const struct run_rev *rv = &r->revs[i];
	static const char *const word[] = { "pending", "running", "ok", "FAILED", "cancelled",
					    "not run" };
	static const enum ui_role role[] = { R_DIM, R_PENDING, R_GOOD, R_ERROR, R_PENDING, R_DIM };

	rowbuf_addf(rb, R_DIM, " %2zu  ", i + 1);
	rowbuf_addf(rb, rv->is_up ? R_UP : R_DOWN, "%-9s ", rv->is_stamp ? "stamp" :
		    rv->is_up ? "upgrade" : "downgrade");
	rowbuf_addw(rb, R_ID, rv->id[0] ? rv->id : "?", 12);
	rowbuf_add(rb, R_NORMAL, "  ");
	rowbuf_addf(rb, role[rv->state], "%-9s", word[rv->state]);
	if (rv->state == REV_RUNNING) {
		rowbuf_addf(rb, R_DIM, " %.1f s", mono() - rv->t0);
		/* the events say which statement finished, so: where it got to */
		if (rv->where[0])
			rowbuf_addf(rb, R_NORMAL, "  %zu/%zu statements done, the last at %s",
				    rv->stmt, rv->nstmts, rv->where);
		else if (!rv->is_stamp)
			rowbuf_addf(rb, R_NORMAL, "  at %s", rv->section);
	} else if (rv->state == REV_OK || rv->state == REV_FAILED || rv->state == REV_CANCELLED) {
		rowbuf_addf(rb, R_DIM, " %.0f ms", rv->ms);
	}
	rowbuf_addf(rb, R_NORMAL, "  %s", rv->message ? rv->message : "");
}

static void
draw(struct dialog *d, const struct ui *ui, struct dlg_view *v)
{
	struct run *r = (struct run *)d;

	(void)ui;
	snprintf(v->title, sizeof(v->title), "%s", r->title);
	if (r->lock_line[0])
		dlg_view_line(v, r->lock_role, "%s", r->lock_line);
	if (r->backup_line[0])
		dlg_view_line(v, R_NORMAL, "%s", r->backup_line);
	if (r->lock_line[0] || r->backup_line[0])
		dlg_view_line(v, R_NORMAL, "%s", "");
	for (size_t i = 0; i < r->nrevs; i++) {
		if (r->revs[i].state == REV_RUNNING)
			v->cur = (long)v->n;
		draw_rev(r, i, dlg_view_row(v));
	}
	for (size_t i = 0; i < r->nnotes; i++)
		dlg_view_line(v, R_PENDING, "  %s", r->notes[i]);
	dlg_view_line(v, R_NORMAL, "%s", "");
	if (!r->is_done) {
		if (r->is_cancelling)
			dlg_view_line(v, R_PENDING, "cancelling\u2026 (the revision in progress rolls back)");
		else
			dlg_view_line(v, R_DIM, "Esc or Ctrl-C cancels");
		return;
	}
	v->cur = -1;
	v->is_tail = true;
	dlg_view_line(v, r->end == RUN_OK ? R_GOOD : r->end == RUN_FAILED ? R_ERROR : R_PENDING,
		      "%s", r->outcome);
	if (r->where[0])
		dlg_view_line(v, R_CURRENT, "%s", r->where);
	for (const char *s = r->detail; s && *s;) {
		const char *nl = strchr(s, '\n');
		size_t len = nl ? (size_t)(nl - s) : strlen(s);

		rowbuf_addn(dlg_view_row(v), R_DIM, s, len);
		s = nl ? nl + 1 : s + len;
	}
	dlg_view_line(v, R_NORMAL, "%s", "");
	dlg_view_line(v, R_DIM, "any key closes this");
}

static unsigned
on_key(struct dialog *d, struct ui *ui, int key)
{
	struct run *r = (struct run *)d;

	if (!r->is_done) {
		if (key == 27 || key == DLG_KEY_INTR) {
			if (r->job && rt_job_cancel(r->job))
				ui_log("run: cancel asked");
			r->is_cancelling = true;
			return UI_HANDLED | UI_REDRAW;
		}
		if (key == KEY_UP || key == KEY_DOWN || key == KEY_PPAGE || key == KEY_NPAGE)
			return dialog_scroll_key(d, key);
		if (key != KEY_MOUSE)
			ui_msg(ui, R_NORMAL, "%s", r->is_cancelling ? "cancelling ..." :
			       "a migration is running: Esc or Ctrl-C cancels it");
		return UI_HANDLED | UI_REDRAW;
	}
	if (key == KEY_UP || key == KEY_DOWN || key == KEY_PPAGE || key == KEY_NPAGE)
		return dialog_scroll_key(d, key);
	if (key == KEY_MOUSE)
		return UI_HANDLED;
	ui_dialog_close(ui, d, DLG_YES);
	/* a key that only closes stops here; any other also acts (d steps down again) */
	return (dialog_is_close_key(key) ? UI_HANDLED : 0) | UI_REDRAW | UI_RELAYOUT;
}

static void
release(struct dialog *d)
{
	struct run *r = (struct run *)d;

	for (size_t i = 0; i < r->nrevs; i++)
		free(r->revs[i].message);
	free(r->revs);
	for (size_t i = 0; i < r->nnotes; i++)
		free(r->notes[i]);
	free(r->detail);
	free(r);
}

struct dialog *
dlg_run_new(const char *title, const struct rt_plan *plan)
{
	struct run *r = rt_xcalloc(1, sizeof(*r));

	r->d.ops = &run_ops;
	snprintf(r->title, sizeof(r->title), "%s", title);
	r->nrevs = plan ? plan->nsteps : 0;
	r->revs = rt_xcalloc(r->nrevs ? r->nrevs : 1, sizeof(*r->revs));
	for (size_t i = 0; i < r->nrevs; i++)
		set_rev(&r->revs[i], &plan->steps[i], plan->kind == RT_PLAN_STAMP);
	return &r->d;
}

void
dlg_run_set_job(struct dialog *d, struct rt_job *job)
{
	if (d->ops == &run_ops)
		((struct run *)d)->job = job;
}

bool
dlg_run_is_cancelling(const struct dialog *d)
{
	return d->ops == &run_ops && ((const struct run *)d)->is_cancelling;
}

void
dlg_run_finish(struct dialog *d, enum dlg_run_end end, const char *outcome, const char *detail,
	       const char *where)
{
	struct run *r = (struct run *)d;

	if (d->ops != &run_ops)
		return;
	r->job = NULL;
	r->is_done = true;
	r->end = end;
	one_line(r->outcome, sizeof(r->outcome), outcome);
	one_line(r->where, sizeof(r->where), where);
	free(r->detail);
	r->detail = detail && *detail ? rt_xstrdup(detail) : NULL;
	if (r->lock_role == R_PENDING)
		r->lock_line[0] = '\0';
	for (size_t i = 0; i < r->nrevs; i++) {
		struct run_rev *rv = &r->revs[i];

		if (rv->state == REV_RUNNING) {
			rv->state = end == RUN_CANCELLED ? REV_CANCELLED : REV_FAILED;
			rv->ms = (mono() - rv->t0) * 1e3;
		} else if (rv->state == REV_PENDING && end != RUN_OK) {
			rv->state = REV_NOT_RUN;
		}
	}
}

static const struct dialog_ops run_ops = {
	.name = "run",
	.draw = draw,
	.on_key = on_key,
	.on_job_event = on_job_event,
	.release = release,
};
