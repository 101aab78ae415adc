/* rt_db.h - the managed database: version table, history, migration lock, dirty
 * entries (applying plans: rt_apply.h). */
#ifndef RT_DB_H
#define RT_DB_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#include "rt_job.h"


struct rt_buf;
struct rt_err;
struct rt_graph;
struct rt_plan;
struct rt_rev;
struct rt_step;
struct rt_strv;

/* Where the version table lives. NULL fields mean the defaults: the first
 * schema of the search_path (names written unqualified) and "alembic_version".
 * retort_history lives in the same schema. */
struct rt_vt_opts {
	const char *schema;
	const char *table;
};

struct rt_db;

/* Connects to url (a libpq URL or conninfo) with application_name=retort and
 * connect_timeout RT_CONNECT_TIMEOUT_S unless url or $PGCONNECT_TIMEOUT sets
 * one (rt_conninfo_for_connect). Returns a connection owned by the caller
 * (rt_db_close), or NULL with err: RT_ERR_INPUT when url is no PostgreSQL
 * URL, RT_ERR_RUN when the server cannot be reached or gave no answer in
 * time (the message never holds the password). */
struct rt_db *rt_db_connect(const char *url, const struct rt_vt_opts *vt, struct rt_err *err);

/* Closes and frees; NULL is a no-op. Releases the lock if held. */
void rt_db_close(struct rt_db *db);

/* The connect_timeout, in seconds, libpq holds for the connection: the
 * URL's, else $PGCONNECT_TIMEOUT, else RT_CONNECT_TIMEOUT_S; 0 for none. */
int rt_db_connect_timeout(const struct rt_db *db);

/* The database name of the connection. Borrowed. */
const char *rt_db_name(const struct rt_db *db);

/* PostgreSQL server version number (e.g. 150018). */
int rt_db_server_version(const struct rt_db *db);

/* Reads the version table rows into out (sorted). A missing table gives no
 * rows. Returns 0, or -1 with err (RT_ERR_RUN). */
int rt_db_current(struct rt_db *db, struct rt_strv *out, struct rt_err *err);

/* For every revision whose latest successful upgrade or downgrade in
 * retort_history is an upgrade: its id (into ids) and the SHA-256 of its file
 * as applied (into sums, same order; "" when not recorded), or as accepted
 * later (rt_db_accept) when that is newer. A missing retort_history gives
 * nothing. Returns 0 or -1 with err (RT_ERR_RUN). */
int rt_db_applied_checksums(struct rt_db *db, struct rt_strv *ids, struct rt_strv *sums,
			    struct rt_err *err);

/* One entry of retort_history, as text for display. */
struct rt_hist_entry {
	char *direction;        /* upgrade, downgrade, stamp, restore */
	char *started;          /* UTC, "2026-01-02 03:04:05" */
	char *duration;         /* "12 ms", "" when unfinished */
	char *who;              /* "dbuser (os user@host)" */
	char *outcome;          /* ok, failed, dirty */
	char *checksum;         /* "" when not recorded */
	char *tool;             /* tool version */
	char *error;            /* "" when none */
};

struct rt_hist_list {
	struct rt_hist_entry *v;   /* oldest first */
	size_t n;
};

/* The retort_history entries of revision rev (at most the newest 200), oldest
 * first. A missing retort_history gives none. Returns 0 or -1 with err. */
int rt_db_revision_log(struct rt_db *db, const char *rev, struct rt_hist_list *out,
		       struct rt_err *err);
void rt_hist_list_free(struct rt_hist_list *l);

/* The file of revision rev as it was last upgraded (retort_history's
 * applied_file of its newest successful upgrade) into out; *found false when
 * no such row holds one (never applied here, or applied by a retort that
 * did not keep files). 0, or -1 with err. */
int rt_db_applied_file(struct rt_db *db, const char *rev, struct rt_buf *out, bool *found,
		       struct rt_err *err);

/* Describes the current holder of the migration lock into a new string owned
 * by the caller ("pid 123, application 'retort', client local, user bob,
 * connected 4 s ago, active: 'UPDATE ...'": its statement while active, else its
 * state, "idle in transaction"), or NULL when nobody holds it. */
char *rt_db_lock_holder(struct rt_db *db);

/* Describes the sessions most likely to block a migration's DDL: other
 * sessions in a transaction holding relation locks in this database, oldest
 * transaction first (at most three), as a new string owned by the caller, or
 * NULL when there are none. */
char *rt_db_blockers(struct rt_db *db);

typedef void (*rt_lock_wait_fn)(const char *holder, void *ctx);

/* Takes the migration lock (a session advisory lock keyed by the version
 * table's name). Waits up to timeout_ms (-1: forever; 0: one try), calling
 * on_wait once with the holder's description when it has to wait. Fails with
 * RT_ERR_RUN naming the holder on timeout, RT_ERR_CANCEL when *cancel is set. */
int rt_db_lock(struct rt_db *db, int timeout_ms, rt_lock_wait_fn on_wait, void *ctx,
	       volatile sig_atomic_t *cancel, struct rt_err *err);

/* One try at the migration lock, without waiting: *got says whether it is
 * held now (also when it already was). Returns 0 or -1 with err. */
int rt_db_try_lock(struct rt_db *db, bool *got, struct rt_err *err);

/* Waiting for the migration lock inside a job: one non-blocking try a step,
 * so the wait can be cancelled and never freezes a front end. */
struct rt_lock_wait {
	double t0;              /* when the wait began (rt_clock_ms) */
	int timeout_ms;         /* -1: forever; 0: one try */
	bool has_told;          /* RT_EV_LOCK_WAIT was sent */
};

void rt_lock_wait_begin(struct rt_lock_wait *lw, int timeout_ms);

/* One try: 0 once the lock is held (RT_EV_LOCKED sent to fn), 1 while
 * another session holds it (RT_EV_LOCK_WAIT with the holder, sent once),
 * -1 with err on failure or timeout (RT_ERR_RUN, "lock timeout after N s:
 * the migration lock is held by HOLDER"). fn may be NULL. */
int rt_lock_wait_step(struct rt_db *db, struct rt_lock_wait *lw, rt_event_fn fn, void *ctx,
		      struct rt_err *err);

/* Whether the revision id, whose file now has SHA-256 sha256, was applied
 * from a file with another checksum (ids and sums from
 * rt_db_applied_checksums); false when no checksum was recorded. */
bool rt_db_is_modified(const char *id, const char *sha256, const struct rt_strv *ids,
		       const struct rt_strv *sums);

/* Records rev's file as it is now (its SHA-256 and bytes) as the applied
 * one of an applied revision whose file was edited: a retort_history row
 * direction 'stamp' (nothing ran), checksum set, error "accepted: REASON",
 * which rt_db_applied_checksums and rt_db_applied_file then read. The caller
 * checks that rev is applied (rt_guard_accept). 0, or -1 with err. */
int rt_db_accept(struct rt_db *db, const struct rt_rev *rev, const char *reason,
		 struct rt_err *err);

/* Releases the migration lock if held. */
void rt_db_unlock(struct rt_db *db);

/* A "transaction off" revision that was interrupted: its retort_history
 * entry is still marked dirty. */
struct rt_dirty {
	long long id;            /* retort_history.id */
	char revision[33];
	bool is_up;              /* interrupted during its upgrade (else its downgrade) */
	int statements_done;     /* statements of the section that completed */
	char error[512];         /* the error recorded, or "" */
};

/* The newest dirty retort_history entry into out (*found false when none).
 * Returns 0 or -1 with err (RT_ERR_RUN). */
int rt_db_find_dirty(struct rt_db *db, struct rt_dirty *out, bool *found, struct rt_err *err);

/* Indexes left INVALID (e.g. by a failed CREATE INDEX CONCURRENTLY), as
 * regclass text, appended to out. Returns 0 or -1 with err. */
int rt_db_invalid_indexes(struct rt_db *db, struct rt_strv *out, struct rt_err *err);

#endif
