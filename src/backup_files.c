/* backup_files.c - the backup dir: sidecars (CSV through libcsv), checksums,
 * the list of backups, retention per (database, env), and the comparison of saved and live row
 * counts. (The checks before a restore are the restore's: restore.c.) */
#include "config.h"
#include "rt_backup.h"

#include <csv.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backup_int.h"
#include "rt_csv.h"
#include "rt_err.h"
#include "rt_mem.h"

#define SIDECAR_MAGIC "retort-backup"

char *
rt_sidecar_path(const char *dump_path)
{
	return rt_xasprintf("%s.csv", dump_path);
}

int
rt_fsync_dir(const char *dir, struct rt_err *err)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0 || fsync(fd) < 0) {
		rt_err_set(err, RT_ERR_RUN, "%s: fsync: %s", dir, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

int
rt_file_sha256(const char *path, char out[65], struct rt_err *err)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned char buf[1 << 16], sum[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc = -1;
	ssize_t n;

	if (fd < 0 || !md || !EVP_DigestInit_ex(md, EVP_sha256(), NULL)) {
		rt_err_set(err, RT_ERR_RUN, "%s: %s", path, fd < 0 ? strerror(errno) : "SHA-256 failed");
		goto out;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		EVP_DigestUpdate(md, buf, (size_t)n);
	if (n < 0 || !EVP_DigestFinal_ex(md, sum, &len)) {
		rt_err_set(err, RT_ERR_RUN, "%s: read: %s", path, strerror(errno));
		goto out;
	}
	for (unsigned int i = 0; i < len && i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", sum[i]);
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	EVP_MD_CTX_free(md);
	return rc;
}

/* ---- sidecar -------------------------------------------------------------------- */

static void
kv(struct rt_buf *b, const char *key, const char *val)
{
	const char *row[] = { key, val };

	rt_csv_row(b, row, 2);
}

static void
sidecar_text(const struct rt_backup_info *b, struct rt_buf *out)
{
	char num[32];

	kv(out, SIDECAR_MAGIC, "1");
	kv(out, "name", b->name);
	kv(out, "sha256", b->sha256);
	snprintf(num, sizeof(num), "%lld", b->bytes);
	kv(out, "bytes", num);
	kv(out, "revision", b->revision);
	kv(out, "database", b->database);
	kv(out, "env", b->env);
	kv(out, "created", b->created);
	snprintf(num, sizeof(num), "%d", b->server_version);
	kv(out, "server_version", num);
	kv(out, "pg_dump", b->pg_dump);
	for (size_t i = 0; i < b->counts.n; i++) {
		const struct rt_table_count *t = &b->counts.v[i];
		const char *row[] = { "table", t->schema, t->name, num };

		snprintf(num, sizeof(num), "%lld", t->exact);
		rt_csv_row(out, row, 4);
	}
}

int
rt_sidecar_write(const char *dump_path, const struct rt_backup_info *b, struct rt_err *err)
{
	char *path = rt_sidecar_path(dump_path), *tmp = rt_xasprintf("%s.tmp", path);
	char *dir = rt_xstrdup(dump_path), *slash = strrchr(dir, '/');
	struct rt_buf text = { 0 };
	int fd, rc = -1;

	sidecar_text(b, &text);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, text.data, text.len) != (ssize_t)text.len || fsync(fd) < 0) {
		rt_err_set(err, RT_ERR_RUN, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	if (rename(tmp, path) < 0) {
		rt_err_set(err, RT_ERR_RUN, "%s: rename: %s", path, strerror(errno));
		goto out;
	}
	if (slash)
		*slash = '\0';
	rc = rt_fsync_dir(slash ? dir : ".", err);
out:
	if (fd >= 0)
		close(fd);
	if (rc < 0)
		unlink(tmp);
	rt_buf_free(&text);
	free(dir);
	free(tmp);
	free(path);
	return rc;
}

/* csv_parse collects each record's fields, then hands the record to apply_row. */
struct reader {
	struct rt_backup_info *b;
	struct rt_strv fields;
	size_t nrows;
	bool is_bad;
};

static void
set_str(char **dst, const char *v)
{
	free(*dst);
	*dst = rt_xstrdup(v);
}

static void
add_table(struct rt_counts *c, const char *schema, const char *name, const char *count)
{
	struct rt_table_count *t;

	c->v = rt_xreallocarray(c->v, c->n + 1, sizeof(*c->v));
	t = &c->v[c->n++];
	memset(t, 0, sizeof(*t));
	t->schema = rt_xstrdup(schema);
	t->name = rt_xstrdup(name);
	t->estimate = -1;
	t->exact = strtoll(count, NULL, 10);
	t->bytes = -1;
}

static void
apply_row(struct reader *r)
{
	struct rt_backup_info *b = r->b;
	char **f = r->fields.v;
	size_t n = r->fields.n;

	if (r->nrows++ == 0 && (n < 1 || strcmp(f[0], SIDECAR_MAGIC) != 0))
		r->is_bad = true;
	if (r->is_bad || n < 2)
		return;
	if (strcmp(f[0], "sha256") == 0)
		set_str(&b->sha256, f[1]);
	else if (strcmp(f[0], "revision") == 0)
		set_str(&b->revision, f[1]);
	else if (strcmp(f[0], "database") == 0)
		set_str(&b->database, f[1]);
	else if (strcmp(f[0], "env") == 0)
		set_str(&b->env, f[1]);
	else if (strcmp(f[0], "created") == 0)
		set_str(&b->created, f[1]);
	else if (strcmp(f[0], "pg_dump") == 0)
		set_str(&b->pg_dump, f[1]);
	else if (strcmp(f[0], "server_version") == 0)
		b->server_version = atoi(f[1]);
	else if (strcmp(f[0], "bytes") == 0)
		b->saved_bytes = strtoll(f[1], NULL, 10);
	else if (strcmp(f[0], "table") == 0 && n >= 4)
		add_table(&b->counts, f[1], f[2], f[3]);
}

static void
on_field(void *s, size_t len, void *ctx)
{
	struct reader *r = ctx;

	rt_strv_push_take(&r->fields, rt_xstrndup(s ? s : "", s ? len : 0));
}

static void
on_record(int c, void *ctx)
{
	struct reader *r = ctx;

	(void)c;
	apply_row(r);
	rt_strv_free(&r->fields);
}

static char *
slurp(const char *path, size_t *len)
{
	struct rt_buf b = { 0 };
	char buf[8192];
	FILE *f = fopen(path, "re");
	size_t n;

	if (!f)
		return NULL;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		rt_buf_append(&b, buf, n);
	fclose(f);
	*len = b.len;
	return rt_buf_take(&b);
}

int
rt_sidecar_read(const char *dump_path, struct rt_backup_info *b, struct rt_err *err)
{
	char *path = rt_sidecar_path(dump_path), *text;
	struct reader r = { .b = b };
	struct csv_parser p;
	size_t len = 0;
	int rc = -1;

	text = slurp(path, &len);
	if (!text) {
		rt_err_set(err, RT_ERR_INPUT, "%s: %s", path, strerror(errno));
		goto out;
	}
	csv_init(&p, CSV_APPEND_NULL);
	if (csv_parse(&p, text, len, on_field, on_record, &r) != len ||
	    csv_fini(&p, on_field, on_record, &r) != 0 || r.is_bad || !b->sha256) {
		rt_err_set(err, RT_ERR_INPUT, "%s: not a retort backup sidecar", path);
	} else {
		rc = 0;
	}
	csv_free(&p);
	rt_strv_free(&r.fields);
out:
	free(text);
	free(path);
	return rc;
}

/* ---- info, list ----------------------------------------------------------------- */

void
rt_backup_info_free(struct rt_backup_info *b)
{
	if (!b)
		return;
	free(b->path);
	free(b->name);
	free(b->sha256);
	free(b->revision);
	free(b->database);
	free(b->env);
	free(b->created);
	free(b->pg_dump);
	rt_counts_free(&b->counts);
	memset(b, 0, sizeof(*b));
}

static bool
is_dump_name(const char *name)
{
	size_t len = strlen(name);

	return name[0] != '.' && len > 5 && strcmp(name + len - 5, ".dump") == 0;
}

static int
newest_first(const void *a, const void *b)
{
	const struct rt_backup_info *x = a, *y = b;

	if (x->mtime != y->mtime)
		return x->mtime < y->mtime ? 1 : -1;
	if (x->mtime_ns != y->mtime_ns)
		return x->mtime_ns < y->mtime_ns ? 1 : -1;
	return strcmp(y->name, x->name);
}

/* Fills b for dir/name; false when it is not a regular file. */
static bool
load_one(const char *dir, const char *name, bool verify, struct rt_backup_info *b)
{
	struct stat st;
	char sum[65];

	memset(b, 0, sizeof(*b));
	b->path = rt_xasprintf("%s/%s", dir, name);
	if (stat(b->path, &st) < 0 || !S_ISREG(st.st_mode)) {
		free(b->path);
		return false;
	}
	b->name = rt_xstrdup(name);
	b->bytes = (long long)st.st_size;
	b->mtime = st.st_mtime;
	b->mtime_ns = st.st_mtim.tv_nsec;
	if (rt_sidecar_read(b->path, b, NULL) < 0)
		b->check = RT_BACKUP_NO_SIDECAR;
	else if (verify && rt_file_sha256(b->path, sum, NULL) == 0)
		b->check = strcmp(sum, b->sha256) == 0 ? RT_BACKUP_OK : RT_BACKUP_BAD_SUM;
	else if (verify)
		b->check = RT_BACKUP_BAD_SUM;
	return true;
}

int
rt_backup_list(const char *dir, bool verify, struct rt_backup_list *out, struct rt_err *err)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	rt_backup_list_free(out);
	if (!d) {
		if (errno == ENOENT)
			return 0;
		rt_err_set(err, RT_ERR_RUN, "%s: %s", dir, strerror(errno));
		return -1;
	}
	while ((e = readdir(d))) {
		if (!is_dump_name(e->d_name))
			continue;
		out->v = rt_xreallocarray(out->v, out->n + 1, sizeof(*out->v));
		if (load_one(dir, e->d_name, verify, &out->v[out->n]))
			out->n++;
	}
	closedir(d);
	if (out->n)
		qsort(out->v, out->n, sizeof(*out->v), newest_first);
	return 0;
}

void
rt_backup_list_free(struct rt_backup_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		rt_backup_info_free(&l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* ---- prune ---------------------------------------------------------------------- */

static int
remove_backup(const char *path, struct rt_err *err)
{
	char *side = rt_sidecar_path(path);
	int rc = 0;

	/* the sidecar first: a dump without one never looks complete */
	if (unlink(side) < 0 && errno != ENOENT)
		rc = -1;
	if (rc == 0 && unlink(path) < 0)
		rc = -1;
	if (rc < 0)
		rt_err_set(err, RT_ERR_RUN, "cannot delete %s: %s", path, strerror(errno));
	free(side);
	return rc;
}

/* The pairs a prune sees, in the order it reports them. */
struct pairs {
	const struct rt_backup_info **v;    /* one backup of each pair (its newest) */
	size_t n;
};

static bool
has_owner(const struct rt_backup_info *b)
{
	return b->check != RT_BACKUP_NO_SIDECAR && b->database && b->env;
}

static bool
same_pair(const struct rt_backup_info *a, const struct rt_backup_info *b)
{
	return strcmp(a->database, b->database) == 0 && strcmp(a->env, b->env) == 0;
}

bool
rt_backup_is_of(const struct rt_backup_info *b, const char *database, const char *env)
{
	return has_owner(b) && database && env && strcmp(b->database, database) == 0 &&
	       strcmp(b->env, env) == 0;
}

static bool
is_session_pair(const struct rt_prune_policy *pol, const struct rt_backup_info *b)
{
	return !pol->all_envs && rt_backup_is_of(b, pol->database, pol->env);
}

/* The session's pair first (what the user asked about), then by name. */
static int
pair_order(const struct rt_prune_policy *pol, const struct rt_backup_info *a,
	   const struct rt_backup_info *b)
{
	bool sa = is_session_pair(pol, a), sb = is_session_pair(pol, b);
	int c;

	if (sa != sb)
		return sa ? -1 : 1;
	c = strcmp(a->database, b->database);
	return c ? c : strcmp(a->env, b->env);
}

/* The distinct pairs of l (newest first), sorted by pair_order (insertion:
 * a dir holds a handful of pairs). */
static void
find_pairs(const struct rt_backup_list *l, const struct rt_prune_policy *pol, struct pairs *p)
{
	for (size_t i = 0; i < l->n; i++) {
		const struct rt_backup_info *b = &l->v[i];
		size_t k = 0, at;

		if (!has_owner(b))
			continue;
		while (k < p->n && !same_pair(p->v[k], b))
			k++;
		if (k < p->n)
			continue;
		p->v = rt_xreallocarray(p->v, p->n + 1, sizeof(*p->v));
		for (at = p->n; at > 0 && pair_order(pol, b, p->v[at - 1]) < 0; at--)
			p->v[at] = p->v[at - 1];
		p->v[at] = b;
		p->n++;
	}
}

static struct rt_prune_item *
add_item(struct rt_prune_result *out, const struct rt_backup_info *b, enum rt_prune_why why)
{
	struct rt_prune_item *it;

	out->v = rt_xreallocarray(out->v, out->n + 1, sizeof(*out->v));
	it = &out->v[out->n++];
	memset(it, 0, sizeof(*it));
	it->name = rt_xstrdup(b->name);
	it->database = has_owner(b) ? rt_xstrdup(b->database) : NULL;
	it->env = has_owner(b) ? rt_xstrdup(b->env) : NULL;
	it->mtime = b->mtime;
	it->why = why;
	it->goes = why == RT_PRUNE_TOO_OLD || why == RT_PRUNE_TOO_MANY;
	out->ngone += it->goes;
	return it;
}

/* The verdicts for the backups of one pair (l is newest first). */
static void
judge_pair(const struct rt_backup_list *l, const struct rt_backup_info *pair,
	   const struct rt_prune_policy *pol, time_t now, struct rt_prune_result *out)
{
	bool in_scope = pol->all_envs || is_session_pair(pol, pair);
	size_t rank = 0;

	for (size_t i = 0; i < l->n; i++) {
		const struct rt_backup_info *b = &l->v[i];
		enum rt_prune_why why;

		if (!has_owner(b) || !same_pair(b, pair))
			continue;
		if (!in_scope)
			why = RT_PRUNE_OTHER;
		else if (rank == 0)
			why = RT_PRUNE_NEWEST;
		else if (pol->keep_days > 0 && now - b->mtime > (time_t)pol->keep_days * 86400)
			why = RT_PRUNE_TOO_OLD;
		else if (pol->keep_count > 0 && rank >= (size_t)pol->keep_count)
			why = RT_PRUNE_TOO_MANY;
		else
			why = RT_PRUNE_WITHIN;
		add_item(out, b, why);
		rank++;
	}
}

int
rt_backup_prune(const char *dir, const struct rt_prune_policy *policy, bool dry_run,
		struct rt_prune_result *out, struct rt_err *err)
{
	struct rt_backup_list l = { 0 };
	struct pairs pairs = { 0 };
	time_t now = policy->now ? policy->now : time(NULL);
	size_t ndeleted = 0;
	int rc = 0;

	rt_prune_result_free(out);
	if (rt_backup_list(dir, false, &l, err) < 0)
		return -1;
	find_pairs(&l, policy, &pairs);
	for (size_t k = 0; k < pairs.n; k++)
		judge_pair(&l, pairs.v[k], policy, now, out);
	for (size_t i = 0; i < l.n; i++)
		if (!has_owner(&l.v[i]))
			add_item(out, &l.v[i], RT_PRUNE_NO_SIDECAR);
	for (size_t i = 0; i < out->n && !dry_run && rc == 0; i++) {
		struct rt_prune_item *it = &out->v[i];
		char *path;

		if (!it->goes)
			continue;
		path = rt_xasprintf("%s/%s", dir, it->name);
		rc = remove_backup(path, err);
		it->is_deleted = rc == 0;
		ndeleted += it->is_deleted;
		free(path);
	}
	/* the deletions that were made are made durable even after a failure */
	if (ndeleted && rt_fsync_dir(dir, rc == 0 ? err : NULL) < 0)
		rc = -1;
	free(pairs.v);
	rt_backup_list_free(&l);
	return rc;
}

void
rt_prune_result_free(struct rt_prune_result *r)
{
	for (size_t i = 0; i < r->n; i++) {
		free(r->v[i].name);
		free(r->v[i].database);
		free(r->v[i].env);
	}
	free(r->v);
	memset(r, 0, sizeof(*r));
}

bool
rt_prune_same_pair(const struct rt_prune_item *a, const struct rt_prune_item *b)
{
	if (!a->database || !b->database)
		return !a->database && !b->database;
	return strcmp(a->database, b->database) == 0 && strcmp(a->env, b->env) == 0;
}

const char *
rt_backup_env_label(const char *env)
{
	return env && *env ? env : "url";
}

/* ---- compare -------------------------------------------------------------------- */

static void
add_diff(struct rt_count_diffs *d, const char *schema, const char *name, long long saved,
	 long long live)
{
	struct rt_count_diff *x;

	d->v = rt_xreallocarray(d->v, d->n + 1, sizeof(*d->v));
	x = &d->v[d->n++];
	x->schema = rt_xstrdup(schema);
	x->name = rt_xstrdup(name);
	x->saved = saved;
	x->live = live;
}

static int
by_name(const void *a, const void *b)
{
	const struct rt_count_diff *x = a, *y = b;
	int c = strcmp(x->schema, y->schema);

	return c ? c : strcmp(x->name, y->name);
}

void
rt_counts_compare(const struct rt_counts *saved, const struct rt_counts *live,
		  struct rt_count_diffs *out)
{
	rt_count_diffs_free(out);
	for (size_t i = 0; i < saved->n; i++) {
		const struct rt_table_count *s = &saved->v[i];
		const struct rt_table_count *l = rt_counts_find(live, s->schema, s->name);

		if (!l || l->exact != s->exact)
			add_diff(out, s->schema, s->name, s->exact, l ? l->exact : -1);
	}
	for (size_t i = 0; i < live->n; i++) {
		const struct rt_table_count *l = &live->v[i];

		if (!rt_counts_find(saved, l->schema, l->name))
			add_diff(out, l->schema, l->name, -1, l->exact);
	}
	if (out->n)
		qsort(out->v, out->n, sizeof(*out->v), by_name);
}

void
rt_count_diffs_free(struct rt_count_diffs *d)
{
	for (size_t i = 0; i < d->n; i++) {
		free(d->v[i].schema);
		free(d->v[i].name);
	}
	free(d->v);
	d->v = NULL;
	d->n = 0;
}
