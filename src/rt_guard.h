/* rt_guard.h - guarding the applied history: the file of a revision that
 * was applied is history. Each revision retort_history records as applied
 * keeps the SHA-256 of its file as it ran; a file edited since, or gone, is
 * found here before anything runs. upgrade and downgrade (rt_migrate_prepare)
 * refuse to run over one; check reports them; check --accept records an
 * edit that is meant (rt_guard_accept). */
#ifndef RT_GUARD_H
#define RT_GUARD_H

#include <stdbool.h>
#include <stddef.h>

struct rt_db;
struct rt_err;
struct rt_graph;

/* One applied revision whose file does not match its history. */
struct rt_guard_issue {
	char *id;
	char *path;             /* its file now */
	char *recorded;         /* SHA-256 recorded (applied or accepted) */
	char *now;              /* SHA-256 of the file now */
};

struct rt_guard_report {
	struct rt_guard_issue *v;   /* in revision id order */
	size_t n;
};

void rt_guard_report_free(struct rt_guard_report *r);

/* Compares every applied revision's recorded SHA-256 (rt_db_applied_checksums)
 * with its file in g (which must be loaded in full: a headers-only graph
 * has no checksums, and nothing is compared). Revisions applied without a
 * recorded checksum (stamped, taken over) are not compared, nor ids no file
 * defines: retort_history is shared by every version table of its schema,
 * so only a version-table row names a missing file (the plan refuses it,
 * with rt_graph_explain_unknown's way out). Fills out
 * (zeroed by the caller, owned by the caller). Reads only. 0, or -1 with err
 * (RT_ERR_RUN). */
int rt_guard_scan(struct rt_db *db, const struct rt_graph *g, struct rt_guard_report *out,
		  struct rt_err *err);

/* rt_guard_scan made a refusal: 0 when the applied history matches the
 * files; else -1 with err RT_ERR_INPUT naming the first edited revision's
 * file ("path: revision X was edited after it was applied ...; nothing
 * changed") and the ways out in the detail (a new revision, or check
 * --accept); RT_ERR_RUN when the history cannot be read. */
int rt_guard_history(struct rt_db *db, const struct rt_graph *g, struct rt_err *err);

/* Accepts the edit of applied revision rev (an id or a unique prefix)
 * with a reason (required, not empty): records its file as it is now
 * (rt_db_accept), so rt_guard_scan matches it from then on. *was_edited
 * says whether the file differed (an unedited file records nothing).
 * RT_ERR_INPUT for no reason, an unknown revision or one not applied. */
int rt_guard_accept(struct rt_db *db, const struct rt_graph *g, const char *rev,
		    const char *reason, bool *was_edited, struct rt_err *err);

#endif
