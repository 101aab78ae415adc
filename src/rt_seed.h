/* rt_seed.h - the seed workflow: CSV files in the seeds directory loaded into
 * their tables in one transaction, shaped like rt_migrate.h.
 *
 * prepare: finds the .csv files of the seeds dir (retort.conf seeds_dir), maps table.csv
 *          and schema.table.csv to tables, orders them (seeds/order, else the
 *          foreign keys: parents first) and checks EVERY file with libcsv
 *          before anything is sent: header columns that exist in the table
 *          (and every NOT NULL column without a default among them), each
 *          record with the header's field count, well-formed quoting, valid
 *          UTF-8, no blank lines. A bad file: RT_ERR_INPUT "file:line: what"
 *          at the physical line, and nothing is loaded.
 * confirm: as rt_migrate_confirm (the database name typed on a protected
 *          env); --clear on a protected env is refused at prepare.
 * start:   a job on its own connection: BEGIN, TRUNCATE ... RESTART
 *          IDENTITY of the seeded tables (clear), per file COPY t (cols) FROM
 *          STDIN (FORMAT csv, HEADER true) streamed in chunks with
 *          non-blocking PQputCopyData (constant memory), RT_EV_DATA
 *          progress, then every serial/identity sequence of a loaded column
 *          moved past the loaded ids, COMMIT. A server error rolls it all
 *          back and names the file and the physical line of the record
 *          (RT_ERR_RUN); a cancel sends PQcancel and ends with RT_ERR_CANCEL,
 *          nothing loaded.
 *
 * CSV is COPY's: an empty unquoted field is NULL, "" an empty string, a
 * JSON column takes the JSON text of its field. */
#ifndef RT_SEED_H
#define RT_SEED_H

#include <stdbool.h>
#include <stddef.h>

#include "rt_job.h"
#include "rt_migrate.h"   /* enum rt_confirm */

struct rt_err;
struct rt_session;

/* Progress of one file of a seed or export (RT_EV_DATA). */
struct rt_data_progress {
	const char *path;         /* the file (raw: rt_fmt_safe before showing it) */
	const char *table;        /* schema.table, unquoted */
	size_t i, n;              /* file i (0-based) of n */
	long long rows;           /* rows done (while a seed runs: estimated from bytes) */
	long long total_rows;     /* the file's rows (seed), -1 unknown (export) */
	long long bytes, total_bytes;   /* total_bytes -1 unknown */
	double seconds;           /* since the file started */
	bool is_done;             /* the file is complete (rows exact) */
};

struct rt_seed_req {
	const char *dir;          /* seeds directory; NULL: retort.conf's seeds_dir */
	bool clear;               /* empty the seeded tables first (refused on protected envs) */
};

struct rt_seed;

/* Connects the session if needed, reads the catalog once and checks every
 * file (see above). Returns an operation owned by the caller
 * (rt_seed_free), or NULL with err: RT_ERR_INPUT for a bad file, an
 * unknown table, no seed files, --clear on a protected env; RT_ERR_RUN when
 * the database cannot be read. */
struct rt_seed *rt_seed_prepare(struct rt_session *s, const struct rt_seed_req *req,
				struct rt_err *err);

/* As rt_seed_prepare on db itself, with no session, no env and no
 * confirmation to ask (check --data loads the seeds into its shadow
 * database): dir's files checked and ordered against db's catalog; the
 * operation is confirmed already. db is borrowed: it must outlive the
 * operation and the job (which opens its own connection to db's URL).
 * NULL with err as rt_seed_prepare. */
struct rt_db;
struct rt_seed *rt_seed_prepare_db(struct rt_db *db, const char *dir, struct rt_err *err);

void rt_seed_free(struct rt_seed *sd);

/* The files in load order, their tables ("schema.table", unquoted) and,
 * after the job, the rows each loaded (-1 before). Borrowed. */
size_t rt_seed_nfiles(const struct rt_seed *sd);
const char *rt_seed_file(const struct rt_seed *sd, size_t i);
const char *rt_seed_table(const struct rt_seed *sd, size_t i);
long long rt_seed_file_rows(const struct rt_seed *sd, size_t i);   /* the file's records */
long long rt_seed_loaded(const struct rt_seed *sd, size_t i);
/* Whether file i's table held rows when the seed was prepared (without
 * clear): the seed adds to them, and a key already there fails it all. */
bool rt_seed_has_rows(const struct rt_seed *sd, size_t i);

/* RT_CONFIRM_DBNAME on a protected env, else RT_CONFIRM_YES. */
enum rt_confirm rt_seed_confirm_kind(const struct rt_seed *sd);

/* The database name to type (borrowed). */
const char *rt_seed_dbname(const struct rt_seed *sd);

/* As rt_migrate_confirm. Returns 0, or -1 with err (RT_ERR_INPUT). */
int rt_seed_confirm(struct rt_seed *sd, const char *typed, bool assume_yes, struct rt_err *err);

/* Starts the job (see above) on a confirmed operation. The job borrows sd:
 * free the job first. Returns a job owned by the caller, or NULL with err. */
struct rt_job *rt_seed_start(struct rt_seed *sd, rt_event_fn fn, void *ctx, struct rt_err *err);

#endif
