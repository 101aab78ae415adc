/* verify.c - the verify and check operations (rt_verify.h): one job each,
 * a small state machine that runs the sub-jobs it needs in turn (shadow
 * builds with the apply job, the declared schema's load, catalog reads) and
 * turns the model differences into findings. Creating and dropping a shadow
 * database is one short blocking statement on the live connection, as in
 * baseline. */
#include "config.h"
#include "rt_verify.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "rt_catalog.h"
#include "rt_db.h"
#include "rt_err.h"
#include "rt_graph.h"
#include "rt_guard.h"
#include "rt_job.h"
#include "rt_mem.h"
#include "rt_migration.h"
#include "rt_modelcache.h"
#include "rt_schema.h"
#include "rt_seed.h"
#include "datasum_int.h"

void
rt_findings_free(struct rt_findings *f)
{
	for (size_t i = 0; i < f->n; i++) {
		free(f->v[i].kind);
		free(f->v[i].object);
		free(f->v[i].detail);
		free(f->v[i].sql);
	}
	free(f->v);
	free(f->warning);
	memset(f, 0, sizeof(*f));
}

static void
add_finding_take(struct rt_findings *f, const char *kind, char *object, char *detail,
		 const char *sql)
{
	if (f->n == f->cap) {
		f->cap = f->cap ? f->cap * 2 : 16;
		f->v = rt_xreallocarray(f->v, f->cap, sizeof(*f->v));
	}
	f->v[f->n].kind = rt_xstrdup(kind);
	f->v[f->n].object = object;
	f->v[f->n].detail = detail;
	f->v[f->n].sql = sql ? rt_xstrdup(sql) : NULL;
	f->n++;
}

/* The differences of a diff as findings of kind; prefix (may be NULL) goes
 * before each object, the phrases say what each side means. */
static void
add_diff(struct rt_findings *f, const char *kind, const char *prefix, const struct rt_cat_diff *d,
	 const char *only_a, const char *only_b, const char *changed)
{
	for (size_t i = 0; i < d->n; i++) {
		const struct rt_cat_change *ch = &d->v[i];
		char *obj = prefix ? rt_xasprintf("%s: %s", prefix, ch->object) : rt_xstrdup(ch->object);

		if (ch->side == RT_CAT_CHANGED)
			add_finding_take(f, kind, obj, rt_xasprintf("%s: %s", changed, ch->detail), NULL);
		else
			add_finding_take(f, kind, obj, rt_xstrdup(ch->side == RT_CAT_ONLY_A ? only_a :
								   only_b), ch->detail);
	}
}

enum op { OP_VERIFY, OP_CHECK };

enum vstate {
	V_READ_LIVE, V_BUILD, V_READ_MIG, V_WAIT_DECL, V_READ_DECL, V_LINT,
	C_READ0, C_UP, C_READ_UP, C_DOWN, C_READ_DOWN, C_AGAIN, C_READ_AGAIN, C_FINAL,
	D_SEED, D_READ_R, D_SUM1, D_DOWN, D_UP, D_SUM2, D_DOWN2,
	S_DONE,
};

struct vjob {
	enum op op;
	enum vstate state;
	struct rt_db *live;             /* borrowed; NULL for check with a shadow url */
	const struct rt_graph *g;       /* borrowed */
	char *shadow_url, *schema_file;
	struct rt_cat_diff_opts dopts;
	struct rt_findings *out;        /* borrowed */
	struct rt_job *sub;             /* the sub-job running, owned */
	struct rt_schema_build *b;      /* the shadow in use, owned */
	struct rt_strv cur;             /* verify: live's version rows */
	size_t ci;                      /* verify: the next row to build */
	bool is_known;                  /* verify: every row is a revision of g */
	struct rt_catalog *live_cat;    /* verify */
	char *cache_dir;                /* verify: models kept on disk, or NULL */
	char key[65];                   /* verify: the key of the model being built, or "" */
	/* verify: the declared schema, built in its own shadow beside the
	 * migrations' (two backends at once): loaded, then read (rt_schema_side_step)
	 * (or taken from the cache); no schema file: has_declared false */
	struct rt_schema_side decl;
	char decl_key[65];
	struct rt_catalog *before, *up; /* check: before the revision, after its upgrade */
	size_t node;                    /* check: the revision in its round trip */
	/* check with the shadow's change log (rt_schema_build_track): before is
	 * the whole model, kept up to date from partial reads of what each
	 * step touched (up is the partial read after the upgrade); a whole
	 * read at the end proves it, or the run starts again without the log */
	bool track;
	/* check: the downgrade runs in a transaction kept open, read there and
	 * rolled back (rt_schema_build_try) instead of upgrading again; false
	 * when asked (reapply) or for a transaction-off revision */
	bool reapply, open;
	size_t nfound0;                 /* check: findings before the round trips */
	bool cancelled;
	/* check --data: seeds loaded at head, then every revision in reverse
	 * topological order: its downgrade + upgrade with the sums before and
	 * after (see data_next) */
	bool data;
	char *seeds_dir;
	struct rt_seed *sd;
	long rnode;                     /* the revision whose data round trip runs, or -1 */
	struct rt_catalog *m_r, *m_p;   /* the schema at it and with it unapplied */
	struct rt_datasum s1, got;      /* the sums before; a sum job's result */
};

/* Drops the shadow in use; a failure to drop becomes the findings' warning. */
static void
drop_build(struct vjob *j)
{
	struct rt_err e = { 0 };

	if (j->b && rt_schema_build_free(j->b, &e) < 0 && !j->out->warning)
		j->out->warning = rt_xstrdup(e.msg);
	j->b = NULL;
}

/* verify: drops the declared schema's shadow (see drop_build). */
static void
drop_decl(struct vjob *j)
{
	struct rt_err e = { 0 };

	rt_job_free(j->decl.sub);
	j->decl.sub = NULL;
	if (j->decl.b && rt_schema_build_free(j->decl.b, &e) < 0 && !j->out->warning)
		j->out->warning = rt_xstrdup(e.msg);
	j->decl.b = NULL;
}

/* Ends what runs (each sub-job cancelled and waited for: rt_job_free)
 * and drops the shadows: no DROP DATABASE runs while a sub-job does. */
static void
stop_all(struct vjob *j)
{
	rt_job_free(j->sub);
	j->sub = NULL;
	drop_decl(j);
	drop_build(j);
}

/* Starts reading the schema of db as the sub-job. */
static int
start_read(struct vjob *j, struct rt_db *db, struct rt_err *err)
{
	j->sub = rt_catalog_read_start(db, NULL, err);
	return j->sub ? 0 : -1;
}

/* check: starts reading the shadow after a step: what the step touched
 * when there is a change log (reset: a revision's round trip ends), the
 * whole schema otherwise. */
static int
start_step_read(struct vjob *j, bool reset, struct rt_err *err)
{
	struct rt_catalog_opts o = { .touched = j->track, .reset_touched = reset && j->track,
				     .in_tx = j->open };

	j->sub = rt_catalog_read_start(rt_schema_build_db(j->b), &o, err);
	return j->sub ? 1 : -1;
}

/* check: a new shadow at base, with its change log when the role may. */
static int
start_round_trips(struct vjob *j, bool track, struct rt_err *err)
{
	int t;

	if (!(j->b = rt_schema_build_new(j->live, j->shadow_url, err)))
		return -1;
	j->track = false;
	if (track) {
		if ((t = rt_schema_build_track(j->b, err)) < 0)
			return -1;
		j->track = t == 1;
	}
	j->node = 0;
	j->out->read_touched = j->track;
	j->state = C_READ0;
	return start_read(j, rt_schema_build_db(j->b), err);
}

/* The model part covers, sorted, diffed with part (sorted): the changes. */
static void
diff_part(struct vjob *j, struct rt_catalog *was, struct rt_catalog *part, struct rt_cat_diff *d)
{
	rt_catalog_sort(was);
	rt_catalog_diff(was, part, &j->dopts, d);
}

/* Starts moving the shadow (rt_schema_build_start); *ran false when there
 * was nothing to run. */
static int
start_build(struct vjob *j, bool is_up, const char *target, bool *ran, struct rt_err *err)
{
	int r = rt_schema_build_start(j->b, j->g, is_up, target, &j->sub, err);

	*ran = r == 1;
	return r < 0 ? -1 : 0;
}

static const char *
cur_id(const struct vjob *j)
{
	if (j->rnode >= 0)
		return rt_graph_node(j->g, (size_t)j->rnode)->rev->id;
	return rt_graph_node(j->g, j->node)->rev->id;
}

/* verify: the model filed under the key just made (rc 0) into *cat: true
 * on a hit. On a miss the key stays for cache_store; no key: "". */
static bool
cache_lookup(struct vjob *j, int rc, char key[65], struct rt_catalog **cat)
{
	if (rc < 0 || !j->cache_dir || j->shadow_url) {
		key[0] = '\0';
		return false;
	}
	if (!(*cat = rt_modelcache_load(j->cache_dir, key)))
		return false;
	key[0] = '\0';
	j->out->cached++;
	return true;
}

/* verify: files the model just built under its key. */
static void
cache_store(struct vjob *j, char key[65], const struct rt_catalog *cat)
{
	if (key[0] && j->cache_dir)
		rt_modelcache_store(j->cache_dir, key, cat);
	key[0] = '\0';
}

/* verify: the declared schema's model from the cache, or its shadow made
 * and its load started (v_step steps it); nothing without a schema file. */
static int
start_declared(struct vjob *j, struct rt_err *err)
{
	struct stat st;

	if (!j->schema_file || stat(j->schema_file, &st) != 0)
		return 0;
	j->out->has_declared = true;
	if (cache_lookup(j, rt_modelcache_key_file(j->schema_file, j->live, j->decl_key),
			 j->decl_key, &j->decl.cat)) {
		j->decl.done = true;
		return 0;
	}
	if (!(j->decl.b = rt_schema_build_new(j->live, j->shadow_url, err)))
		return -1;
	j->decl.sub = rt_schema_build_load_start(j->decl.b, j->schema_file, err);
	return j->decl.sub ? 0 : -1;
}

/* verify: what to do next, the previous sub-job (if any) done; its model in
 * cat (owned here). Returns 1 (a sub-job runs, or go on), 0 done, -1 err. */
static int
verify_next(struct vjob *j, struct rt_catalog *cat, struct rt_err *err)
{
	struct rt_cat_diff d = { 0 };
	bool ran = false;

	switch (j->state) {
	case V_READ_LIVE:
		j->live_cat = cat;
		if (start_declared(j, err) < 0)
			return -1;
		if (!j->is_known)
			goto declared;
		if (cache_lookup(j, rt_modelcache_key_revs(j->g, &j->cur, j->live, j->key), j->key,
				 &cat)) {
			j->state = V_READ_MIG;
			return verify_next(j, cat, err);
		}
		if (!(j->b = rt_schema_build_new(j->live, j->shadow_url, err)))
			return -1;
		j->state = V_BUILD;
		/* fall through */
	case V_BUILD:
		while (j->ci < j->cur.n && !ran)
			if (start_build(j, true, j->cur.v[j->ci++], &ran, err) < 0)
				return -1;
		if (ran)
			return 1;
		j->state = V_READ_MIG;
		return start_read(j, rt_schema_build_db(j->b), err) < 0 ? -1 : 1;
	case V_READ_MIG:
		cache_store(j, j->key, cat);
		rt_catalog_diff(j->live_cat, cat, &j->dopts, &d);
		add_diff(j->out, "drift", NULL, &d,
			 "only in the live database (not made by the migrations)",
			 "missing from the live database (the migrations make it)", "live -> migrations");
		rt_cat_diff_free(&d);
		rt_catalog_free(cat);
		/* its shadow is dropped once the declared schema's build is over:
		 * DROP DATABASE waits for every backend to take a barrier, which
		 * one blocked writing a read's rows to us (the other side's)
		 * never does while we wait */
		if (!j->decl.sub)
			drop_build(j);
declared:
		/* the declared schema's model, when it has one: v_step hands it over */
		j->state = j->out->has_declared ? V_WAIT_DECL : V_LINT;
		return 1;
	case V_READ_DECL:
		cache_store(j, j->decl_key, cat);
		rt_catalog_diff(j->live_cat, cat, &j->dopts, &d);
		add_diff(j->out, "undeclared", NULL, &d,
			 "only in the live database (not in the declared schema)",
			 "declared but not in the live database (not migrated yet)", "live -> declared");
		rt_cat_diff_free(&d);
		rt_catalog_free(cat);
		drop_decl(j);
		j->state = V_LINT;
		return 1;
	case V_LINT: {
		struct rt_cat_diff lint = { 0 };

		rt_catalog_findings(j->live_cat, &lint);
		for (size_t i = 0; i < lint.n; i++)
			add_finding_take(j->out, "lint", rt_xstrdup(lint.v[i].object),
					 rt_xstrdup(lint.v[i].detail), NULL);
		rt_cat_diff_free(&lint);
		j->state = S_DONE;
		return 0;
	}
	default:
		rt_catalog_free(cat);
		return 0;
	}
}

/* Compares the sums before (s1) and after (got) the round trip of rnode on
 * the tables and columns that exist both at it (m_r) and below it (m_p: the
 * schema with its downgrade run, at all its parents when it is a merge):
 * what the revision adds goes away with its downgrade by design. */
static void
data_compare(struct vjob *j)
{
	const char *id = cur_id(j);

	for (size_t i = 0; i < j->m_r->n; i++) {
		const struct rt_cat_obj *o = &j->m_r->v[i];
		char *key = NULL, *obj = NULL;
		const char *a, *b;

		if (o->kind == RT_CAT_TABLE) {
			key = rt_xasprintf("%s.%s", o->schema, o->name);
			obj = rt_xasprintf("revision %s: table %s", id, key);
		} else if (o->kind == RT_CAT_COLUMN) {
			key = rt_xasprintf("%s\x1f%s", o->table, o->name);
			obj = rt_xasprintf("revision %s: table %s: column %s", id, o->table, o->name);
		} else {
			continue;
		}
		/* present at the parent too? */
		{
			bool at_parent = false;

			for (size_t k = 0; k < j->m_p->n && !at_parent; k++) {
				const struct rt_cat_obj *p = &j->m_p->v[k];

				if (p->kind == o->kind && (o->kind == RT_CAT_TABLE ?
				    strcmp(p->schema, o->schema) == 0 && strcmp(p->name, o->name) == 0 :
				    strcmp(p->table, o->table) == 0 && strcmp(p->name, o->name) == 0))
					at_parent = true;
			}
			a = rt_datasum_get(&j->s1, key);
			b = rt_datasum_get(&j->got, key);
			if (at_parent && a && b && strcmp(a, b) != 0)
				add_finding_take(j->out, "data", obj, o->kind == RT_CAT_TABLE ?
						 rt_xasprintf("row count %s before downgrade + upgrade, %s "
							      "after", a, b) :
						 rt_xstrdup("its values differ after downgrade + upgrade "
							    "(the downgrade loses data the revision keeps)"),
						 NULL);
			else
				free(obj);
		}
		free(key);
	}
}

/* check --data: seeds at head, then every revision in reverse topological
 * order (node rnode = count-1 .. 0). The shadow holds then exactly the
 * revisions 0..rnode (a set closed under ancestors), so "-1" unapplies
 * rnode alone (a merge goes back to all its parents, a branch revision
 * leaves the other branches as they are) and an upgrade to rnode applies it
 * alone: sums, downgrade -1, read the schema below it, upgrade, sums again,
 * compare; then downgrade -1 once more, which leaves 0..rnode-1 whose schema
 * was just read. */
static int
data_next(struct vjob *j, struct rt_catalog *cat, struct rt_err *err)
{
	bool ran = false;

	switch (j->state) {
	case C_UP:
		rt_catalog_free(cat);
		/* one head: it is the last node in topological order, and every
		 * revision is applied */
		j->rnode = (long)rt_graph_count(j->g) - 1;
		if (!(j->sd = rt_seed_prepare_db(rt_schema_build_db(j->b), j->seeds_dir, err)))
			return -1;
		if (!(j->sub = rt_seed_start(j->sd, NULL, NULL, err)))
			return -1;
		j->state = D_SEED;
		return 1;
	case D_SEED:
		j->state = D_READ_R;
		return start_read(j, rt_schema_build_db(j->b), err) < 0 ? -1 : 1;
	case D_READ_R:
		j->m_r = cat;
		j->state = D_SUM1;
		return (j->sub = rt_datasum_start(rt_schema_build_db(j->b), j->m_r, err)) ? 1 : -1;
	case D_SUM1:
		rt_datasum_free(&j->s1);
		j->s1 = j->got;
		memset(&j->got, 0, sizeof(j->got));
		if (start_build(j, false, "-1", &ran, err) < 0)
			return -1;
		j->state = D_DOWN;
		return 1;
	case D_DOWN:
		if (!cat)
			return start_read(j, rt_schema_build_db(j->b), err) < 0 ? -1 : 1;
		rt_catalog_free(j->m_p);
		j->m_p = cat;
		if (start_build(j, true, cur_id(j), &ran, err) < 0)
			return -1;
		j->state = D_UP;
		return 1;
	case D_UP:
		j->state = D_SUM2;
		return (j->sub = rt_datasum_start(rt_schema_build_db(j->b), j->m_r, err)) ? 1 : -1;
	case D_SUM2:
		data_compare(j);
		rt_datasum_free(&j->got);
		rt_datasum_free(&j->s1);
		if (j->rnode == 0) {
			j->state = S_DONE;
			return 0;
		}
		if (start_build(j, false, "-1", &ran, err) < 0)
			return -1;
		j->rnode--;
		j->state = D_DOWN2;
		return 1;
	case D_DOWN2:
		/* at 0..rnode now: its schema was read before the upgrade */
		rt_catalog_free(j->m_r);
		j->m_r = j->m_p;
		j->m_p = NULL;
		j->state = D_SUM1;
		return (j->sub = rt_datasum_start(rt_schema_build_db(j->b), j->m_r, err)) ? 1 : -1;
	default:
		rt_catalog_free(cat);
		return 0;
	}
}

/* check: a revision's round trip is over, the shadow at its upgrade, whose
 * read up holds (partial with the change log): it becomes the schema before
 * the next revision. */
static int
next_revision(struct vjob *j)
{
	if (j->track) {
		rt_catalog_replace(j->before, j->up);
	} else {
		rt_catalog_free(j->before);
		j->before = j->up;
	}
	j->up = NULL;
	j->node++;
	j->out->nrevisions = j->node;
	j->state = C_UP;
	return 1;
}

/* check: the next step of the round trips (see verify_next). */
static int
check_next(struct vjob *j, struct rt_catalog *cat, struct rt_err *err)
{
	struct rt_cat_diff d = { 0 };
	struct rt_catalog *was;
	bool ran = false;
	char *obj;
	int r;

	switch (j->state) {
	case C_READ0:
		j->before = cat;
		j->state = C_UP;
		return 1;
	case C_UP:
		if (j->node == rt_graph_count(j->g)) {
			if (j->track) {
				j->state = C_FINAL;
				return start_read(j, rt_schema_build_db(j->b), err) < 0 ? -1 : 1;
			}
			if (j->data && rt_graph_nheads(j->g) == 1 && j->node > 0)
				return data_next(j, NULL, err);
			j->state = S_DONE;
			return 0;
		}
		if (start_build(j, true, cur_id(j), &ran, err) < 0)
			return -1;
		j->state = C_READ_UP;
		return ran ? 1 : start_step_read(j, false, err);
	case C_READ_UP:
		if (!cat)       /* the upgrade ended: read */
			return start_step_read(j, false, err);
		j->up = cat;
		j->state = C_DOWN;
		if (j->reapply) {
			if (start_build(j, false, "-1", &ran, err) < 0)
				return -1;
		} else {
			r = rt_schema_build_try(j->b, j->g, false, "-1", &j->open, &j->sub, err);
			if (r < 0)
				return -1;
			ran = r == 1;
		}
		j->state = C_READ_DOWN;
		return ran ? 1 : start_step_read(j, false, err);
	case C_READ_DOWN:
		if (!cat)
			return start_step_read(j, false, err);
		obj = rt_xasprintf("revision %s", cur_id(j));
		was = j->track ? rt_catalog_restrict(j->before, cat->scope, cat->nscope) : NULL;
		if (was)
			diff_part(j, was, cat, &d);
		else
			rt_catalog_diff(j->before, cat, &j->dopts, &d);
		add_diff(j->out, "round-trip", obj, &d, "gone after upgrade + downgrade (the "
			 "downgrade drops what it did not create)", "left behind by upgrade + downgrade "
			 "(the downgrade does not undo it)", "changed by upgrade + downgrade");
		free(obj);
		rt_cat_diff_free(&d);
		rt_catalog_free(was);
		if (j->open) {
			/* back to the first upgrade's schema, which up holds */
			j->open = false;
			rt_catalog_free(cat);
			if (rt_schema_build_rollback(j->b, err) < 0)
				return -1;
			return next_revision(j);
		}
		rt_catalog_free(cat);
		if (start_build(j, true, cur_id(j), &ran, err) < 0)
			return -1;
		j->state = C_READ_AGAIN;
		return ran ? 1 : start_step_read(j, true, err);
	case C_READ_AGAIN:
		if (!cat)
			return start_step_read(j, true, err);
		if (j->track) {
			/* the schema after the first upgrade, on what the three steps touched */
			was = rt_catalog_restrict(j->before, cat->scope, cat->nscope);
			rt_catalog_replace(was, j->up);
			j->up = NULL;
			diff_part(j, was, cat, &d);
			rt_catalog_free(was);
		} else {
			rt_catalog_diff(j->up, cat, &j->dopts, &d);
		}
		if (d.n)
			add_finding_take(j->out, "round-trip", rt_xasprintf("revision %s", cur_id(j)),
					 rt_xstrdup("upgrading again gives another schema than the first "
						    "upgrade"), NULL);
		rt_cat_diff_free(&d);
		rt_catalog_free(j->up);
		j->up = cat;
		return next_revision(j);
	case C_FINAL:
		/* the model kept from the change log against the whole schema */
		rt_catalog_sort(j->before);
		rt_catalog_diff(j->before, cat, &j->dopts, &d);
		rt_catalog_free(j->before);
		j->before = cat;
		j->track = false;
		if (d.n) {
			/* something the log missed: the round trips again, whole reads */
			rt_cat_diff_free(&d);
			while (j->out->n > j->nfound0) {
				struct rt_finding *f = &j->out->v[--j->out->n];

				free(f->kind);
				free(f->object);
				free(f->detail);
				free(f->sql);
			}
			rt_catalog_free(j->before);
			j->before = NULL;
			drop_build(j);
			j->out->reread = true;
			return start_round_trips(j, false, err) < 0 ? -1 : 1;
		}
		j->state = C_UP;
		return 1;
	default:
		rt_catalog_free(cat);
		return 0;
	}
}

static size_t
v_fds(void *impl, struct pollfd *fds, size_t max)
{
	struct vjob *j = impl;
	size_t n = j->sub ? rt_job_fds(j->sub, fds, max) : 0;

	if (j->decl.sub && n < max)
		n += rt_job_fds(j->decl.sub, fds + n, max - n);
	return n;
}

static int
v_step(void *impl, struct rt_err *err)
{
	struct vjob *j = impl;
	int r;

	for (;;) {
		struct rt_catalog *cat = NULL;

		if (j->state == S_DONE)
			return 0;
		if (j->op == OP_VERIFY && rt_schema_side_step(&j->decl, err) < 0) {
			stop_all(j);
			j->state = S_DONE;
			return -1;
		}
		if (j->state == V_WAIT_DECL && !j->cancelled) {
			if (!j->decl.done)
				return 1;
			cat = j->decl.cat;
			j->decl.cat = NULL;
			j->state = V_READ_DECL;
			goto next;
		}
		if (j->cancelled && !j->sub && j->decl.sub)
			return 1;       /* the declared schema's build stops */
		if (j->cancelled && !j->sub) {
			rt_err_set(err, RT_ERR_CANCEL, "%s cancelled",
				   j->op == OP_VERIFY ? "verify" : "check");
			return -1;
		}
		if (j->sub) {
			if ((r = rt_job_step(j->sub, err)) == 1)
				return 1;
			if (r == 0 && (j->state == D_SUM1 || j->state == D_SUM2)) {
				rt_datasum_free(&j->got);
				rt_datasum_take(j->sub, &j->got);
			} else if (r == 0) {
				cat = rt_catalog_read_take(j->sub);
			}
			rt_job_free(j->sub);
			j->sub = NULL;
			if (r < 0 && j->op == OP_CHECK && err && err->kind != RT_ERR_CANCEL) {
				/* a revision's step failed: a finding, and the end of the run */
				add_finding_take(j->out, "round-trip", rt_xasprintf("revision %s", cur_id(j)),
						 rt_xasprintf("the round trip failed: %s", err->msg), NULL);
				rt_err_clear(err);
				drop_build(j);
				j->state = S_DONE;
				return 0;
			}
			if (r < 0) {
				stop_all(j);
				j->state = S_DONE;
				return -1;
			}
		}
next:
		r = j->op == OP_VERIFY ? verify_next(j, cat, err) :
		    j->state >= D_SEED ? data_next(j, cat, err) : check_next(j, cat, err);
		if (r <= 0) {
			stop_all(j);
			if (r < 0)
				j->state = S_DONE;
			return r;
		}
	}
}

static void
v_cancel(void *impl)
{
	struct vjob *j = impl;

	j->cancelled = true;
	if (j->sub)
		rt_job_cancel(j->sub);
	if (j->decl.sub)
		rt_job_cancel(j->decl.sub);
}

static void
v_free(void *impl)
{
	struct vjob *j = impl;

	rt_job_free(j->sub);
	drop_build(j);
	drop_decl(j);
	rt_catalog_free(j->decl.cat);
	rt_strv_free(&j->cur);
	rt_catalog_free(j->live_cat);
	rt_catalog_free(j->before);
	rt_catalog_free(j->up);
	rt_catalog_free(j->m_r);
	rt_catalog_free(j->m_p);
	rt_datasum_free(&j->s1);
	rt_datasum_free(&j->got);
	rt_seed_free(j->sd);
	free(j->seeds_dir);
	free(j->shadow_url);
	free(j->schema_file);
	free(j->cache_dir);
	free(j);
}

static const struct rt_job_ops verify_ops = {
	.name = "verify", .fds = v_fds, .step = v_step, .cancel = v_cancel, .free = v_free,
};

static const struct rt_job_ops check_ops = {
	.name = "check", .fds = v_fds, .step = v_step, .cancel = v_cancel, .free = v_free,
};

static struct vjob *
vjob_new(enum op op, struct rt_db *live, const struct rt_graph *g,
	 const struct rt_verify_opts *opts, struct rt_findings *out)
{
	struct vjob *j = rt_xcalloc(1, sizeof(*j));

	j->op = op;
	j->live = live;
	j->g = g;
	j->out = out;
	j->shadow_url = opts->shadow_url ? rt_xstrdup(opts->shadow_url) : NULL;
	j->schema_file = opts->schema_file ? rt_xstrdup(opts->schema_file) : NULL;
	j->data = opts->data;
	j->seeds_dir = opts->seeds_dir ? rt_xstrdup(opts->seeds_dir) : NULL;
	j->cache_dir = opts->cache_dir ? rt_xstrdup(opts->cache_dir) : NULL;
	j->reapply = opts->reapply;
	j->rnode = -1;
	/* a downgrade that re-adds a column puts it last, and constraints named by
	 * PostgreSQL may come back with another default name: neither counts
	 * unless asked */
	j->dopts.match_auto_names = !opts->strict_names;
	j->dopts.compare_column_order = opts->column_order;
	return j;
}

struct rt_job *
rt_verify_start(struct rt_db *live, const struct rt_graph *g, const struct rt_verify_opts *opts,
		struct rt_findings *out, struct rt_err *err)
{
	struct vjob *j = vjob_new(OP_VERIFY, live, g, opts, out);

	j->is_known = true;
	if (rt_db_current(live, &j->cur, err) < 0)
		goto fail;
	for (size_t i = 0; i < j->cur.n; i++)
		if (rt_graph_find(g, j->cur.v[i]) < 0) {
			add_finding_take(out, "version", rt_xasprintf("version table row %s", j->cur.v[i]),
					 rt_xstrdup("matches no known revision: the schema at this "
						    "revision cannot be built"), NULL);
			j->is_known = false;
		}
	j->state = V_READ_LIVE;
	if (start_read(j, live, err) < 0)
		goto fail;
	return rt_job_new(&verify_ops, j);
fail:
	v_free(j);
	return NULL;
}

struct rt_job *
rt_check_start(struct rt_db *live, const struct rt_graph *g, const struct rt_verify_opts *opts,
	       struct rt_findings *out, struct rt_err *err)
{
	struct vjob *j = vjob_new(OP_CHECK, live, g, opts, out);

	if (rt_graph_nheads(g) > 1) {
		struct rt_buf h = { 0 };

		for (size_t i = 0; i < rt_graph_nheads(g); i++)
			rt_buf_printf(&h, "%s%s", i ? " " : "",
				      rt_graph_node(g, rt_graph_head(g, i))->rev->id);
		add_finding_take(out, "graph", rt_xstrdup("heads"), rt_buf_take(&h), NULL);
	}
	j->nfound0 = out->n;
	if (start_round_trips(j, !opts->no_track, err) < 0)
		goto fail;
	return rt_job_new(&check_ops, j);
fail:
	v_free(j);
	return NULL;
}

int
rt_check_history(struct rt_db *live, const struct rt_graph *g, struct rt_findings *out,
		 struct rt_err *err)
{
	struct rt_guard_report r = { 0 };

	if (rt_guard_scan(live, g, &r, err) < 0)
		return -1;
	for (size_t i = 0; i < r.n; i++) {
		const struct rt_guard_issue *is = &r.v[i];

		add_finding_take(out, "history", rt_xasprintf("revision %s: %s", is->id, is->path),
				 rt_xasprintf("edited after it was applied (SHA-256 now %.12s..., "
					      "recorded %.12s...): put the change in a new revision, "
					      "or 'retort check --accept %s --reason TEXT'", is->now,
					      is->recorded, is->id), NULL);
	}
	rt_guard_report_free(&r);
	return 0;
}
