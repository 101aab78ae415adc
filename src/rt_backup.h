/* rt_backup.h - backups with pg_dump, their sidecars (SHA-256, revision,
 * database, env, exact row counts), listing, retention per (database, env)
 * and restores with pg_restore.
 *
 * A backup is DIR/<db>_<env>_<UTCstamp>_<revision>.dump (pg_dump -Fc, mode
 * 0600, DIR 0700) plus DIR/<same>.dump.csv, the sidecar, written last. The
 * dump and the row counts come from one exported snapshot, so the counts are
 * those of the dump exactly. pg_dump and pg_restore run by argv, never
 * through a shell; a password travels in their environment only. */
#ifndef RT_BACKUP_H
#define RT_BACKUP_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "rt_counts.h"

struct rt_db;
struct rt_err;

/* What the sidecar check found. */
enum rt_backup_check {
	RT_BACKUP_UNCHECKED,    /* the checksum was not computed */
	RT_BACKUP_OK,           /* the dump's SHA-256 matches the sidecar */
	RT_BACKUP_BAD_SUM,      /* it does not: the dump changed or is damaged */
	RT_BACKUP_NO_SIDECAR,   /* no readable sidecar: incomplete or foreign */
};

/* One backup: the dump file and its sidecar. */
struct rt_backup_info {
	char *path;             /* the dump, as found (dir/name) */
	char *name;             /* its file name */
	long long bytes;        /* size of the dump */
	long long saved_bytes;  /* its size as the sidecar recorded it; 0 without one */
	time_t mtime;           /* of the dump */
	long mtime_ns;          /* nanoseconds of mtime: orders backups made in one second */
	enum rt_backup_check check;
	/* from the sidecar; NULL / 0 / empty without one */
	char *sha256;           /* hex */
	char *revision;         /* heads joined by '+', or "base" */
	char *database;
	char *env;
	char *created;          /* UTC, ISO 8601 */
	char *pg_dump;          /* the pg_dump that wrote it ("pg_dump (PostgreSQL) 15.8") */
	int server_version;     /* e.g. 150008 */
	struct rt_counts counts; /* exact counts at the time (in .exact) */
};

void rt_backup_info_free(struct rt_backup_info *b);

struct rt_backup_list {
	struct rt_backup_info *v;   /* newest first (by mtime to the nanosecond, then name) */
	size_t n;
};

/* The backups in dir (*.dump files; temporary files are skipped). With
 * verify, each dump's SHA-256 is compared with its sidecar (reads every
 * dump). A missing dir gives an empty list. Returns 0 or -1 with err. */
int rt_backup_list(const char *dir, bool verify, struct rt_backup_list *out,
		   struct rt_err *err);
void rt_backup_list_free(struct rt_backup_list *l);

/* Whether b's sidecar says it was taken of database in env (env "" for a
 * session without an env, as such backups record it). False without a
 * sidecar naming its owner. */
bool rt_backup_is_of(const struct rt_backup_info *b, const char *database, const char *env);

/* Retention applies to each (database, env) on its own: the pair a backup's
 * sidecar records (never the file name, which anyone can rename or reuse).
 * Within a pair, newest first, a backup goes when it is older than
 * keep_days (0: no age limit) or not among the keep_count newest (0: no
 * count limit); the newest of each pair always stays. Without all_envs only
 * the pair (database, env) is pruned: a dev session never deletes
 * production's backups from a shared dir. A backup without a readable
 * sidecar (or whose sidecar names no database) belongs to nobody and always
 * stays. */
struct rt_prune_policy {
	int keep_days;
	int keep_count;
	time_t now;             /* 0: time(NULL) */
	bool all_envs;          /* every pair in the dir, each on its own */
	const char *database;   /* without all_envs: the session's database (rt_db_name, as
	                         * backups record it) */
	const char *env;        /* ... and env name; "" for a session without an env (--url,
	                         * DATABASE_URL), as its backups' sidecars say ("url" in their
	                         * file names) */
};

/* Why a backup goes or stays. */
enum rt_prune_why {
	RT_PRUNE_NEWEST,        /* stays: the newest of its pair */
	RT_PRUNE_WITHIN,        /* stays: within the policy */
	RT_PRUNE_OTHER,         /* stays: another pair, and not all_envs */
	RT_PRUNE_NO_SIDECAR,    /* stays: no readable sidecar naming its database */
	RT_PRUNE_TOO_OLD,       /* goes: older than keep_days */
	RT_PRUNE_TOO_MANY,      /* goes: not among the keep_count newest */
};

struct rt_prune_item {
	char *name;             /* the dump's file name */
	char *database;         /* the sidecar's; NULL for RT_PRUNE_NO_SIDECAR */
	char *env;              /* the sidecar's ("" without an env); NULL for RT_PRUNE_NO_SIDECAR */
	time_t mtime;           /* of the dump: its age */
	enum rt_prune_why why;
	bool goes;              /* TOO_OLD or TOO_MANY */
	bool is_deleted;        /* dump and sidecar are gone (never in a dry run) */
};

struct rt_prune_result {
	/* every backup of the dir, by pair -- the session's first, then the
	 * others by database and env, then those without an owner -- and
	 * newest first within a pair */
	struct rt_prune_item *v;
	size_t n;
	size_t ngone;           /* items that go */
};

/* Applies policy to dir into out (replacing its contents): each backup that
 * goes (dump and sidecar) is, unless dry_run, deleted. Returns 0, or -1
 * with err (a file that could not be deleted; out then says which were). */
int rt_backup_prune(const char *dir, const struct rt_prune_policy *policy, bool dry_run,
		    struct rt_prune_result *out, struct rt_err *err);
void rt_prune_result_free(struct rt_prune_result *r);

/* Whether items a and b belong to the same pair (both without one: true). */
bool rt_prune_same_pair(const struct rt_prune_item *a, const struct rt_prune_item *b);

/* How to show a backup's env: the name, or "url" for "" (no env), as in the
 * backups' file names. Borrowed (env, or a static string). */
const char *rt_backup_env_label(const char *env);

/* ---- taking a backup -------------------------------------------------- */

enum rt_backup_phase {
	RT_BACKUP_DUMPING,      /* pg_dump running; bytes = written so far */
	RT_BACKUP_HASHING,      /* computing the SHA-256; bytes = hashed so far */
	RT_BACKUP_DONE,
	RT_BACKUP_RESTORING,    /* restore (rt_restore.h): bytes = read, hashed and fed so far */
	RT_BACKUP_COUNTING,     /* restore: exact counts after it; tables_done of tables_total */
};

struct rt_backup_progress {
	enum rt_backup_phase phase;
	long long bytes;
	size_t tables_done, tables_total;   /* exact counts so far */
	double seconds;                     /* since the start */
};

typedef void (*rt_backup_progress_fn)(const struct rt_backup_progress *p, void *ctx);

struct rt_backup_opts {
	const char *dir;            /* the backup dir (created 0700 if missing) */
	const char *env_name;       /* for the file name; NULL: "url" */
	rt_backup_progress_fn progress;    /* may be NULL */
	void *ctx;
};

struct rt_backup_job;

/* Starts a backup of db's database: opens a second connection, exports a
 * snapshot, reads the revision, starts pg_dump (matching the server's major
 * version; err says why when none does) on that snapshot and counts every
 * table exactly in it. Returns a job owned by the caller, or NULL with err. */
struct rt_backup_job *rt_backup_start(struct rt_db *db, const struct rt_backup_opts *opts,
				      struct rt_err *err);

/* The descriptors to poll() for input before the next step (up to 2, into
 * fds). Returns how many; 0 means: call rt_backup_job_step again at once.
 * Poll with a timeout (about 100 ms) so progress keeps moving. */
size_t rt_backup_job_fds(const struct rt_backup_job *job, int fds[2]);

/* Non-blocking: reads what pg_dump and the server sent, reports progress.
 * Returns 1 while running, 0 when the backup is complete (dump renamed into
 * place, sidecar written), -1 with err on failure or cancel (RT_ERR_CANCEL):
 * then no file that looks complete is left behind. */
int rt_backup_job_step(struct rt_backup_job *job, struct rt_err *err);

/* Stops pg_dump and the counting; the next step fails with RT_ERR_CANCEL. */
void rt_backup_job_cancel(struct rt_backup_job *job);

/* The finished backup (after step returned 0), else NULL. Borrowed. */
const struct rt_backup_info *rt_backup_job_result(const struct rt_backup_job *job);

/* A note for the user, such as a pg_dump of another major version, or NULL. Borrowed. */
const char *rt_backup_job_note(const struct rt_backup_job *job);

/* Frees the job; an unfinished one is killed and its temporary file removed. */
void rt_backup_job_free(struct rt_backup_job *job);

struct rt_job;

/* The backup job in the one job shape (rt_job.h). Takes job (freed with the rt_job). */
struct rt_job *rt_backup_job_as_job(struct rt_backup_job *job);

/* The backup job inside an rt_job made by rt_backup_job_as_job, else NULL. Borrowed. */
struct rt_backup_job *rt_backup_job_of(const struct rt_job *job);

/* ---- restoring: the operation is rt_restore.h ----------------------------- */

/* One table whose live row count differs from the backup's. */
struct rt_count_diff {
	char *schema;
	char *name;
	long long saved;        /* in the sidecar; -1: table not in the backup */
	long long live;         /* now; -1: table missing */
};

struct rt_count_diffs {
	struct rt_count_diff *v;    /* sorted by schema, name */
	size_t n;
};

/* Compares exact counts: every table of saved or live whose count differs,
 * or that exists on one side only, goes into out (replacing its contents). */
void rt_counts_compare(const struct rt_counts *saved, const struct rt_counts *live,
		       struct rt_count_diffs *out);
void rt_count_diffs_free(struct rt_count_diffs *d);

#endif
