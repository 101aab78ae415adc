/* rt_counts.h - table row counts: estimated from the catalog at once, exact
 * on demand in a background job that never blocks the caller. */
#ifndef RT_COUNTS_H
#define RT_COUNTS_H

#include <stddef.h>

struct rt_db;
struct rt_err;

struct rt_table_count {
	char *schema;
	char *name;
	long long estimate;   /* pg_class.reltuples; -1 when never analyzed */
	long long exact;      /* count(*); -1 until counted */
	long long bytes;      /* table + TOAST + indexes from relpages (as of the last
	                       * VACUUM/ANALYZE): read without taking any lock */
};

struct rt_counts {
	struct rt_table_count *v;   /* sorted by schema, name */
	size_t n;
};

/* Every ordinary and partitioned table outside the system schemas, with its
 * estimate and size, in one catalog query that takes no table lock (it never
 * waits behind a migration). Replaces out's contents.
 * Returns 0 or -1 with err (RT_ERR_RUN). */
int rt_counts_estimate(struct rt_db *db, struct rt_counts *out, struct rt_err *err);

/* Frees the entries and empties c. */
void rt_counts_free(struct rt_counts *c);

/* dst becomes a deep copy of src (dst's old contents are freed). */
void rt_counts_copy(struct rt_counts *dst, const struct rt_counts *src);

/* The entry for schema.name, or NULL. Borrowed. */
const struct rt_table_count *rt_counts_find(const struct rt_counts *c, const char *schema,
					    const char *name);

/* The exact count when known, else the estimate (-1 when neither). */
long long rt_counts_best(const struct rt_table_count *t);

struct rt_count_job;

/* Starts counting every table of tables exactly (SELECT count(*), names
 * escaped with libpq) on a second connection to db's database, one table at
 * a time. Returns a job owned by the caller (rt_count_job_free), or NULL with err. */
struct rt_count_job *rt_count_job_start(struct rt_db *db, const struct rt_counts *tables,
					struct rt_err *err);

/* The socket to poll() for input while the job runs. */
int rt_count_job_fd(const struct rt_count_job *job);

/* Non-blocking: takes what the server has sent, stores finished counts in
 * into (matched by schema and name) and sends the next query. Returns 1 while
 * running, 0 when every table is counted, -1 with err on failure
 * (RT_ERR_CANCEL after rt_count_job_cancel). */
int rt_count_job_step(struct rt_count_job *job, struct rt_counts *into, struct rt_err *err);

/* Tables counted so far, and in all. */
size_t rt_count_job_done(const struct rt_count_job *job);
size_t rt_count_job_total(const struct rt_count_job *job);

/* Asks the server to cancel the running count (PQcancel). */
void rt_count_job_cancel(struct rt_count_job *job);

void rt_count_job_free(struct rt_count_job *job);

struct rt_job;

/* The count job in the one job shape (rt_job.h): steps store into into
 * (borrowed: it must outlive the job). Takes job (freed with the rt_job). */
struct rt_job *rt_count_job_as_job(struct rt_count_job *job, struct rt_counts *into);

/* The count job inside an rt_job made by rt_count_job_as_job, else NULL. Borrowed. */
struct rt_count_job *rt_count_job_of(const struct rt_job *job);

#endif
