/* restore.c - restoring a backup (rt_restore.h): prepare without a lock,
 * confirm, then one job that locks, feeds the dump to pg_restore while
 * hashing it, and compares the restored database with the sidecar.
 *
 * pg_restore reads the archive from a FIFO in a private directory, written
 * by the job: the dump is read once, and the digest sees every byte before
 * pg_restore does. (pg_restore reads a FIFO only with --format=custom;
 * guessing the format, it would open the file twice and lose what the first
 * open read.) The last HOLD_BACK bytes are written only once the whole file
 * is hashed: pg_restore cannot finish its last data block, let alone commit,
 * before the checksum is known. The job keeps a read end of the FIFO open
 * itself, so that its writes never raise SIGPIPE and a FIFO that pg_restore
 * has not opened yet keeps what was written into it.
 *
 * With clean, pg_restore --clean --if-exists writes its script into a pipe
 * to psql --single-transaction, which runs the drops first and, after the
 * script, reads /dev/fd/3 (the gate), then a check that fails unless the
 * gate gave it a token. The job writes the token only after pg_restore
 * exited 0 and the checksum matched; if the job dies, the gate ends empty,
 * the check fails and psql rolls back.
 *
 * Also here: the bare pg_restore job of rt_backup.h (rt_restore_start),
 * kept for the console until it uses the operation. */
#include "config.h"
#include "rt_restore.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "backup_int.h"
#include "db_int.h"
#include "rt_config.h"
#include "rt_counts.h"
#include "rt_db.h"
#include "rt_err.h"
#include "rt_mem.h"
#include "rt_session.h"

#define FEED_CHUNK ((size_t)256 << 10)      /* read, hashed and written at a time */
#define FEED_BUDGET ((long long)8 << 20)    /* per step: the caller stays responsive */
#define HOLD_BACK ((long long)64 << 10)     /* fed only once the checksum matched */
#define PIPE_SIZE (1 << 20)                 /* fewer wake-ups of pg_restore and of us */
#define KILL_AFTER_MS 3000.0                /* a cancelled child that lingers gets SIGKILL */
#define EVENT_EVERY_MS 100.0                /* progress events at most this often */

_Static_assert(HOLD_BACK <= (long long)FEED_CHUNK, "the tail must fit the buffer");

/* psql's gate (see above): the table the token goes into, the token, the check. */
static const char gate_table_sql[] =
	"CREATE TEMPORARY TABLE retort_gate (ok boolean) ON COMMIT DROP";
static const char gate_token[] = "INSERT INTO pg_temp.retort_gate VALUES (true);\n";
static const char gate_check_sql[] =
	"DO $retort$ BEGIN IF NOT EXISTS (SELECT FROM pg_temp.retort_gate) THEN "
	"RAISE EXCEPTION 'retort did not confirm this restore: rolled back'; END IF; END $retort$";

enum phase { R_IDLE, R_LOCK, R_FEED, R_WAIT, R_COUNT, R_DONE };
enum sum { SUM_PENDING, SUM_OK, SUM_BAD };

/* pg_restore (and psql) and the dump flowing into them. */
struct runner {
	struct rt_proc rst;         /* pg_restore; its messages through rst.fd */
	struct rt_proc psql;        /* with clean: the drops, the script, the gate, the check */
	int gate;                   /* with clean: psql's descriptor 3 */
	bool is_gate_open;          /* the token went through the gate: psql commits */
	int file;                   /* the dump */
	int feed;                   /* the FIFO's write end; -1 once closed */
	int fifo_rd;                /* our read end of the FIFO (never read) */
	char *dir, *fifo;           /* the private directory and the FIFO in it */
	char *conninfo, *password, *prelude;
	EVP_MD_CTX *md;
	long long size;             /* of the dump when opened */
	long long hashed;
	unsigned char *buf;         /* hashed, not fed yet: buf[off .. len) */
	size_t off, len;
	enum sum sum;
	char sum_hex[65];
	bool is_draining;           /* a child ended early: only hashing the rest */
};

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
	double t0, lock_t0, cancel_t0, event_t;
	int lock_timeout_ms;
	bool told_wait, is_cancelled;
	struct runner run;
	struct rt_counts live;
	struct rt_count_job *count;
};

static double
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Drops every table of the backup's schemas, CASCADE (extension members stay). */
static char *
clean_sql(PGconn *conn, const struct rt_counts *tables)
{
	struct rt_buf b = { 0 };
	struct rt_strv schemas = { 0 };

	for (size_t i = 0; tables && i < tables->n; i++)
		if (!rt_strv_contains(&schemas, tables->v[i].schema))
			rt_strv_push(&schemas, tables->v[i].schema);
	rt_buf_puts(&b, "DO $retort$ DECLARE r record; BEGIN FOR r IN "
		    "SELECT format('%I.%I', n.nspname, c.relname) AS t FROM pg_class c "
		    "JOIN pg_namespace n ON n.oid = c.relnamespace "
		    "WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND n.nspname IN (''");
	for (size_t i = 0; i < schemas.n; i++) {
		char *lit = PQescapeLiteral(conn, schemas.v[i], strlen(schemas.v[i]));

		rt_buf_printf(&b, ", %s", lit ? lit : "''");
		PQfreemem(lit);
	}
	rt_buf_puts(&b, ") AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = "
		    "'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e') "
		    "LOOP EXECUTE 'DROP TABLE IF EXISTS ' || r.t || ' CASCADE'; END LOOP; END "
		    "$retort$");
	rt_strv_free(&schemas);
	return rt_buf_take(&b);
}

static void
trim(struct rt_buf *out)
{
	while (out->len && out->data[out->len - 1] == '\n')
		out->data[--out->len] = '\0';
}

/* Non-blocking; a child whose output ended is exiting: reap it now rather
 * than at the next poll timeout. */
static void
reap(struct rt_proc *p)
{
	if (rt_proc_poll(p) == 1 && p->fd < 0)
		rt_proc_wait(p);
}

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

/* What rt_backup_verify checks, but the checksum: that is the job's, in the
 * pass that feeds pg_restore. */
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
	r->run.gate = r->run.file = r->run.feed = r->run.fifo_rd = -1;
	r->run.rst.fd = r->run.psql.fd = -1;
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

int
rt_restore_confirm(struct rt_restore *r, const char *typed, bool assume_yes, struct rt_err *err)
{
	const struct rt_env *env = rt_session_env(r->s);

	if (rt_restore_confirm_kind(r) != RT_CONFIRM_DBNAME) {
		r->is_confirmed = true;
		return 0;
	}
	if (typed) {
		if (strcmp(typed, rt_restore_dbname(r)) != 0) {
			rt_err_set(err, RT_ERR_INPUT, "not confirmed: the typed name is not '%s'; "
				   "nothing changed", rt_restore_dbname(r));
			return -1;
		}
	} else if (!assume_yes || !rt_session_env_is_explicit(r->s)) {
		rt_err_set(err, RT_ERR_INPUT, "env '%s' is protected: --yes needs --env %s as well",
			   env->name, env->name);
		return -1;
	}
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
	struct rt_backup_progress p = { phase, r->run.hashed, 0, 0, 0 };
	struct rt_event ev = { .kind = RT_EV_BACKUP, .backup = &p };
	double now = mono_ms();

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

/* ---- the job: starting pg_restore ----------------------------------------------- */

/* The private directory, the FIFO in it, our two ends of it. */
static int
make_fifo(struct runner *x, struct rt_err *err)
{
	const char *tmp = getenv("TMPDIR");

	x->dir = rt_xasprintf("%s/retort-restore.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(x->dir)) {
		rt_err_set(err, RT_ERR_RUN, "restore: cannot create a directory in %s: %s",
			   tmp && *tmp ? tmp : "/tmp", strerror(errno));
		free(x->dir);
		x->dir = NULL;
		return -1;
	}
	x->fifo = rt_xasprintf("%s/archive", x->dir);
	/* the reader first: opening the write end needs one, and it must not block */
	if (mkfifo(x->fifo, 0600) < 0 ||
	    (x->fifo_rd = open(x->fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) < 0 ||
	    (x->feed = open(x->fifo, O_WRONLY | O_NONBLOCK | O_CLOEXEC)) < 0) {
		rt_err_set(err, RT_ERR_RUN, "restore: %s: %s", x->fifo, strerror(errno));
		return -1;
	}
	(void)fcntl(x->feed, F_SETPIPE_SZ, PIPE_SIZE);     /* a hint: the default works too */
	return 0;
}

/* The dump, opened once: its size must still be the sidecar's. */
static int
open_dump(struct rt_restore *r, struct rt_err *err)
{
	struct runner *x = &r->run;
	struct stat st;

	x->file = open(r->info.path, O_RDONLY | O_CLOEXEC);
	if (x->file < 0 || fstat(x->file, &st) < 0) {
		rt_err_set(err, RT_ERR_INPUT, "%s: %s; nothing restored", r->info.path,
			   strerror(errno));
		return -1;
	}
	x->size = (long long)st.st_size;
	if (r->info.saved_bytes > 0 && x->size != r->info.saved_bytes) {
		rt_err_set(err, RT_ERR_INPUT, "%s: %lld bytes, but its sidecar says %lld: the dump "
			   "was changed since the backup; nothing restored", r->info.path, x->size,
			   r->info.saved_bytes);
		return -1;
	}
	(void)posix_fadvise(x->file, 0, 0, POSIX_FADV_SEQUENTIAL);
	x->md = EVP_MD_CTX_new();
	if (!x->md || !EVP_DigestInit_ex(x->md, EVP_sha256(), NULL)) {
		rt_err_set(err, RT_ERR_RUN, "restore: cannot compute a SHA-256");
		return -1;
	}
	x->buf = rt_xmalloc(FEED_CHUNK);
	return 0;
}

static int
start_clean(struct rt_restore *r, const char *tool, struct rt_err *err)
{
	struct runner *x = &r->run;
	struct rt_db *db = rt_session_db(r->s);
	char *note = NULL, *version = NULL, *psql;
	int rc;

	psql = rt_pg_tool("psql", rt_db_server_version(db), &version, &note, err);
	free(version);
	free(note);
	if (!psql)
		return -1;
	x->prelude = clean_sql(db->conn, &r->info.counts);
	{
		const char *argv_a[] = { tool, "--format=custom", "--clean", "--if-exists",
					 "--file", "-", x->fifo, NULL };
		const char *argv_b[] = { psql, "--no-psqlrc", "--quiet", "--no-password",
					 "--output", "/dev/null", "--single-transaction",
					 "--set", "ON_ERROR_STOP=1", "--dbname", x->conninfo,
					 "--command", x->prelude, "--command", gate_table_sql,
					 "--file", "-", "--file", "/dev/fd/3",
					 "--command", gate_check_sql, NULL };

		rc = rt_proc_pipe_start(&x->rst, argv_a, &x->psql, argv_b, x->password, &x->gate,
					err);
	}
	free(psql);
	return rc;
}

static int
start_runner(struct rt_restore *r, struct rt_err *err)
{
	struct runner *x = &r->run;
	struct rt_db *db = rt_session_db(r->s);
	char *tool, *version = NULL, *note = NULL;
	int rc = -1;

	tool = rt_pg_tool("pg_restore", rt_db_server_version(db), &version, &note, err);
	if (!tool || rt_conninfo_split(db->url, &x->conninfo, &x->password, err) < 0 ||
	    open_dump(r, err) < 0 || make_fifo(x, err) < 0)
		goto out;
	if (note)
		emit(r, RT_EV_NOTE, note);
	if (r->req.clean) {
		rc = start_clean(r, tool, err);
	} else {
		const char *argv[] = { tool, "--format=custom", "--no-password",
				       "--single-transaction", "--exit-on-error",
				       "--dbname", x->conninfo, x->fifo, NULL };

		rc = rt_proc_start(&x->rst, argv, x->password, err);
	}
out:
	free(tool);
	free(version);
	free(note);
	return rc;
}

/* ---- the job: feeding --------------------------------------------------------- */

static void
verdict(struct rt_restore *r)
{
	struct runner *x = &r->run;
	unsigned char sum[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	char c;

	/* a file that grew since it was opened is not the one hashed */
	if (read(x->file, &c, 1) != 0 || !EVP_DigestFinal_ex(x->md, sum, &len)) {
		x->sum = SUM_BAD;
	} else {
		for (unsigned int i = 0; i < len && i < 32; i++)
			snprintf(x->sum_hex + 2 * i, 3, "%02x", sum[i]);
		x->sum = strcasecmp(x->sum_hex, r->info.sha256) == 0 ? SUM_OK : SUM_BAD;
	}
	r->info.check = x->sum == SUM_OK ? RT_BACKUP_OK : RT_BACKUP_BAD_SUM;
}

/* Reads and hashes the next piece into the buffer: up to the held-back tail,
 * then the tail, after which the checksum is known. */
static int
read_next(struct rt_restore *r, struct rt_err *err)
{
	struct runner *x = &r->run;
	long long limit = x->size > HOLD_BACK ? x->size - HOLD_BACK : 0;
	size_t want = x->hashed < limit ? (size_t)(limit - x->hashed < (long long)FEED_CHUNK ?
						   limit - x->hashed : (long long)FEED_CHUNK)
			: (size_t)(x->size - x->hashed);
	size_t got = 0;
	ssize_t n;

	while (got < want) {
		n = read(x->file, x->buf + got, want - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rt_err_set(err, RT_ERR_RUN, "%s: read: %s; nothing restored", r->info.path,
				   strerror(errno));
			return -1;
		}
		if (n == 0) {           /* shorter than when opened: it changed */
			x->size = x->hashed + (long long)got;
			break;
		}
		got += (size_t)n;
	}
	EVP_DigestUpdate(x->md, x->buf, got);
	x->hashed += (long long)got;
	x->off = 0;
	x->len = got;
	if (x->hashed >= x->size)
		verdict(r);
	return 0;
}

/* Feeds what is hashed and reads on, within the budget. 1: wait (poll),
 * 0: the whole dump is hashed and, unless draining or bad, fed; -1 with err. */
static int
pump(struct rt_restore *r, struct rt_err *err)
{
	struct runner *x = &r->run;
	long long budget = FEED_BUDGET;
	ssize_t w;

	while (budget > 0 && x->sum != SUM_BAD) {
		if (x->off < x->len) {
			if (x->feed < 0) {              /* draining: nobody to feed */
				x->off = x->len;
				continue;
			}
			w = write(x->feed, x->buf + x->off, x->len - x->off);
			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0 && errno == EAGAIN)
				return 1;
			if (w < 0) {
				rt_err_set(err, RT_ERR_RUN, "restore: writing to pg_restore: %s",
					   strerror(errno));
				return -1;
			}
			x->off += (size_t)w;
			continue;
		}
		if (x->sum != SUM_PENDING)
			return 0;
		if (read_next(r, err) < 0)
			return -1;
		budget -= (long long)x->len;
	}
	return x->sum == SUM_BAD ? 0 : 1;
}

static void
close_feed(struct runner *x)
{
	if (x->feed >= 0)
		close(x->feed);
	x->feed = -1;
}

/* Whether a child ended before the whole dump went in: nothing it does
 * after that can be a complete restore, but the checksum still tells
 * whether the dump was damaged (reported first) or pg_restore failed. */
static bool
ended_early(const struct rt_restore *r)
{
	const struct runner *x = &r->run;

	if (r->req.clean)
		return (!x->rst.is_running && x->rst.status != 0) || !x->psql.is_running;
	return !x->rst.is_running;
}

/* The error of a child that failed: psql's first (pg_restore then only lost its reader). */
static int
child_failed(struct rt_restore *r, struct rt_err *err)
{
	struct runner *x = &r->run;
	bool is_psql = r->req.clean && !x->psql.is_running && x->psql.status != 0 &&
		       x->psql.status != 128 + SIGKILL;
	const char *who = is_psql ? "psql" : "pg_restore";
	int status = is_psql ? x->psql.status : x->rst.status;

	trim(&x->rst.out);
	trim(&x->psql.out);
	if (status > 128)
		rt_err_set(err, RT_ERR_RUN, "%s was killed (signal %d); the restore's transaction "
			   "was rolled back, the database is unchanged", who, status - 128);
	else
		rt_err_set(err, RT_ERR_RUN, "%s failed (exit %d); the restore's transaction was "
			   "rolled back, the database is unchanged", who, status);
	if (x->rst.out.len)
		rt_err_detail(err, "%s", rt_buf_str(&x->rst.out));
	if (x->psql.out.len)
		rt_err_detail(err, "%s", rt_buf_str(&x->psql.out));
	return -1;
}

static int start_counts(struct rt_restore *r, struct rt_err *err);

static int
mismatch(struct rt_restore *r, struct rt_err *err)
{
	struct runner *x = &r->run;
	bool committed = !r->req.clean && !x->rst.is_running && x->rst.status == 0;

	/* psql first: it must not go on without pg_restore */
	rt_proc_end(&x->psql);
	rt_proc_end(&x->rst);
	if (committed) {
		/* pg_restore never needed the last bytes: only a file that is not
		 * what pg_dump wrote gets here */
		r->result.is_restored = true;
		rt_err_set(err, RT_ERR_RUN, "%s: checksum mismatch found after pg_restore had "
			   "committed: the database holds what the damaged dump held", r->info.path);
	} else {
		rt_err_set(err, RT_ERR_INPUT, "%s: checksum mismatch: the dump is damaged or was "
			   "changed since the backup; nothing restored", r->info.path);
	}
	rt_err_detail(err, "SHA-256 now:       %s\nSHA-256 at backup: %s", x->sum_hex,
		      r->info.sha256);
	return -1;
}

/* Writes the token into the gate. psql may have died: a pipe without a
 * reader raises SIGPIPE, which must not end retort, so it is blocked and
 * taken back here rather than ignored for the whole process. */
static bool
open_gate(struct runner *x)
{
	size_t len = strlen(gate_token);
	struct timespec zero = { 0, 0 };
	sigset_t pipe_set, old;
	ssize_t n;

	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	sigprocmask(SIG_BLOCK, &pipe_set, &old);
	n = write(x->gate, gate_token, len);
	if (n < 0 && errno == EPIPE && !sigismember(&old, SIGPIPE))
		sigtimedwait(&pipe_set, NULL, &zero);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return n == (ssize_t)len;
}

static int
step_wait(struct rt_restore *r, struct rt_err *err)
{
	struct runner *x = &r->run;

	reap(&x->rst);
	reap(&x->psql);
	if (r->req.clean && !x->rst.is_running && x->gate >= 0) {
		if (x->rst.status == 0 && x->sum == SUM_OK && !x->is_draining && !r->is_cancelled &&
		    x->psql.is_running)
			/* the commit point: psql finishes the script, finds the token, commits */
			x->is_gate_open = open_gate(x);
		else
			rt_proc_end(&x->psql);
		close(x->gate);
		x->gate = -1;
	}
	if (x->rst.is_running || x->psql.is_running)
		return 1;
	if (x->rst.status == 0 && (!r->req.clean || (x->is_gate_open && x->psql.status == 0))) {
		r->result.is_restored = true;
		if (r->is_cancelled) {
			rt_err_set(err, RT_ERR_CANCEL, "cancelled too late: the restore had committed "
				   "(the database holds the backup), its row counts were not compared");
			return -1;
		}
		return start_counts(r, err);
	}
	if (r->is_cancelled) {
		rt_err_set(err, RT_ERR_CANCEL, "restore cancelled; nothing restored");
		return -1;
	}
	return child_failed(r, err);
}

static int
step_feed(struct rt_restore *r, struct rt_err *err)
{
	struct runner *x = &r->run;
	int rc;

	reap(&x->rst);
	reap(&x->psql);
	if (r->is_cancelled) {
		close_feed(x);
		r->phase = R_WAIT;
		return step_wait(r, err);
	}
	if (!x->is_draining && ended_early(r)) {
		x->is_draining = true;
		close_feed(x);
	}
	rc = pump(r, err);
	progress(r, RT_BACKUP_RESTORING, rc == 0);
	if (rc != 0)
		return rc;
	if (x->sum == SUM_BAD)
		return mismatch(r, err);
	/* all fed (a child that ended early is judged by step_wait) */
	close_feed(x);
	r->phase = R_WAIT;
	return step_wait(r, err);
}

/* ---- the job: lock, counts, comparison --------------------------------------------- */

static int
step_lock(struct rt_restore *r, struct rt_err *err)
{
	struct rt_db *db = rt_session_db(r->s);
	char *holder;
	bool got;

	if (r->is_cancelled) {
		rt_err_set(err, RT_ERR_CANCEL, "cancelled while waiting for the migration lock; "
			   "nothing restored");
		return -1;
	}
	if (rt_db_try_lock(db, &got, err) < 0)
		return -1;
	if (!got) {
		if (!r->told_wait) {
			holder = rt_db_lock_holder(db);
			emit(r, RT_EV_LOCK_WAIT, holder ? holder : "another session");
			free(holder);
			r->told_wait = true;
		}
		if (r->lock_timeout_ms < 0 || mono_ms() - r->lock_t0 < r->lock_timeout_ms)
			return 1;
		holder = rt_db_lock_holder(db);
		rt_err_set(err, RT_ERR_RUN, "lock timeout after %.1f s: the migration lock is held "
			   "by %s; nothing restored", r->lock_timeout_ms / 1000.0,
			   holder ? holder : "another session");
		free(holder);
		return -1;
	}
	emit(r, RT_EV_LOCKED, NULL);
	free(r->result.revision_before);
	if (!(r->result.revision_before = read_revision(db, err)) || start_runner(r, err) < 0)
		return -1;
	r->phase = R_FEED;
	return step_feed(r, err);
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

/* The comparison with the sidecar: policy for both front ends. */
static int
compare(struct rt_restore *r, struct rt_err *err)
{
	struct rt_restore_result *res = &r->result;
	const char *want = r->info.revision;

	if (!(res->revision_after = read_revision(rt_session_db(r->s), err)))
		return -1;
	rt_counts_compare(&r->info.counts, &r->live, &res->diffs);
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
	struct runner *x = &r->run;

	rt_count_job_free(r->count);
	r->count = NULL;
	rt_proc_end(&x->psql);      /* first: it must not read the gate's end */
	rt_proc_end(&x->rst);
	if (x->gate >= 0)
		close(x->gate);
	x->gate = -1;
	close_feed(x);
	if (x->fifo_rd >= 0)
		close(x->fifo_rd);
	if (x->file >= 0)
		close(x->file);
	x->fifo_rd = x->file = -1;
	if (x->fifo)
		unlink(x->fifo);
	if (x->dir)
		rmdir(x->dir);
	if (x->password)
		explicit_bzero(x->password, strlen(x->password));
	rt_db_unlock(rt_session_db(r->s));
	r->result.bytes = x->hashed;
	r->result.seconds = (mono_ms() - r->t0) / 1e3;
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
	case R_FEED:
		rc = step_feed(r, err);
		break;
	case R_WAIT:
		rc = step_wait(r, err);
		break;
	case R_COUNT:
		rc = step_counts(r, err);
		break;
	case R_IDLE:
	case R_DONE:
		return 0;
	}
	if (rc == 1 && r->is_cancelled && mono_ms() - r->cancel_t0 > KILL_AFTER_MS &&
	    !r->run.is_gate_open) {
		rt_proc_end(&r->run.psql);
		rt_proc_end(&r->run.rst);
	}
	if (rc != 1)
		finish(r);
	return rc;
}

static void
add_fd(struct pollfd *fds, size_t *n, size_t max, int fd, short events)
{
	if (fd >= 0 && *n < max)
		fds[(*n)++] = (struct pollfd){ fd, events, 0 };
}

static size_t
job_fds(void *impl, struct pollfd *fds, size_t max)
{
	struct rt_restore *r = impl;
	struct runner *x = &r->run;
	size_t n = 0;

	switch (r->phase) {
	case R_FEED:
		if (x->off < x->len && x->feed >= 0)
			add_fd(fds, &n, max, x->feed, POLLOUT);
		else if (x->sum == SUM_PENDING)     /* a regular file: ready at once */
			add_fd(fds, &n, max, x->file, POLLIN);
		/* fall through */
	case R_WAIT:
		add_fd(fds, &n, max, x->rst.fd, POLLIN);
		add_fd(fds, &n, max, x->psql.fd, POLLIN);
		break;
	case R_COUNT:
		if (r->count)
			add_fd(fds, &n, max, rt_count_job_fd(r->count), POLLIN);
		break;
	default:
		break;
	}
	return n;
}

static void
job_cancel(void *impl)
{
	struct rt_restore *r = impl;
	struct runner *x = &r->run;

	r->is_cancelled = true;
	r->cancel_t0 = mono_ms();
	if ((r->phase == R_FEED || r->phase == R_WAIT) && !x->is_gate_open) {
		/* both send the server a cancel request before they exit; psql
		 * has not had the token, so it can only roll back */
		if (x->psql.is_running)
			kill(x->psql.pid, SIGINT);
		if (x->rst.is_running)
			kill(x->rst.pid, SIGTERM);
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
	r->t0 = r->lock_t0 = mono_ms();
	r->lock_timeout_ms = r->req.lock_timeout_ms == RT_LOCK_TIMEOUT_CONFIG ?
			     cfg->lock_timeout_ms : r->req.lock_timeout_ms;
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

void
rt_restore_free(struct rt_restore *r)
{
	if (!r)
		return;
	if (r->phase != R_DONE && r->phase != R_IDLE)
		finish(r);
	EVP_MD_CTX_free(r->run.md);
	free(r->run.buf);
	free(r->run.dir);
	free(r->run.fifo);
	free(r->run.conninfo);
	free(r->run.password);
	free(r->run.prelude);
	rt_counts_free(&r->live);
	rt_count_diffs_free(&r->result.diffs);
	free(r->result.revision_before);
	free(r->result.revision_after);
	free(r->result.revision_expected);
	rt_backup_info_free(&r->info);
	free(r->current);
	free(r->what);
	free(r);
}

/* ---- the bare pg_restore job (rt_backup.h; the console's, until it uses the operation) ---- */

struct rt_restore_job {
	struct rt_proc proc;        /* pg_restore (with clean: writing the script to a pipe) */
	struct rt_proc psql;        /* with clean: psql running the drops and the script */
	int gate;                   /* with clean: psql's fd 3, closed once pg_restore exited 0 */
	int ep;                     /* with clean: epoll over both outputs, the job's descriptor */
	char *conninfo;
	char *password;
	char *prelude;              /* with clean: the drops */
	bool clean, cancelled, killed_psql;
};

/* With clean: pg_restore --clean --if-exists -f - writes the script into a pipe
 * that psql reads, after the drops, in one transaction. psql then reads
 * /dev/fd/3, the gate, which stays open until pg_restore has exited 0: a
 * pg_restore that fails or is killed ends psql's input early, but psql cannot
 * reach its COMMIT before we have killed it (the transaction rolls back). */
static int
legacy_start_clean(struct rt_restore_job *job, struct rt_db *db, const char *tool, const char *path,
	    const struct rt_restore_opts *opts, struct rt_err *err)
{
	char *note = NULL, *version = NULL, *psql;
	struct epoll_event ev = { .events = EPOLLIN };
	int rc;

	psql = rt_pg_tool("psql", rt_db_server_version(db), &version, &note, err);
	free(version);
	free(note);
	if (!psql)
		return -1;
	job->clean = true;
	job->prelude = clean_sql(db->conn, opts->tables);
	{
		const char *argv_a[] = { tool, "--clean", "--if-exists", "--file", "-", path, NULL };
		const char *argv_b[] = { psql, "--no-psqlrc", "--quiet", "--no-password",
					 "--output", "/dev/null", "--single-transaction",
					 "--set", "ON_ERROR_STOP=1",
					 "--dbname", job->conninfo, "--command", job->prelude,
					 "--file", "-", "--file", "/dev/fd/3", NULL };

		rc = rt_proc_pipe_start(&job->proc, argv_a, &job->psql, argv_b, job->password,
					&job->gate, err);
	}
	free(psql);
	if (rc < 0)
		return -1;
	job->ep = epoll_create1(EPOLL_CLOEXEC);
	if (job->ep < 0 || epoll_ctl(job->ep, EPOLL_CTL_ADD, job->proc.fd, &ev) < 0 ||
	    epoll_ctl(job->ep, EPOLL_CTL_ADD, job->psql.fd, &ev) < 0) {
		rt_err_set(err, RT_ERR_RUN, "restore: epoll: %s", strerror(errno));
		return -1;
	}
	return 0;
}

struct rt_restore_job *
rt_restore_start(struct rt_db *db, const char *path, const struct rt_restore_opts *opts,
		 struct rt_err *err)
{
	struct rt_restore_job *job = rt_xcalloc(1, sizeof(*job));
	char *tool, *version = NULL, *note = NULL;
	int rc = -1;

	job->proc.fd = job->psql.fd = job->gate = job->ep = -1;
	tool = rt_pg_tool("pg_restore", rt_db_server_version(db), &version, &note, err);
	if (!tool || rt_conninfo_split(db->url, &job->conninfo, &job->password, err) < 0)
		goto out;
	if (opts && opts->clean) {
		rc = legacy_start_clean(job, db, tool, path, opts, err);
	} else {
		const char *argv[] = { tool, "--no-password", "--single-transaction",
				       "--exit-on-error", "--dbname", job->conninfo, path, NULL };

		rc = rt_proc_start(&job->proc, argv, job->password, err);
	}
out:
	free(tool);
	free(version);
	free(note);
	if (rc < 0) {
		rt_restore_job_free(job);
		return NULL;
	}
	return job;
}

int
rt_restore_job_fd(const struct rt_restore_job *job)
{
	if (job->clean)
		return job->proc.is_running || job->psql.is_running ? job->ep : -1;
	return job->proc.fd;
}

/* One step of pg_restore | psql. */
static int
legacy_step_clean(struct rt_restore_job *job, struct rt_err *err)
{
	struct rt_proc *a = &job->proc, *b = &job->psql;
	const char *who;
	int status;

	/* at end of file the child is exiting: reap it now, not at the next poll timeout */
	if (rt_proc_poll(a) == 1 && a->fd < 0)
		rt_proc_wait(a);
	if (rt_proc_poll(b) == 1 && b->fd < 0)
		rt_proc_wait(b);
	if (!a->is_running && job->gate >= 0) {
		if (a->status != 0 || job->cancelled) {
			/* psql must never read the gate's end of file: it would commit */
			if (b->is_running) {
				kill(b->pid, SIGKILL);
				rt_proc_wait(b);
				job->killed_psql = true;
			}
		}
		close(job->gate);
		job->gate = -1;
	}
	if (a->is_running || b->is_running)
		return 1;
	if (a->status == 0 && b->status == 0 && !job->cancelled)
		return 0;
	trim(&a->out);
	trim(&b->out);
	if (job->cancelled) {
		rt_err_set(err, RT_ERR_CANCEL, "restore cancelled; its transaction was rolled back");
		return -1;
	}
	/* psql's failure first: pg_restore then only lost its reader */
	who = b->status != 0 && !job->killed_psql ? "psql" : "pg_restore";
	status = who[1] == 's' ? b->status : a->status;
	if (status > 128)
		rt_err_set(err, RT_ERR_RUN, "%s was killed (signal %d); the restore's transaction "
			   "was rolled back, the database is unchanged", who, status - 128);
	else
		rt_err_set(err, RT_ERR_RUN, "%s failed (exit %d); the restore's transaction was "
			   "rolled back, the database is unchanged", who, status);
	if (a->out.len)
		rt_err_detail(err, "%s", rt_buf_str(&a->out));
	if (b->out.len)
		rt_err_detail(err, "%s", rt_buf_str(&b->out));
	return -1;
}

int
rt_restore_job_step(struct rt_restore_job *job, struct rt_err *err)
{
	struct rt_buf *out = &job->proc.out;

	if (job->clean)
		return legacy_step_clean(job, err);
	if (rt_proc_poll(&job->proc) == 1)
		return 1;
	if (job->proc.status == 0)
		return 0;
	trim(out);
	if (job->cancelled)
		rt_err_set(err, RT_ERR_CANCEL, "restore cancelled; its transaction was rolled back");
	else if (job->proc.status > 128)
		rt_err_set(err, RT_ERR_RUN, "pg_restore was killed (signal %d); its transaction was "
			   "rolled back, the database is unchanged", job->proc.status - 128);
	else
		rt_err_set(err, RT_ERR_RUN, "pg_restore failed (exit %d); its transaction was rolled "
			   "back, the database is unchanged", job->proc.status);
	if (out->len)
		rt_err_detail(err, "%s", rt_buf_str(out));
	return -1;
}

void
rt_restore_job_cancel(struct rt_restore_job *job)
{
	if (job->proc.is_running)
		kill(job->proc.pid, SIGTERM);
	if (job->psql.is_running)
		kill(job->psql.pid, SIGTERM);
	job->cancelled = true;
}

void
rt_restore_job_free(struct rt_restore_job *job)
{
	if (!job)
		return;
	rt_proc_end(&job->psql);   /* first: killed before the gate closes */
	rt_proc_end(&job->proc);
	if (job->gate >= 0)
		close(job->gate);
	if (job->ep >= 0)
		close(job->ep);
	if (job->password)
		explicit_bzero(job->password, strlen(job->password));
	free(job->password);
	free(job->conninfo);
	free(job->prelude);
	free(job);
}
