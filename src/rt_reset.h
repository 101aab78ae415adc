/* rt_reset.h - resetting a development database: everything the migrations
 * made dropped (a downgrade to base through the migration workflow), or with
 * `all` every non-system schema dropped and public made again as a new
 * database has it; then upgrade head; then the seed unless no_seed; then
 * exact row counts. Refused outright on a protected env (nothing overrides
 * that). Shaped like rt_migrate.h: prepare (what will be dropped), confirm,
 * start -> one job that runs the steps one after another. */
#ifndef RT_RESET_H
#define RT_RESET_H

#include <stdbool.h>

#include "rt_job.h"

struct rt_counts;
struct rt_err;
struct rt_session;
struct rt_strv;

struct rt_reset_req {
	bool all;            /* drop every non-system schema, not only what the migrations made */
	bool no_seed;        /* no seed after the upgrade */
	bool backup;         /* a backup first */
};

struct rt_reset;

/* Connects, refuses a protected env (RT_ERR_INPUT), checks the seed files'
 * CSV (unless no_seed: a bad file is found before anything is dropped) and
 * reads what will be dropped: the tables with their estimated rows, and
 * with all the schemas. Returns an operation owned by the caller
 * (rt_reset_free), or NULL with err. */
struct rt_reset *rt_reset_prepare(struct rt_session *s, const struct rt_reset_req *req,
				  struct rt_err *err);

void rt_reset_free(struct rt_reset *r);

/* The database's name, the tables now (estimates) and, with all, the
 * schemas to drop. Borrowed. */
const char *rt_reset_dbname(const struct rt_reset *r);
const struct rt_counts *rt_reset_tables(const struct rt_reset *r);
const struct rt_strv *rt_reset_schemas(const struct rt_reset *r);

/* The answer to the yes/no question (assume_yes: nobody was asked, --yes).
 * Returns 0, or -1 with err (RT_ERR_INPUT, not confirmed). */
int rt_reset_confirm(struct rt_reset *r, bool yes, struct rt_err *err);

/* Starts the job: backup (RT_EV_BACKUP*), drop (the downgrade's events, or
 * RT_EV_NOTE), upgrade (RT_EV_STEP_*), seed (RT_EV_DATA), exact counts. Each
 * step begins with an RT_EV_NOTE naming it. The job borrows r. Returns a job
 * owned by the caller, or NULL with err. */
struct rt_job *rt_reset_start(struct rt_reset *r, rt_event_fn fn, void *ctx, struct rt_err *err);

/* After the job: exact row counts of every table (borrowed), and the
 * backup's path (NULL when none was made). */
const struct rt_counts *rt_reset_counts_after(const struct rt_reset *r);
const char *rt_reset_backup_path(const struct rt_reset *r);

#endif
