/* rt_preflight.h - preflight of a plan against the live database (retort
 * upgrade --preflight): for each statement that locks an existing table,
 * the lock it takes (PostgreSQL's documented level for the statement's
 * kind, from the lint's statement recogniser: rt_lint_locks), the table's
 * size and estimated rows (pg_class), the sessions that hold or wait for a
 * conflicting lock on it right now (pg_locks, pg_stat_activity), and the
 * data checks a constraint needs, read-only: NULLs before SET NOT NULL,
 * duplicates before UNIQUE / PRIMARY KEY, orphan rows before FOREIGN KEY,
 * values that will not convert before ALTER COLUMN TYPE (a bulk cast, then,
 * when it fails, a read-only DO block over the first RT_PREFLIGHT_CAST_ROWS
 * rows catching each row's error), each with up to RT_PREFLIGHT_SAMPLES
 * sample rows; and for a statement that scans, builds an index or rewrites
 * (the lint's rt_lint_work), an estimate of its duration at the table's size
 * from one throughput probe (EXPLAIN ANALYZE of a count(*) over a sample of
 * the largest such table). Every check runs read-only, with lock_timeout
 * RT_PREFLIGHT_LOCK_TIMEOUT and statement_timeout
 * RT_PREFLIGHT_STATEMENT_TIMEOUT: nothing is locked beyond ACCESS SHARE,
 * nothing is written. */
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
#define RT_PREFLIGHT_CAST_ROWS 100000        /* rows the row-by-row cast check reads */
#define RT_PREFLIGHT_LOCK_TIMEOUT "2s"
#define RT_PREFLIGHT_STATEMENT_TIMEOUT "5min"
#define RT_PREFLIGHT_PROBE_BYTES (64LL << 20)   /* the probe reads about this much */
#define RT_PREFLIGHT_PROBE_MIN (1LL << 20)      /* smaller tables: "< 0.1 s", no probe */

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
	/* the work while the lock is held, and its estimated duration */
	enum rt_lint_work work;
	long long table_bytes;     /* pg_table_size (heap and TOAST); -1 unknown */
	char *new_type;            /* ALTER COLUMN TYPE: as written; else NULL */
	char *using_expr;          /* ... its USING, or NULL */
	bool is_using_plain;       /* ... which only converts the column (rt_lint_lock) */
	char *old_type;            /* ... the column's type now (format_type), or NULL */
	bool is_rewrite;           /* RT_LINT_WORK_TYPE: the live column says it rewrites */
	bool is_cast_bounded;      /* the cast count read only the first cast_rows rows */
	long long cast_rows;       /* rows the row-by-row cast check read; -1 none */
	double est_secs;           /* the estimate; -1 none */
	char *estimate;            /* "~2.4 s", "< 0.1 s", "no rewrite expected"; or NULL */
	char *basis;               /* what the estimate rests on, one line; or NULL */
};

/* The throughput probe, once per preflight. */
struct rt_pf_probe {
	char *table;               /* the table read, or NULL: no probe ran */
	long long bytes;           /* bytes it read (buffers x block size) */
	double secs;               /* the server's execution time */
	int cached_pct;            /* share of those buffers found in shared_buffers */
	double read_bps;           /* bytes / secs; 0 unknown */
	char *note;                /* why there is no probe (all tables small, a failure) */
};

struct rt_preflight {
	struct rt_pf_item *v;
	size_t n;
	struct rt_pf_probe probe;
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
