/* rt_verify.h - the verify and check operations: each is one job that runs
 * the shadow builds (rt_schema.h) and catalog reads (rt_catalog.h) it needs
 * in turn and fills a list of findings. Both front ends call these: the CLI
 * drives the job with cli_drive and prints the findings; the console can
 * poll it like any other job. */
#ifndef RT_VERIFY_H
#define RT_VERIFY_H

#include <stdbool.h>
#include <stddef.h>

struct rt_db;
struct rt_err;
struct rt_graph;
struct rt_job;

/* One finding. kind: "drift" (live vs the migrations at its revision),
 * "undeclared" (live vs the declared schema), "lint" (no primary key, an
 * unindexed foreign key), "version" (a version row no revision defines),
 * "round-trip" (check), "graph" (check: several heads). */
struct rt_finding {
	char *kind;
	char *object;       /* "table public.users: column x", "revision abc: index public.ix" */
	char *detail;       /* "only in the live database ...", "type a -> b" */
	char *sql;          /* the statement of an object on one side only, else NULL */
};

struct rt_findings {
	struct rt_finding *v;
	size_t n, cap;
	bool has_declared;      /* verify compared with a declared schema file */
	size_t nrevisions;      /* check: the revisions whose round trip ran */
	bool read_touched;      /* check: each step read what it touched (change log) */
	bool reread;            /* check: the log missed something; whole reads again */
	int cached;             /* verify: models taken from the cache (rt_modelcache.h) */
	char *warning;          /* a shadow database that could not be dropped, or NULL */
};

void rt_findings_free(struct rt_findings *f);

struct rt_verify_opts {
	const char *shadow_url;     /* create the shadows on this server; NULL: live's */
	const char *schema_file;    /* the declared schema (verify); missing file: skipped */
	bool strict_names;          /* constraints with default names are matched by name */
	bool column_order;          /* a column's position counts */
	bool data;                  /* check --data (see rt_check_start) */
	const char *seeds_dir;      /* check --data: the seed files */
	const char *cache_dir;      /* verify: keep the shadow builds' models there
	                             * (rt_modelcache.h); NULL: build every time */
	bool no_track;              /* check: read the whole schema after every step, not
	                             * what the shadow's change log says each step touched */
	bool reapply;               /* check: upgrade again after each downgrade (and
	                             * compare with the first upgrade) rather than roll
	                             * the downgrade's transaction back */
};

/* Starts verify: reads live's schema; builds the migrations at live's
 * revision(s) in a shadow database and compares (drift); loads the declared
 * schema file, when it exists, in a second shadow at the same time (two
 * sub-jobs, two backends) and compares (undeclared);
 * adds the lint findings on live and a finding per version row no revision
 * of g defines (then there is no drift comparison). live must be connected
 * and stay unused while the job runs; out (zeroed by the caller) is filled
 * as the job runs and owned by the caller. The job fails with RT_ERR_INPUT
 * "file:line: message" when the declared schema does not load, RT_ERR_RUN on
 * a server error, RT_ERR_CANCEL after rt_job_cancel; the shadows are always
 * dropped. Returns a job owned by the caller, or NULL with err. */
struct rt_job *rt_verify_start(struct rt_db *live, const struct rt_graph *g,
			       const struct rt_verify_opts *opts, struct rt_findings *out,
			       struct rt_err *err);

/* Starts check: in one shadow database (on live's server, or
 * opts->shadow_url's; live may then be NULL), for every revision of g in
 * topological order: upgrade, read, downgrade one step, read and compare
 * with the schema before the upgrade, then back to the upgrade: the
 * downgrade ran in a transaction left open, which is rolled back
 * (rt_schema_build_try); with opts->reapply, or for a transaction-off
 * revision, the downgrade commits and the revision is upgraded again, read
 * and compared with the first upgrade. Each difference is a "round-trip" finding; a step that
 * fails is one too and ends the run (the job still ends with 0). Several
 * heads are a "graph" finding. With opts->data (and one head): the seed
 * files of opts->seeds_dir are loaded into the shadow at head (rt_seed.h),
 * then for every revision of the graph in reverse topological order (the
 * shadow holding exactly that revision and those before it, so merges and
 * each branch below them are covered): the row count of every table and a
 * checksum of every column's values, downgrade that revision alone (a
 * merge: back to all its parents), upgrade it again, the sums again; a
 * table or column that exists both at the revision and with it downgraded
 * and whose sums differ is a "data" finding (what the revision adds is lost
 * by its downgrade by design and not compared). No seed files: the job
 * fails (RT_ERR_INPUT).
 * Returns a job owned by the caller, or NULL with err. */
struct rt_job *rt_check_start(struct rt_db *live, const struct rt_graph *g,
			      const struct rt_verify_opts *opts, struct rt_findings *out,
			      struct rt_err *err);

/* The applied history against the files (rt_guard_scan) as findings of
 * kind "history": an applied revision edited since it ran, with the ways
 * out (a new revision, check --accept). Reads live only. 0, or -1 with err
 * (RT_ERR_RUN). */
int rt_check_history(struct rt_db *live, const struct rt_graph *g, struct rt_findings *out,
		     struct rt_err *err);

#endif
