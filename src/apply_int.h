/* apply_int.h - private: the statements a plan sends, shared by the offline
 * SQL (apply.c) and the live job (apply_run.c), so both say the same. */
#ifndef RT_APPLY_INT_H
#define RT_APPLY_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "rt_job.h"

struct rt_apply_opts;
struct rt_err;
struct rt_plan;
struct rt_rev;
struct rt_step;
struct rt_strv;

/* One statement to send, with where it came from for error messages. */
struct rt_cmd {
	char *sql;
	const char *path;   /* migration file, or NULL for retort's own statements */
	int line;
	char *copy_data;    /* COPY ... FROM STDIN: the data block sent after it, else NULL */
	size_t copy_len;
};

struct rt_cmdv {
	struct rt_cmd *v;
	size_t n, cap;
};

/* Appends sql (ownership moves to cv). */
void rt_cmdv_push(struct rt_cmdv *cv, char *sql, const char *path, int line);
void rt_cmdv_free(struct rt_cmdv *cv);

/* Who and when, for retort_history; NULL fields render as NULL (offline). */
struct rt_who {
	const char *started;   /* timestamp literal text, or NULL: statement_timestamp() */
	const char *os_user;
	const char *host;
};

/* Version-table statements turning the rows in before into after. */
void rt_sqlgen_vt(struct rt_cmdv *out, const char *vt, const struct rt_strv *before,
		  const struct rt_strv *after);

/* A retort_history INSERT (outcome "ok", "failed" or "dirty"); a new string. */
char *rt_sqlgen_history(const char *hist, const char *rev, const char *direction,
			const char *checksum, const char *outcome, const struct rt_who *who,
			bool returning);
/* The same, keeping file (the revision's whole file as read, into
 * applied_file, for showing later what changed since it was applied); file
 * NULL or without text: none. */
char *rt_sqlgen_history_file(const char *hist, const char *rev, const char *direction,
			     const char *checksum, const char *outcome, const struct rt_who *who,
			     bool returning, const struct rt_rev *file);

/* The body statements of a step: its section, then verify for an upgrade.
 * 0, or -1 with err (RT_ERR_INPUT, file:line) when a section does not split. */
int rt_sqlgen_step_body(struct rt_cmdv *out, const struct rt_step *st, struct rt_err *err);

/* "upgrade", "downgrade" or "stamp". */
const char *rt_sqlgen_direction(const struct rt_plan *plan, const struct rt_step *st);

/* A stamp's version-table and history statements as one script; a new string. */
char *rt_sqlgen_stamp(const struct rt_plan *plan, const char *vt, const char *hist,
		      const struct rt_who *who);

/* Refuses transaction-off revisions in a plan run as one transaction
 * (single_transaction or dry_run): -1 with err (RT_ERR_INPUT). */
int rt_sqlgen_check_plan(const struct rt_plan *plan, const struct rt_apply_opts *opts,
			 struct rt_err *err);

/* The live job of apply_run.c; resume_id names the dirty retort_history entry
 * of a transaction-off revision to continue from statement resume_from (0-based),
 * else NULL. As rt_apply_start otherwise. */
struct rt_db;
struct rt_job *rt_apply_run_start(struct rt_db *db, const struct rt_plan *plan,
				  const struct rt_apply_opts *opts, rt_event_fn fn, void *ctx,
				  const char *resume_id, size_t resume_from, struct rt_err *err);

/* The version table for a finished transaction-off step and its history
 * entry id marked ok, in one transaction. 0 or -1 with err. */
int rt_apply_finish_notx(struct rt_db *db, const struct rt_step *st, const char *id,
			 struct rt_err *err);

#endif
