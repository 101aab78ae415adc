/* rt_restore.h - restoring a backup as one engine operation that both front
 * ends drive, in the shape of rt_migrate.h.
 *
 * prepare: resolves the file (a path, or a bare name in the backup dir),
 *          checks that it is a pg_dump custom-format archive ("PGDMP") of
 *          the size its sidecar recorded and reads the sidecar (revision,
 *          exact row counts, SHA-256) -- without reading the whole dump --,
 *          connects the session and reads the version table. Takes no lock.
 *          Says what the front end must ask: the database name typed on a
 *          protected env, else a yes/no question.
 * confirm: the front end reports the answer; the engine checks it.
 * start:   a job (rt_job.h) that
 *          1. takes the migration lock within the lock timeout (cancellable;
 *             RT_EV_LOCK_WAIT once, text: who holds it; then RT_EV_LOCKED);
 *          2. re-reads the version table (the "before" of the result);
 *          3. on a protected env with auto_backup (rt_restore_backs_up),
 *             backs up the database first, as an upgrade does, still under
 *             the lock (rt_backup_start: RT_EV_BACKUP with the backup's
 *             phases RT_BACKUP_DUMPING and RT_BACKUP_HASHING, then
 *             RT_EV_BACKUP_DONE, text: its path); a failed or cancelled
 *             backup ends the job, nothing restored;
 *          4. reads the dump once, hashing every byte as it feeds it to
 *             pg_restore through a FIFO in a private directory of $TMPDIR
 *             (or /tmp), removed at the end (--single-transaction
 *             --exit-on-error; with clean,
 *             pg_restore --clean --if-exists piped into psql, which first
 *             drops every table of the backup's schemas, CASCADE, but
 *             retort_history: see "the audit log" below). The last
 *             64 KiB are held back until the SHA-256 of the whole file is
 *             known, so pg_restore cannot reach its COMMIT before the
 *             checksum is checked; with clean, psql cannot commit until the
 *             job hands it a token after pg_restore exited 0 and the checksum
 *             matched (if retort dies, psql rolls back). A mismatch stops
 *             pg_restore (and psql) and fails with RT_ERR_INPUT, "...: checksum
 *             mismatch ...; nothing restored". Events: RT_EV_BACKUP with
 *             ev->backup->phase RT_BACKUP_RESTORING and bytes fed so far (of
 *             rt_restore_info()->bytes);
 *          5. counts every table exactly (RT_EV_BACKUP, RT_BACKUP_COUNTING,
 *             tables_done of tables_total), reads the version table, and
 *             compares both with the sidecar into the result;
 *          6. releases the lock.
 *          Cancelled (RT_EV_CANCELLING) before pg_restore committed,
 *          nothing is restored and the job ends with RT_ERR_CANCEL ("restore
 *          cancelled; nothing restored"); once psql has its token, or while
 *          counting, the restore stands and the job still ends with
 *          RT_ERR_CANCEL, saying so (rt_restore_result: is_restored).
 *
 * The audit log: with clean, retort_history is not rolled back with the
 * data. In the restore's transaction its live rows are copied aside before
 * the drops; after pg_restore every row the backup's copy lacks goes back
 * (rows written since the backup; under a new id when the backup's log used
 * that id for another row), then one row for the restore: direction
 * 'restore', revision and checksum the backup's, the backup's file name in
 * the error column, outcome 'ok'. The direction check of the table is
 * widened to allow 'restore' (retorts that predate it never read such a
 * row). Its count is therefore not compared with the sidecar.
 *
 * Policy (lock timeout, checksum, the safety backup, the audit log, the
 * post-restore comparison and what counts as a failure) lives here, never
 * in a front end: a restore whose counts or revision differ from the
 * backup's ends with -1 and RT_ERR_RUN (exit 1), the result still filled in
 * so the front end can show what differs. */
#ifndef RT_RESTORE_H
#define RT_RESTORE_H

#include <stdbool.h>
#include <stddef.h>

#include "rt_backup.h"
#include "rt_job.h"
#include "rt_migrate.h"

struct rt_err;
struct rt_session;

struct rt_restore_req {
	const char *file;            /* a path, or a file name in the config's backup dir */
	bool clean;                  /* back to the moment of the backup (see above) */
	int lock_timeout_ms;         /* RT_LOCK_TIMEOUT_CONFIG, -1 forever, 0 one try */
};

/* What a finished restore found. Strings are owned by the operation. */
struct rt_restore_result {
	bool is_restored;            /* pg_restore's transaction committed */
	bool is_compared;            /* counts and revision were read and compared */
	bool counts_match;
	bool revision_matches;
	struct rt_count_diffs diffs; /* tables whose live count differs from the backup's */
	size_t ntables;              /* tables in the backup compared (with clean, all but
	                              * retort_history) */
	char *revision_before;       /* version table rows, '+'-joined; "base" for none */
	char *revision_after;        /* NULL until compared */
	char *revision_expected;     /* the backup's (the sidecar's), or "?" */
	long long bytes;             /* of the dump read, hashed and fed */
	double seconds;              /* from the start of the job to its end */
};

struct rt_restore;

/* Resolves and inspects req->file (see above), connects the session if
 * needed and reads the version table. Returns an operation owned by the
 * caller (rt_restore_free), or NULL with err: RT_ERR_INPUT for a file that
 * is missing, not a custom-format archive, without a readable sidecar
 * ("... cannot be verified" in detail) or of another size than the sidecar
 * says; RT_ERR_RUN when the database cannot be reached or read. */
struct rt_restore *rt_restore_prepare(struct rt_session *s, const struct rt_restore_req *req,
				      struct rt_err *err);

/* Frees the operation; free its job first. NULL is a no-op. */
void rt_restore_free(struct rt_restore *r);

/* The backup: path, name, size, the sidecar's revision, database, env,
 * created, counts. ->check is RT_BACKUP_UNCHECKED until the job has hashed
 * the whole dump, then RT_BACKUP_OK or RT_BACKUP_BAD_SUM. Borrowed. */
const struct rt_backup_info *rt_restore_info(const struct rt_restore *r);

/* The name of the live database that the restore overwrites (the one to
 * type on a protected env). Borrowed. */
const char *rt_restore_dbname(const struct rt_restore *r);

/* The version table as prepare read it ("base" for none). Borrowed. */
const char *rt_restore_current(const struct rt_restore *r);

/* Whether req->clean was set. */
bool rt_restore_is_clean(const struct rt_restore *r);

/* "restore app_dev_20251024T100000Z_2733b3fe03af.dump into app (--clean)".
 * Borrowed. */
const char *rt_restore_what(const struct rt_restore *r);

/* What must be asked: RT_CONFIRM_DBNAME on a protected env, else
 * RT_CONFIRM_YES (a restore always overwrites data). */
enum rt_confirm rt_restore_confirm_kind(const struct rt_restore *r);

/* Whether the job backs the database up before restoring: a protected env
 * with auto_backup (see above). For the front end to say so when it asks. */
bool rt_restore_backs_up(const struct rt_restore *r);

/* The path of the backup made before the restore, once made; else NULL.
 * Borrowed. */
const char *rt_restore_backup_path(const struct rt_restore *r);

/* The answer, as rt_migrate_confirm: typed is what the person typed for
 * RT_CONFIRM_DBNAME (NULL for a plain yes). A plain yes on a protected env
 * is accepted only when the env was named explicitly (--yes --env NAME).
 * Call it only after a yes (for RT_CONFIRM_YES it records the yes). Returns
 * 0, or -1 with err (RT_ERR_INPUT, "not confirmed: ...; nothing changed" or
 * "env 'X' is protected: --yes needs --env X as well"). */
int rt_restore_confirm(struct rt_restore *r, const char *typed, bool assume_yes,
		       struct rt_err *err);

/* Starts the job (see above) on a confirmed operation. Events go to fn (may
 * be NULL; every pointer in them is borrowed for the call). The job borrows
 * r and the session: free the job first. Once only. Returns a job owned by
 * the caller (rt_job_free; freeing an unfinished one cancels it), or NULL
 * with err (RT_ERR_INPUT when not confirmed). */
struct rt_job *rt_restore_op_start(struct rt_restore *r, rt_event_fn fn, void *ctx,
				   struct rt_err *err);

/* After the job ended (rt_job_step returned 0 or -1): what it found, for the
 * front end to show -- when ->is_compared, the table of ->diffs and the
 * revision line -- whether the job succeeded or not; NULL while the job runs
 * or when it never started. Borrowed. */
const struct rt_restore_result *rt_restore_result(const struct rt_restore *r);

/* The live tables with their exact counts after the restore, as compared
 * with the backup's (when the result says is_compared). Borrowed from r. */
const struct rt_counts *rt_restore_live(const struct rt_restore *r);

#endif
