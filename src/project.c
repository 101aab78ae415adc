/* project.c - new migrations directories and new revision files. */
#include "config.h"
#include "rt_project.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "rt_err.h"
#include "rt_mem.h"
#include "rt_migration.h"

static const char starter_conf[] =
	"# retort.conf - see retort.conf(5)\n"
	"[retort]\n"
	"backup_dir = backups\n"
	"retention_days = 7\n"
	"\n"
	"# the embedded PostgreSQL under .retort/sandbox (retort sandbox start|stop)\n"
	"[env dev]\n"
	"sandbox = true\n"
	"database = app\n"
	"default = true\n"
	"\n"
	"# [env production]\n"
	"# url = ${DATABASE_URL}\n"
	"# protected = true\n";

/* "Add phone field to users!" -> "add_phone_field_to_users" (at most 40 bytes). */
static void
slugify(const char *msg, char *out, size_t size)
{
	size_t n = 0;
	bool sep = false;

	for (; *msg && n + 2 < size && n < 40; msg++) {
		char ch = *msg;

		if (ch >= 'A' && ch <= 'Z')
			ch = (char)(ch - 'A' + 'a');
		if ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9')) {
			if (sep && n)
				out[n++] = '_';
			out[n++] = ch;
			sep = false;
		} else {
			sep = true;
		}
	}
	out[n] = '\0';
}

static void
now_iso(char *out, size_t size)
{
	const char *frozen = getenv("RETORT_NOW");
	time_t t = time(NULL);
	struct tm tm;

	if (frozen && *frozen) {
		snprintf(out, size, "%s", frozen);
		return;
	}
	gmtime_r(&t, &tm);
	strftime(out, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static char *
join_or(const struct rt_strv *sv, const char *dflt)
{
	return sv && sv->n ? rt_strv_join(sv, " ") : rt_xstrdup(dflt);
}

static void
render(struct rt_buf *b, const struct rt_rev_spec *spec, const char *created)
{
	char *down = join_or(spec->parents, "none");

	rt_buf_printf(b, "-- retort:revision %s\n-- retort:down_revision %s\n-- retort:message %s\n",
		      spec->id, down, spec->message ? spec->message : "");
	if (*created)
		rt_buf_printf(b, "-- retort:created %s\n", created);
	free(down);
	if (spec->depends && spec->depends->n) {
		down = join_or(spec->depends, "");
		rt_buf_printf(b, "-- retort:depends_on %s\n", down);
		free(down);
	}
	if (spec->labels && spec->labels->n) {
		down = join_or(spec->labels, "");
		rt_buf_printf(b, "-- retort:branch_labels %s\n", down);
		free(down);
	}
	if (spec->is_transaction_off)
		rt_buf_puts(b, "-- retort:transaction off\n");
	rt_buf_printf(b, "\n-- retort:upgrade\n%s\n\n-- retort:downgrade\n%s\n",
		      spec->upgrade ? spec->upgrade : "", spec->downgrade ? spec->downgrade : "");
}

int
rt_rev_render(const struct rt_rev_spec *spec, struct rt_buf *text, char **name, struct rt_err *err)
{
	char slug[48], created[64];
	unsigned cp = 0;

	if (!spec->id || !rt_rev_id_valid(spec->id)) {
		rt_err_set(err, RT_ERR_INPUT, "revision id '%s': expected 1-32 characters of [0-9a-z_]",
			   spec->id ? spec->id : "");
		return -1;
	}
	for (size_t i = 0; spec->labels && i < spec->labels->n; i++)
		if (!rt_rev_id_valid(spec->labels->v[i])) {
			rt_err_set(err, RT_ERR_INPUT, "branch label '%s': expected 1-32 characters "
				   "of [0-9a-z_]", spec->labels->v[i]);
			return -1;
		}
	if (spec->message && strlen(spec->message) > 1024) {
		rt_err_set(err, RT_ERR_INPUT, "the message is longer than 1024 bytes");
		return -1;
	}
	/* the parser refuses what it could not print or put in a SQL comment */
	if (spec->message && rt_rev_header_text_bad(spec->message, strlen(spec->message), &cp) <
	    strlen(spec->message)) {
		rt_err_set(err, RT_ERR_INPUT, "the message must be one line of printable text "
			   "(it holds U+%04X)", cp);
		return -1;
	}
	if (spec->created && (strchr(spec->created, '\n') || strchr(spec->created, '\r'))) {
		rt_err_set(err, RT_ERR_INPUT, "the created date must be one line");
		return -1;
	}
	slugify(spec->message ? spec->message : "", slug, sizeof(slug));
	snprintf(created, sizeof(created), "%s", spec->created ? spec->created : "");
	if (!spec->created)
		now_iso(created, sizeof(created));
	*name = rt_xasprintf("%s%s%s.sql", spec->id, *slug ? "_" : "", slug);
	render(text, spec, created);
	return 0;
}

char *
rt_rev_create(const char *versions_dir, const struct rt_rev_spec *spec, struct rt_err *err)
{
	struct rt_buf b = { 0 };
	char *name = NULL, *path = NULL;
	int fd;

	if (rt_rev_render(spec, &b, &name, err) < 0)
		goto fail;
	path = rt_xasprintf("%s/%s", versions_dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
	if (fd < 0) {
		rt_err_set(err, errno == EEXIST ? RT_ERR_INPUT : RT_ERR_RUN, "%s: cannot create: %s",
			   path, strerror(errno));
		goto fail;
	}
	if (write(fd, b.data, b.len) != (ssize_t)b.len || fsync(fd) != 0) {
		rt_err_set(err, RT_ERR_RUN, "%s: write failed: %s", path, strerror(errno));
		close(fd);
		unlink(path);
		goto fail;
	}
	close(fd);
	rt_buf_free(&b);
	free(name);
	return path;
fail:
	rt_buf_free(&b);
	free(name);
	free(path);
	return NULL;
}

int
rt_make_dirs(const char *dir, struct rt_err *err)
{
	char *p = rt_xstrdup(dir);
	int rc = 0;

	for (char *s = p + 1; ; s++) {
		char saved = *s;

		if (saved != '/' && saved != '\0')
			continue;
		*s = '\0';
		if (mkdir(p, 0755) < 0 && errno != EEXIST) {
			rt_err_set(err, RT_ERR_INPUT, "%s: cannot create: %s", p, strerror(errno));
			rc = -1;
			break;
		}
		*s = saved;
		if (saved == '\0')
			break;
	}
	free(p);
	return rc;
}

int
rt_project_init(const char *dir, struct rt_err *err)
{
	char *versions = rt_xasprintf("%s/versions", dir);
	char *path = rt_xasprintf("%s/retort.conf", dir);
	FILE *fp = NULL;
	int rc = -1;

	if (access(path, F_OK) == 0) {
		rt_err_set(err, RT_ERR_INPUT, "%s already exists", path);
		goto out;
	}
	if (rt_make_dirs(versions, err) < 0)
		goto out;
	if (!(fp = fopen(path, "wx"))) {
		rt_err_set(err, RT_ERR_INPUT, "%s: cannot create: %s", path, strerror(errno));
		goto out;
	}
	fputs(starter_conf, fp);
	if (fclose(fp) != 0) {
		rt_err_set(err, RT_ERR_RUN, "%s: %s", path, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	free(versions);
	free(path);
	return rc;
}
