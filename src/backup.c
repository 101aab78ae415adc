/* backup.c - the backup job (restores: restore.c).
 *
 * A backup opens its own connection, starts a REPEATABLE READ transaction and
 * exports its snapshot; pg_dump --snapshot dumps exactly that state while the
 * same transaction counts every table, so the sidecar's counts are the dump's.
 * pg_dump writes to a pipe; we copy it into a hidden temporary file (created
 * 0600 first, so it is never readable by others) and hash it as it passes, so
 * the dump is read once. Only a dump that exited 0 is fsynced and linked to its
 * final name, and the sidecar is written last. Every failure path removes the
 * temporary file.
 *
 * A custom-format archive written to a pipe has no data offsets in its table
 * of contents (pg_dump cannot seek back to fill them in). pg_restore reads
 * such an archive sequentially as usual (retort's restore does, in one
 * transaction); pg_restore -j and -L have to scan for each table's data
 * instead of seeking to it. The price is paid only there, and it buys one
 * less read of the whole dump on every backup. */
#include "config.h"
#include "rt_backup.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "backup_int.h"
#include "db_int.h"
#include "rt_db.h"
#include "rt_err.h"
#include "rt_job.h"
#include "rt_mem.h"

#define HASH_CHUNK (8 << 20)    /* bytes copied and hashed per step: the caller stays responsive */

struct rt_backup_job {
	rt_backup_progress_fn progress;
	void *ctx;
	char *dir;
	char *tmp_path;             /* pg_dump's output until the rename */
	char *base;                 /* <db>_<env>_<stamp>_<revision> */
	char *note;
	PGconn *conn;               /* the snapshot's transaction, and the counts */
	struct rt_proc proc;        /* pg_dump; its messages through proc.fd */
	int data_fd;                /* pg_dump's stdout: the archive; -1 at end of file */
	int file_fd;                /* the temporary file being written */
	int ep;                     /* epoll over proc.fd and data_fd while dumping */
	size_t next;                /* table being counted */
	bool is_counting, counts_done, dump_done, cancelled, failed, finished;
	EVP_MD_CTX *md;
	long long hashed;
	struct timespec t0;
	struct rt_backup_info result;
};

static double
elapsed(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

/* mkdir -p with 0700 for every directory it creates. */
static int
make_dir(const char *dir, struct rt_err *err)
{
	char *p = rt_xstrdup(dir);
	int rc = 0;

	for (char *s = p + 1; rc == 0; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char c = *s;

		*s = '\0';
		if (mkdir(p, 0700) < 0 && errno != EEXIST) {
			rt_err_set(err, RT_ERR_RUN, "cannot create the backup dir %s: %s", p,
				   strerror(errno));
			rc = -1;
		}
		*s = c;
		if (c == '\0')
			break;
	}
	free(p);
	return rc;
}

/* A file-name-safe copy of s. */
static char *
safe_name(const char *s)
{
	char *r = rt_xstrdup(s && *s ? s : "none");

	for (char *p = r; *p; p++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-+.", *p))
			*p = '-';
	return r;
}

static PGresult *
run(PGconn *conn, const char *sql, const char *what, struct rt_err *err)
{
	PGresult *res = PQexec(conn, sql);
	ExecStatusType st = PQresultStatus(res);

	if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
		return res;
	rt_err_set(err, RT_ERR_RUN, "backup: %s: %s", what, PQerrorMessage(conn));
	PQclear(res);
	return NULL;
}

/* The version table's rows in the snapshot, joined by '+'; "base" when none. */
static char *
read_revision(PGconn *conn, const char *vt, struct rt_err *err)
{
	char *lit = PQescapeLiteral(conn, vt, strlen(vt)), *sql, *rev = NULL;
	PGresult *res;
	struct rt_strv heads = { 0 };

	sql = rt_xasprintf("SELECT to_regclass(%s) IS NOT NULL", lit ? lit : "''");
	PQfreemem(lit);
	res = run(conn, sql, "reading the version table", err);
	free(sql);
	if (!res)
		return NULL;
	if (strcmp(PQgetvalue(res, 0, 0), "t") == 0) {
		PQclear(res);
		sql = rt_xasprintf("SELECT version_num FROM %s ORDER BY 1", vt);
		res = run(conn, sql, "reading the version table", err);
		free(sql);
		if (!res)
			return NULL;
		for (int i = 0; i < PQntuples(res); i++)
			rt_strv_push(&heads, PQgetvalue(res, i, 0));
	}
	PQclear(res);
	rev = heads.n ? rt_strv_join(&heads, "+") : rt_xstrdup("base");
	rt_strv_free(&heads);
	return rev;
}

/* Second connection, snapshot, revision. Returns the snapshot id or NULL. */
static char *
open_snapshot(struct rt_backup_job *job, struct rt_db *db, struct rt_err *err)
{
	const char *keys[] = { "dbname", "application_name", NULL };
	const char *vals[] = { db->url, "retort backup", NULL };
	PGresult *res;
	char *snap;

	job->conn = PQconnectdbParams(keys, vals, 1);
	if (PQstatus(job->conn) != CONNECTION_OK) {
		rt_err_set(err, RT_ERR_RUN, "backup: cannot open a second connection");
		rt_err_detail(err, "%s", PQerrorMessage(job->conn));
		return NULL;
	}
	res = run(job->conn, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", "begin", err);
	PQclear(res);
	if (!res || !(res = run(job->conn, "SELECT pg_export_snapshot()", "exporting a snapshot",
				err)))
		return NULL;
	snap = rt_xstrdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	job->result.revision = read_revision(job->conn, db->vt, err);
	if (!job->result.revision) {
		free(snap);
		return NULL;
	}
	return snap;
}

/* Names the backup and creates its temporary file (0600, hidden). */
static int
name_backup(struct rt_backup_job *job, struct rt_db *db, const char *env, struct rt_err *err)
{
	time_t now = time(NULL);
	struct tm tm;
	char stamp[32], created[32];
	char *sdb = safe_name(rt_db_name(db)), *senv = safe_name(env ? env : "url");
	char *srev = safe_name(job->result.revision);
	int fd;

	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	strftime(created, sizeof(created), "%Y-%m-%dT%H:%M:%SZ", &tm);
	job->base = rt_xasprintf("%s_%s_%s_%s", sdb, senv, stamp, srev);
	job->result.created = rt_xstrdup(created);
	job->result.database = rt_xstrdup(rt_db_name(db));
	job->result.env = rt_xstrdup(env ? env : "");
	job->tmp_path = rt_xasprintf("%s/.%s.dump.tmp-%ld", job->dir, job->base, (long)getpid());
	free(sdb);
	free(senv);
	free(srev);
	fd = open(job->tmp_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		rt_err_set(err, RT_ERR_RUN, "%s: %s", job->tmp_path, strerror(errno));
		free(job->tmp_path);
		job->tmp_path = NULL;
		return -1;
	}
	job->file_fd = fd;
	return 0;
}

static int
start_dump(struct rt_backup_job *job, struct rt_db *db, const char *snap, struct rt_err *err)
{
	char *tool, *conninfo = NULL, *password = NULL, *snaparg, *version = NULL;
	int rc = -1;

	job->result.server_version = rt_db_server_version(db);
	tool = rt_pg_tool("pg_dump", job->result.server_version, &version, &job->note, err);
	if (!tool || rt_conninfo_split(db->url, &conninfo, &password, err) < 0)
		goto out;
	snaparg = rt_xasprintf("--snapshot=%s", snap);
	{
		const char *argv[] = { tool, "--format=custom", "--no-password", snaparg,
				       "--dbname", conninfo, NULL };

		rc = rt_proc_start_out(&job->proc, argv, password, &job->data_fd, err);
	}
	free(snaparg);
	job->result.pg_dump = version;
	version = NULL;
out:
	if (password)
		explicit_bzero(password, strlen(password));
	free(password);
	free(conninfo);
	free(tool);
	free(version);
	return rc;
}

static int
send_count(struct rt_backup_job *job, struct rt_err *err)
{
	const struct rt_table_count *t;
	char *qs, *qn, *sql;
	int ok = 0;

	if (job->next >= job->result.counts.n) {
		job->counts_done = true;
		return 0;
	}
	t = &job->result.counts.v[job->next];
	qs = PQescapeIdentifier(job->conn, t->schema, strlen(t->schema));
	qn = PQescapeIdentifier(job->conn, t->name, strlen(t->name));
	if (qs && qn) {
		sql = rt_xasprintf("SELECT count(*) FROM %s.%s", qs, qn);
		ok = PQsendQuery(job->conn, sql);
		free(sql);
	}
	PQfreemem(qs);
	PQfreemem(qn);
	if (!ok) {
		rt_err_set(err, RT_ERR_RUN, "backup: counting %s.%s: %s", t->schema, t->name,
			   PQerrorMessage(job->conn));
		return -1;
	}
	job->is_counting = true;
	return 0;
}

/* One descriptor for pg_dump's messages and its archive; the digest. */
static int
watch_dump(struct rt_backup_job *job, struct rt_err *err)
{
	struct epoll_event ev = { .events = EPOLLIN };

	job->ep = epoll_create1(EPOLL_CLOEXEC);
	job->md = EVP_MD_CTX_new();
	if (job->ep < 0 || epoll_ctl(job->ep, EPOLL_CTL_ADD, job->proc.fd, &ev) < 0 ||
	    epoll_ctl(job->ep, EPOLL_CTL_ADD, job->data_fd, &ev) < 0 || !job->md ||
	    !EVP_DigestInit_ex(job->md, EVP_sha256(), NULL)) {
		rt_err_set(err, RT_ERR_RUN, "backup: %s", strerror(errno));
		return -1;
	}
	return 0;
}

struct rt_backup_job *
rt_backup_start(struct rt_db *db, const struct rt_backup_opts *opts, struct rt_err *err)
{
	struct rt_backup_job *job = rt_xcalloc(1, sizeof(*job));
	char *snap = NULL;

	clock_gettime(CLOCK_MONOTONIC, &job->t0);
	job->progress = opts->progress;
	job->ctx = opts->ctx;
	job->dir = rt_xstrdup(opts->dir);
	job->data_fd = job->file_fd = job->ep = -1;
	job->proc.fd = -1;
	if (make_dir(job->dir, err) < 0 || rt_counts_estimate(db, &job->result.counts, err) < 0 ||
	    !(snap = open_snapshot(job, db, err)) || name_backup(job, db, opts->env_name, err) < 0 ||
	    start_dump(job, db, snap, err) < 0 || PQsetnonblocking(job->conn, 1) != 0 ||
	    watch_dump(job, err) < 0 || send_count(job, err) < 0) {
		free(snap);
		rt_backup_job_free(job);
		return NULL;
	}
	free(snap);
	return job;
}

size_t
rt_backup_job_fds(const struct rt_backup_job *job, int fds[2])
{
	size_t n = 0;

	if (job->failed || job->finished)
		return 0;
	if (!job->dump_done && (job->proc.fd >= 0 || job->data_fd >= 0))
		fds[n++] = job->ep;
	if (!job->counts_done)
		fds[n++] = PQsocket(job->conn);
	return n;
}

/* Reads the finished counts and sends the next. */
static int
step_counts(struct rt_backup_job *job, struct rt_err *err)
{
	PGresult *res;

	while (job->is_counting) {
		if (!PQconsumeInput(job->conn)) {
			rt_err_set(err, RT_ERR_RUN, "backup: counting: %s", PQerrorMessage(job->conn));
			return -1;
		}
		if (PQisBusy(job->conn))
			return 0;
		res = PQgetResult(job->conn);
		if (!res) {
			job->is_counting = false;
			job->next++;
			if (send_count(job, err) < 0)
				return -1;
			continue;
		}
		if (PQresultStatus(res) != PGRES_TUPLES_OK) {
			const struct rt_table_count *t = &job->result.counts.v[job->next];

			rt_err_set(err, RT_ERR_RUN, "backup: counting %s.%s: %s", t->schema, t->name,
				   PQresultErrorMessage(res));
			PQclear(res);
			return -1;
		}
		job->result.counts.v[job->next].exact = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
		PQclear(res);
	}
	return 0;
}

/* Copies what pg_dump wrote into the file and the digest (up to HASH_CHUNK). */
static int
copy_data(struct rt_backup_job *job, struct rt_err *err)
{
	static unsigned char buf[1 << 16];
	long long chunk = 0;
	ssize_t n, w;

	while (job->data_fd >= 0 && chunk < HASH_CHUNK) {
		n = read(job->data_fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n <= 0) {   /* end of file (an error: the dump is incomplete, pg_dump says) */
			close(job->data_fd);
			job->data_fd = -1;
			break;
		}
		EVP_DigestUpdate(job->md, buf, (size_t)n);
		for (ssize_t off = 0; off < n; off += w) {
			w = write(job->file_fd, buf + off, (size_t)(n - off));
			if (w < 0 && errno == EINTR) {
				w = 0;
				continue;
			}
			if (w < 0) {
				rt_err_set(err, RT_ERR_RUN, "%s: write: %s; no backup was made",
					   job->tmp_path, strerror(errno));
				return -1;
			}
		}
		chunk += n;
	}
	job->hashed += chunk;
	return 0;
}

static int
step_dump(struct rt_backup_job *job, struct rt_err *err)
{
	struct rt_buf *out = &job->proc.out;

	if (copy_data(job, err) < 0)
		return -1;
	if (rt_proc_poll(&job->proc) == 1) {
		if (job->proc.fd < 0)       /* end of its messages: it is exiting */
			rt_proc_wait(&job->proc);
		if (job->proc.is_running)
			return 0;
	}
	if (job->proc.status == 0 && job->data_fd >= 0)
		return 0;       /* the rest of the archive is still in the pipe */
	job->dump_done = true;
	if (job->proc.status == 0)
		return 0;
	while (out->len && (out->data[out->len - 1] == '\n'))
		out->data[--out->len] = '\0';
	if (job->proc.status > 128)
		rt_err_set(err, RT_ERR_RUN, "pg_dump was killed (signal %d); no backup was made",
			   job->proc.status - 128);
	else
		rt_err_set(err, RT_ERR_RUN, "pg_dump failed (exit %d); no backup was made",
			   job->proc.status);
	if (out->len)
		rt_err_detail(err, "%s", rt_buf_str(out));
	return -1;
}

static void
report(struct rt_backup_job *job, enum rt_backup_phase phase)
{
	struct rt_backup_progress p = { phase, 0, job->next, job->result.counts.n, 0 };

	if (!job->progress)
		return;
	if (phase == RT_BACKUP_DUMPING || phase == RT_BACKUP_HASHING)
		p.bytes = job->hashed;
	else
		p.bytes = job->result.bytes;
	if (job->counts_done)
		p.tables_done = p.tables_total;
	p.seconds = elapsed(&job->t0);
	job->progress(&p, job->ctx);
}

/* Links the temporary file to a free final name; the name goes into result. */
static int
place(struct rt_backup_job *job, struct rt_err *err)
{
	for (int k = 1; k < 100; k++) {
		char *name = k == 1 ? rt_xasprintf("%s.dump", job->base)
			     : rt_xasprintf("%s-%d.dump", job->base, k);
		char *path = rt_xasprintf("%s/%s", job->dir, name);

		if (link(job->tmp_path, path) == 0) {
			unlink(job->tmp_path);
			job->result.name = name;
			job->result.path = path;
			return rt_fsync_dir(job->dir, err);
		}
		free(name);
		free(path);
		if (errno != EEXIST)
			break;
	}
	rt_err_set(err, RT_ERR_RUN, "cannot name the backup in %s: %s", job->dir, strerror(errno));
	return -1;
}

/* The dump is complete and hashed: fsyncs it, places it and writes the sidecar. */
static int
step_finish(struct rt_backup_job *job, struct rt_err *err)
{
	unsigned char sum[EVP_MAX_MD_SIZE];
	unsigned int len = 0;

	PQsetnonblocking(job->conn, 0);
	PQclear(PQexec(job->conn, "COMMIT"));
	report(job, RT_BACKUP_HASHING);
	if (fsync(job->file_fd) < 0 || close(job->file_fd) < 0) {
		job->file_fd = -1;
		rt_err_set(err, RT_ERR_RUN, "%s: %s; no backup was made", job->tmp_path,
			   strerror(errno));
		return -1;
	}
	job->file_fd = -1;
	if (!EVP_DigestFinal_ex(job->md, sum, &len)) {
		rt_err_set(err, RT_ERR_RUN, "%s: cannot compute its SHA-256", job->tmp_path);
		return -1;
	}
	job->result.sha256 = rt_xmalloc(65);
	for (unsigned int i = 0; i < len && i < 32; i++)
		snprintf(job->result.sha256 + 2 * i, 3, "%02x", sum[i]);
	job->result.bytes = job->hashed;
	if (place(job, err) < 0 || rt_sidecar_write(job->result.path, &job->result, err) < 0)
		return -1;
	job->result.mtime = time(NULL);
	job->result.check = RT_BACKUP_OK;
	job->finished = true;
	report(job, RT_BACKUP_DONE);
	return 0;
}

/* Stops everything and removes what a failed backup left. */
static int
fail(struct rt_backup_job *job)
{
	job->failed = true;
	rt_proc_end(&job->proc);
	if (job->tmp_path)
		unlink(job->tmp_path);
	if (job->result.path) {     /* placed, but the sidecar failed */
		unlink(job->result.path);
		free(job->result.path);
		job->result.path = NULL;
	}
	return -1;
}

int
rt_backup_job_step(struct rt_backup_job *job, struct rt_err *err)
{
	if (job->finished)
		return 0;
	if (job->failed) {
		rt_err_set(err, RT_ERR_RUN, "backup failed");
		return -1;
	}
	if (job->cancelled) {
		rt_err_set(err, RT_ERR_CANCEL, "backup cancelled; no backup was made");
		return fail(job);
	}
	if (!job->dump_done && step_dump(job, err) < 0)
		return fail(job);
	if (!job->counts_done && step_counts(job, err) < 0)
		return fail(job);
	if (!job->dump_done || !job->counts_done) {
		report(job, RT_BACKUP_DUMPING);
		return 1;
	}
	return step_finish(job, err) < 0 ? fail(job) : 0;
}

void
rt_backup_job_cancel(struct rt_backup_job *job)
{
	if (job->proc.is_running)
		kill(job->proc.pid, SIGTERM);
	if (job->is_counting) {
		rt_db_cancel_query(job->conn);
	}
	job->cancelled = true;
}

const struct rt_backup_info *
rt_backup_job_result(const struct rt_backup_job *job)
{
	return job->finished ? &job->result : NULL;
}

const char *
rt_backup_job_note(const struct rt_backup_job *job)
{
	return job->note;
}

void
rt_backup_job_free(struct rt_backup_job *job)
{
	if (!job)
		return;
	if (!job->finished)
		fail(job);
	rt_proc_end(&job->proc);
	if (job->data_fd >= 0)
		close(job->data_fd);
	if (job->file_fd >= 0)
		close(job->file_fd);
	if (job->ep >= 0)
		close(job->ep);
	EVP_MD_CTX_free(job->md);
	if (job->conn)
		PQfinish(job->conn);
	rt_backup_info_free(&job->result);
	free(job->dir);
	free(job->tmp_path);
	free(job->base);
	free(job->note);
	free(job);
}

/* ---- as an rt_job --------------------------------------------------------------- */

static size_t
as_job_fds(void *impl, struct pollfd *fds, size_t max)
{
	int fd[2];
	size_t k = rt_backup_job_fds(impl, fd), n = 0;

	for (size_t i = 0; i < k && n < max; i++)
		fds[n++] = (struct pollfd){ fd[i], POLLIN, 0 };
	return n;
}

static int
as_job_step(void *impl, struct rt_err *err)
{
	return rt_backup_job_step(impl, err);
}

static void
as_job_cancel(void *impl)
{
	rt_backup_job_cancel(impl);
}

static void
as_job_free(void *impl)
{
	rt_backup_job_free(impl);
}

static const struct rt_job_ops backup_job_ops = {
	"backup", as_job_fds, as_job_step, as_job_cancel, as_job_free,
};

struct rt_job *
rt_backup_job_as_job(struct rt_backup_job *job)
{
	return rt_job_new(&backup_job_ops, job);
}

struct rt_backup_job *
rt_backup_job_of(const struct rt_job *job)
{
	return job && rt_job_ops_of(job) == &backup_job_ops ? rt_job_impl(job) : NULL;
}
