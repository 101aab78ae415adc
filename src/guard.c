/* guard.c - the applied history against the files (rt_guard.h): an applied
 * revision's file edited since it ran, or gone, stops a migration before it
 * takes a lock or writes anything. */
#include "config.h"
#include "rt_guard.h"

#include <stdlib.h>
#include <string.h>

#include "rt_db.h"
#include "rt_err.h"
#include "rt_graph.h"
#include "rt_mem.h"
#include "rt_migration.h"

void
rt_guard_report_free(struct rt_guard_report *r)
{
	for (size_t i = 0; i < r->n; i++) {
		free(r->v[i].id);
		free(r->v[i].path);
		free(r->v[i].recorded);
		free(r->v[i].now);
	}
	free(r->v);
	memset(r, 0, sizeof(*r));
}

static void
add_issue(struct rt_guard_report *r, const char *id, const struct rt_rev *rev,
	  const char *recorded)
{
	struct rt_guard_issue *is;

	r->v = rt_xreallocarray(r->v, r->n + 1, sizeof(*r->v));
	is = &r->v[r->n++];
	is->id = rt_xstrdup(id);
	is->path = rev ? rt_xstrdup(rev->path) : NULL;
	is->recorded = rt_xstrdup(recorded);
	is->now = rt_xstrdup(rev ? rev->sha256 : "");
}

int
rt_guard_scan(struct rt_db *db, const struct rt_graph *g, struct rt_guard_report *out,
	      struct rt_err *err)
{
	struct rt_strv ids = { 0 }, sums = { 0 };

	if (rt_db_applied_checksums(db, &ids, &sums, err) < 0) {
		rt_strv_free(&ids);
		rt_strv_free(&sums);
		return -1;
	}
	/* a revision retort_history records but no file defines is not one:
	 * retort_history is shared by every version table of its schema (two
	 * projects in one schema each see the other's), so only the version
	 * table's rows can say a file is missing, and the plan says it then
	 * (rt_graph_explain_unknown) */
	for (size_t i = 0; i < ids.n; i++) {
		long x = rt_graph_find(g, ids.v[i]);
		const struct rt_rev *rev = x >= 0 ? rt_graph_node(g, (size_t)x)->rev : NULL;

		if (rev && rev->sha256[0] && sums.v[i][0] && strcmp(rev->sha256, sums.v[i]) != 0)
			add_issue(out, ids.v[i], rev, sums.v[i]);
	}
	rt_strv_free(&ids);
	rt_strv_free(&sums);
	return 0;
}

/* " (and 2 more: a1, b2)" for the issues after the first, or "". */
static char *
others(const struct rt_guard_report *r)
{
	struct rt_buf b = { 0 };

	if (r->n < 2)
		return rt_xstrdup("");
	rt_buf_printf(&b, " (and %zu more:", r->n - 1);
	for (size_t i = 1; i < r->n; i++)
		rt_buf_printf(&b, "%s %s", i > 1 ? "," : "", r->v[i].id);
	rt_buf_puts(&b, ")");
	return rt_buf_take(&b);
}

int
rt_guard_history(struct rt_db *db, const struct rt_graph *g, struct rt_err *err)
{
	struct rt_guard_report r = { 0 };
	const struct rt_guard_issue *is;
	char *more;

	if (rt_guard_scan(db, g, &r, err) < 0)
		return -1;
	if (r.n == 0) {
		rt_guard_report_free(&r);
		return 0;
	}
	is = &r.v[0];
	more = others(&r);
	rt_err_set_at(err, RT_ERR_INPUT, is->path, 0, "revision %s was edited after it was "
		      "applied (SHA-256 now %.12s..., recorded %.12s...)%s; nothing changed",
		      is->id, is->now, is->recorded, more);
	rt_err_detail(err, "an applied revision is history, and other databases ran it as "
		      "it was: put the change in a new revision ('retort revision -m MSG'), "
		      "or, when the edit is meant and changes nothing that ran (a comment, "
		      "a fix already made here), record the file as it is now: 'retort check "
		      "--accept %s --reason TEXT'", is->id);
	free(more);
	rt_guard_report_free(&r);
	return -1;
}

int
rt_guard_accept(struct rt_db *db, const struct rt_graph *g, const char *rev, const char *reason,
		bool *was_edited, struct rt_err *err)
{
	struct rt_strv ids = { 0 }, sums = { 0 };
	struct rt_idxv idx = { 0 };
	const struct rt_rev *r;
	bool is_base = false;
	long at = -1;
	int rc = -1;

	*was_edited = false;
	if (!reason || !reason[strspn(reason, " \t")]) {
		rt_err_set(err, RT_ERR_INPUT, "--accept needs --reason TEXT: why the applied file "
			   "may differ from what ran (it is kept in retort_history)");
		return -1;
	}
	if (rt_graph_resolve(g, rev, &idx, &is_base, err) < 0)
		goto out;
	if (is_base || idx.n != 1) {
		rt_err_set(err, RT_ERR_INPUT, "--accept needs one revision, not '%s'", rev);
		goto out;
	}
	r = rt_graph_node(g, idx.v[0])->rev;
	if (rt_db_applied_checksums(db, &ids, &sums, err) < 0)
		goto out;
	for (size_t i = 0; i < ids.n && at < 0; i++)
		if (strcmp(ids.v[i], r->id) == 0)
			at = (long)i;
	if (at < 0) {
		rt_err_set(err, RT_ERR_INPUT, "revision %s is not applied here (with a recorded "
			   "checksum): there is nothing to accept", r->id);
		goto out;
	}
	if (!r->sha256[0]) {
		rt_err_set(err, RT_ERR_INPUT, "revision %s: its file was not read in full", r->id);
		goto out;
	}
	rc = 0;
	if (strcmp(sums.v[at], r->sha256) == 0)
		goto out;
	*was_edited = true;
	rc = rt_db_accept(db, r, reason, err);
out:
	free(idx.v);
	rt_strv_free(&ids);
	rt_strv_free(&sums);
	return rc;
}
