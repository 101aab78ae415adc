/* modelcache.c - schema models of shadow builds kept on disk
 * (rt_modelcache.h). An entry is one file named by its key:
 *
 *   retort-model 1\n  <objects>\n
 *   per object: kind contype identity generated notnull partition pos anchor\n
 *               then 8 strings (schema table name def cols collation dflt
 *               owned_by), each "<length>\n<bytes>\n", length -1 for NULL.
 */
#include "config.h"
#include "rt_modelcache.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "db_int.h"
#include "rt_catalog.h"
#include "rt_db.h"
#include "rt_err.h"
#include "rt_graph.h"
#include "rt_mem.h"
#include "rt_migration.h"
#include "rt_plan.h"
#include "rt_project.h"

/* Bump the number when struct rt_cat_obj or what the reader puts in it
 * changes without its queries changing (those are in the key already). */
#define MAGIC "retort-model 2\n"

char *
rt_modelcache_dir(void)
{
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");

	if (xdg && *xdg == '/')
		return rt_xasprintf("%s/retort/models", xdg);
	if (home && *home == '/')
		return rt_xasprintf("%s/.cache/retort/models", home);
	return NULL;
}

/* What every key starts with: the format, the catalog queries, the server
 * and the version table a read leaves out. */
static void
key_head(struct rt_buf *b, struct rt_db *db)
{
	rt_buf_printf(b, "%s%s\nserver %d\nversion table %s\n", MAGIC, rt_catalog_format_id(),
		      rt_db_server_version(db), db->vt_name ? db->vt_name : "");
}

static void
key_of(struct rt_buf *b, char key[65])
{
	rt_sha256_hex(rt_buf_str(b), b->len, key);
	rt_buf_free(b);
}

int
rt_modelcache_key_revs(const struct rt_graph *g, const struct rt_strv *targets, struct rt_db *db,
		       char key[65])
{
	struct rt_buf b = { 0 };
	struct rt_strv cur = { 0 };
	struct rt_err err = { 0 };
	int rc = 0;

	key_head(&b, db);
	for (size_t i = 0; i < targets->n && rc == 0; i++) {
		struct rt_plan *p = rt_plan_upgrade(g, &cur, targets->v[i], &err);

		if (!p) {
			rc = -1;
			break;
		}
		for (size_t k = 0; k < p->nsteps; k++) {
			const struct rt_rev *rev = p->steps[k].rev;

			if (!rev->sha256[0])
				rc = -1;
			rt_buf_printf(&b, "%s %s\n", rev->id, rev->sha256);
		}
		rt_strv_free(&cur);
		for (size_t k = 0; k < p->heads_after.n; k++)
			rt_strv_push(&cur, p->heads_after.v[k]);
		rt_plan_free(p);
	}
	rt_strv_free(&cur);
	if (rc == 0)
		key_of(&b, key);
	else
		rt_buf_free(&b);
	return rc;
}

int
rt_modelcache_key_file(const char *path, struct rt_db *db, char key[65])
{
	struct rt_buf b = { 0 };
	char sha[65];
	FILE *f = fopen(path, "rb");
	char chunk[8192];
	size_t n;
	struct rt_buf text = { 0 };

	if (!f)
		return -1;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		rt_buf_append(&text, chunk, n);
	if (ferror(f)) {
		fclose(f);
		rt_buf_free(&text);
		return -1;
	}
	fclose(f);
	rt_sha256_hex(text.len ? rt_buf_str(&text) : "", text.len, sha);
	rt_buf_free(&text);
	key_head(&b, db);
	rt_buf_printf(&b, "declared %s\n", sha);
	key_of(&b, key);
	return 0;
}

/* ---- the file ---- */

static void
put_str(FILE *f, const char *s)
{
	if (!s) {
		fputs("-1\n\n", f);
		return;
	}
	fprintf(f, "%zu\n", strlen(s));
	fputs(s, f);
	fputc('\n', f);
}

/* A cursor over the file's bytes. */
struct cur {
	const char *p, *end;
	bool bad;
};

static long long
get_num(struct cur *c)
{
	char *e;
	long long v;

	if (c->bad || c->p >= c->end) {
		c->bad = true;
		return 0;
	}
	errno = 0;
	v = strtoll(c->p, &e, 10);
	if (e == c->p || errno || e >= c->end || (*e != ' ' && *e != '\n')) {
		c->bad = true;
		return 0;
	}
	c->p = e + 1;
	return v;
}

/* A new string, NULL for SQL NULL (-1); c->bad on a short file. */
static char *
get_str(struct cur *c, bool *is_null)
{
	long long len = get_num(c);
	char *s;

	*is_null = false;
	if (c->bad)
		return NULL;
	if (len == -1) {
		*is_null = true;
		if (c->p < c->end && *c->p == '\n')
			c->p++;
		else
			c->bad = true;
		return NULL;
	}
	if (len < 0 || len > c->end - c->p - 1 || c->p[len] != '\n') {
		c->bad = true;
		return NULL;
	}
	s = rt_xstrndup(c->p, (size_t)len);
	c->p += len + 1;
	return s;
}

static char *
path_of(const char *dir, const char *key)
{
	return rt_xasprintf("%s/%s", dir, key);
}

struct rt_catalog *
rt_modelcache_load(const char *dir, const char *key)
{
	char *path = path_of(dir, key), *text = NULL;
	size_t len = 0;
	struct rt_catalog *cat = NULL;
	struct cur c;
	long long n;
	FILE *f = fopen(path, "rb");

	free(path);
	if (!f)
		return NULL;
	{
		struct rt_buf b = { 0 };
		char chunk[65536];
		size_t k;

		while ((k = fread(chunk, 1, sizeof(chunk), f)) > 0)
			rt_buf_append(&b, chunk, k);
		if (ferror(f)) {
			fclose(f);
			rt_buf_free(&b);
			return NULL;
		}
		fclose(f);
		len = b.len;
		text = rt_buf_take(&b);
	}
	if (len < strlen(MAGIC) || memcmp(text, MAGIC, strlen(MAGIC)) != 0)
		goto out;
	c.p = text + strlen(MAGIC);
	c.end = text + len;
	c.bad = false;
	n = get_num(&c);
	if (c.bad || n < 0)
		goto out;
	cat = rt_catalog_new();
	for (long long i = 0; i < n && !c.bad; i++) {
		long long kind = get_num(&c), contype = get_num(&c), identity = get_num(&c);
		long long gen = get_num(&c), nn = get_num(&c), part = get_num(&c);
		long long pos = get_num(&c), anchor = get_num(&c);
		char *s[8];
		bool null;
		struct rt_cat_obj *o;

		for (int k = 0; k < 8; k++)
			s[k] = get_str(&c, &null);
		if (c.bad || kind < 0 || kind >= RT_CAT_NKINDS || !s[3]) {
			c.bad = true;
			for (int k = 0; k < 8; k++)
				free(s[k]);
			break;
		}
		o = rt_catalog_add(cat, (enum rt_cat_kind)kind, s[0], s[1], s[2], s[3]);
		o->cols = s[4];
		o->collation = s[5];
		o->dflt = s[6];
		o->owned_by = s[7];
		for (int k = 0; k < 4; k++)
			free(s[k]);
		o->contype = (char)contype;
		o->identity = (char)identity;
		o->is_generated = gen != 0;
		o->is_notnull = nn != 0;
		o->is_partition = part != 0;
		o->pos = (int)pos;
		o->anchor = (unsigned)anchor;
	}
	if (c.bad || c.p != c.end) {
		rt_catalog_free(cat);
		cat = NULL;
	} else {
		rt_catalog_sort(cat);
	}
out:
	free(text);
	return cat;
}

/* Keeps the newest RT_MODELCACHE_KEEP entries of dir. */
static void
prune(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	struct ent { char *path; time_t mtime; } *v = NULL;
	size_t n = 0, cap = 0;

	if (!d)
		return;
	while ((e = readdir(d)) != NULL) {
		struct stat st;
		char *p;

		if (strlen(e->d_name) != 64 || strspn(e->d_name, "0123456789abcdef") != 64)
			continue;
		p = path_of(dir, e->d_name);
		if (stat(p, &st) != 0) {
			free(p);
			continue;
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			v = rt_xreallocarray(v, cap, sizeof(*v));
		}
		v[n].path = p;
		v[n++].mtime = st.st_mtime;
	}
	closedir(d);
	/* the oldest out: a selection is enough for a few dozen files */
	while (n > RT_MODELCACHE_KEEP) {
		size_t old = 0;

		for (size_t i = 1; i < n; i++)
			if (v[i].mtime < v[old].mtime)
				old = i;
		unlink(v[old].path);
		free(v[old].path);
		v[old] = v[--n];
	}
	for (size_t i = 0; i < n; i++)
		free(v[i].path);
	free(v);
}

void
rt_modelcache_store(const char *dir, const char *key, const struct rt_catalog *cat)
{
	struct rt_err err = { 0 };
	char *path, *tmp;
	FILE *f;
	bool ok;

	if (rt_make_dirs(dir, &err) < 0 || chmod(dir, 0700) != 0)
		return;
	path = path_of(dir, key);
	tmp = rt_xasprintf("%s.%ld.tmp", path, (long)getpid());
	if (!(f = fopen(tmp, "wb"))) {
		free(path);
		free(tmp);
		return;
	}
	fputs(MAGIC, f);
	fprintf(f, "%zu\n", cat->n);
	for (size_t i = 0; i < cat->n; i++) {
		const struct rt_cat_obj *o = &cat->v[i];

		fprintf(f, "%d %d %d %d %d %d %d %u\n", (int)o->kind, (int)o->contype,
			(int)o->identity, o->is_generated, o->is_notnull, o->is_partition, o->pos,
			o->anchor);
		put_str(f, o->schema);
		put_str(f, o->table);
		put_str(f, o->name);
		put_str(f, o->def);
		put_str(f, o->cols);
		put_str(f, o->collation);
		put_str(f, o->dflt);
		put_str(f, o->owned_by);
	}
	ok = !ferror(f);
	ok = fclose(f) == 0 && ok;
	if (ok && rename(tmp, path) == 0)
		prune(dir);
	else
		unlink(tmp);
	free(path);
	free(tmp);
}
