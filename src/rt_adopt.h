/* rt_adopt.h - adopting a Flask-Migrate/Alembic project and the way back:
 * importing its revisions as retort files (Alembic renders their SQL offline),
 * exporting retort revisions as an Alembic versions/ directory, and the marker
 * an import leaves in a revision it could not render. */
#ifndef RT_ADOPT_H
#define RT_ADOPT_H

#include <stdbool.h>
#include <stddef.h>

#include "rt_mem.h"

struct rt_err;
struct rt_graph;
struct rt_rev;

/* The line an import writes at the top of a section it could not render;
 * rt_rev_has_import_todo looks for it. */
#define RT_IMPORT_TODO "-- TODO retort import:"

/* What happens to one Alembic revision. */
enum rt_import_state {
	RT_IMPORT_NEW,          /* a new file (written, or listed by a dry run) */
	RT_IMPORT_SAME,         /* the versions dir has this very file already */
};

struct rt_import_item {
	char *source;           /* the .py file's name */
	char *id;               /* the revision id */
	char *name;             /* the retort file's name in the versions dir */
	enum rt_import_state state;
	bool has_todo;          /* a section holds RT_IMPORT_TODO */
	char *todo_reason;      /* why (Alembic's exception, one line), or NULL */
};

struct rt_import {
	struct rt_import_item *v;
	size_t n;
	char *python;           /* the Python that ran the driver */
};

struct rt_import_opts {
	const char *python;     /* NULL: python3 on PATH, then /usr/bin/python3 */
	bool dry_run;           /* write nothing; the items say what would be written */
};

/* Imports the Alembic revisions of src_dir (a migrations/ directory holding
 * versions/, or versions/ itself) into versions_dir (created if missing), one
 * retort file per revision with the same id, down_revision, branch_labels,
 * depends_on, message (the docstring's first line) and created (its Create
 * Date). The SQL comes from Alembic itself in offline mode (PostgreSQL
 * dialect), run by Python (opts->python or python3) with an embedded driver
 * that never runs env.py nor imports the application; a section that does not
 * render gets the Python source as comments under an RT_IMPORT_TODO line.
 * All or nothing: the files are written in a temporary directory beside
 * versions_dir and moved in once every one is ready. A file already there
 * with the same content is kept (state RT_IMPORT_SAME); one with other
 * content, or another file with the same revision id, refuses the whole
 * import (RT_ERR_INPUT) with nothing written. No Python with Alembic and
 * SQLAlchemy: RT_ERR_INPUT, "... apt-get install python3-alembic ...".
 * out is filled (free with rt_import_free) on success. Returns 0 or -1. */
int rt_import_alembic(const char *src_dir, const char *versions_dir,
		      const struct rt_import_opts *opts, struct rt_import *out, struct rt_err *err);

/* rt_import_alembic as a job (rt_job.h): the driver runs in the background;
 * rt_job_cancel stops it (the job then ends with RT_ERR_CANCEL and nothing
 * written). Bad input found before the driver starts (no such directory,
 * no Python to run): NULL with err. out is the caller's, filled when the
 * job ends with 0. */
struct rt_job;
struct rt_job *rt_import_alembic_start(const char *src_dir, const char *versions_dir,
				       const struct rt_import_opts *opts, struct rt_import *out,
				       struct rt_err *err);

void rt_import_free(struct rt_import *imp);

/* Whether a section of rev (loaded with its bodies) holds the RT_IMPORT_TODO
 * line of an import that could not render it. */
bool rt_rev_has_import_todo(const struct rt_rev *rev);

/* What `retort export alembic DIR` wrote. */
struct rt_alembic_export {
	size_t nrevisions;
	char *versions_dir;     /* where the revision files went */
	bool wrote_env;         /* alembic.ini, env.py and script.py.mako were written too */
};

/* Writes every revision of g (loaded with bodies) as an Alembic revision file
 * <id>_<slug>.py into dir/versions (dir is a new or empty directory, or an
 * existing Alembic migrations dir whose versions/ holds no file of these
 * ids), with the same ids, down_revision (a tuple for a merge),
 * branch_labels and depends_on; upgrade() and downgrade() run the sections'
 * statements exactly (each through sqlalchemy.DDL, so ':name' and '%' reach
 * the server unchanged; a "transaction off" revision inside
 * autocommit_block()). When dir has no env.py, a minimal alembic.ini,
 * env.py (reads $DATABASE_URL, or -x url=...) and script.py.mako are written
 * beside versions/. A revision with a COPY ... FROM STDIN data block is
 * refused (RT_ERR_INPUT naming its file and line): Alembic has no way to send
 * it. Returns 0 (out filled; free with rt_export_free) or -1 with err, with
 * nothing written. */
int rt_export_alembic(const struct rt_graph *g, const char *dir, struct rt_alembic_export *out,
		      struct rt_err *err);

void rt_alembic_export_free(struct rt_alembic_export *exp);

/* ---- baseline: adopting tables that exist outside the migrations ------------- */

struct rt_db;
struct rt_job;

struct rt_baseline_opts {
	const char *message;        /* the new revision's message (required) */
	const char *tables;         /* "a,b" (name or schema.name): only these; NULL: all */
	const char *versions_dir;   /* where the revision is written */
	int lock_timeout_ms;        /* for the live database's migration lock (-1: forever) */
};

struct rt_baseline_result {
	char *path;                 /* the new revision file */
	char id[32 + 1];
	struct rt_strv tables;      /* the tables it creates (quoted schema.name) */
};

struct rt_baseline;

/* Reads live's revision (one row, or none), creates a shadow database
 * (rt_shadow.h) and plans the migrations up to that revision there. Fails
 * with RT_ERR_INPUT (no message, several heads applied, an unknown row) or
 * RT_ERR_RUN (no CREATEDB right); nothing is left behind. Owned by the caller
 * (rt_baseline_free, which drops the shadow). */
struct rt_baseline *rt_baseline_prepare(struct rt_db *live, const struct rt_graph *g,
					const struct rt_baseline_opts *opts, struct rt_err *err);

/* The job building the shadow (the apply job; cancel stops it). Free it
 * before rt_baseline_free. */
struct rt_job *rt_baseline_start(struct rt_baseline *bl, struct rt_err *err);

/* After the job succeeded: the tables of live that the shadow lacks (limited
 * by opts->tables), pg_dump --schema-only of them as the upgrade (without
 * SET, set_config, comments, owners and privileges), one DROP TABLE of them
 * as the downgrade, written as a new revision whose parent is live's
 * revision, then recorded as applied on live without running it (the
 * version table and a "stamp" retort_history row, one transaction, under the
 * migration lock). RT_ERR_INPUT when there is no such table or --tables names
 * another. Returns 0 (out filled; rt_baseline_result_free) or -1. */
int rt_baseline_finish(struct rt_baseline *bl, struct rt_baseline_result *out,
		       struct rt_err *err);

/* Drops the shadow database and frees bl; NULL is a no-op. Returns -1 with
 * err (when not NULL) if the shadow could not be dropped, else 0. */
int rt_baseline_free(struct rt_baseline *bl, struct rt_err *err);

void rt_baseline_result_free(struct rt_baseline_result *r);

#endif
