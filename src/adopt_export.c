/* adopt_export.c - `retort export alembic DIR`: the way back to Flask-Migrate.
 * Each retort revision becomes an Alembic revision file whose upgrade() and
 * downgrade() run the section's statements through sqlalchemy.DDL: DDL does
 * not parse ':name' as a bind parameter (text() would), and its only
 * substitution is Python's '%' formatting, so '%' is written as '%%' and
 * everything else reaches the server byte for byte. */
#include "config.h"
#include "rt_adopt.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rt_err.h"
#include "rt_graph.h"
#include "rt_mem.h"
#include "rt_migration.h"
#include "rt_sqlsplit.h"

static const char env_py[] =
	"# env.py written by `retort export alembic`: runs the revisions on $DATABASE_URL\n"
	"# (or alembic -x url=URL); offline (--sql) for the PostgreSQL dialect.\n"
	"import os\n"
	"from alembic import context\n"
	"from sqlalchemy import create_engine, pool\n"
	"\n"
	"url = context.get_x_argument(as_dictionary=True).get('url') or os.environ.get('DATABASE_URL')\n"
	"if context.is_offline_mode():\n"
	"    context.configure(url=url or 'postgresql://', literal_binds=True,\n"
	"                      dialect_opts={'paramstyle': 'named'})\n"
	"    with context.begin_transaction():\n"
	"        context.run_migrations()\n"
	"else:\n"
	"    engine = create_engine(url, poolclass=pool.NullPool)\n"
	"    with engine.connect() as conn:\n"
	"        context.configure(connection=conn, target_metadata=None,\n"
	"                          transaction_per_migration=True)\n"
	"        with context.begin_transaction():\n"
	"            context.run_migrations()\n";

static const char alembic_ini[] =
	"# written by `retort export alembic`; env.py reads $DATABASE_URL\n"
	"[alembic]\n"
	"script_location = %(here)s\n";

static const char script_mako[] =
	"\"\"\"${message}\n"
	"\n"
	"Revision ID: ${up_revision}\n"
	"Revises: ${down_revision | comma,n}\n"
	"Create Date: ${create_date}\n"
	"\n"
	"\"\"\"\n"
	"from alembic import op\n"
	"import sqlalchemy as sa\n"
	"${imports if imports else \"\"}\n"
	"revision = ${repr(up_revision)}\n"
	"down_revision = ${repr(down_revision)}\n"
	"branch_labels = ${repr(branch_labels)}\n"
	"depends_on = ${repr(depends_on)}\n"
	"\n"
	"\n"
	"def upgrade():\n"
	"    ${upgrades if upgrades else \"pass\"}\n"
	"\n"
	"\n"
	"def downgrade():\n"
	"    ${downgrades if downgrades else \"pass\"}\n";

/* A Python string literal holding s exactly (for DDL: '%' doubled). */
static void
py_literal(struct rt_buf *b, const char *s, bool is_ddl)
{
	rt_buf_putc(b, '\'');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '\\': rt_buf_puts(b, "\\\\"); break;
		case '\'': rt_buf_puts(b, "\\'"); break;
		case '\n': rt_buf_puts(b, "\\n"); break;
		case '\r': rt_buf_puts(b, "\\r"); break;
		case '\t': rt_buf_puts(b, "\\t"); break;
		case '%':
			rt_buf_puts(b, is_ddl ? "%%" : "%");
			break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				rt_buf_printf(b, "\\x%02x", *p);
			else
				rt_buf_putc(b, (char)*p);   /* UTF-8 passes through (the file is UTF-8) */
		}
	}
	rt_buf_putc(b, '\'');
}

static void
py_ids(struct rt_buf *b, char *const *v, size_t n)
{
	if (n == 0) {
		rt_buf_puts(b, "None");
		return;
	}
	if (n == 1) {
		py_literal(b, v[0], false);
		return;
	}
	rt_buf_putc(b, '(');
	for (size_t i = 0; i < n; i++) {
		if (i)
			rt_buf_puts(b, ", ");
		py_literal(b, v[i], false);
	}
	rt_buf_putc(b, ')');
}

static int
py_function(struct rt_buf *b, const struct rt_rev *rev, const char *fn, const char *body,
	    int body_line, struct rt_err *err)
{
	struct rt_stmt_list list = { 0 };
	const char *ind = rev->is_transactional ? "    " : "        ";

	if (rt_sql_split(body, body_line, &list, err) < 0) {
		rt_err_locate(err, rev->path);
		return -1;
	}
	for (size_t i = 0; i < list.n; i++)
		if (list.v[i].copy_data) {
			rt_err_set_at(err, RT_ERR_INPUT, rev->path, list.v[i].line,
				      "COPY ... FROM STDIN data cannot be exported to Alembic "
				      "(op.execute sends no COPY data): load it another way "
				      "(e.g. INSERT ... VALUES) first");
			rt_stmt_list_free(&list);
			return -1;
		}
	rt_buf_printf(b, "\n\ndef %s():\n", fn);
	if (list.n == 0)
		rt_buf_puts(b, "    pass\n");
	else if (!rev->is_transactional)
		rt_buf_puts(b, "    with op.get_context().autocommit_block():\n");
	for (size_t i = 0; i < list.n; i++) {
		rt_buf_printf(b, "%s_run(", ind);
		py_literal(b, list.v[i].sql, true);
		rt_buf_puts(b, ")\n");
	}
	rt_stmt_list_free(&list);
	return 0;
}

/* Python source of one revision. */
static int
revision_py(struct rt_buf *b, const struct rt_rev *rev, struct rt_err *err)
{
	rt_buf_puts(b, "\"\"\"");
	/* the message is header text: one line without controls; no quotes run */
	for (const char *p = rev->message; *p; p++) {
		if (*p == '\\' || *p == '"')
			rt_buf_putc(b, '\\');
		rt_buf_putc(b, *p);
	}
	rt_buf_printf(b, "\n\nRevision ID: %s\nRevises: ", rev->id);
	for (size_t i = 0; i < rev->ndown; i++)
		rt_buf_printf(b, "%s%s", i ? ", " : "", rev->down[i]);
	rt_buf_puts(b, "\nCreate Date: ");
	for (const char *p = rev->created ? rev->created : ""; *p; p++) {
		if (*p == '\\' || *p == '"')
			rt_buf_putc(b, '\\');
		rt_buf_putc(b, *p);
	}
	rt_buf_puts(b, "\n\nExported by retort from its revision file; each statement runs as\n"
		    "sqlalchemy.DDL, whose text is the SQL with '%' doubled.\n\"\"\"\n"
		    "from alembic import op\nimport sqlalchemy as sa\n\n");
	rt_buf_printf(b, "revision = '%s'\ndown_revision = ", rev->id);
	py_ids(b, rev->down, rev->ndown);
	rt_buf_puts(b, "\nbranch_labels = ");
	if (rev->nlabels) {
		rt_buf_putc(b, '(');
		for (size_t i = 0; i < rev->nlabels; i++) {
			py_literal(b, rev->labels[i], false);
			rt_buf_puts(b, ",");
		}
		rt_buf_putc(b, ')');
	} else {
		rt_buf_puts(b, "None");
	}
	rt_buf_puts(b, "\ndepends_on = ");
	py_ids(b, rev->depends, rev->ndepends);
	rt_buf_puts(b, "\n\n\ndef _run(sql):\n    op.execute(sa.DDL(sql))\n");
	if (py_function(b, rev, "upgrade", rev->upgrade, rev->upgrade_body_line, err) < 0 ||
	    py_function(b, rev, "downgrade", rev->downgrade, rev->downgrade_body_line, err) < 0)
		return -1;
	return 0;
}

static bool
exists(const char *path)
{
	return access(path, F_OK) == 0;
}

static int
write_new(const char *path, const char *data, size_t len, struct rt_err *err)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);

	if (fd < 0) {
		rt_err_set(err, errno == EEXIST ? RT_ERR_INPUT : RT_ERR_RUN, "%s: cannot create: %s",
			   path, strerror(errno));
		return -1;
	}
	if (write(fd, data, len) != (ssize_t)len || fsync(fd) != 0) {
		rt_err_set(err, RT_ERR_RUN, "%s: write failed: %s", path, strerror(errno));
		close(fd);
		unlink(path);
		return -1;
	}
	close(fd);
	return 0;
}

/* <id>_<slug>.py: the retort file's name with .py */
static char *
py_name(const struct rt_rev *rev)
{
	const char *base = strrchr(rev->path, '/');
	size_t len;

	base = base ? base + 1 : rev->path;
	len = strlen(base);
	if (len > 4 && strcmp(base + len - 4, ".sql") == 0 &&
	    strncmp(base, rev->id, strlen(rev->id)) == 0)
		return rt_xasprintf("%.*s.py", (int)(len - 4), base);
	return rt_xasprintf("%s.py", rev->id);
}

int
rt_export_alembic(const struct rt_graph *g, const char *dir, struct rt_alembic_export *out,
		  struct rt_err *err)
{
	size_t n = rt_graph_count(g), done = 0;
	struct rt_buf *texts = rt_xcalloc(n ? n : 1, sizeof(*texts));
	char **names = rt_xcalloc(n ? n : 1, sizeof(*names));
	char *vdir = rt_xasprintf("%s/versions", dir);
	char *envp = rt_xasprintf("%s/env.py", dir);
	char *p = NULL;
	bool env = !exists(envp);
	int rc = -1;

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < n; i++) {
		const struct rt_rev *rev = rt_graph_node(g, i)->rev;

		names[i] = py_name(rev);
		if (revision_py(&texts[i], rev, err) < 0)
			goto out;
		free(p);
		p = rt_xasprintf("%s/%s", vdir, names[i]);
		if (exists(p)) {
			rt_err_set(err, RT_ERR_INPUT, "%s already exists (nothing was written)", p);
			goto out;
		}
	}
	if (env) {
		static const char *const files[] = { "alembic.ini", "script.py.mako" };

		for (size_t i = 0; i < 2; i++) {
			free(p);
			p = rt_xasprintf("%s/%s", dir, files[i]);
			if (exists(p)) {
				rt_err_set(err, RT_ERR_INPUT, "%s exists but %s does not: not an "
					   "Alembic directory retort can complete", p, envp);
				goto out;
			}
		}
	}
	if ((mkdir(dir, 0755) < 0 && errno != EEXIST) || (mkdir(vdir, 0755) < 0 && errno != EEXIST)) {
		rt_err_set(err, RT_ERR_INPUT, "%s: cannot create: %s", vdir, strerror(errno));
		goto out;
	}
	for (; done < n; done++) {
		free(p);
		p = rt_xasprintf("%s/%s", vdir, names[done]);
		if (write_new(p, texts[done].data, texts[done].len, err) < 0)
			goto undo;
	}
	if (env) {
		const char *const files[][2] = { { "alembic.ini", alembic_ini },
						 { "env.py", env_py },
						 { "script.py.mako", script_mako } };

		for (size_t i = 0; i < 3; i++) {
			free(p);
			p = rt_xasprintf("%s/%s", dir, files[i][0]);
			if (write_new(p, files[i][1], strlen(files[i][1]), err) < 0) {
				for (size_t k = 0; k < i; k++) {
					free(p);
					p = rt_xasprintf("%s/%s", dir, files[k][0]);
					unlink(p);
				}
				goto undo;
			}
		}
	}
	out->nrevisions = n;
	out->versions_dir = vdir;
	out->wrote_env = env;
	vdir = NULL;
	rc = 0;
	goto out;
undo:
	for (size_t i = 0; i < done; i++) {
		free(p);
		p = rt_xasprintf("%s/%s", vdir, names[i]);
		unlink(p);
	}
out:
	for (size_t i = 0; i < n; i++) {
		rt_buf_free(&texts[i]);
		free(names[i]);
	}
	free(texts);
	free(names);
	free(vdir);
	free(envp);
	free(p);
	return rc;
}

void
rt_alembic_export_free(struct rt_alembic_export *exp)
{
	if (!exp)
		return;
	free(exp->versions_dir);
	memset(exp, 0, sizeof(*exp));
}
