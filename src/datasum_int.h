/* datasum_int.h - private to the engine (verify.c's check --data): the row
 * count of every table of a model and a checksum of each column's values,
 * read as a job. */
#ifndef RT_DATASUM_INT_H
#define RT_DATASUM_INT_H

#include "rt_mem.h"

struct rt_catalog;
struct rt_db;
struct rt_err;
struct rt_job;

/* The sums: keys "schema.table" (value: the row count) and
 * "schema.table\x1fcolumn" (value: md5 of the column's values as text, NULL
 * as \N, sorted, newline-separated: an ordered checksum that ignores row
 * order), parallel, sorted by key. */
struct rt_datasum {
	struct rt_strv keys, vals;
};

void rt_datasum_free(struct rt_datasum *s);

/* The value of key, or NULL. */
const char *rt_datasum_get(const struct rt_datasum *s, const char *key);

/* Starts reading the sums of every table of cat (borrowed until the job is
 * freed) in db: one SELECT per table, sent at once, results taken as they
 * come; cancel sends PQcancel. db must stay unused while the job runs.
 * Returns a job owned by the caller, or NULL with err. */
struct rt_job *rt_datasum_start(struct rt_db *db, const struct rt_catalog *cat,
				struct rt_err *err);

/* The sums a job read, once it ended with 0 (moved into out; out empty before). */
void rt_datasum_take(struct rt_job *job, struct rt_datasum *out);

#endif
