/* cli_status.c - retort status: environments side by side (rt_status.h),
 * printed one block per env, or a table with --format csv|json. Exit 0 when
 * every reachable env is at head and clean, 1 otherwise. */
#include "config.h"
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rt_fmt.h"
#include "rt_session.h"
#include "rt_status.h"

static void
print_list(const char *what, const struct rt_strv *v)
{
	struct rt_buf s = { 0 };
	char *j;

	if (!v->n)
		return;
	j = rt_strv_join(v, what[0] == 'c' ? "; " : " ");
	printf("    %s: %s\n", what, rt_fmt_safe(&s, j, 0));
	free(j);
	rt_buf_free(&s);
}

static void
print_text(const struct rt_status *st)
{
	struct rt_buf s1 = { 0 }, s2 = { 0 }, s3 = { 0 };

	for (size_t i = 0; i < st->n; i++) {
		const struct rt_env_status *e = &st->v[i];
		char *rows = rt_strv_join(&e->current, " ");

		if (!e->is_reachable) {
			printf("%s: unreachable: %s\n", rt_fmt_safe(&s1, e->name, 0),
			       rt_fmt_safe(&s2, e->error ? e->error : "?", 0));
			free(rows);
			continue;
		}
		printf("%s: %s", rt_fmt_safe(&s1, e->name, 0),
		       e->current.n ? rt_fmt_safe(&s3, rows, 0) : "base (no revision)");
		if (e->error)
			printf(", %s", rt_fmt_safe(&s2, e->error, 0));
		else if (e->pending)
			printf(", %zu behind head", e->pending);
		else
			printf(", at head");
		printf(" (%s)\n", rt_fmt_safe(&s2, e->url, 0));
		print_list("not applied here but in another env", &e->missing);
		print_list("checksum differs", &e->differs);
		print_list("edited since applied", &e->edited);
		if (e->dirty)
			printf("    interrupted: %s\n", rt_fmt_safe(&s3, e->dirty, 0));
		if (e->command)
			printf("    to bring in line: %s\n", rt_fmt_safe(&s3, e->command, 0));
		free(rows);
	}
	rt_buf_free(&s1);
	rt_buf_free(&s2);
	rt_buf_free(&s3);
}

static void
print_table(struct cli *c, const struct rt_status *st)
{
	static const char *const cols[] = { "env", "url", "is_reachable", "revision", "pending",
					    "missing", "checksum_differs", "edited", "dirty",
					    "command", "error" };
	struct cli_table t;

	cli_table_begin(&t, c->format, cols, sizeof(cols) / sizeof(*cols));
	for (size_t i = 0; i < st->n; i++) {
		const struct rt_env_status *e = &st->v[i];
		char *rows = rt_strv_join(&e->current, " "), *mi = rt_strv_join(&e->missing, " ");
		char *df = rt_strv_join(&e->differs, "; "), *ed = rt_strv_join(&e->edited, " ");
		struct cli_cell cells[] = {
			cli_cell_str(e->name), cli_cell_str(e->url), cli_cell_bool(e->is_reachable),
			e->is_reachable ? cli_cell_str(rows) : cli_cell_null(),
			e->is_reachable && !e->error ? cli_cell_num((long long)e->pending) :
				cli_cell_null(),
			cli_cell_str(mi), cli_cell_str(df), cli_cell_str(ed), cli_cell_str(e->dirty),
			cli_cell_str(e->command), cli_cell_str(e->error),
		};

		cli_table_cells(&t, cells);
		free(rows);
		free(mi);
		free(df);
		free(ed);
	}
	cli_table_end(&t);
}

int
cli_cmd_status(struct cli *c)
{
	struct rt_status st = { 0 };
	int rc = 0;

	if (c->url) {
		rt_err_set(&c->err, RT_ERR_INPUT, "status reads the envs of retort.conf: use --env "
			   "NAME (repeatable), not --url");
		return -1;
	}
	if (cli_load_config(c) < 0 || rt_status_read(c->session, &c->envs, &st, &c->err) < 0)
		return -1;
	if (c->format == CLI_TEXT)
		print_text(&st);
	else
		print_table(c, &st);
	if (!rt_status_in_line(&st)) {
		rt_err_set(&c->err, RT_ERR_RUN, "%s", "");
		rc = -1;
	}
	rt_status_free(&st);
	return rc;
}
