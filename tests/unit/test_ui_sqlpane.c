/* test_ui_sqlpane.c - the SQL pane's rows: lint findings under the SQL with
 * the lines they point at highlighted by severity, a trace's locks and
 * rewrites listed and their lines highlighted, and the findings view. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "pane.h"
#include "panes.h"
#include "rowbuf.h"
#include "rt_err.h"
#include "rt_graph.h"
#include "rt_trace.h"
#include "ui.h"

static struct ui ui;
static char dir[64];

/* line 6: a SET NOT NULL (a warning), line 7: a comment (no finding) */
static const char file[] =
	"-- retort:revision b2\n"
	"-- retort:down_revision none\n"
	"-- retort:message strict\n"
	"\n"
	"-- retort:upgrade\n"
	"ALTER TABLE items ALTER COLUMN email SET NOT NULL;\n"
	"COMMENT ON TABLE items IS 'x';\n"
	"\n"
	"-- retort:downgrade\n"
	"COMMENT ON TABLE items IS NULL;\n"
	"ALTER TABLE items ALTER COLUMN email DROP NOT NULL;\n";

static int
setup(void **state)
{
	struct rt_err err = { 0 };
	char path[128];
	FILE *f;

	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/rt-sqlpane.XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/b2_strict.sql", dir);
	assert_non_null(f = fopen(path, "w"));
	fputs(file, f);
	fclose(f);
	memset(&ui, 0, sizeof(ui));
	ui.g = rt_graph_load(dir, &err);
	assert_non_null(ui.g);
	ui.sel = 0;
	return 0;
}

static int
teardown(void **state)
{
	char path[128];

	(void)state;
	rt_graph_free((struct rt_graph *)ui.g);
	free(ui.sql_findings);
	free(ui.trace_id);
	rt_trace_free(&ui.trace);
	snprintf(path, sizeof(path), "%s/b2_strict.sql", dir);
	unlink(path);
	rmdir(dir);
	return 0;
}

/* The row whose text starts with prefix, formatted into out; -1 none. */
static long
find_row(struct pane *p, const char *prefix, struct rowbuf *out)
{
	for (size_t i = 0; i < p->nrows; i++) {
		rowbuf_reset(out);
		p->ops->format(p, i, out);
		if (strncmp(rowbuf_str(out), prefix, strlen(prefix)) == 0)
			return (long)i;
	}
	return -1;
}

static void
load(struct pane *p)
{
	struct rt_err err = { 0 };

	p->ops = &pane_sql_ops;
	p->ui = &ui;
	assert_int_equal(p->ops->load(p, &err), 0);
}

static void
test_lint_lines_highlighted(void **state)
{
	struct pane p = { 0 };
	struct rowbuf rb = { 0 };

	(void)state;
	load(&p);
	assert_true(find_row(&p, "line 6: warning: ", &rb) > 0);
	assert_int_equal(rowbuf_role_at(&rb, 0), R_PENDING);
	assert_int_equal(find_row(&p, "ALTER TABLE items ALTER COLUMN email SET NOT NULL", &rb), 1);
	assert_int_equal(rowbuf_role_at(&rb, 0), R_LINE_WARN);
	assert_int_equal(rowbuf_role_at(&rb, 20), R_LINE_WARN);   /* the whole line */
	assert_int_equal(find_row(&p, "COMMENT ON TABLE", &rb), 2);
	assert_int_not_equal(rowbuf_role_at(&rb, 0), R_LINE_WARN);
	assert_int_not_equal(rowbuf_role_at(&rb, 0), R_LINE_TRACE);
	assert_int_equal(find_row(&p, "-- trace", &rb), -1);       /* not traced */
	rowbuf_free(&rb);
	p.ops->release(&p);
}

static void
test_trace_listed_and_highlighted(void **state)
{
	struct pane p = { 0 };
	struct rowbuf rb = { 0 };
	static struct rt_trace_event ev[2];

	(void)state;
	ev[0] = (struct rt_trace_event){ 6, strdup("lock"), strdup("items"), strdup("ACCESS EXCLUSIVE") };
	ev[1] = (struct rt_trace_event){ 7, strdup("lock"), strdup("items"), strdup("SHARE UPDATE EXCLUSIVE") };
	ui.trace.v = malloc(sizeof(ev));
	memcpy(ui.trace.v, ev, sizeof(ev));
	ui.trace.n = 2;
	ui.trace_id = strdup("b2");
	load(&p);
	assert_true(find_row(&p, "line 6  ACCESS EXCLUSIVE on items", &rb) > 3);
	assert_true(find_row(&p, "line 7  SHARE UPDATE EXCLUSIVE on items", &rb) > 3);
	/* line 6 has a warning too: the stronger highlight stays */
	assert_int_equal(find_row(&p, "ALTER TABLE items", &rb), 1);
	assert_int_equal(rowbuf_role_at(&rb, 0), R_LINE_WARN);
	assert_int_equal(find_row(&p, "COMMENT ON TABLE", &rb), 2);
	assert_int_equal(rowbuf_role_at(&rb, 0), R_LINE_TRACE);
	p.ops->release(&p);
	/* the downgrade is not what was traced */
	ui.sql_mode = SQL_OTHER;
	load(&p);
	assert_int_equal(find_row(&p, "line 6  ACCESS", &rb), -1);
	assert_int_equal(find_row(&p, "COMMENT ON TABLE items IS NULL", &rb), 1);
	assert_int_not_equal(rowbuf_role_at(&rb, 0), R_LINE_TRACE);
	ui.sql_mode = SQL_AUTO;
	rowbuf_free(&rb);
	p.ops->release(&p);
}

static void
test_findings_view(void **state)
{
	struct pane p = { 0 };
	struct rowbuf rb = { 0 };
	char sub[200];

	(void)state;
	ui.sql_findings = strdup("drift: table public.users: column x\n    only in the live database\n");
	snprintf(ui.sql_findings_what, sizeof(ui.sql_findings_what), "verify: 1 finding");
	load(&p);
	assert_int_equal(p.nrows, 2);
	p.ops->subtitle(&p, sub, sizeof(sub));
	assert_non_null(strstr(sub, "verify: 1 finding"));
	assert_int_equal(find_row(&p, "drift: ", &rb), 0);
	assert_int_equal(rowbuf_role_at(&rb, 0), R_ERROR);
	assert_int_equal(find_row(&p, "    only in", &rb), 1);
	assert_int_equal(rowbuf_role_at(&rb, 4), R_NORMAL);
	assert_null(pane_sql_shown(&p, &(bool){ false }));
	p.ops->release(&p);
	free(ui.sql_findings);
	ui.sql_findings = NULL;
	load(&p);
	assert_non_null(pane_sql_shown(&p, &(bool){ false }));
	assert_true(find_row(&p, "ALTER TABLE", &rb) > 0);
	rowbuf_free(&rb);
	p.ops->release(&p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lint_lines_highlighted),
		cmocka_unit_test(test_trace_listed_and_highlighted),
		cmocka_unit_test(test_findings_view),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
