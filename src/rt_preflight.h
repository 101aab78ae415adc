/* rt_preflight.h - preflight of a plan against the live database (retort
 * upgrade --preflight): for each statement that locks an existing table,
 * the lock it takes (PostgreSQL's documented level for the statement's
 * kind, from the lint's statement recogniser: rt_lint_locks), the table's
 * size and estimated rows (pg_class), the sessions that hold or wait for a
 * conflicting lock on it right now (pg_locks, pg_stat_activity), and the
 * data checks a constraint needs, read-only: NULLs before SET NOT NULL,
 * duplicates before UNIQUE / PRIMARY KEY, orphan rows before FOREIGN KEY,
 * each with up to RT_PREFLIGHT_SAMPLES sample rows. Only SELECTs run:
 * nothing is locked beyond ACCESS SHARE, nothing is written. */
#ifndef RT_PREFLIGHT_H
#define RT_PREFLIGHT_H

#include <stdbool.h>
#include <stddef.h>

#include "rt_lint.h"
#include "rt_mem.h"

struct rt_db;
struct rt_err;
struct rt_job;
struct rt_plan;

#define RT_PREFLIGHT_SAMPLES 5

/* One lock one statement of the plan takes. */
struct rt_pf_item {
	char *rev;                 /* revision id */
	char *path;                /* its file */
	int line;                  /* the statement's line in the file */
	bool is_up;                /* its upgrade (else downgrade) section */
	char *what;                /* "SET NOT NULL", "CREATE INDEX" ... */
	char *table;               /* as the server names it (regclass), or as written */
	const char *mode;          /* "ACCESS EXCLUSIVE" ... (static) */
	bool exists;               /* the table exists now (else an earlier step makes it) */
	long long bytes;           /* pg_total_relation_size; -1 unknown */
	long long rows;            /* pg_class.reltuples; -1 never analysed */
	struct rt_strv blockers;   /* sessions holding/waiting for a conflicting lock */
	enum rt_lint_datacheck check;
	char *columns;             /* the check's columns "a,b", or NULL */
	char *ref_table;           /* FOREIGN KEY: the referenced table, as written */
	char *ref_columns;         /* ... and its columns; NULL when not written */
	char *check_what;          /* "NULL in email", "duplicate (a, b)" ...; NULL: none */
	long long count;           /* rows failing the check; -1 not counted */
	struct rt_strv samples;    /* up to RT_PREFLIGHT_SAMPLES rows, as JSON */
	char *note;                /* why a check could not run, or NULL */
};

struct rt_preflight {
	struct rt_pf_item *v;
	size_t n;
};

void rt_preflight_free(struct rt_preflight *p);

/* Starts the preflight of plan on db (connected; unused by others while the
 * job runs): out (zeroed by the caller, owned by the caller) gets one item
 * per lock of every step's section, in plan order, filled as the job runs.
 * A query that fails (a column an earlier step adds) leaves a note on its
 * item, not an error. The job fails with RT_ERR_CANCEL after rt_job_cancel
 * and RT_ERR_RUN when the connection breaks. Returns a job owned by the
 * caller, or NULL with err (RT_ERR_INPUT: a section that does not split). */
struct rt_job *rt_preflight_start(struct rt_db *db, const struct rt_plan *plan,
				  struct rt_preflight *out, struct rt_err *err);

#endif
