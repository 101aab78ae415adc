/* restore.c - restoring a backup (rt_restore.h): prepare without a lock,
 * confirm, then one job that locks, backs up a protected env first (as
 * migrate.c does), restores with the dump read once and hashed on the way
 * (restore_feed.c), and compares the restored database with the sidecar. */
#include "config.h"
#include "rt_restore.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "backup_int.h"
#include "restore_int.h"
#include "rt_config.h"
#include "rt_counts.h"
#include "rt_db.h"
#include "rt_err.h"
#include "rt_mem.h"
#include "rt_session.h"

#define EVENT_EVERY_MS 100.0                /* progress events at most this often */

enum phase { R_IDLE, R_LOCK, R_BACKUP, R_RESTORE, R_COUNT, R_DONE };

struct rt_restore {
	struct rt_session *s;
	struct rt_restore_req req;
	struct rt_backup_info info;
	char *current;              /* the version table at prepare */
	char *what;
	bool is_confirmed;
	struct rt_restore_result result;
	bool has_result;

	/* the job */
	enum phase phase;
	rt_event_fn fn;
	void *ctx;
	double t0, event_t;
	struct rt_lock_wait lock;
	bool told_fed, is_cancelled;
	struct rt_backup_job *backup;   /* the safety backup, while it runs */
	char *backup_path;              /* the safety backup, once made */
	char *hist_schema;              /* with clean: the audit log's schema (not compared) */
	struct rt_feed feed;
	struct rt_counts live;
	struct rt_count_job *count;
};

/* The version table's rows joined by '+', "base" for none; NULL with err. */
static char *
read_revision(struct rt_db *db, struct rt_err *err)
{
	struct rt_strv cur = { 0 };
	char *rev;

	if (rt_db_current(db, &cur, err) < 0) {
		rt_strv_free(&cur);
		return NULL;
	}
	rev = cur.n ? rt_strv_join(&cur, "+") : rt_xstrdup("base");
	rt_strv_free(&cur);
	return rev;
}

/* ---- prepare ------------------------------------------------------------------ */

/* FILE as given when it exists or names a directory, else a name in the backup dir. */
static char *
resolve(const struct rt_config *cfg, const char *file)
{
	struct stat st;

	if (stat(file, &st) == 0 || strchr(file, '/'))
		return rt_xstrdup(file);
	return rt_xasprintf("%s/%s", cfg->backup_dir, file);
}

/* The archive's magic, its sidecar and its size; not the checksum: that is
 * the job's, in the pass that feeds pg_restore. */
static int
inspect(char *path, struct rt_backup_info *info, struct rt_err *err)
{
	const char *slash = strrchr(path, '/');
	char magic[5] = { 0 };
	struct stat st;
	ssize_t n = -1;
	int fd;

	memset(info, 0, sizeof(*info));
	info->path = path;
	info->name = rt_xstrdup(slash ? slash + 1 : path);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		rt_err_set(err, RT_ERR_INPUT, "%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	info->bytes = (long long)st.st_size;
	info->mtime = st.st_mtime;
	info->mtime_ns = st.st_mtim.tv_nsec;
	n = read(fd, magic, sizeof(magic));
	close(fd);
	if (n != (ssize_t)sizeof(magic) || memcmp(magic, "PGDMP", 5) != 0) {
		rt_err_set(err, RT_ERR_INPUT, "%s is not a pg_dump custom-format archive (no PGDMP "
			   "header): not a retort backup", path);
		return -1;
	}
	if (rt_sidecar_read(path, info, err) < 0) {
		info->check = RT_BACKUP_NO_SIDECAR;
		rt_err_detail(err, "without its sidecar the backup cannot be verified (an "
			      "incomplete backup, or not made by retort)");
		return -1;
	}
	if (info->saved_bytes > 0 && info->saved_bytes != info->bytes) {
		info->check = RT_BACKUP_BAD_SUM;
		rt_err_set(err, RT_ERR_INPUT, "%s: %lld bytes, but its sidecar says %lld: the dump "
			   "was changed or truncated since the backup; refusing to restore it", path,
			   info->bytes, info->saved_bytes);
		return -1;
	}
	info->check = RT_BACKUP_UNCHECKED;
	return 0;
}

struct rt_restore *
rt_restore_prepare(struct rt_session *s, const struct rt_restore_req *req, struct rt_err *err)
{
	struct rt_restore *r;

	if (!req->file || !*req->file) {
		rt_err_set(err, RT_ERR_INPUT, "restore needs a backup file");
		return NULL;
	}
	r = rt_xcalloc(1, sizeof(*r));
	r->s = s;
	r->req = *req;
	r->req.file = NULL;         /* not kept: info.path is the resolved copy */
	rt_feed_init(&r->feed);
	if (inspect(resolve(rt_session_config(s), req->file), &r->info, err) < 0 ||
	    rt_session_connect(s, err) < 0 ||
	    !(r->current = read_revision(rt_session_db(s), err))) {
		rt_restore_free(r);
		return NULL;
	}
	r->what = rt_xasprintf("restore %s into %s%s", r->info.name, rt_restore_dbname(r),
			       req->clean ? " (--clean)" : "");
	return r;
}

const struct rt_backup_info *
rt_restore_info(const struct rt_restore *r)
{
	return &r->info;
}

const char *
rt_restore_dbname(const struct rt_restore *r)
{
	return rt_db_name(rt_session_db(r->s));
}

const char *
rt_restore_current(const struct rt_restore *r)
{
	return r->current;
}

bool
rt_restore_is_clean(const struct rt_restore *r)
{
	return r->req.clean;
}

const char *
rt_restore_what(const struct rt_restore *r)
{
	return r->what;
}

enum rt_confirm
rt_restore_confirm_kind(const struct rt_restore *r)
{
	const struct rt_env *env = rt_session_env(r->s);

	return env && env->is_protected ? RT_CONFIRM_DBNAME : RT_CONFIRM_YES;
}

bool
rt_restore_backs_up(const struct rt_restore *r)
{
	const struct rt_env *env = rt_session_env(r->s);

	return env && env->is_protected && rt_session_config(r->s)->auto_backup;
}

const char *
rt_restore_backup_path(const struct rt_restore *r)
{
	return r->backup_path;
}

int
rt_restore_confirm(struct rt_restore *r, const char *typed, bool assume_yes, struct rt_err *err)
{
	if (rt_restore_confirm_kind(r) != RT_CONFIRM_DBNAME) {
		r->is_confirmed = true;
		return 0;
	}
	if (rt_session_confirm_protected(r->s, rt_restore_dbname(r), typed, assume_yes, err) < 0)
		return -1;
	r->is_confirmed = true;
	return 0;
}

/* ---- the job: events ------------------------------------------------------------ */

static void
emit(struct rt_restore *r, enum rt_event_kind kind, const char *text)
{
	struct rt_event ev = { .kind = kind, .text = text };

	if (r->fn)
		r->fn(&ev, r->ctx);
}

static void
progress(struct rt_restore *r, enum rt_backup_phase phase, bool force)
{
	struct rt_backup_progress p = { phase, r->feed.hashed, 0, 0, 0 };
	struct rt_event ev = { .kind = RT_EV_BACKUP, .backup = &p };
	double now = rt_clock_ms();

	if (!r->fn || (!force && now - r->event_t < EVENT_EVERY_MS))
		return;
	r->event_t = now;
	if (phase == RT_BACKUP_COUNTING) {
		p.tables_done = r->count ? rt_count_job_done(r->count) : 0;
		p.tables_total = r->live.n;
	}
	p.seconds = (now - r->t0) / 1e3;
	r->fn(&ev, r->ctx);
}

static int start_counts(struct rt_restore *r, struct rt_err *err);

/* pg_restore running, fed: progress, and the counts once it committed. */
static int
step_restore(struct rt_restore *r, struct rt_err *err)
{
	int rc = rt_feed_step(&r->feed, err);
	bool is_fed = rc != 1 || r->feed.is_waiting;

	progress(r, RT_BACKUP_RESTORING, is_fed && !r->told_fed);
	r->told_fed = r->told_fed || is_fed;
	r->result.is_restored = r->feed.is_committed;
	if (rc != 0)
		return rc;
	if (r->is_cancelled) {
		rt_err_set(err, RT_ERR_CANCEL, "cancelled too late: the restore had committed (the "
			   "database holds the backup), its row counts were not compared");
		return -1;
	}
	return start_counts(r, err);
}

/* ---- the job: lock, counts, comparison --------------------------------------------- */

static int
start_restore(struct rt_restore *r, struct rt_err *err)
{
	char *note = NULL;
	int rc = rt_feed_start(&r->feed, rt_session_db(r->s), &r->info, r->req.clean, &note,
			       err);

	if (note)
		emit(r, RT_EV_NOTE, note);
	free(note);
	if (rc < 0)
		return -1;
	if (r->feed.hist_schema)
		r->hist_schema = rt_xstrdup(r->feed.hist_schema);
	r->phase = R_RESTORE;
	return step_restore(r, err);
}

static void
on_backup_progress(const struct rt_backup_progress *p, void *ctx)
{
	struct rt_restore *r = ctx;
	struct rt_event ev = { .kind = RT_EV_BACKUP, .backup = p };

	if (r->fn)
		r->fn(&ev, r->ctx);
}

/* The safety backup of a protected env, under the lock: exactly what the
 * restore is about to overwrite. */
static int
start_backup(struct rt_restore *r, struct rt_err *err)
{
	const struct rt_env *env = rt_session_env(r->s);
	struct rt_backup_opts o = { rt_session_config(r->s)->backup_dir, env ? env->name : NULL,
				    on_backup_progress, r };

	r->backup = rt_backup_start(rt_session_db(r->s), &o, err);
	if (!r->backup) {
		rt_err_detail(err, "the backup before the restore failed, so nothing was restored");
		return -1;
	}
	r->phase = R_BACKUP;
	return 1;
}

static int
step_backup(struct rt_restore *r, struct rt_err *err)
{
	int rc = rt_backup_job_step(r->backup, err);
	const struct rt_backup_info *b;

	if (rc == 1)
		return 1;
	if (rc < 0) {
		if (r->is_cancelled || (err && err->kind == RT_ERR_CANCEL))
			rt_err_set(err, RT_ERR_CANCEL, "cancelled during the backup before the "
				   "restore; nothing restored");
		else
			rt_err_detail(err, "the backup before the restore failed, so nothing was "
				      "restored");
		return -1;
	}
	b = rt_backup_job_result(r->backup);
	r->backup_path = rt_xstrdup(b ? b->path : "");
	emit(r, RT_EV_BACKUP_DONE, r->backup_path);
	rt_backup_job_free(r->backup);
	r->backup = NULL;
	if (r->is_cancelled) {
		rt_err_set(err, RT_ERR_CANCEL, "cancelled after the backup before the restore; "
			   "nothing restored");
		return -1;
	}
	return start_restore(r, err);
}

static int
step_lock(struct rt_restore *r, struct rt_err *err)
{
	struct rt_db *db = rt_session_db(r->s);
	int rc;

	if (r->is_cancelled) {
		rt_err_set(err, RT_ERR_CANCEL, "cancelled while waiting for the migration lock; "
			   "nothing restored");
		return -1;
	}
	rc = rt_lock_wait_step(db, &r->lock, r->fn, r->ctx, err);
	if (rc < 0 && err && err->kind == RT_ERR_RUN) {
		char msg[sizeof(err->msg)];

		snprintf(msg, sizeof(msg), "%.900s; nothing restored", err->msg);
		rt_err_set(err, RT_ERR_RUN, "%s", msg);
	}
	if (rc != 0)
		return rc;
	free(r->result.revision_before);
	if (!(r->result.revision_before = read_revision(db, err)))
		return -1;
	return rt_restore_backs_up(r) ? start_backup(r, err) : start_restore(r, err);
}

static int
start_counts(struct rt_restore *r, struct rt_err *err)
{
	struct rt_db *db = rt_session_db(r->s);

	r->phase = R_COUNT;
	if (rt_counts_estimate(db, &r->live, err) < 0 ||
	    !(r->count = rt_count_job_start(db, &r->live, err))) {
		rt_err_detail(err, "the backup was restored, but its row counts could not be "
			      "compared");
		return -1;
	}
	progress(r, RT_BACKUP_COUNTING, true);
	return 1;
}

/* With clean the audit log keeps its rows since the backup and gains the
 * restore's: its count differs by design, so it is no difference. */
static void
drop_history_diff(struct rt_restore *r, struct rt_count_diffs *d)
{
	size_t k = 0;

	if (!r->hist_schema)
		return;
	if (rt_counts_find(&r->info.counts, r->hist_schema, "retort_history") &&
	    r->result.ntables > 0)
		r->result.ntables--;
	for (size_t i = 0; i < d->n; i++) {
		struct rt_count_diff *x = &d->v[i];

		if (strcmp(x->schema, r->hist_schema) == 0 && strcmp(x->name, "retort_history") == 0) {
			free(x->schema);
			free(x->name);
			continue;
		}
		d->v[k++] = *x;
	}
	d->n = k;
}

/* The comparison with the sidecar: policy for both front ends. */
static int
compare(struct rt_restore *r, struct rt_err *err)
{
	struct rt_restore_result *res = &r->result;
	const char *want = r->info.revision;

	if (!(res->revision_after = read_revision(rt_session_db(r->s), err)))
		return -1;
	rt_counts_compare(&r->info.counts, &r->live, &res->diffs);
	drop_history_diff(r, &res->diffs);
	res->is_compared = true;
	res->counts_match = res->diffs.n == 0;
	res->revision_matches = !want || strcmp(want, res->revision_after) == 0;
	if (!res->counts_match && !res->revision_matches)
		rt_err_set(err, RT_ERR_RUN, "%zu table(s) differ from the backup, and the database "
			   "is at %s, the backup was at %s", res->diffs.n, res->revision_after, want);
	else if (!res->counts_match)
		rt_err_set(err, RT_ERR_RUN, "%zu table(s) differ from the backup", res->diffs.n);
	else if (!res->revision_matches)
		rt_err_set(err, RT_ERR_RUN, "the database is at %s, the backup was at %s",
			   res->revision_after, want);
	return res->counts_match && res->revision_matches ? 0 : -1;
}

static int
step_counts(struct rt_restore *r, struct rt_err *err)
{
	int rc = rt_count_job_step(r->count, &r->live, err);

	if (rc == 1) {
		progress(r, RT_BACKUP_COUNTING, false);
		return 1;
	}
	if (rc < 0) {
		if (r->is_cancelled || (err && err->kind == RT_ERR_CANCEL))
			rt_err_set(err, RT_ERR_CANCEL, "cancelled after the restore had committed (the "
				   "database holds the backup): its row counts were not compared");
		else
			rt_err_detail(err, "the backup was restored, but its row counts could not "
				      "be compared");
		return -1;
	}
	progress(r, RT_BACKUP_COUNTING, true);
	return compare(r, err);
}

/* ---- the job: ops -------------------------------------------------------------- */

/* Whatever happened: children gone, files closed and removed, lock released. */
static void
finish(struct rt_restore *r)
{
	rt_count_job_free(r->count);
	r->count = NULL;
	rt_backup_job_free(r->backup);
	r->backup = NULL;
	r->result.bytes = r->feed.hashed;
	rt_feed_end(&r->feed);
	rt_db_unlock(rt_session_db(r->s));
	r->result.seconds = (rt_clock_ms() - r->t0) / 1e3;
	r->has_result = true;
	r->phase = R_DONE;
}

static int
job_step(void *impl, struct rt_err *err)
{
	struct rt_restore *r = impl;
	int rc = -1;

	switch (r->phase) {
	case R_LOCK:
		rc = step_lock(r, err);
		break;
	case R_BACKUP:
		rc = step_backup(r, err);
		break;
	case R_RESTORE:
		rc = step_restore(r, err);
		break;
	case R_COUNT:
		rc = step_counts(r, err);
		break;
	case R_IDLE:
	case R_DONE:
		return 0;
	}
	if (rc != 1)
		finish(r);
	return rc;
}

static size_t
job_fds(void *impl, struct pollfd *fds, size_t max)
{
	struct rt_restore *r = impl;

	if (r->phase == R_RESTORE)
		return rt_feed_fds(&r->feed, fds, max);
	if (r->phase == R_BACKUP) {
		int bfds[2];
		size_t n = rt_backup_job_fds(r->backup, bfds);

		for (size_t i = 0; i < n && i < max; i++)
			fds[i] = (struct pollfd){ bfds[i], POLLIN, 0 };
		return n < max ? n : max;
	}
	if (r->phase == R_COUNT && r->count && max > 0) {
		fds[0] = (struct pollfd){ rt_count_job_fd(r->count), POLLIN, 0 };
		return 1;
	}
	return 0;       /* the lock: a try at every tick */
}

static void
job_cancel(void *impl)
{
	struct rt_restore *r = impl;

	r->is_cancelled = true;
	if (r->phase == R_BACKUP) {
		rt_backup_job_cancel(r->backup);
		emit(r, RT_EV_CANCELLING, "stopping the backup before the restore");
	} else if (r->phase == R_RESTORE && rt_feed_cancel(&r->feed)) {
		emit(r, RT_EV_CANCELLING, "stopping pg_restore");
	} else if (r->phase == R_COUNT && r->count) {
		rt_count_job_cancel(r->count);
		emit(r, RT_EV_CANCELLING, NULL);
	}
}

static void
job_free(void *impl)
{
	struct rt_restore *r = impl;

	if (r->phase != R_DONE && r->phase != R_IDLE)
		finish(r);
}

static const struct rt_job_ops restore_ops = {
	.name = "restore", .fds = job_fds, .step = job_step, .cancel = job_cancel, .free = job_free,
};

struct rt_job *
rt_restore_op_start(struct rt_restore *r, rt_event_fn fn, void *ctx, struct rt_err *err)
{
	const struct rt_config *cfg = rt_session_config(r->s);

	if (!r->is_confirmed) {
		rt_err_set(err, RT_ERR_INPUT, "%s was not confirmed; nothing changed", r->what);
		return NULL;
	}
	if (r->phase != R_IDLE) {
		rt_err_set(err, RT_ERR_INPUT, "%s: already started", r->what);
		return NULL;
	}
	r->fn = fn;
	r->ctx = ctx;
	r->phase = R_LOCK;
	r->t0 = rt_clock_ms();
	rt_lock_wait_begin(&r->lock, r->req.lock_timeout_ms == RT_LOCK_TIMEOUT_CONFIG ?
			   cfg->lock_timeout_ms : r->req.lock_timeout_ms);
	r->result.revision_before = rt_xstrdup(r->current);
	r->result.revision_expected = rt_xstrdup(r->info.revision ? r->info.revision : "?");
	r->result.ntables = r->info.counts.n;
	return rt_job_new(&restore_ops, r);
}

const struct rt_restore_result *
rt_restore_result(const struct rt_restore *r)
{
	return r->has_result ? &r->result : NULL;
}

const struct rt_counts *
rt_restore_live(const struct rt_restore *r)
{
	return &r->live;
}

void
rt_restore_free(struct rt_restore *r)
{
	if (!r)
		return;
	if (r->phase != R_DONE && r->phase != R_IDLE)
		finish(r);
	rt_feed_end(&r->feed);
	rt_counts_free(&r->live);
	rt_count_diffs_free(&r->result.diffs);
	free(r->result.revision_before);
	free(r->result.revision_after);
	free(r->result.revision_expected);
	rt_backup_info_free(&r->info);
	free(r->backup_path);
	free(r->hist_schema);
	free(r->current);
	free(r->what);
	free(r);
}
