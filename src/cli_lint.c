/* cli_lint.c - retort lint [REV|RANGE]: the static linter over the revision
 * files (rt_lint.h), no database. Text, json (one array of objects) or
 * SARIF 2.1.0; exit 1 when an error-level finding remains. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "rt_config.h"
#include "rt_fmt.h"
#include "rt_graph.h"
#include "rt_job.h"
#include "rt_lint.h"
#include "rt_migration.h"
#include "rt_schema.h"
#include "rt_trace.h"

/* in_sel[i] for the revisions REV or RANGE (A:B) names; every one without. */
static int
select_revs(struct cli *c, bool *in_sel)
{
	size_t n = rt_graph_count(c->graph);
	struct rt_strv none = { 0 };
	struct rt_idxv idx = { 0 };
	const char *arg = c->nargs > 0 ? c->args[0] : NULL;

	if (!arg) {
		for (size_t i = 0; i < n; i++)
			in_sel[i] = true;
		return 0;
	}
	if (strchr(arg, ':'))
		return rt_graph_range(c->graph, arg, &none, in_sel, &c->err);
	if (rt_graph_resolve(c->graph, arg, &idx, NULL, &c->err) < 0)
		return -1;
	for (size_t k = 0; k < idx.n; k++)
		in_sel[idx.v[k]] = true;
	free(idx.v);
	return 0;
}

static void
print_text(const struct rt_lint_report *r, size_t nrevs)
{
	struct rt_buf p = { 0 }, w = { 0 };

	for (size_t i = 0; i < r->n; i++) {
		const struct rt_lint_finding *f = &r->v[i];

		printf("%s:%d: %s: %s: %s (safer: %s)\n", rt_fmt_safe(&p, f->path, 0), f->line,
		       rt_lint_severity_name(f->rule->severity), f->rule->id,
		       rt_fmt_safe(&w, f->why, 0), f->rule->safer);
	}
	printf("%zu error%s, %zu warning%s, %zu info in %zu revision%s\n", r->nerrors,
	       r->nerrors == 1 ? "" : "s", r->nwarnings, r->nwarnings == 1 ? "" : "s", r->ninfos,
	       nrevs, nrevs == 1 ? "" : "s");
	rt_buf_free(&p);
	rt_buf_free(&w);
}

/* The traces of the selected revisions, in topological order. */
struct traced {
	const struct rt_rev *rev;
	struct rt_trace t;
};

struct traces {
	struct traced *v;
	size_t n;
};

static void print_traces(const struct traces *ts, struct cli_table *tbl);

static void
print_json(const struct rt_lint_report *r, const struct traces *ts)
{
	static const char *const cols[] = { "rule", "severity", "path", "line", "revision",
					    "section", "message", "safer" };
	struct cli_table t;

	cli_table_begin(&t, CLI_JSON, cols, sizeof(cols) / sizeof(*cols));
	for (size_t i = 0; i < r->n; i++) {
		const struct rt_lint_finding *f = &r->v[i];
		struct cli_cell cells[] = {
			cli_cell_str(f->rule->id), cli_cell_str(rt_lint_severity_name(f->rule->severity)),
			cli_cell_str(f->path), cli_cell_num(f->line), cli_cell_str(f->rev_id),
			cli_cell_str(f->section), cli_cell_str(f->why), cli_cell_str(f->rule->safer),
		};

		cli_table_cells(&t, cells);
	}
	print_traces(ts, &t);
	cli_table_end(&t);
}

static const char *
sarif_level(enum rt_lint_severity s)
{
	return s == RT_LINT_ERROR ? "error" : s == RT_LINT_WARNING ? "warning" : "note";
}

static void
print_sarif(const struct rt_lint_report *r)
{
	size_t nrules;
	const struct rt_lint_rule *rules = rt_lint_rules(&nrules);

	fputs("{\n  \"$schema\": \"https://json.schemastore.org/sarif-2.1.0.json\",\n"
	      "  \"version\": \"2.1.0\",\n  \"runs\": [{\n    \"tool\": {\"driver\": {"
	      "\"name\": \"retort\", \"version\": \"" PACKAGE_VERSION "\", \"rules\": [", stdout);
	for (size_t i = 0; i < nrules; i++) {
		printf("%s\n      {\"id\": \"%s\", \"shortDescription\": {\"text\": ", i ? "," : "",
		       rules[i].id);
		cli_json_string(stdout, rules[i].what);
		fputs("}, \"help\": {\"text\": ", stdout);
		cli_json_string(stdout, rules[i].safer);
		printf("}, \"defaultConfiguration\": {\"level\": \"%s\"}}",
		       sarif_level(rules[i].severity));
	}
	fputs("]}},\n    \"results\": [", stdout);
	for (size_t i = 0; i < r->n; i++) {
		const struct rt_lint_finding *f = &r->v[i];

		printf("%s\n      {\"ruleId\": \"%s\", \"level\": \"%s\", \"message\": {\"text\": ",
		       i ? "," : "", f->rule->id, sarif_level(f->rule->severity));
		cli_json_string(stdout, f->why);
		fputs("}", stdout);
		fputs(", \"locations\": [{\"physicalLocation\": {\"artifactLocation\": {\"uri\": ",
		      stdout);
		cli_json_string(stdout, f->path);
		printf("}, \"region\": {\"startLine\": %d}}}], \"properties\": {\"revision\": ",
		       f->line > 0 ? f->line : 1);
		cli_json_string(stdout, f->rev_id);
		fputs(", \"section\": ", stdout);
		cli_json_string(stdout, f->section);
		fputs(", \"safer\": ", stdout);
		cli_json_string(stdout, f->rule->safer);
		fputs("}}", stdout);
	}
	fputs("\n    ]\n  }]\n}\n", stdout);
}

/* Upgrades the shadow of b to rev: 0, or -1 with c->err. */
static int
shadow_upgrade(struct cli *c, struct rt_schema_build *b, const char *rev)
{
	struct rt_job *job = NULL;
	int r = rt_schema_build_start(b, c->graph, true, rev, &job, &c->err);

	if (r <= 0)
		return r;
	r = cli_drive(job, &c->err);
	rt_job_free(job);
	return r < 0 ? -1 : 0;
}

static void
print_traces(const struct traces *ts, struct cli_table *tbl)
{
	struct rt_buf p = { 0 }, w = { 0 };

	for (size_t k = 0; ts && k < ts->n; k++) {
		const struct rt_rev *rev = ts->v[k].rev;
		const struct rt_trace *t = &ts->v[k].t;

		for (size_t i = 0; i < t->n; i++) {
			const struct rt_trace_event *e = &t->v[i];
			char *why = e->mode ? rt_xasprintf("takes %s on %s", e->mode, e->relation) :
				    rt_xasprintf("rewrites %s", e->relation);

			if (tbl) {
				struct cli_cell cells[] = {
					cli_cell_str(e->mode ? "trace-lock" : "trace-rewrite"),
					cli_cell_str("info"), cli_cell_str(rev->path),
					cli_cell_num(e->line), cli_cell_str(rev->id),
					cli_cell_str("upgrade"), cli_cell_str(why), cli_cell_null(),
				};

				cli_table_cells(tbl, cells);
			} else {
				printf("%s:%d: trace: %s\n", rt_fmt_safe(&p, rev->path, 0), e->line,
				       rt_fmt_safe(&w, why, 0));
			}
			free(why);
		}
		if (t->note && !tbl)
			printf("%s: trace: %s\n", rt_fmt_safe(&p, rev->path, 0),
			       rt_fmt_safe(&w, t->note, 0));
	}
	rt_buf_free(&p);
	rt_buf_free(&w);
}

static void
traces_free(struct traces *ts)
{
	for (size_t i = 0; i < ts->n; i++)
		rt_trace_free(&ts->v[i].t);
	free(ts->v);
	memset(ts, 0, sizeof(*ts));
}

/* Whether exactly one revision is selected, as *node. */
static bool
one_selected(const bool *in_sel, size_t n, size_t *node)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		if (in_sel[i]) {
			k++;
			*node = i;
		}
	return k == 1;
}

/* --trace of one revision: the engine's trace job (its shadow built at the
 * revision's parents only), driven here. */
static int
run_one_trace(struct cli *c, size_t node, struct traces *ts)
{
	struct traced *tr;
	struct rt_job *job;
	int rc;

	ts->v = rt_xcalloc(1, sizeof(*ts->v));
	tr = &ts->v[ts->n++];
	tr->rev = rt_graph_node(c->graph, node)->rev;
	job = rt_trace_start(c->shadow_url ? NULL : c->db, c->shadow_url, c->graph, node, &tr->t,
			     &c->err);
	if (!job)
		return -1;
	rc = cli_drive(job, &c->err);
	rt_job_free(job);
	return rc < 0 ? -1 : 0;
}

/* --trace: every revision up to the last one selected, in topological
 * order, in one shadow database: each selected one traced (rolled back),
 * then applied for the next. */
static int
run_traces(struct cli *c, const bool *in_sel, struct traces *ts)
{
	struct rt_schema_build *b;
	struct rt_err drop = { 0 };
	struct rt_buf s = { 0 };
	size_t n = rt_graph_count(c->graph), last = 0, one = 0;
	int rc = 0;

	for (size_t i = 0; i < n; i++)
		if (in_sel[i])
			last = i + 1;
	if (!c->shadow_url && cli_connect(c) < 0)
		return -1;
	if (one_selected(in_sel, n, &one))
		return run_one_trace(c, one, ts);
	if (!(b = rt_schema_build_new(c->shadow_url ? NULL : c->db, c->shadow_url, &c->err)))
		return -1;
	ts->v = rt_xcalloc(last ? last : 1, sizeof(*ts->v));
	for (size_t i = 0; i < last && rc == 0; i++) {
		const struct rt_rev *rev = rt_graph_node(c->graph, i)->rev;

		if (in_sel[i]) {
			struct traced *tr = &ts->v[ts->n++];

			tr->rev = rev;
			rc = rt_trace_rev(rt_schema_build_db(b), rev, &tr->t, &c->err);
		}
		if (rc == 0 && i + 1 < last)
			rc = shadow_upgrade(c, b, rev->id);
	}
	if (rt_schema_build_free(b, &drop) < 0)
		fprintf(stderr, "retort: warning: %s\n", rt_fmt_safe(&s, drop.msg, 0));
	rt_buf_free(&s);
	return rc;
}

int
cli_cmd_lint(struct cli *c)
{
	struct rt_lint_report r = { 0 };
	struct rt_lint_opts o = { 0 };
	struct traces ts = { 0 };
	bool *in_sel;
	size_t n, nrevs = 0;
	int rc = -1;

	if (c->format == CLI_CSV) {
		rt_err_set(&c->err, RT_ERR_INPUT, "lint: --format is text, json or sarif");
		return -1;
	}
	if (cli_load_graph(c) < 0)
		return -1;
	o.has_retort_lock_timeout = c->cfg->ddl_lock_timeout_ms > 0;
	n = rt_graph_count(c->graph);
	in_sel = rt_xcalloc(n + 1, sizeof(bool));
	if (select_revs(c, in_sel) < 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		if (!in_sel[i])
			continue;
		nrevs++;
		if (rt_lint_rev(rt_graph_node(c->graph, i)->rev, &o, &r, &c->err) < 0)
			goto out;
	}
	if (c->trace && c->format == CLI_SARIF) {
		rt_err_set(&c->err, RT_ERR_INPUT, "lint --trace: --format is text or json");
		goto out;
	}
	if (c->trace && run_traces(c, in_sel, &ts) < 0)
		goto out;
	if (c->format == CLI_JSON)
		print_json(&r, &ts);
	else if (c->format == CLI_SARIF)
		print_sarif(&r);
	else if (!c->quiet || r.nerrors) {
		print_text(&r, nrevs);
		print_traces(&ts, NULL);
	}
	fflush(stdout);
	if (r.nerrors) {
		rt_err_set(&c->err, RT_ERR_RUN, "lint: %zu error-level finding%s", r.nerrors,
			   r.nerrors == 1 ? "" : "s");
		goto out;
	}
	rc = 0;
out:
	traces_free(&ts);
	rt_lint_report_free(&r);
	free(in_sel);
	return rc;
}
