/* seed_int.h - private: reading a seed CSV file with libcsv the way the
 * server's COPY (FORMAT csv, HEADER true) reads it, with the physical line
 * every record starts on (records may span lines inside quotes). Shared by
 * seed.c and its unit test. */
#ifndef RT_SEED_INT_H
#define RT_SEED_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "rt_mem.h"

struct rt_err;

/* Called for every record (recno 1 is the header) that starts on physical
 * line `line`; fields is filled only when the scan asked for them. Return 0
 * to go on, 1 to stop the scan there (not an error), -1 with err to fail. */
typedef int (*seedcsv_record_fn)(void *ctx, long long recno, int line, int end_line,
				 const struct rt_strv *fields, struct rt_err *err);

struct seedcsv_scan {
	const char *path;          /* the file */
	bool want_fields;          /* collect every record's fields (slow: errors only) */
	seedcsv_record_fn on_record;   /* may be NULL */
	void *ctx;
	/* out */
	struct rt_strv header;     /* the header's column names (owned; seedcsv_scan_free) */
	long long nrecords;        /* data records (the header not counted) */
	long long bytes;           /* the file's size as read */
	int lines;                 /* physical lines (0 when the fast pass found no fault) */
};

/* Reads s->path to its end (or until on_record says stop) and checks it:
 * well-formed quoting (libcsv strict), valid UTF-8, no blank line, every
 * record with the header's number of fields. Constant memory unless
 * want_fields. Returns 0, or -1 with err (RT_ERR_INPUT, "path:line: what") at
 * the physical line of the fault; RT_ERR_RUN when the file cannot be read. */
int seedcsv_scan(struct seedcsv_scan *s, struct rt_err *err);

void seedcsv_scan_free(struct seedcsv_scan *s);

/* The physical line the record holding physical line `line` starts on in
 * path; 0 when the file has no such line or cannot be read. COPY's error
 * context "COPY t, line N" counts physical lines and names the last line of
 * the record, which may span several. */
int seedcsv_record_line(const char *path, long long line);

/* The physical line of the first record whose fields under the header's
 * columns cols equal vals (as a server DETAIL "Key (a, b)=(1, 2)" names
 * them); 0 when none does. */
int seedcsv_find_line(const char *path, const struct rt_strv *cols, const struct rt_strv *vals);

/* ---- the seed operation, shared by seed.c (prepare) and seed_job.c ---- */

struct rt_session;

struct seed_file {
	char *path;               /* seeds_dir/name.csv */
	char *label;              /* schema.table, unquoted */
	unsigned int oid;
	struct rt_strv cols;      /* the header */
	char *copy_sql;           /* COPY ... FROM STDIN (FORMAT csv, HEADER true) */
	struct rt_strv seq_sql;   /* setval of each loaded serial/identity column */
	long long nrecords, bytes;
	long long loaded;         /* -1 until the job loaded it */
	bool has_rows;            /* the table held rows at prepare */
};

struct rt_seed {
	struct rt_session *s;     /* NULL for rt_seed_prepare_db */
	struct rt_db *db;         /* rt_seed_prepare_db: the database (borrowed), else NULL */
	bool clear;
	struct seed_file *f;      /* in load order */
	size_t n;
	char *clear_sql;          /* TRUNCATE ... (clear), else NULL */
	bool is_confirmed;
};

/* Every *.csv of dir read through seedcsv_scan (no catalog). Returns 0, or
 * -1 with err (RT_ERR_INPUT "file:line: what", or no seed files). */
int seedcsv_check_dir(const char *dir, struct rt_err *err);

#endif
