/* adopt_import.c - `retort import alembic DIR`: Alembic revisions as retort
 * files. The Python side (adopt_driver.c) reads and renders; this side checks,
 * writes the files beside the versions dir and moves them in, all or nothing. */
#include "config.h"
#include "rt_adopt.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "adopt_int.h"
#include "rt_err.h"
#include "rt_graph.h"
#include "rt_job.h"
#include "rt_mem.h"
#include "rt_migration.h"
#include "rt_project.h"
#include "rt_spawn.h"

/* One revision as the driver reported it. */
struct arev {
	char *file, *id, *down, *depends, *labels, *msg, *created, *src;
	char *up, *dn, *up_err, *dn_err, *bad;
	bool is_txoff;
	char *name;                     /* the retort file name */
	struct rt_buf text;             /* the retort file */
	bool is_same;
};

struct arevs {
	struct arev *v;
	size_t n;
};

static void
arevs_free(struct arevs *a)
{
	for (size_t i = 0; i < a->n; i++) {
		struct arev *r = &a->v[i];

		free(r->file); free(r->id); free(r->down); free(r->depends); free(r->labels);
		free(r->msg); free(r->created); free(r->src); free(r->up); free(r->dn);
		free(r->up_err); free(r->dn_err); free(r->bad); free(r->name);
		rt_buf_free(&r->text);
	}
	free(a->v);
	a->v = NULL;
	a->n = 0;
}

static bool
is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int
read_file(const char *path, struct rt_buf *b, struct rt_err *err)
{
	char chunk[65536];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		rt_err_set(err, RT_ERR_RUN, "%s: %s", path, strerror(errno));
		return -1;
	}
	while ((n = read(fd, chunk, sizeof(chunk))) > 0)
		rt_buf_append(b, chunk, (size_t)n);
	close(fd);
	if (n < 0) {
		rt_err_set(err, RT_ERR_RUN, "%s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* ---- the driver's records: "KEY LEN\n" LEN bytes "\n" ------------------------ */

static char **
field_slot(struct arev *r, const char *key, bool *flag)
{
	static const struct { const char *key; size_t off; } map[] = {
		{ "REV", offsetof(struct arev, id) },
		{ "DOWN", offsetof(struct arev, down) },
		{ "DEPENDS", offsetof(struct arev, depends) },
		{ "LABELS", offsetof(struct arev, labels) },
		{ "MSG", offsetof(struct arev, msg) },
		{ "CREATED", offsetof(struct arev, created) },
		{ "SRC", offsetof(struct arev, src) },
		{ "UP", offsetof(struct arev, up) },
		{ "DN", offsetof(struct arev, dn) },
		{ "UPERR", offsetof(struct arev, up_err) },
		{ "DNERR", offsetof(struct arev, dn_err) },
		{ "BAD", offsetof(struct arev, bad) },
	};

	*flag = false;
	if (strcmp(key, "TXOFF") == 0) {
		r->is_txoff = true;
		*flag = true;
		return NULL;
	}
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(map[i].key, key) == 0)
			return (char **)((char *)r + map[i].off);
	return NULL;
}

static int
parse_records(const char *data, size_t len, struct arevs *out, struct rt_err *err)
{
	size_t pos = 0;
	struct arev *cur = NULL;

	while (pos < len) {
		const char *nl = memchr(data + pos, '\n', len - pos);
		char key[16];
		unsigned long n;
		char *end;
		const char *sp;
		char **slot;
		bool flag;

		sp = nl ? memchr(data + pos, ' ', (size_t)(nl - (data + pos))) : NULL;
		if (!nl || !sp || (size_t)(sp - (data + pos)) >= sizeof(key))
			goto bad;
		memcpy(key, data + pos, (size_t)(sp - (data + pos)));
		key[sp - (data + pos)] = '\0';
		n = strtoul(sp + 1, &end, 10);
		if (end != nl || n > len - (size_t)(nl + 1 - data) - 1 || nl[1 + n] != '\n')
			goto bad;
		if (strcmp(key, "FILE") == 0) {
			out->v = rt_xreallocarray(out->v, out->n + 1, sizeof(*out->v));
			cur = &out->v[out->n++];
			memset(cur, 0, sizeof(*cur));
			cur->file = rt_xstrndup(nl + 1, n);
		} else if (!cur) {
			goto bad;
		} else if (strcmp(key, "END") == 0) {
			cur = NULL;
		} else if ((slot = field_slot(cur, key, &flag)) != NULL) {
			free(*slot);
			*slot = rt_xstrndup(nl + 1, n);
		} else if (!flag) {
			goto bad;
		}
		pos = (size_t)(nl + 1 - data) + n + 1;
	}
	if (cur)
		goto bad;
	return 0;
bad:
	rt_err_set(err, RT_ERR_RUN, "import: the Python driver's output is malformed "
		   "(at byte %zu)", pos);
	return -1;
}

/* ---- running the driver ------------------------------------------------------ */

static void
set_missing(struct rt_err *err, const char *python)
{
	rt_err_set(err, RT_ERR_INPUT, "import alembic needs Python 3 with Alembic and SQLAlchemy "
		   "(%s has not): apt-get install python3-alembic, or give --python PATH", python);
}

/* ---- building the retort files ------------------------------------------------- */

/* "a b" -> strv (empty string: none) */
static void
split_ids(const char *s, struct rt_strv *out)
{
	const char *p = s ? s : "";

	while (*p) {
		size_t n;

		p += strspn(p, " ");
		n = strcspn(p, " ");
		if (n)
			rt_strv_push_take(out, rt_xstrndup(p, n));
		p += n;
	}
}

/* Text from a Python file made safe for a header: controls become '?'. */
static char *
header_text(const char *s, size_t max)
{
	char *t = rt_xstrndup(s, strnlen(s, max));
	size_t len = strlen(t), at;
	unsigned cp;

	while ((at = rt_rev_header_text_bad(t, len, &cp)) < len) {
		/* replace the whole UTF-8 sequence (or the one bad byte) by '?' */
		size_t seq = 1;

		while (at + seq < len && ((unsigned char)t[at + seq] & 0xC0) == 0x80 &&
		       cp != 0xFFFD && seq < 4)
			seq++;
		t[at] = '?';
		memmove(t + at + 1, t + at + seq, len - at - seq + 1);
		len -= seq - 1;
	}
	return t;
}

/* A TODO section: why, then the Python source as comments. */
static void
todo_section(struct rt_buf *b, const struct arev *r, const char *fn, const char *why)
{
	char *safe = header_text(why, 400);

	rt_buf_printf(b, "%s Alembic could not render %s() offline (%s).\n"
		      "-- Write its SQL here by hand. The revision's Python source (%s):\n",
		      RT_IMPORT_TODO, fn, safe, r->file);
	free(safe);
	for (const char *p = r->src ? r->src : ""; *p; ) {
		size_t n = strcspn(p, "\n");

		rt_buf_puts(b, "--   ");
		for (size_t i = 0; i < n; i++) {
			unsigned char ch = (unsigned char)p[i];

			if (ch == '\r' && i + 1 == n)
				break;
			rt_buf_putc(b, ch < 0x20 && ch != '\t' ? '?' : (char)ch);
		}
		rt_buf_putc(b, '\n');
		p += n;
		if (*p == '\n')
			p++;
	}
}

static char *
section(const struct arev *r, const char *sql, const char *why, const char *fn, bool is_merge)
{
	struct rt_buf b = { 0 };
	size_t len;

	if (why) {
		todo_section(&b, r, fn, why);
	} else {
		len = strlen(sql);
		while (len && (sql[len - 1] == '\n' || sql[len - 1] == ' '))
			len--;
		if (len)
			rt_buf_append(&b, sql, len);
		else if (is_merge)
			rt_buf_puts(&b, "-- merge: no schema change");
		else
			rt_buf_printf(&b, "-- Alembic's %s() runs no SQL", fn);
	}
	/* render() adds the newline */
	if (b.len && b.data[b.len - 1] == '\n')
		b.data[--b.len] = '\0';
	return rt_buf_take(&b);
}

static int
build_file(struct arev *r, struct rt_err *err)
{
	struct rt_strv parents = { 0 }, depends = { 0 }, labels = { 0 };
	struct rt_rev_spec spec = { 0 };
	char *msg = header_text(r->msg ? r->msg : "", 1024);
	char *created = header_text(r->created ? r->created : "", 60);
	char *up, *dn;
	int rc;

	split_ids(r->down, &parents);
	split_ids(r->depends, &depends);
	split_ids(r->labels, &labels);
	up = section(r, r->up ? r->up : "", r->up_err, "upgrade", parents.n > 1);
	dn = section(r, r->dn ? r->dn : "", r->dn_err, "downgrade", parents.n > 1);
	spec.id = r->id;
	spec.message = msg;
	spec.parents = &parents;
	spec.depends = &depends;
	spec.labels = &labels;
	spec.upgrade = up;
	spec.downgrade = dn;
	spec.created = created;
	spec.is_transaction_off = r->is_txoff;
	for (size_t i = 0; i < parents.n + depends.n; i++) {
		const char *id = i < parents.n ? parents.v[i] : depends.v[i - parents.n];

		if (!rt_rev_id_valid(id)) {
			rt_err_set(err, RT_ERR_INPUT, "revision id '%s': expected 1-32 characters of "
				   "[0-9a-z_]", id);
			rc = -1;
			goto out;
		}
	}
	rc = rt_rev_render(&spec, &r->text, &r->name, err);
out:
	if (rc < 0)
		rt_err_locate(err, r->file);
	rt_strv_free(&parents);
	rt_strv_free(&depends);
	rt_strv_free(&labels);
	free(msg);
	free(created);
	free(up);
	free(dn);
	return rc;
}

/* The files parse and make a graph (parents and dependencies among them or
 * in the versions dir's own files). */
static int
check_graph(struct arevs *a, const char *versions_dir, struct rt_err *err)
{
	struct rt_graph *g = rt_graph_new();
	struct rt_graph *have = is_dir(versions_dir) ? rt_graph_load_headers(versions_dir, NULL)
						     : NULL;
	int rc = -1;

	for (size_t i = 0; i < a->n; i++) {
		struct rt_rev *rev = rt_rev_parse(a->v[i].name, a->v[i].text.data, a->v[i].text.len,
						  err);

		if (!rev || rt_graph_add_take(g, rev, err) < 0)
			goto out;
	}
	/* the versions dir's other revisions may be parents of imported ones */
	for (size_t i = 0; have && i < rt_graph_count(have); i++) {
		const struct rt_rev *h = rt_graph_node(have, i)->rev;
		struct rt_buf text = { 0 };
		struct rt_rev *copy;
		struct rt_strv parents = { 0 };
		struct rt_rev_spec spec = { 0 };
		char *name = NULL;

		if (rt_graph_find(g, h->id) >= 0)
			continue;
		for (size_t k = 0; k < h->ndown; k++)
			rt_strv_push(&parents, h->down[k]);
		spec.id = h->id;
		spec.parents = &parents;
		spec.created = "";
		if (rt_rev_render(&spec, &text, &name, NULL) == 0 &&
		    (copy = rt_rev_parse(h->path, text.data, text.len, NULL)) != NULL)
			rt_graph_add_take(g, copy, NULL);
		rt_buf_free(&text);
		rt_strv_free(&parents);
		free(name);
	}
	rc = rt_graph_build(g, err);
out:
	rt_graph_free(g);
	rt_graph_free(have);
	return rc;
}

/* Sets is_same, or fails when the versions dir has another file for an id. */
static int
check_existing(struct arevs *a, const char *versions_dir, struct rt_err *err)
{
	DIR *d = opendir(versions_dir);
	struct dirent *de;
	int rc = 0;

	if (!d)
		return errno == ENOENT ? 0 : (rt_err_set(err, RT_ERR_RUN, "%s: %s", versions_dir,
							  strerror(errno)), -1);
	while (rc == 0 && (de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);

		if (len < 5 || strcmp(de->d_name + len - 4, ".sql") != 0)
			continue;
		for (size_t i = 0; i < a->n; i++) {
			struct arev *r = &a->v[i];
			size_t idl = strlen(r->id);
			char *path;
			struct rt_buf have = { 0 };

			if (strncmp(de->d_name, r->id, idl) != 0 ||
			    (de->d_name[idl] != '_' && de->d_name[idl] != '.'))
				continue;
			path = rt_xasprintf("%s/%s", versions_dir, de->d_name);
			if (strcmp(de->d_name, r->name) != 0) {
				rt_err_set(err, RT_ERR_INPUT, "%s: revision %s is already there; "
					   "refusing to import it as %s", path, r->id, r->name);
				rc = -1;
			} else if (read_file(path, &have, err) < 0) {
				rc = -1;
			} else if (have.len == r->text.len &&
				   memcmp(have.data, r->text.data, have.len) == 0) {
				r->is_same = true;
			} else {
				rt_err_set(err, RT_ERR_INPUT, "%s: exists with other content; "
					   "the import would overwrite it (nothing was written)", path);
				rc = -1;
			}
			rt_buf_free(&have);
			free(path);
			if (rc < 0)
				break;
		}
	}
	closedir(d);
	return rc;
}

static int
write_all(const char *path, const struct rt_buf *b, struct rt_err *err)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);

	if (fd < 0) {
		rt_err_set(err, RT_ERR_RUN, "%s: cannot create: %s", path, strerror(errno));
		return -1;
	}
	if (write(fd, b->data, b->len) != (ssize_t)b->len || fsync(fd) != 0) {
		rt_err_set(err, RT_ERR_RUN, "%s: write failed: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

/* Writes the new files in a directory beside versions_dir, then moves them
 * in; on a failure the ones already moved are taken out again. */
static int
install(struct arevs *a, const char *versions_dir, struct rt_err *err)
{
	char *parent = rt_xasprintf("%s/..", versions_dir);
	char *stage = rt_xasprintf("%s/.retort-import-XXXXXX", parent);
	size_t moved = 0, written = 0;
	sigset_t block, saved;
	int rc = -1;

	/* Ctrl-C waits until the files are all in or all out */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	sigprocmask(SIG_BLOCK, &block, &saved);
	if (!mkdtemp(stage)) {
		sigprocmask(SIG_SETMASK, &saved, NULL);
		rt_err_set(err, RT_ERR_RUN, "%s: cannot create: %s", stage, strerror(errno));
		free(stage);
		free(parent);
		return -1;
	}
	for (; written < a->n; written++) {
		char *p;

		if (a->v[written].is_same)
			continue;
		p = rt_xasprintf("%s/%s", stage, a->v[written].name);
		rc = write_all(p, &a->v[written].text, err);
		free(p);
		if (rc < 0)
			goto undo;
	}
	for (; moved < a->n; moved++) {
		char *from, *to;

		if (a->v[moved].is_same)
			continue;
		from = rt_xasprintf("%s/%s", stage, a->v[moved].name);
		to = rt_xasprintf("%s/%s", versions_dir, a->v[moved].name);
		/* never over a file that appeared meanwhile */
		rc = link(from, to);
		if (rc < 0)
			rt_err_set(err, RT_ERR_RUN, "%s: cannot create: %s", to, strerror(errno));
		free(from);
		free(to);
		if (rc < 0)
			goto undo;
	}
	rc = 0;
undo:
	for (size_t i = 0; i < a->n; i++) {
		char *p;

		if (a->v[i].is_same)
			continue;
		if (rc < 0 && i < moved) {
			p = rt_xasprintf("%s/%s", versions_dir, a->v[i].name);
			unlink(p);
			free(p);
		}
		if (i < written) {
			p = rt_xasprintf("%s/%s", stage, a->v[i].name);
			unlink(p);
			free(p);
		}
	}
	rmdir(stage);
	sigprocmask(SIG_SETMASK, &saved, NULL);
	free(stage);
	free(parent);
	return rc;
}

/* ---- the import as a job: the driver runs in the background ------------------ */

struct ijob {
	char *versions_dir;
	bool dry_run;
	struct rt_import *out;          /* the caller's */
	char *vdir, *work, *outfile;
	char *pythons[2];               /* the candidates, in turn; owned */
	int at;                         /* the candidate running */
	struct rt_proc proc;
	bool cancelled, done;
	int rc;                         /* when done */
	struct rt_err ferr;
};

/* Starts the driver with candidate j->at: 0, or 1 when it could not start. */
static int
driver_start(struct ijob *j)
{
	const char *argv[] = { j->pythons[j->at], "-B", "-c", rt_adopt_driver_py, j->vdir,
			       j->outfile, NULL };
	struct rt_err e = { 0 };

	return rt_proc_start_in(&j->proc, argv, NULL, j->work, &e) < 0 ? 1 : 0;
}

/* After the driver: the files built, checked and (unless dry_run)
 * installed; out filled. 0 or -1 with err. */
static int
finish_import(struct ijob *j, const char *python, struct rt_err *err)
{
	struct arevs a = { 0 };
	struct rt_buf data = { 0 };
	int rc = -1;

	if (read_file(j->outfile, &data, err) < 0 || parse_records(data.data, data.len, &a, err) < 0)
		goto out;
	if (a.n == 0) {
		rt_err_set(err, RT_ERR_INPUT, "%s: no Alembic revision files (*.py)", j->vdir);
		goto out;
	}
	for (size_t i = 0; i < a.n; i++) {
		if (a.v[i].bad) {
			char *p = rt_xasprintf("%s/%s", j->vdir, a.v[i].file);

			rt_err_set(err, RT_ERR_INPUT, "%s: %s", p, a.v[i].bad);
			free(p);
			goto out;
		}
		if (build_file(&a.v[i], err) < 0)
			goto out;
	}
	if (check_graph(&a, j->versions_dir, err) < 0 || check_existing(&a, j->versions_dir, err) < 0)
		goto out;
	if (!j->dry_run && (rt_make_dirs(j->versions_dir, err) < 0 ||
			    install(&a, j->versions_dir, err) < 0))
		goto out;
	j->out->v = rt_xcalloc(a.n, sizeof(*j->out->v));
	for (size_t i = 0; i < a.n; i++) {
		struct rt_import_item *it = &j->out->v[j->out->n++];
		const struct arev *r = &a.v[i];

		it->source = rt_xstrdup(r->file);
		it->id = rt_xstrdup(r->id);
		it->name = rt_xstrdup(r->name);
		it->state = r->is_same ? RT_IMPORT_SAME : RT_IMPORT_NEW;
		it->has_todo = r->up_err || r->dn_err;
		if (it->has_todo)
			it->todo_reason = header_text(r->up_err ? r->up_err : r->dn_err, 400);
	}
	j->out->python = rt_xstrdup(python);
	rc = 0;
out:
	arevs_free(&a);
	rt_buf_free(&data);
	return rc;
}

static size_t
i_fds(void *impl, struct pollfd *fds, size_t max)
{
	struct ijob *j = impl;

	if (j->done || max < 1 || j->proc.fd < 0)
		return 0;
	fds[0].fd = j->proc.fd;
	fds[0].events = POLLIN;
	fds[0].revents = 0;
	return 1;
}

/* The job's end: the work directory goes, the result stays. */
static int
i_end(struct ijob *j, int rc, struct rt_err *err)
{
	if (j->outfile)
		unlink(j->outfile);
	if (j->work)
		rmdir(j->work);
	j->done = true;
	j->rc = rc;
	if (rc < 0 && err)
		*err = j->ferr;
	return rc;
}

static int
i_step(void *impl, struct rt_err *err)
{
	struct ijob *j = impl;
	const char *python;
	int status;

	if (j->done) {
		if (j->rc < 0 && err)
			*err = j->ferr;
		return j->rc;
	}
	if (j->proc.is_running && rt_proc_poll(&j->proc) == 1)
		return 1;
	status = j->proc.status;      /* reaped: the exit code, or 128 + signal */
	python = j->pythons[j->at];
	if (j->cancelled) {
		rt_err_set(&j->ferr, RT_ERR_CANCEL, "import cancelled: nothing written");
		return i_end(j, -1, err);
	}
	/* no such program (127) or no Alembic in it: the next candidate */
	if (status == 127 || status == RT_ADOPT_NO_ALEMBIC) {
		rt_buf_free(&j->proc.out);
		while (++j->at < 2 && j->pythons[j->at])
			if (driver_start(j) == 0)
				return 1;
		set_missing(&j->ferr, python);
		return i_end(j, -1, err);
	}
	if (status != 0) {
		rt_err_set(&j->ferr, RT_ERR_RUN, "import: %s exited with status %d while reading "
			   "the Alembic revisions", python, status);
		if (j->proc.out.len)
			rt_err_detail(&j->ferr, "%s", rt_buf_str(&j->proc.out));
		return i_end(j, -1, err);
	}
	return i_end(j, finish_import(j, python, &j->ferr), err);
}

static void
i_cancel(void *impl)
{
	struct ijob *j = impl;

	j->cancelled = true;
	if (j->proc.is_running && j->proc.pid > 0)
		kill(j->proc.pid, SIGTERM);
}

static void
i_free(void *impl)
{
	struct ijob *j = impl;

	if (j->proc.is_running || j->proc.fd >= 0)
		rt_proc_end(&j->proc);
	else
		rt_buf_free(&j->proc.out);
	if (!j->done)
		i_end(j, -1, NULL);
	free(j->versions_dir);
	free(j->vdir);
	free(j->work);
	free(j->outfile);
	free(j->pythons[0]);
	free(j->pythons[1]);
	free(j);
}

static const struct rt_job_ops import_ops = {
	.name = "import alembic", .fds = i_fds, .step = i_step, .cancel = i_cancel, .free = i_free,
};

struct rt_job *
rt_import_alembic_start(const char *src_dir, const char *versions_dir,
			const struct rt_import_opts *opts, struct rt_import *out,
			struct rt_err *err)
{
	static const struct rt_import_opts defaults;
	const char *tmp = getenv("TMPDIR");
	struct ijob *j = rt_xcalloc(1, sizeof(*j));
	char *abs;

	memset(out, 0, sizeof(*out));
	if (!opts)
		opts = &defaults;
	j->out = out;
	j->dry_run = opts->dry_run;
	j->versions_dir = rt_xstrdup(versions_dir);
	j->proc.fd = -1;
	j->vdir = rt_xasprintf("%s/versions", src_dir);
	if (!is_dir(j->vdir)) {
		free(j->vdir);
		j->vdir = rt_xstrdup(src_dir);
	}
	if (!is_dir(j->vdir)) {
		rt_err_set(err, RT_ERR_INPUT, "%s: no such directory", src_dir);
		goto fail;
	}
	/* the driver runs in the work directory: give it an absolute path */
	if (!(abs = realpath(j->vdir, NULL))) {
		rt_err_set(err, RT_ERR_INPUT, "%s: %s", j->vdir, strerror(errno));
		goto fail;
	}
	free(j->vdir);
	j->vdir = abs;
	j->work = rt_xasprintf("%s/retort-import-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(j->work)) {
		rt_err_set(err, RT_ERR_RUN, "%s: cannot create: %s", j->work, strerror(errno));
		free(j->work);
		j->work = NULL;
		goto fail;
	}
	j->outfile = rt_xasprintf("%s/records", j->work);
	if (opts->python) {
		j->pythons[0] = rt_xstrdup(opts->python);
	} else {
		/* python3 on PATH may be a pyenv or venv one without Alembic: then
		 * the system's, where python3-alembic puts it */
		char *which = rt_spawn_which("python3");

		j->pythons[0] = which ? which : rt_xstrdup("python3");
		if ((!which || strcmp(which, "/usr/bin/python3") != 0) &&
		    access("/usr/bin/python3", X_OK) == 0)
			j->pythons[1] = rt_xstrdup("/usr/bin/python3");
	}
	for (j->at = 0; j->at < 2 && j->pythons[j->at]; j->at++)
		if (driver_start(j) == 0)
			return rt_job_new(&import_ops, j);
	set_missing(err, j->pythons[0]);
fail:
	i_free(j);
	return NULL;
}

int
rt_import_alembic(const char *src_dir, const char *versions_dir,
		  const struct rt_import_opts *opts, struct rt_import *out, struct rt_err *err)
{
	struct rt_job *job = rt_import_alembic_start(src_dir, versions_dir, opts, out, err);
	int rc;

	if (!job)
		return -1;
	rc = rt_job_run(job, err);
	rt_job_free(job);
	return rc;
}

void
rt_import_free(struct rt_import *imp)
{
	if (!imp)
		return;
	for (size_t i = 0; i < imp->n; i++) {
		free(imp->v[i].source);
		free(imp->v[i].id);
		free(imp->v[i].name);
		free(imp->v[i].todo_reason);
	}
	free(imp->v);
	free(imp->python);
	memset(imp, 0, sizeof(*imp));
}

static bool
has_todo(const char *body)
{
	size_t n = strlen(RT_IMPORT_TODO);

	for (const char *p = body; p && *p; ) {
		if (strncmp(p, RT_IMPORT_TODO, n) == 0)
			return true;
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return false;
}

bool
rt_rev_has_import_todo(const struct rt_rev *rev)
{
	return rev && (has_todo(rev->upgrade) || has_todo(rev->downgrade));
}
