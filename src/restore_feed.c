/* restore_feed.c - pg_restore (and psql) fed with a backup that is read
 * once and hashed on the way (restore_int.h).
 *
 * pg_restore reads the archive from a FIFO in a private directory, written
 * by the job: the dump is read once, and the digest sees every byte before
 * pg_restore does. (pg_restore reads a FIFO only with --format=custom;
 * guessing the format, it would open the file twice and lose what the first
 * open read.) The last HOLD_BACK bytes are written only once the whole file
 * is hashed: pg_restore cannot finish its last data block, let alone commit,
 * before the checksum is known. The job keeps a read end of the FIFO open
 * itself, so that its writes never raise SIGPIPE and a FIFO that pg_restore
 * has not opened yet keeps what was written into it.
 *
 * A full FIFO is refilled after a delay (a timerfd), not at POLLOUT: a pipe
 * is writable again as soon as pg_restore has read one page, and waking for
 * every 4 kB costs both processes more than the restore can spare (8 % of
 * it, measured). The delay adapts so that about half the FIFO drains.
 *
 * With clean, pg_restore --clean --if-exists writes its script into a pipe
 * to psql --single-transaction, which runs the drops first and, after the
 * script, reads /dev/fd/3 (the gate), then a check that fails unless the
 * gate gave it a token. The token goes in only after pg_restore exited 0
 * and the checksum matched; if retort dies, the gate ends empty, the check
 * fails and psql rolls back.
 *
 * retort_history is the audit log of the database, not data to roll back:
 * with clean, psql first copies it into a temporary table, the drops spare
 * it (pg_restore drops it only when the backup has one), and after
 * pg_restore's script the rows the backup's copy lacks go back in, followed
 * by one row for the restore itself -- all before the gated COMMIT. */
#include "config.h"
#include "restore_int.h"

#include <errno.h>
#include <stdint.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "backup_int.h"
#include "db_int.h"
#include "rt_backup.h"
#include "rt_db.h"
#include "rt_err.h"
#include "rt_mem.h"

#define FEED_CHUNK ((size_t)256 << 10)      /* read, hashed and written at a time */
#define FEED_BUDGET ((long long)8 << 20)    /* per step: the caller stays responsive */
#define HOLD_BACK ((long long)64 << 10)     /* fed only once the checksum matched */
#define PIPE_SIZE (1 << 20)                 /* fewer wake-ups of pg_restore and of us */
#define KILL_AFTER_MS 3000.0                /* a cancelled child that lingers gets SIGKILL */
#define PACE_MIN_MS 1.0                     /* bounds of the delay before refilling the FIFO */
#define PACE_MAX_MS 20.0

_Static_assert(HOLD_BACK <= (long long)FEED_CHUNK, "the tail must fit the buffer");

/* psql's gate (see above): the table the token goes into, the token, the check. */
static const char gate_table_sql[] =
	"CREATE TEMPORARY TABLE retort_gate (ok boolean) ON COMMIT DROP";
static const char gate_token[] = "INSERT INTO pg_temp.retort_gate VALUES (true);\n";
static const char gate_check_sql[] =
	"DO $retort$ BEGIN IF NOT EXISTS (SELECT FROM pg_temp.retort_gate) THEN "
	"RAISE EXCEPTION 'retort did not confirm this restore: rolled back'; END IF; END $retort$";

/* The audit log's columns, as rt_db_setup_sql creates them: what is copied back. */
#define HISTORY_COLS "revision, direction, checksum, started_at, finished_at, duration_ms, " \
		     "db_user, os_user, client_host, tool_version, outcome, statements_done, error"

/* "DO $tag$ body $tag$" with a tag the body does not contain: the body holds
 * names and literals (a file name, schema names) that could hold "$retort$". */
static char *
do_block(const char *body)
{
	char tag[32] = "$retort$";

	for (unsigned i = 1; strstr(body, tag); i++)
		snprintf(tag, sizeof(tag), "$retort%u$", i);
	return rt_xasprintf("DO %s %s %s", tag, body, tag);
}

/* A literal for the SQL text (quoted, escaped); owned by the caller. */
static char *
literal(PGconn *conn, const char *s)
{
	char *lit = PQescapeLiteral(conn, s, strlen(s));
	char *out = rt_xstrdup(lit ? lit : "NULL");

	PQfreemem(lit);
	return out;
}

/* Drops every table of the backup's schemas, CASCADE (extension members
 * stay), except the audit log at hist (a literal of its quoted name). */
static char *
clean_sql(PGconn *conn, const struct rt_counts *tables, const char *hist)
{
	struct rt_buf b = { 0 };
	struct rt_strv schemas = { 0 };
	char *sql;

	for (size_t i = 0; tables && i < tables->n; i++)
		if (!rt_strv_contains(&schemas, tables->v[i].schema))
			rt_strv_push(&schemas, tables->v[i].schema);
	rt_buf_puts(&b, "DECLARE r record; BEGIN FOR r IN "
		    "SELECT format('%I.%I', n.nspname, c.relname) AS t FROM pg_class c "
		    "JOIN pg_namespace n ON n.oid = c.relnamespace "
		    "WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND n.nspname IN (''");
	for (size_t i = 0; i < schemas.n; i++) {
		char *lit = PQescapeLiteral(conn, schemas.v[i], strlen(schemas.v[i]));

		rt_buf_printf(&b, ", %s", lit ? lit : "''");
		PQfreemem(lit);
	}
	/* the audit log stays: pg_restore drops it itself when the backup has one */
	rt_buf_printf(&b, ") AND c.oid IS DISTINCT FROM to_regclass(%s)", hist);
	rt_buf_puts(&b, " AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = "
		    "'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e') "
		    "LOOP EXECUTE 'DROP TABLE IF EXISTS ' || r.t || ' CASCADE'; END LOOP; END");
	rt_strv_free(&schemas);
	sql = do_block(rt_buf_str(&b));
	rt_buf_free(&b);
	return sql;
}

/* Before the drops: the live audit log into a temporary table (none when
 * the database has no retort_history yet). */
static char *
keep_history_sql(const char *hist)
{
	char *body = rt_xasprintf("DECLARE h regclass := to_regclass(%s); BEGIN IF h IS NOT NULL "
				  "THEN EXECUTE format('CREATE TEMPORARY TABLE retort_history_kept "
				  "ON COMMIT DROP AS SELECT * FROM %%s', h); END IF; END", hist);
	char *sql = do_block(body);

	free(body);
	return sql;
}

/* The parts of history_sql. h is the audit log (regclass), seq its id
 * sequence. The backup's table may predate the 'restore' direction: its
 * check is widened (retorts that predate it read only upgrade, downgrade and
 * dirty rows, so a restore row never confuses them). */
static const char widen_check_sql[] =
	"IF NOT EXISTS (SELECT FROM pg_constraint WHERE conrelid = h AND contype = 'c' "
	"AND pg_get_constraintdef(oid) LIKE '%direction%''restore''%') THEN "
	"FOR con IN SELECT conname FROM pg_constraint WHERE conrelid = h AND contype = 'c' "
	"AND pg_get_constraintdef(oid) LIKE '%direction%' LOOP "
	"EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', h, con.conname); END LOOP; "
	"EXECUTE format('ALTER TABLE %s ADD CONSTRAINT retort_history_direction_check "
	"CHECK (direction IN (''upgrade'', ''downgrade'', ''stamp'', ''restore''))', h); "
	"END IF; ";

/* The kept rows the backup's log lacks (same id, start, revision and
 * direction is the same row), under their own ids unless the backup's log
 * used one for another row (a backup of another database): then a new id.
 * A row that was dirty is not any more: the data it left half done is gone
 * (resuming it with resolve would skip undone statements), so it becomes
 * failed, saying why (note). */
static const char merge_sql[] =
	"IF to_regclass('pg_temp.retort_history_kept') IS NOT NULL THEN "
	"EXECUTE format('SELECT greatest((SELECT max(id) FROM %s), (SELECT max(id) FROM "
	"pg_temp.retort_history_kept))', h) INTO top; "
	"IF seq IS NOT NULL AND top IS NOT NULL THEN PERFORM setval(seq::regclass, top); END IF; "
	"EXECUTE format('INSERT INTO %1$s (id, " HISTORY_COLS ") SELECT CASE WHEN EXISTS "
	"(SELECT FROM %1$s o WHERE o.id = k.id) THEN %2$s ELSE k.id END, revision, direction, "
	"checksum, started_at, finished_at, duration_ms, db_user, os_user, client_host, "
	"tool_version, CASE outcome WHEN ''dirty'' THEN ''failed'' ELSE outcome END, "
	"statements_done, CASE outcome WHEN ''dirty'' THEN concat_ws(''; '', error, %3$L) "
	"ELSE error END FROM pg_temp.retort_history_kept k WHERE NOT EXISTS (SELECT FROM "
	"%1$s o WHERE o.id = k.id AND o.started_at = k.started_at AND o.revision = k.revision "
	"AND o.direction = k.direction) ORDER BY k.id', h, CASE WHEN seq IS NULL THEN "
	"format('k.id + %s', coalesce(top, 0)) ELSE format('nextval(%L)', seq) END, note); "
	"END IF; ";

/* After pg_restore's script (which set search_path to ''), with hist
 * qualified (a literal): the audit log as the backup left it gets the
 * widened check, the kept rows it lacks, then a row for this restore:
 * direction 'restore', the backup's revision and SHA-256, the file name in
 * error (the one free-text column), outcome ok. Nothing happens when
 * neither the database nor the backup had a log. */
static char *
history_sql(PGconn *conn, const char *hist, const struct rt_backup_info *info)
{
	struct passwd *pw = getpwuid(geteuid());
	const char *user = pw ? pw->pw_name : getenv("USER");
	char host[256] = "?", *note, *sql;
	struct rt_strv lit = { 0 };     /* rev, sum, user, host, tool, name, note */
	struct rt_buf b = { 0 };

	if (gethostname(host, sizeof(host)) != 0)
		snprintf(host, sizeof(host), "?");
	host[sizeof(host) - 1] = '\0';
	note = rt_xasprintf("was dirty: the restore of %s undid its changes", info->name);
	rt_strv_push_take(&lit, literal(conn, info->revision ? info->revision : "?"));
	rt_strv_push_take(&lit, literal(conn, info->sha256 ? info->sha256 : ""));
	rt_strv_push_take(&lit, literal(conn, user ? user : "?"));
	rt_strv_push_take(&lit, literal(conn, host));
	rt_strv_push_take(&lit, literal(conn, PACKAGE_NAME " " PACKAGE_VERSION));
	rt_strv_push_take(&lit, literal(conn, info->name));
	rt_strv_push_take(&lit, literal(conn, note));
	rt_buf_printf(&b, "DECLARE h regclass := to_regclass(%s); note text := %s; seq text; "
		      "top bigint; con record; BEGIN IF h IS NULL THEN RETURN; END IF; ", hist,
		      lit.v[6]);
	rt_buf_puts(&b, widen_check_sql);
	rt_buf_puts(&b, "seq := pg_get_serial_sequence(h::text, 'id'); ");
	rt_buf_puts(&b, merge_sql);
	rt_buf_printf(&b, "EXECUTE format('INSERT INTO %%s (revision, direction, checksum, "
		      "started_at, finished_at, duration_ms, os_user, client_host, tool_version, "
		      "outcome, error) VALUES (left(%%L, 32), ''restore'', %%L, "
		      "transaction_timestamp(), clock_timestamp(), extract(epoch FROM "
		      "clock_timestamp() - transaction_timestamp()) * 1000, %%L, %%L, %%L, ''ok'', "
		      "%%L)', h, %s, %s, %s, %s, %s, %s); END", lit.v[0], lit.v[1], lit.v[2],
		      lit.v[3], lit.v[4], lit.v[5]);
	sql = do_block(rt_buf_str(&b));
	rt_buf_free(&b);
	rt_strv_free(&lit);
	free(note);
	return sql;
}

/* The audit log's schema: the configured one, else where the table is,
 * else where retort would create it (the first schema of search_path that
 * exists). */
static char *
history_schema(struct rt_db *db, struct rt_err *err)
{
	const char *params[1] = { db->hist };
	PGresult *res = PQexecParams(db->conn,
		"SELECT CASE WHEN array_length(parse_ident($1), 1) = 2 THEN (parse_ident($1))[1] "
		"ELSE coalesce((SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON "
		"n.oid = c.relnamespace WHERE c.oid = to_regclass($1)), current_schema(), 'public') END",
		1, NULL, params, NULL, NULL, 0);
	char *schema = NULL;

	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1 &&
	    !PQgetisnull(res, 0, 0))
		schema = rt_xstrdup(PQgetvalue(res, 0, 0));
	else
		rt_db_result_err(res, "finding retort_history", err);
	PQclear(res);
	return schema;
}

/* The scripts that keep the audit log (see above), into f. */
static int
history_scripts(struct rt_feed *f, struct rt_db *db, struct rt_err *err)
{
	char *qs, *qhist, *lit;

	if (!(f->hist_schema = history_schema(db, err)))
		return -1;
	qs = PQescapeIdentifier(db->conn, f->hist_schema, strlen(f->hist_schema));
	qhist = rt_xasprintf("%s.\"retort_history\"", qs ? qs : "\"public\"");
	PQfreemem(qs);
	lit = literal(db->conn, qhist);
	f->keep_sql = keep_history_sql(lit);
	f->prelude = clean_sql(db->conn, &f->info->counts, lit);
	f->history_sql = history_sql(db->conn, lit, f->info);
	free(lit);
	free(qhist);
	return 0;
}

static void
trim(struct rt_buf *out)
{
	while (out->len && out->data[out->len - 1] == '\n')
		out->data[--out->len] = '\0';
}

/* Non-blocking; a child whose output ended is exiting: reap it now rather
 * than at the next poll timeout. */
static void
reap(struct rt_proc *p)
{
	if (rt_proc_poll(p) == 1 && p->fd < 0)
		rt_proc_wait(p);
}

/* ---- starting -------------------------------------------------------------------- */

/* The private directory, the FIFO in it, our two ends of it. */
static int
make_fifo(struct rt_feed *f, struct rt_err *err)
{
	const char *tmp = getenv("TMPDIR");

	if (!tmp || !*tmp)
		tmp = "/tmp";
	f->dir = rt_xasprintf("%s/retort-restore.XXXXXX", tmp);
	if (!mkdtemp(f->dir)) {
		rt_err_set(err, RT_ERR_RUN, "restore: cannot create a directory in %s: %s", tmp,
			   strerror(errno));
		free(f->dir);
		f->dir = NULL;
		return -1;
	}
	f->fifo = rt_xasprintf("%s/archive", f->dir);
	/* the reader first: opening the write end needs one, and it must not block */
	if (mkfifo(f->fifo, 0600) < 0 ||
	    (f->fifo_rd = open(f->fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) < 0 ||
	    (f->feed = open(f->fifo, O_WRONLY | O_NONBLOCK | O_CLOEXEC)) < 0) {
		rt_err_set(err, RT_ERR_RUN, "restore: %s: %s", f->fifo, strerror(errno));
		return -1;
	}
	(void)fcntl(f->feed, F_SETPIPE_SZ, PIPE_SIZE);     /* a hint: the default works too */
	f->pipe_size = fcntl(f->feed, F_GETPIPE_SZ);
	f->timer = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (f->pipe_size <= 0 || f->timer < 0) {
		rt_err_set(err, RT_ERR_RUN, "restore: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* The dump, opened once: its size must still be the sidecar's. */
static int
open_dump(struct rt_feed *f, struct rt_err *err)
{
	const struct rt_backup_info *info = f->info;
	struct stat st;

	f->file = open(info->path, O_RDONLY | O_CLOEXEC);
	if (f->file < 0 || fstat(f->file, &st) < 0) {
		rt_err_set(err, RT_ERR_INPUT, "%s: %s; nothing restored", info->path,
			   strerror(errno));
		return -1;
	}
	f->size = (long long)st.st_size;
	if (info->saved_bytes > 0 && f->size != info->saved_bytes) {
		rt_err_set(err, RT_ERR_INPUT, "%s: %lld bytes, but its sidecar says %lld: the dump "
			   "was changed since the backup; nothing restored", info->path, f->size,
			   info->saved_bytes);
		return -1;
	}
	(void)posix_fadvise(f->file, 0, 0, POSIX_FADV_SEQUENTIAL);
	f->md = EVP_MD_CTX_new();
	if (!f->md || !EVP_DigestInit_ex(f->md, EVP_sha256(), NULL)) {
		rt_err_set(err, RT_ERR_RUN, "restore: cannot compute a SHA-256");
		return -1;
	}
	f->buf = rt_xmalloc(FEED_CHUNK);
	return 0;
}

/* The psql beside pg_restore: the same installation, so the same version,
 * and no second search (each candidate is run with --version). */
static char *
psql_beside(const char *tool, int server_version, struct rt_err *err)
{
	const char *slash = strrchr(tool, '/');
	char *note = NULL, *version = NULL, *psql;

	psql = rt_xasprintf("%.*s/psql", slash ? (int)(slash - tool) : 1, slash ? tool : ".");
	if (access(psql, X_OK) == 0)
		return psql;
	free(psql);
	psql = rt_pg_tool("psql", server_version, &version, &note, err);
	free(version);
	free(note);
	return psql;
}

static int
start_clean(struct rt_feed *f, struct rt_db *db, const char *tool, struct rt_err *err)
{
	char *psql;
	int rc;

	if (history_scripts(f, db, err) < 0 ||
	    !(psql = psql_beside(tool, rt_db_server_version(db), err)))
		return -1;
	{
		const char *argv_a[] = { tool, "--format=custom", "--clean", "--if-exists",
					 "--file", "-", f->fifo, NULL };
		const char *argv_b[] = { psql, "--no-psqlrc", "--quiet", "--no-password",
					 "--output", "/dev/null", "--single-transaction",
					 "--set", "ON_ERROR_STOP=1", "--dbname", f->conninfo,
					 "--command", f->keep_sql, "--command", f->prelude,
					 "--command", gate_table_sql, "--file", "-",
					 "--command", f->history_sql, "--file", "/dev/fd/3",
					 "--command", gate_check_sql, NULL };

		rc = rt_proc_pipe_start(&f->rst, argv_a, &f->psql, argv_b, f->password, &f->gate,
					err);
	}
	free(psql);
	return rc;
}

void
rt_feed_init(struct rt_feed *f)
{
	memset(f, 0, sizeof(*f));
	f->gate = f->file = f->feed = f->fifo_rd = f->timer = -1;
	f->rst.fd = f->psql.fd = -1;
}

int
rt_feed_start(struct rt_feed *f, struct rt_db *db, struct rt_backup_info *info, bool clean,
	      char **note, struct rt_err *err)
{
	char *tool, *version = NULL;
	int rc = -1;

	f->info = info;
	f->clean = clean;
	*note = NULL;
	tool = rt_pg_tool("pg_restore", rt_db_server_version(db), &version, note, err);
	if (!tool || rt_conninfo_split(db->url, &f->conninfo, &f->password, err) < 0 ||
	    open_dump(f, err) < 0 || make_fifo(f, err) < 0)
		goto out;
	if (clean) {
		rc = start_clean(f, db, tool, err);
	} else {
		const char *argv[] = { tool, "--format=custom", "--no-password",
				       "--single-transaction", "--exit-on-error",
				       "--dbname", f->conninfo, f->fifo, NULL };

		rc = rt_proc_start(&f->rst, argv, f->password, err);
	}
out:
	free(tool);
	free(version);
	return rc;
}

/* ---- feeding --------------------------------------------------------------------- */

static void
verdict(struct rt_feed *f)
{
	unsigned char sum[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	char c;

	if (EVP_DigestFinal_ex(f->md, sum, &len))
		for (unsigned int i = 0; i < len && i < 32; i++)
			snprintf(f->sum_hex + 2 * i, 3, "%02x", sum[i]);
	/* a file that grew since it was opened is not the one hashed */
	f->sum = len == 32 && read(f->file, &c, 1) == 0 &&
		 strcasecmp(f->sum_hex, f->info->sha256) == 0 ? RT_SUM_OK : RT_SUM_BAD;
	f->info->check = f->sum == RT_SUM_OK ? RT_BACKUP_OK : RT_BACKUP_BAD_SUM;
}

/* Reads and hashes the next piece into the buffer: up to the held-back tail,
 * then the tail, after which the checksum is known. */
static int
read_next(struct rt_feed *f, struct rt_err *err)
{
	long long limit = f->size > HOLD_BACK ? f->size - HOLD_BACK : 0;
	long long want = f->hashed < limit ? limit - f->hashed : f->size - f->hashed;
	size_t got = 0;
	ssize_t n;

	if (want > (long long)FEED_CHUNK)
		want = (long long)FEED_CHUNK;
	while (got < (size_t)want) {
		n = read(f->file, f->buf + got, (size_t)want - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rt_err_set(err, RT_ERR_RUN, "%s: read: %s; nothing restored", f->info->path,
				   strerror(errno));
			return -1;
		}
		if (n == 0) {           /* shorter than when opened: it changed */
			f->size = f->hashed + (long long)got;
			break;
		}
		got += (size_t)n;
	}
	EVP_DigestUpdate(f->md, f->buf, got);
	f->hashed += (long long)got;
	f->off = 0;
	f->len = got;
	if (f->hashed >= f->size)
		verdict(f);
	return 0;
}

/* The FIFO is full: the timer for the next refill. The delay is halved when
 * the last refill found the FIFO nearly empty (pg_restore may have waited),
 * doubled when it found it nearly full (a wasted wake-up). */
static void
pace(struct rt_feed *f)
{
	struct itimerspec its = { { 0, 0 }, { 0, 0 } };

	if (f->pace_ms == 0)        /* the first fill: nothing learnt yet */
		f->pace_ms = 5.0;
	else if (f->round > f->pipe_size * 3 / 4 && f->pace_ms / 2 >= PACE_MIN_MS)
		f->pace_ms /= 2;
	else if (f->round < f->pipe_size / 4 && f->pace_ms * 2 <= PACE_MAX_MS)
		f->pace_ms *= 2;
	its.it_value.tv_nsec = (long)(f->pace_ms * 1e6);
	timerfd_settime(f->timer, 0, &its, NULL);
	f->is_pacing = true;
	f->round = 0;
}

/* Whether the refill is due: the timer expired (or no refill is pending). */
static bool
is_due(struct rt_feed *f)
{
	uint64_t n;

	if (!f->is_pacing)
		return true;
	if (read(f->timer, &n, sizeof(n)) != (ssize_t)sizeof(n))
		return false;       /* woken by a child's output: not yet */
	f->is_pacing = false;
	return true;
}

/* Feeds what is hashed and reads on, within the budget. 1: wait (poll),
 * 0: the whole dump is hashed and, unless draining or bad, fed; -1 with err. */
static int
pump(struct rt_feed *f, struct rt_err *err)
{
	long long budget = FEED_BUDGET;
	ssize_t w;

	if (f->feed >= 0 && !is_due(f))
		return 1;
	while (budget > 0 && f->sum != RT_SUM_BAD) {
		if (f->off < f->len) {
			if (f->feed < 0) {              /* draining: nobody to feed */
				f->off = f->len;
				continue;
			}
			w = write(f->feed, f->buf + f->off, f->len - f->off);
			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0 && errno == EAGAIN) {
				pace(f);
				return 1;
			}
			if (w < 0) {
				rt_err_set(err, RT_ERR_RUN, "restore: writing to pg_restore: %s",
					   strerror(errno));
				return -1;
			}
			f->off += (size_t)w;
			f->round += w;
			continue;
		}
		if (f->sum != RT_SUM_PENDING)
			return 0;
		if (read_next(f, err) < 0)
			return -1;
		budget -= (long long)f->len;
	}
	return f->sum == RT_SUM_BAD ? 0 : 1;
}

static void
close_feed(struct rt_feed *f)
{
	if (f->feed >= 0)
		close(f->feed);
	f->feed = -1;
}

/* Everything is written: the end of file goes to pg_restore by closing the
 * FIFO, but not before pg_restore has opened it (a small dump fits the pipe
 * before it does): a FIFO opened for reading after its last writer left
 * waits for a new one for ever. Bytes taken out of the pipe prove the open.
 * pg_restore stops at the archive's last block, so until then it does not
 * wait for this end of file. */
static void
release_feed(struct rt_feed *f)
{
	int unread = 0;

	if (f->feed >= 0 && ioctl(f->feed, FIONREAD, &unread) == 0 && unread == 0)
		close_feed(f);
}

/* Whether a child ended before the whole dump went in: nothing it does
 * after that can be a complete restore, but the checksum still tells
 * whether the dump was damaged (reported first) or pg_restore failed. */
static bool
ended_early(const struct rt_feed *f)
{
	if (f->clean)
		return (!f->rst.is_running && f->rst.status != 0) || !f->psql.is_running;
	return !f->rst.is_running;
}

/* The error of a child that failed: psql's first (pg_restore then only lost its reader). */
static int
child_failed(struct rt_feed *f, struct rt_err *err)
{
	bool is_psql = f->clean && !f->psql.is_running && f->psql.status != 0 &&
		       f->psql.status != 128 + SIGKILL;
	const char *who = is_psql ? "psql" : "pg_restore";
	int status = is_psql ? f->psql.status : f->rst.status;

	trim(&f->rst.out);
	trim(&f->psql.out);
	if (status > 128)
		rt_err_set(err, RT_ERR_RUN, "%s was killed (signal %d); the restore's transaction "
			   "was rolled back, the database is unchanged", who, status - 128);
	else
		rt_err_set(err, RT_ERR_RUN, "%s failed (exit %d); the restore's transaction was "
			   "rolled back, the database is unchanged", who, status);
	if (f->rst.out.len)
		rt_err_detail(err, "%s", rt_buf_str(&f->rst.out));
	if (f->psql.out.len)
		rt_err_detail(err, "%s", rt_buf_str(&f->psql.out));
	return -1;
}

static int
mismatch(struct rt_feed *f, struct rt_err *err)
{
	bool committed = !f->clean && !f->rst.is_running && f->rst.status == 0;

	/* psql first: it must not go on without pg_restore */
	rt_proc_end(&f->psql);
	rt_proc_end(&f->rst);
	if (committed) {
		/* pg_restore never needed the last bytes: only a file that is not
		 * what pg_dump wrote gets here */
		f->is_committed = true;
		rt_err_set(err, RT_ERR_RUN, "%s: checksum mismatch found after pg_restore had "
			   "committed: the database holds what the damaged dump held", f->info->path);
	} else {
		rt_err_set(err, RT_ERR_INPUT, "%s: checksum mismatch: the dump is damaged or was "
			   "changed since the backup; nothing restored", f->info->path);
	}
	rt_err_detail(err, "SHA-256 now:       %s\nSHA-256 at backup: %s", f->sum_hex,
		      f->info->sha256);
	return -1;
}

/* Writes the token into the gate. psql may have died: a pipe without a
 * reader raises SIGPIPE, which must not end retort, so it is blocked and
 * taken back here rather than ignored for the whole process. */
static bool
open_gate(struct rt_feed *f)
{
	size_t len = strlen(gate_token);
	struct timespec zero = { 0, 0 };
	sigset_t pipe_set, old;
	ssize_t n;

	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	sigprocmask(SIG_BLOCK, &pipe_set, &old);
	n = write(f->gate, gate_token, len);
	if (n < 0 && errno == EPIPE && !sigismember(&old, SIGPIPE))
		sigtimedwait(&pipe_set, NULL, &zero);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return n == (ssize_t)len;
}

/* Everything is fed (or a child ended early, or a cancel came): the children's end. */
static int
step_wait(struct rt_feed *f, struct rt_err *err)
{
	reap(&f->rst);
	reap(&f->psql);
	release_feed(f);
	if (!f->rst.is_running)
		close_feed(f);
	if (f->clean && !f->rst.is_running && f->gate >= 0) {
		if (f->rst.status == 0 && f->sum == RT_SUM_OK && !f->is_draining &&
		    !f->is_cancelled && f->psql.is_running)
			/* the commit point: psql finishes the script, finds the token, commits */
			f->is_gate_open = open_gate(f);
		else
			rt_proc_end(&f->psql);
		close(f->gate);
		f->gate = -1;
	}
	if (f->rst.is_running || f->psql.is_running)
		return 1;
	if (f->rst.status == 0 && (!f->clean || (f->is_gate_open && f->psql.status == 0))) {
		f->is_committed = true;
		return 0;
	}
	if (f->is_cancelled) {
		rt_err_set(err, RT_ERR_CANCEL, "restore cancelled; nothing restored");
		return -1;
	}
	return child_failed(f, err);
}

static int
step_feed(struct rt_feed *f, struct rt_err *err)
{
	int rc;

	reap(&f->rst);
	reap(&f->psql);
	if (f->is_cancelled) {
		close_feed(f);
		f->is_waiting = true;
		return step_wait(f, err);
	}
	if (!f->is_draining && ended_early(f)) {
		f->is_draining = true;
		close_feed(f);
	}
	rc = pump(f, err);
	if (rc != 0)
		return rc;
	if (f->sum == RT_SUM_BAD)
		return mismatch(f, err);
	/* all fed (a child that ended early is judged by step_wait) */
	f->is_waiting = true;
	return step_wait(f, err);
}

int
rt_feed_step(struct rt_feed *f, struct rt_err *err)
{
	int rc;

	if (f->is_done)
		return f->is_committed ? 0 : -1;
	rc = f->is_waiting ? step_wait(f, err) : step_feed(f, err);
	if (rc == 1 && f->is_cancelled && !f->is_gate_open &&
	    rt_clock_ms() - f->cancel_ms > KILL_AFTER_MS) {
		rt_proc_end(&f->psql);
		rt_proc_end(&f->rst);
	}
	f->is_done = rc != 1;
	return rc;
}

static void
add_fd(struct pollfd *fds, size_t *n, size_t max, int fd, short events)
{
	if (fd >= 0 && *n < max)
		fds[(*n)++] = (struct pollfd){ fd, events, 0 };
}

size_t
rt_feed_fds(const struct rt_feed *f, struct pollfd *fds, size_t max)
{
	size_t n = 0;

	if (f->is_done)
		return 0;
	if (!f->is_waiting) {
		if (f->is_pacing && f->feed >= 0)
			add_fd(fds, &n, max, f->timer, POLLIN);
		else if (f->off < f->len && f->feed >= 0)
			add_fd(fds, &n, max, f->feed, POLLOUT);
		else if (f->sum == RT_SUM_PENDING)     /* a regular file: ready at once */
			add_fd(fds, &n, max, f->file, POLLIN);
	}
	add_fd(fds, &n, max, f->rst.fd, POLLIN);
	add_fd(fds, &n, max, f->psql.fd, POLLIN);
	return n;
}

bool
rt_feed_cancel(struct rt_feed *f)
{
	if (f->is_done || f->is_cancelled)
		return false;
	f->is_cancelled = true;
	f->cancel_ms = rt_clock_ms();
	if (f->is_gate_open)
		return false;       /* psql is committing: too late */
	/* both send the server a cancel request before they exit; psql has not
	 * had the token, so it can only roll back */
	if (f->psql.is_running)
		kill(f->psql.pid, SIGINT);
	if (f->rst.is_running)
		kill(f->rst.pid, SIGTERM);
	return true;
}

void
rt_feed_end(struct rt_feed *f)
{
	rt_proc_end(&f->psql);      /* first: it must not read the gate's end */
	rt_proc_end(&f->rst);
	if (f->gate >= 0)
		close(f->gate);
	close_feed(f);
	if (f->fifo_rd >= 0)
		close(f->fifo_rd);
	if (f->file >= 0)
		close(f->file);
	if (f->timer >= 0)
		close(f->timer);
	if (f->fifo)
		unlink(f->fifo);
	if (f->dir)
		rmdir(f->dir);
	if (f->password)
		explicit_bzero(f->password, strlen(f->password));
	EVP_MD_CTX_free(f->md);
	free(f->buf);
	free(f->dir);
	free(f->fifo);
	free(f->conninfo);
	free(f->password);
	free(f->prelude);
	free(f->keep_sql);
	free(f->history_sql);
	free(f->hist_schema);
	rt_feed_init(f);
}
