/* seed.c - the seed workflow's prepare and confirm (rt_seed.h): the seed
 * files found, mapped to tables through the catalog (one query each for the
 * tables, their columns and their foreign keys), ordered, and every file
 * checked before anything is sent. The job is in seed_job.c. */
#include "config.h"
#include "rt_seed.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_int.h"
#include "rt_config.h"
#include "rt_db.h"
#include "rt_err.h"
#include "rt_mem.h"
#include "rt_session.h"
#include "seed_int.h"

static const char tables_sql[] =
	"SELECT c.oid, n.nspname, c.relname, c.relkind"
	"  FROM unnest(string_to_array($1, E'\\n'), string_to_array($2, E'\\n'))"
	"       WITH ORDINALITY AS f(sch, rel, ord)"
	"  LEFT JOIN pg_class c ON c.oid = CASE WHEN coalesce(f.sch, '') = ''"
	"       THEN to_regclass(quote_ident(f.rel))"
	"       ELSE to_regclass(quote_ident(f.sch) || '.' || quote_ident(f.rel)) END"
	"  LEFT JOIN pg_namespace n ON n.oid = c.relnamespace"
	" ORDER BY f.ord";

static const char columns_sql[] =
	"SELECT a.attrelid, a.attname,"
	"       a.attnotnull AND NOT a.atthasdef AND a.attidentity = '' AND a.attgenerated = '',"
	"       a.attgenerated <> '',"
	"       pg_get_serial_sequence(a.attrelid::regclass::text, a.attname)"
	"  FROM pg_attribute a"
	" WHERE a.attrelid = ANY (string_to_array($1, ',')::oid[]) AND a.attnum > 0"
	"   AND NOT a.attisdropped"
	" ORDER BY a.attrelid, a.attnum";

static const char fkeys_sql[] =
	"SELECT DISTINCT conrelid, confrelid FROM pg_constraint"
	" WHERE contype = 'f' AND conrelid <> confrelid"
	"   AND conrelid = ANY (string_to_array($1, ',')::oid[])"
	"   AND confrelid = ANY (string_to_array($1, ',')::oid[])";

static void
file_free(struct seed_file *f)
{
	free(f->path);
	free(f->label);
	rt_strv_free(&f->cols);
	free(f->copy_sql);
	rt_strv_free(&f->seq_sql);
}

void
rt_seed_free(struct rt_seed *sd)
{
	if (!sd)
		return;
	for (size_t i = 0; i < sd->n; i++)
		file_free(&sd->f[i]);
	free(sd->f);
	free(sd->clear_sql);
	free(sd);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* dir's *.csv, sorted by name. */
static int
find_files(struct rt_seed *sd, const char *dir, struct rt_err *err)
{
	struct rt_strv names = { 0 };
	struct dirent *de;
	DIR *d = opendir(dir);

	if (!d) {
		rt_err_set(err, RT_ERR_INPUT, "%s: %s", dir, strerror(errno));
		return -1;
	}
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);

		if (len > 4 && de->d_name[0] != '.' && strcmp(de->d_name + len - 4, ".csv") == 0)
			rt_strv_push(&names, de->d_name);
	}
	closedir(d);
	if (!names.n) {
		rt_err_set(err, RT_ERR_INPUT, "%s: no seed files (*.csv)", dir);
		return -1;
	}
	qsort(names.v, names.n, sizeof(*names.v), cmp_str);
	sd->f = rt_xcalloc(names.n, sizeof(*sd->f));
	sd->n = names.n;
	for (size_t i = 0; i < names.n; i++) {
		sd->f[i].path = rt_xasprintf("%s/%s", dir, names.v[i]);
		sd->f[i].label = rt_xstrndup(names.v[i], strlen(names.v[i]) - 4);
		sd->f[i].loaded = -1;
		for (const char *p = names.v[i]; *p; p++)
			if ((unsigned char)*p < 0x20) {
				rt_err_set(err, RT_ERR_INPUT, "%s: a control character in the name",
					   sd->f[i].path);
				rt_strv_free(&names);
				return -1;
			}
	}
	rt_strv_free(&names);
	return 0;
}

static PGresult *
query(struct rt_db *db, const char *sql, int nparams, const char *const *vals, const char *what,
      struct rt_err *err)
{
	PGresult *res = PQexecParams(db->conn, sql, nparams, NULL, vals, NULL, NULL, 0);

	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		rt_db_result_err(res, what, err);
		PQclear(res);
		return NULL;
	}
	return res;
}

/* table.csv in the search_path, schema.table.csv in schema: their oids, and
 * the label becomes the table's schema.table. */
static int
resolve_tables(struct rt_seed *sd, struct rt_db *db, struct rt_err *err)
{
	struct rt_buf sch = { 0 }, rel = { 0 };
	const char *vals[2];
	PGresult *res;
	int rc = -1;

	for (size_t i = 0; i < sd->n; i++) {
		const char *dot = strchr(sd->f[i].label, '.');

		if (i) {
			rt_buf_putc(&sch, '\n');
			rt_buf_putc(&rel, '\n');
		}
		if (dot) {
			rt_buf_append(&sch, sd->f[i].label, (size_t)(dot - sd->f[i].label));
			rt_buf_puts(&rel, dot + 1);
		} else {
			rt_buf_puts(&rel, sd->f[i].label);
		}
	}
	vals[0] = rt_buf_str(&sch);
	vals[1] = rt_buf_str(&rel);
	res = query(db, tables_sql, 2, vals, "reading the seeded tables", err);
	if (!res)
		goto out;
	for (size_t i = 0; i < sd->n && i < (size_t)PQntuples(res); i++) {
		struct seed_file *f = &sd->f[i];

		if (PQgetisnull(res, (int)i, 0) || !strchr("rp", PQgetvalue(res, (int)i, 3)[0])) {
			rt_err_set_at(err, RT_ERR_INPUT, f->path, 0, "no table %s in the database "
				      "(name the file table.csv or schema.table.csv)", f->label);
			goto out;
		}
		f->oid = (unsigned int)strtoul(PQgetvalue(res, (int)i, 0), NULL, 10);
		free(f->label);
		f->label = rt_xasprintf("%s.%s", PQgetvalue(res, (int)i, 1),
					PQgetvalue(res, (int)i, 2));
		for (size_t j = 0; j < i; j++)
			if (sd->f[j].oid == f->oid) {
				rt_err_set_at(err, RT_ERR_INPUT, f->path, 0, "%s is seeded by %s too",
					      f->label, sd->f[j].path);
				goto out;
			}
	}
	rc = 0;
out:
	PQclear(res);
	rt_buf_free(&sch);
	rt_buf_free(&rel);
	return rc;
}

static char *
oid_list(const struct rt_seed *sd)
{
	struct rt_buf b = { 0 };

	for (size_t i = 0; i < sd->n; i++)
		rt_buf_printf(&b, "%s%u", i ? "," : "", sd->f[i].oid);
	return rt_buf_take(&b);
}

static char *
quote_ident(struct rt_db *db, const char *s)
{
	char *q = PQescapeIdentifier(db->conn, s, strlen(s));
	char *r = rt_xstrdup(q ? q : "\"\"");

	PQfreemem(q);
	return r;
}

static char *
quote_literal(struct rt_db *db, const char *s)
{
	char *q = PQescapeLiteral(db->conn, s, strlen(s));
	char *r = rt_xstrdup(q ? q : "''");

	PQfreemem(q);
	return r;
}

/* The quoted schema.table of f. */
static char *
qualified(struct rt_db *db, const struct seed_file *f)
{
	const char *dot = strchr(f->label, '.');
	char *sch = rt_xstrndup(f->label, (size_t)(dot - f->label));
	char *qs = quote_ident(db, sch), *qt = quote_ident(db, dot + 1);
	char *r = rt_xasprintf("%s.%s", qs, qt);

	free(sch);
	free(qs);
	free(qt);
	return r;
}

/* The header against the table's columns (rows [lo, hi) of res); then the
 * COPY and the sequences' setval. */
static int
check_columns(struct rt_seed *sd, struct rt_db *db, struct seed_file *f, PGresult *res, int lo,
	      int hi, struct rt_err *err)
{
	struct rt_buf cols = { 0 };
	char *qt = qualified(db, f);
	int rc = -1;

	for (size_t k = 0; k < f->cols.n; k++) {
		int r;

		for (r = lo; r < hi && strcmp(PQgetvalue(res, r, 1), f->cols.v[k]) != 0; r++)
			;
		if (r == hi) {
			rt_err_set_at(err, RT_ERR_INPUT, f->path, 1, "unknown column \"%s\": %s has "
				      "no such column", f->cols.v[k], f->label);
			goto out;
		}
		if (PQgetvalue(res, r, 3)[0] == 't') {
			rt_err_set_at(err, RT_ERR_INPUT, f->path, 1, "column \"%s\" is generated: "
				      "leave it out of the header", f->cols.v[k]);
			goto out;
		}
		if (!PQgetisnull(res, r, 4)) {
			char *qc = quote_ident(db, f->cols.v[k]);
			char *lit = quote_literal(db, PQgetvalue(res, r, 4));

			rt_strv_push_take(&f->seq_sql, rt_xasprintf(
				"SELECT setval(s, m) FROM (SELECT %s::regclass AS s,"
				" (SELECT max(%s) FROM %s) AS m) x"
				" WHERE m IS NOT NULL AND m > coalesce(pg_sequence_last_value(s), 0)",
				lit, qc, qt));
			free(lit);
			free(qc);
		}
	}
	for (int r = lo; r < hi; r++)
		if (PQgetvalue(res, r, 2)[0] == 't' &&
		    !rt_strv_contains(&f->cols, PQgetvalue(res, r, 1))) {
			rt_err_set_at(err, RT_ERR_INPUT, f->path, 1, "missing column \"%s\": it is "
				      "NOT NULL without a default in %s", PQgetvalue(res, r, 1),
				      f->label);
			goto out;
		}
	for (size_t k = 0; k < f->cols.n; k++) {
		char *qc = quote_ident(db, f->cols.v[k]);

		rt_buf_printf(&cols, "%s%s", k ? ", " : "", qc);
		free(qc);
	}
	f->copy_sql = rt_xasprintf("COPY %s (%s) FROM STDIN (FORMAT csv, HEADER true)", qt,
				   rt_buf_str(&cols));
	rc = 0;
out:
	(void)sd;
	rt_buf_free(&cols);
	free(qt);
	return rc;
}

/* Every file read through once: its header, records and bytes. */
static int
scan_files(struct rt_seed *sd, struct rt_db *db, struct rt_err *err)
{
	char *oids = oid_list(sd);
	const char *vals[1] = { oids };
	PGresult *res = query(db, columns_sql, 1, vals, "reading the seeded tables' columns", err);
	int rc = -1;

	free(oids);
	if (!res)
		return -1;
	for (size_t i = 0; i < sd->n; i++) {
		struct seed_file *f = &sd->f[i];
		struct seedcsv_scan s = { .path = f->path };
		int lo = 0, hi;

		if (seedcsv_scan(&s, err) < 0) {
			seedcsv_scan_free(&s);
			goto out;
		}
		f->cols = s.header;
		f->nrecords = s.nrecords;
		f->bytes = s.bytes;
		while (lo < PQntuples(res) &&
		       strtoul(PQgetvalue(res, lo, 0), NULL, 10) != f->oid)
			lo++;
		for (hi = lo; hi < PQntuples(res) &&
		     strtoul(PQgetvalue(res, hi, 0), NULL, 10) == f->oid; hi++)
			;
		if (check_columns(sd, db, f, res, lo, hi, err) < 0)
			goto out;
	}
	rc = 0;
out:
	PQclear(res);
	return rc;
}

/* seeds/order: one table a line (as its file is named, or schema.table),
 * '#' comments; those listed load first in that order. */
static int
read_order(struct rt_seed *sd, const char *dir, size_t *placed, struct rt_err *err)
{
	char *path = rt_xasprintf("%s/order", dir), *line = NULL;
	size_t cap = 0, k = 0;
	int lineno = 0, rc = -1;
	FILE *fp = fopen(path, "r");

	*placed = 0;
	if (!fp) {
		rc = errno == ENOENT ? 0 : -1;
		if (rc < 0)
			rt_err_set_at(err, RT_ERR_INPUT, path, 0, "%s", strerror(errno));
		free(path);
		return rc;
	}
	while (getline(&line, &cap, fp) > 0) {
		char *s = line, *e;
		size_t j;

		lineno++;
		while (*s == ' ' || *s == '\t')
			s++;
		e = s + strlen(s);
		while (e > s && strchr(" \t\r\n", e[-1]))
			*--e = '\0';
		if (!*s || *s == '#')
			continue;
		for (j = k; j < sd->n; j++) {
			const char *lab = sd->f[j].label, *base = strrchr(sd->f[j].path, '/');
			size_t blen = strlen(base + 1) - 4;

			if (strcmp(lab, s) == 0 ||
			    (strlen(s) == blen && strncmp(base + 1, s, blen) == 0) ||
			    (strncmp(lab, "public.", 7) == 0 && strcmp(lab + 7, s) == 0))
				break;
		}
		if (j == sd->n) {
			rt_err_set_at(err, RT_ERR_INPUT, path, lineno, "%s: no seed file for it%s",
				      s, k ? " (or listed twice)" : "");
			goto out;
		}
		if (j != k) {
			struct seed_file t = sd->f[j];

			memmove(&sd->f[k + 1], &sd->f[k], (j - k) * sizeof(*sd->f));
			sd->f[k] = t;
		}
		k++;
	}
	*placed = k;
	rc = 0;
out:
	free(line);
	fclose(fp);
	free(path);
	return rc;
}

/* The files from `from` on, parents before children by the foreign keys
 * among them (a cycle keeps the name order for what is left). */
static int
order_by_fkeys(struct rt_seed *sd, struct rt_db *db, size_t from, struct rt_err *err)
{
	char *oids = oid_list(sd);
	const char *vals[1] = { oids };
	PGresult *res = query(db, fkeys_sql, 1, vals, "reading the foreign keys", err);
	size_t n = sd->n;

	free(oids);
	if (!res)
		return -1;
	for (size_t k = from; k < n; k++) {
		size_t pick = n;

		for (size_t j = k; j < n && pick == n; j++) {
			bool ready = true;

			for (int r = 0; r < PQntuples(res) && ready; r++) {
				if (strtoul(PQgetvalue(res, r, 0), NULL, 10) != sd->f[j].oid)
					continue;
				for (size_t p = k; p < n; p++)
					if (p != j && sd->f[p].oid ==
					    strtoul(PQgetvalue(res, r, 1), NULL, 10))
						ready = false;
			}
			if (ready)
				pick = j;
		}
		if (pick == n)
			pick = k;
		if (pick != k) {
			struct seed_file t = sd->f[pick];

			memmove(&sd->f[k + 1], &sd->f[k], (pick - k) * sizeof(*sd->f));
			sd->f[k] = t;
		}
	}
	PQclear(res);
	return 0;
}

/* Which tables hold rows already (one round trip; a failure leaves them
 * all false: it is a warning's fact, not the seed's). */
static void
read_has_rows(struct rt_seed *sd, struct rt_db *db)
{
	struct rt_buf b = { 0 };
	PGresult *res;

	if (!sd->n)
		return;
	rt_buf_puts(&b, "SELECT ");
	for (size_t i = 0; i < sd->n; i++) {
		char *q = qualified(db, &sd->f[i]);

		rt_buf_printf(&b, "%sEXISTS (SELECT FROM %s)", i ? ", " : "", q);
		free(q);
	}
	res = PQexec(db->conn, rt_buf_str(&b));
	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1)
		for (size_t i = 0; i < sd->n; i++)
			sd->f[i].has_rows = strcmp(PQgetvalue(res, 0, (int)i), "t") == 0;
	PQclear(res);
	rt_buf_free(&b);
}

static char *
clear_sql(struct rt_seed *sd, struct rt_db *db)
{
	struct rt_buf b = { 0 };

	rt_buf_puts(&b, "TRUNCATE ");
	for (size_t i = 0; i < sd->n; i++) {
		char *q = qualified(db, &sd->f[i]);

		rt_buf_printf(&b, "%s%s", i ? ", " : "", q);
		free(q);
	}
	rt_buf_puts(&b, " RESTART IDENTITY");
	return rt_buf_take(&b);
}

int
seedcsv_check_dir(const char *dir, struct rt_err *err)
{
	struct rt_seed sd = { 0 };
	int rc = find_files(&sd, dir, err);

	for (size_t i = 0; rc == 0 && i < sd.n; i++) {
		struct seedcsv_scan s = { .path = sd.f[i].path };

		rc = seedcsv_scan(&s, err);
		seedcsv_scan_free(&s);
	}
	for (size_t i = 0; i < sd.n; i++)
		file_free(&sd.f[i]);
	free(sd.f);
	return rc;
}

static bool
is_protected(const struct rt_seed *sd)
{
	const struct rt_env *env = sd->s ? rt_session_env(sd->s) : NULL;

	return env && env->is_protected;
}

struct rt_seed *
rt_seed_prepare(struct rt_session *s, const struct rt_seed_req *req, struct rt_err *err)
{
	struct rt_seed *sd = rt_xcalloc(1, sizeof(*sd));
	const char *dir = req->dir ? req->dir : rt_session_config(s)->seeds_dir;
	struct rt_db *db;
	size_t placed;

	sd->s = s;
	sd->clear = req->clear;
	if (rt_session_connect(s, err) < 0)
		goto fail;
	db = rt_session_db(s);
	if (req->clear && is_protected(sd)) {
		rt_err_set(err, RT_ERR_INPUT, "env '%s' is protected: seed --clear is refused there; "
			   "nothing changed", rt_session_env(s)->name);
		goto fail;
	}
	if (find_files(sd, dir, err) < 0 || resolve_tables(sd, db, err) < 0 ||
	    scan_files(sd, db, err) < 0 || read_order(sd, dir, &placed, err) < 0 ||
	    order_by_fkeys(sd, db, placed, err) < 0)
		goto fail;
	if (req->clear)
		sd->clear_sql = clear_sql(sd, db);
	else
		read_has_rows(sd, db);
	return sd;
fail:
	rt_seed_free(sd);
	return NULL;
}

struct rt_seed *
rt_seed_prepare_db(struct rt_db *db, const char *dir, struct rt_err *err)
{
	struct rt_seed *sd = rt_xcalloc(1, sizeof(*sd));
	size_t placed;

	sd->db = db;
	if (find_files(sd, dir, err) < 0 || resolve_tables(sd, db, err) < 0 ||
	    scan_files(sd, db, err) < 0 || read_order(sd, dir, &placed, err) < 0 ||
	    order_by_fkeys(sd, db, placed, err) < 0) {
		rt_seed_free(sd);
		return NULL;
	}
	sd->is_confirmed = true;
	return sd;
}

size_t
rt_seed_nfiles(const struct rt_seed *sd)
{
	return sd->n;
}

const char *
rt_seed_file(const struct rt_seed *sd, size_t i)
{
	return sd->f[i].path;
}

const char *
rt_seed_table(const struct rt_seed *sd, size_t i)
{
	return sd->f[i].label;
}

long long
rt_seed_file_rows(const struct rt_seed *sd, size_t i)
{
	return sd->f[i].nrecords;
}

bool
rt_seed_has_rows(const struct rt_seed *sd, size_t i)
{
	return sd->f[i].has_rows;
}

long long
rt_seed_loaded(const struct rt_seed *sd, size_t i)
{
	return sd->f[i].loaded;
}

enum rt_confirm
rt_seed_confirm_kind(const struct rt_seed *sd)
{
	return is_protected(sd) ? RT_CONFIRM_DBNAME : RT_CONFIRM_YES;
}

const char *
rt_seed_dbname(const struct rt_seed *sd)
{
	return rt_db_name(sd->db ? sd->db : rt_session_db(sd->s));
}

int
rt_seed_confirm(struct rt_seed *sd, const char *typed, bool assume_yes, struct rt_err *err)
{
	const struct rt_env *env = sd->s ? rt_session_env(sd->s) : NULL;

	if (env && rt_session_confirm_protected(sd->s, rt_seed_dbname(sd), typed, assume_yes,
						err) < 0)
		return -1;
	sd->is_confirmed = true;
	return 0;
}
