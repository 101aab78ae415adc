/* rt_migrate.h - the migration workflow (upgrade, downgrade, stamp) as one
 * engine operation that both front ends drive.
 *
 * prepare: resolve the target (default: head for upgrade, -1 for downgrade),
 *          read the version table and plan, without taking any lock; say
 *          what the front end must ask (nothing, y/n, or the database name
 *          typed on a protected env) and whether a backup comes first.
 * confirm: the front end reports the answer; the engine checks it.
 * start:   a job (rt_job.h) that takes the migration lock within the
 *          configured timeout (cancellable, with RT_EV_LOCK_WAIT), re-reads
 *          the version table and re-plans (when the database moved since
 *          prepare and a person confirmed the old plan, it stops with
 *          RT_ERR_INPUT and changes nothing; an unseen plan is just made
 *          again, and may turn out to be a no-op), backs a
 *          protected env up (RT_EV_BACKUP*), applies the plan statement by
 *          statement through libpq's asynchronous API (RT_EV_STEP_*,
 *          RT_EV_STATEMENT, RT_EV_RETRY), and releases the lock. Cancelled,
 *          it sends the server a cancel request, rolls the revision in
 *          progress back and ends at the last completed revision.
 *
 * Policy (lock timeout, DDL lock_timeout and retries, automatic backups,
 * protected envs) is read from the session's config here, never in a front
 * end. */
#ifndef RT_MIGRATE_H
#define RT_MIGRATE_H

#include <stdbool.h>

#include "rt_plan.h"
#include "rt_job.h"

struct rt_err;
struct rt_session;
struct rt_strv;

/* lock_timeout_ms value meaning "what retort.conf says" */
#define RT_LOCK_TIMEOUT_CONFIG (-2)

struct rt_migrate_req {
	enum rt_plan_kind kind;
	const char *target;          /* NULL: head (upgrade), -1 (downgrade); stamp needs one */
	bool dry_run;                /* run in one transaction and roll back */
	bool single_transaction;     /* the whole plan as one transaction */
	bool no_backup;              /* skip a protected env's automatic backup */
	int lock_timeout_ms;         /* migration lock wait; RT_LOCK_TIMEOUT_CONFIG, -1 forever */
};

/* What the front end must ask before rt_migrate_start. */
enum rt_confirm {
	RT_CONFIRM_NONE,       /* nothing: run at once */
	RT_CONFIRM_YES,        /* a yes/no question (the console always asks it) */
	RT_CONFIRM_DBNAME,     /* a protected env: the database name, typed */
};

struct rt_migrate;

/* Connects the session if needed, loads the graph if needed, reads the
 * version table and plans. Takes no lock. Returns an operation owned by the
 * caller (rt_migrate_free), or NULL with err: RT_ERR_INPUT for a bad target
 * or graph, RT_ERR_RUN when the database cannot be read. */
struct rt_migrate *rt_migrate_prepare(struct rt_session *s, const struct rt_migrate_req *req,
				      struct rt_err *err);

void rt_migrate_free(struct rt_migrate *m);

/* The plan (borrowed; replaced by the re-plan when the job starts). */
const struct rt_plan *rt_migrate_plan(const struct rt_migrate *m);

/* True when the plan has no step (upgrade/downgrade already there). */
bool rt_migrate_is_noop(const struct rt_migrate *m);

/* What must be asked: RT_CONFIRM_DBNAME on a protected env (not for a dry
 * run), else RT_CONFIRM_YES; RT_CONFIRM_NONE for a no-op. */
enum rt_confirm rt_migrate_confirm_kind(const struct rt_migrate *m);

/* The database name to type (borrowed). */
const char *rt_migrate_dbname(const struct rt_migrate *m);

/* Whether the job backs the database up before applying (a protected env
 * with auto_backup, not a stamp, not a dry run, not no_backup). */
bool rt_migrate_backs_up(const struct rt_migrate *m);

/* "upgrade to 8289ba23590a", "downgrade to base" ... Borrowed. */
const char *rt_migrate_what(const struct rt_migrate *m);

/* The answer: typed is what the person typed for RT_CONFIRM_DBNAME (NULL
 * for a plain yes); assume_yes says nobody was asked (--yes, or the CLI's
 * unasked runs). A yes without typing on a protected env is accepted only
 * when the env was named explicitly (--yes --env NAME). Returns 0, or -1
 * with err (RT_ERR_INPUT, "not confirmed: ...; nothing changed"). */
int rt_migrate_confirm(struct rt_migrate *m, const char *typed, bool assume_yes,
		       struct rt_err *err);

/* Starts the job (see above); needs a confirmed operation unless
 * rt_migrate_confirm_kind says RT_CONFIRM_NONE. Events go to fn (may be
 * NULL). The job borrows m: free the job first. Returns a job owned by the
 * caller, or NULL with err. */
struct rt_job *rt_migrate_start(struct rt_migrate *m, rt_event_fn fn, void *ctx,
				struct rt_err *err);

/* After the job ended: the version table rows as they are now (the last
 * completed revision after a failure or cancel; re-read from the server,
 * or the rows before when it could not be read). Borrowed. */
const struct rt_strv *rt_migrate_heads_now(const struct rt_migrate *m);

/* The automatic backup's path, or NULL when none was made. Borrowed. */
const char *rt_migrate_backup_path(const struct rt_migrate *m);

/* The parents of a new revision: the heads (or --head REV's resolution;
 * "base" for a new root), resolved against the session's graph into out.
 * Returns 0 or -1 with err (RT_ERR_INPUT). */
int rt_migrate_new_parents(struct rt_session *s, const char *head, struct rt_strv *out,
			   struct rt_err *err);

#endif
