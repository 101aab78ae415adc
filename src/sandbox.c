/* sandbox.c - the embedded PostgreSQL cluster under PROJECT/.retort/sandbox.
 *
 * Layout: data/ (the cluster), server.log, run/ (the unix socket; no TCP
 * port), socket_dir (the socket directory actually used, when run/ would not
 * do), lock (serialises start and stop).
 *
 * A unix socket path must fit in sun_path (108 bytes with the NUL). When
 * run/.s.PGSQL.5432 would not fit, or when run/ holds characters that pg_ctl's
 * -o string (which pg_ctl hands to /bin/sh) would misread, the socket lives
 * in /tmp/retort-<uid>-<hash of the sandbox path> instead, created 0700.
 * pg_ctl itself is given relative paths (-D data, -l server.log, run from
 * the sandbox directory) for the same reason.
 *
 * As root, initdb refuses to run, so the sandbox directory and the socket
 * directory belong to the postgres user and every program runs as postgres.
 */
#include "config.h"
#include "rt_sandbox.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "rt_err.h"
#include "rt_mem.h"
#include "spawn.h"

#define PG_PORT "5432"
#define SOCKET_NAME "/.s.PGSQL." PG_PORT
#define SERVER_USER "postgres"
#define LOG_TAIL_LINES 10
/* Characters that need no quoting in pg_ctl's -o string nor encoding in a URL. */
#define SAFE_PATH_CHARS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-"

/* The paths of one sandbox, all absolute and owned. */
struct box {
	char *base;       /* PROJECT/.retort/sandbox */
	char *data;
	char *log;
	char *run;        /* the preferred socket directory */
	char *sockfile;   /* remembers the socket directory used */
	char *lock;
};

static void
box_init(struct box *b, const char *project_dir)
{
	b->base = rt_xasprintf("%s/.retort/sandbox",
			       strcmp(project_dir, "/") == 0 ? "" : project_dir);
	b->data = rt_xasprintf("%s/data", b->base);
	b->log = rt_xasprintf("%s/server.log", b->base);
	b->run = rt_xasprintf("%s/run", b->base);
	b->sockfile = rt_xasprintf("%s/socket_dir", b->base);
	b->lock = rt_xasprintf("%s/lock", b->base);
}

static void
box_free(struct box *b)
{
	free(b->lock);
	free(b->sockfile);
	free(b->run);
	free(b->log);
	free(b->data);
	free(b->base);
}

static bool
is_server_user(void)
{
	return geteuid() == 0;
}

/* --- small file helpers ------------------------------------------------------ */

/* The first line of path (without the newline), or NULL. */
static char *
read_first_line(const char *path)
{
	char line[PATH_MAX + 64];
	FILE *f = fopen(path, "r");
	char *res = NULL;

	if (!f)
		return NULL;
	if (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0])
			res = rt_xstrdup(line);
	}
	fclose(f);
	return res;
}

/* The last lines of the server log, appended to err's detail. */
static void
detail_log_tail(struct rt_err *err, const char *log)
{
	char tail[1400];
	const char *s;
	size_t n;
	int lines = 0;
	bool is_cut = false;
	FILE *f = fopen(log, "r");

	if (!f)
		return;
	if (fseek(f, 0, SEEK_END) == 0) {
		long size = ftell(f);

		is_cut = size > (long)sizeof(tail) - 1;
		if (is_cut)
			fseek(f, size - (long)sizeof(tail) + 1, SEEK_SET);
		else
			rewind(f);
	}
	n = fread(tail, 1, sizeof(tail) - 1, f);
	fclose(f);
	tail[n] = '\0';
	if (is_cut && strchr(tail, '\n')) {
		/* drop the partial first line */
		char *nl = strchr(tail, '\n') + 1;

		n -= (size_t)(nl - tail);
		memmove(tail, nl, n + 1);
	}
	while (n && tail[n - 1] == '\n')
		tail[--n] = '\0';
	for (s = tail + n; s > tail; s--)
		if (s[-1] == '\n' && ++lines == LOG_TAIL_LINES)
			break;
	if (!*s)
		return;
	rt_err_detail(err, "last lines of %s:", log);
	rt_err_detail(err, "%s", s);
}

/* The last part of a program's output, appended to err's detail. */
static void
detail_output(struct rt_err *err, const struct rt_buf *out)
{
	const char *s = rt_buf_str(out);
	size_t len = out->len;

	while (len && s[len - 1] == '\n')
		len--;
	if (!len)
		return;
	if (len > 600) {
		s += len - 600;
		len = 600;
	}
	rt_err_detail(err, "%.*s", (int)len, s);
}

/* --- the server binaries ------------------------------------------------------ */

static bool
has_server(const char *dir)
{
	char *initdb = rt_xasprintf("%s/initdb", dir);
	char *postgres = rt_xasprintf("%s/postgres", dir);
	bool ok = access(initdb, X_OK) == 0 && access(postgres, X_OK) == 0;

	free(postgres);
	free(initdb);
	return ok;
}

static char *
bindir_from_pg_config(void)
{
	static const char *const argv[] = { "pg_config", "--bindir", NULL };
	struct rt_spawn_opts opts = { .capture = true };
	struct rt_buf out = { 0 };
	char *dir = NULL;
	int status;

	if (rt_spawn(argv, &opts, &status, &out, NULL) == 0 && status == 0) {
		const char *s = rt_buf_str(&out);

		dir = rt_xstrndup(s, strcspn(s, "\r\n"));
		if (!has_server(dir)) {
			free(dir);
			dir = NULL;
		}
	}
	rt_buf_free(&out);
	return dir;
}

/* The newest /usr/lib/postgresql/N/bin holding a server (N compared as a number). */
static char *
bindir_newest_installed(void)
{
	const char *root = "/usr/lib/postgresql";
	double best_version = -1;
	char *best = NULL;
	struct dirent *de;
	DIR *d = opendir(root);

	if (!d)
		return NULL;
	while ((de = readdir(d))) {
		char *end, *dir;
		double v;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		v = strtod(de->d_name, &end);
		if (*end || v <= best_version)
			continue;
		dir = rt_xasprintf("%s/%s/bin", root, de->d_name);
		if (has_server(dir)) {
			free(best);
			best = dir;
			best_version = v;
		} else {
			free(dir);
		}
	}
	closedir(d);
	return best;
}

char *
rt_pg_bindir(void)
{
	char *dir = bindir_from_pg_config();

	if (!dir)
		dir = bindir_newest_installed();
#ifdef RT_PG_BINDIR_GUESS
	if (!dir && RT_PG_BINDIR_GUESS[0] && has_server(RT_PG_BINDIR_GUESS))
		dir = rt_xstrdup(RT_PG_BINDIR_GUESS);
#endif
	return dir;
}

/* --- the socket directory ---------------------------------------------------- */

static bool
is_usable_socket_dir(const char *dir)
{
	return strlen(dir) + sizeof(SOCKET_NAME) <= sizeof(((struct sockaddr_un *)0)->sun_path)
	       && dir[strspn(dir, SAFE_PATH_CHARS)] == '\0';
}

/* The socket directory a new start would use. */
static char *
planned_socket_dir(const struct box *b)
{
	if (is_usable_socket_dir(b->run))
		return rt_xstrdup(b->run);
	return rt_xasprintf("/tmp/retort-%u-%08x", (unsigned)geteuid(), rt_str_hash32(b->base));
}

/* Line n (1-based) of data/postmaster.pid, or NULL. 1 = pid, 5 = socket dir. */
static char *
pidfile_line(const struct box *b, int n)
{
	char *path = rt_xasprintf("%s/postmaster.pid", b->data);
	char line[PATH_MAX + 64];
	char *res = NULL;
	FILE *f = fopen(path, "r");

	free(path);
	if (!f)
		return NULL;
	while (fgets(line, sizeof(line), f))
		if (--n == 0) {
			line[strcspn(line, "\r\n")] = '\0';
			res = line[0] ? rt_xstrdup(line) : NULL;
			break;
		}
	fclose(f);
	return res;
}

/* The socket directory in use: the server's own word, else what the last
 * start remembered, else what a start would use. */
static char *
current_socket_dir(const struct box *b)
{
	char *dir = pidfile_line(b, 5);

	if (!dir)
		dir = read_first_line(b->sockfile);
	if (!dir)
		dir = planned_socket_dir(b);
	return dir;
}

/* --- the server process ------------------------------------------------------ */

/* The postmaster's pid when it is alive, else 0. */
static pid_t
running_pid(const struct box *b)
{
	char *line = pidfile_line(b, 1);
	char *end, *cmd, buf[256];
	long pid;
	FILE *f;

	if (!line)
		return 0;
	pid = strtol(line, &end, 10);
	if (*end)
		pid = 0;
	free(line);
	if (pid <= 0 || pid > INT_MAX)
		return 0;
	if (kill((pid_t)pid, 0) < 0 && errno != EPERM)
		return 0;
	/* a stale pid file after a crash may name a recycled pid; a zombie
	 * (not yet reaped, where no init reaps) has an empty command line */
	cmd = rt_xasprintf("/proc/%ld/cmdline", pid);
	f = fopen(cmd, "r");
	free(cmd);
	if (f) {
		size_t n = fread(buf, 1, sizeof(buf) - 1, f);

		fclose(f);
		buf[n] = '\0';
		if (!strstr(buf, "postgres"))
			return 0;
	}
	return (pid_t)pid;
}

int
rt_sandbox_status(const char *project_dir, struct rt_sandbox_status *st, struct rt_err *err)
{
	struct box b;
	struct stat sb;
	char *ver;
	int rc = 0;

	memset(st, 0, sizeof(*st));
	box_init(&b, project_dir);
	ver = rt_xasprintf("%s/PG_VERSION", b.data);
	if (stat(ver, &sb) == 0) {
		st->is_initialized = true;
	} else if (errno != ENOENT) {
		rt_err_set(err, RT_ERR_RUN, "cannot read the sandbox in %s: %s", b.base,
			   strerror(errno));
		rc = -1;
	}
	free(ver);
	if (rc == 0) {
		st->pid = st->is_initialized ? running_pid(&b) : 0;
		st->is_running = st->pid > 0;
		st->datadir = rt_xstrdup(b.data);
		st->socket_dir = current_socket_dir(&b);
		st->bindir = rt_pg_bindir();
	}
	box_free(&b);
	return rc;
}

void
rt_sandbox_status_free(struct rt_sandbox_status *st)
{
	if (!st)
		return;
	free(st->bindir);
	free(st->socket_dir);
	free(st->datadir);
	memset(st, 0, sizeof(*st));
}

/* --- starting ---------------------------------------------------------------- */

/* The postgres user, when we are root and the server must run as it. */
struct server_user {
	bool is_switch;
	uid_t uid;
	gid_t gid;
	gid_t *groups;      /* owned */
	int ngroups;
};

static int
server_user_get(struct server_user *u, struct rt_err *err)
{
	struct passwd *pw;
	int n = 16;

	memset(u, 0, sizeof(*u));
	if (!is_server_user())
		return 0;
	pw = getpwnam(SERVER_USER);
	if (!pw) {
		rt_err_set(err, RT_ERR_RUN, "the sandbox needs a '%s' user to run the server "
			   "as root, and there is none", SERVER_USER);
		rt_err_detail(err, "install the postgresql package, or run retort as a "
			      "normal user");
		return -1;
	}
	u->is_switch = true;
	u->uid = pw->pw_uid;
	u->gid = pw->pw_gid;
	for (;;) {
		int got = n;

		u->groups = rt_xreallocarray(u->groups, (size_t)n, sizeof(*u->groups));
		if (getgrouplist(pw->pw_name, pw->pw_gid, u->groups, &got) >= 0) {
			u->ngroups = got;
			return 0;
		}
		n = got > n ? got : n * 2;
	}
}

static bool
can_search(const struct stat *sb, const struct server_user *u)
{
	int i;

	if (sb->st_uid == u->uid)
		return sb->st_mode & S_IXUSR;
	for (i = 0; i < u->ngroups; i++)
		if (sb->st_gid == u->groups[i])
			return sb->st_mode & S_IXGRP;
	return sb->st_mode & S_IXOTH;
}

/* As root: every directory above the sandbox must be searchable by postgres. */
static int
check_reachable(const char *dir, const struct server_user *u, struct rt_err *err)
{
	char *path = realpath(dir, NULL);
	char *slash;
	struct stat sb;
	int rc = 0;

	if (!u->is_switch || !path) {
		free(path);
		return 0;
	}
	for (;;) {
		if (stat(path, &sb) == 0 && !can_search(&sb, u)) {
			rt_err_set(err, RT_ERR_RUN, "the sandbox server runs as the %s user, "
				   "which cannot reach %s (mode %04o)", SERVER_USER, path,
				   (unsigned)(sb.st_mode & 07777));
			rt_err_detail(err, "as root, keep the project where %s can search every "
				      "parent directory (not under /root), e.g. /srv or /tmp, "
				      "or chmod o+x %s", SERVER_USER, path);
			rc = -1;
			break;
		}
		slash = strrchr(path, '/');
		if (!slash || strcmp(path, "/") == 0)
			break;
		slash[slash == path ? 1 : 0] = '\0';
	}
	free(path);
	return rc;
}

static int
make_dir(const char *path, mode_t mode, struct rt_err *err)
{
	if (mkdir(path, mode) == 0 || errno == EEXIST)
		return 0;
	rt_err_set(err, RT_ERR_RUN, "cannot create %s: %s", path, strerror(errno));
	return -1;
}

static int
give_to_server(const char *path, const struct server_user *u, struct rt_err *err)
{
	if (!u->is_switch || chown(path, u->uid, u->gid) == 0)
		return 0;
	rt_err_set(err, RT_ERR_RUN, "cannot give %s to the %s user: %s", path, SERVER_USER,
		   strerror(errno));
	return -1;
}

/* PROJECT/.retort and PROJECT/.retort/sandbox (0700, the server user's). */
static int
make_box(const struct box *b, const struct server_user *u, struct rt_err *err)
{
	size_t dotlen = strlen(b->base) - strlen("/sandbox");
	char *dot = rt_xstrndup(b->base, dotlen);
	char *project = rt_xstrndup(b->base, dotlen - strlen("/.retort"));
	int rc = -1;

	/* check before creating anything in the project */
	if (check_reachable(*project ? project : "/", u, err) < 0)
		goto out;
	if (make_dir(dot, 0755, err) < 0)
		goto out;
	if (make_dir(b->base, 0700, err) < 0 || give_to_server(b->base, u, err) < 0)
		goto out;
	rc = 0;
out:
	free(project);
	free(dot);
	return rc;
}

/* Takes the sandbox lock (start and stop must not overlap). Returns the fd. */
static int
lock_box(const struct box *b, struct rt_err *err)
{
	int fd = open(b->lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

	if (fd < 0) {
		rt_err_set(err, RT_ERR_RUN, "cannot open %s: %s", b->lock, strerror(errno));
		return -1;
	}
	while (flock(fd, LOCK_EX) < 0) {
		if (errno != EINTR) {
			rt_err_set(err, RT_ERR_RUN, "cannot lock %s: %s", b->lock,
				   strerror(errno));
			close(fd);
			return -1;
		}
	}
	return fd;
}

/* Runs a server program in the sandbox directory, as postgres when root. */
static int
run_server_prog(const struct box *b, const char *const argv[], const char *what,
		bool has_log, struct rt_err *err)
{
	/* the socket name carries the port: never let a PGPORT of ours move it */
	static const char *const env[] = { "PGPORT=" PG_PORT, NULL };
	struct rt_spawn_opts opts = {
		.run_as_user = SERVER_USER, .cwd = b->base, .env_add = env, .capture = true,
	};
	struct rt_buf out = { 0 };
	int status, rc = -1;

	if (rt_spawn(argv, &opts, &status, &out, err) < 0)
		goto out;
	if (status != 0) {
		rt_err_set(err, RT_ERR_RUN, "sandbox: %s failed (exit status %d)", what, status);
		detail_output(err, &out);
		if (has_log)
			detail_log_tail(err, b->log);
		goto out;
	}
	rc = 0;
out:
	rt_buf_free(&out);
	return rc;
}

static int
init_cluster(const struct box *b, const char *bindir, struct rt_err *err)
{
	char *initdb = rt_xasprintf("%s/initdb", bindir);
	char *ver = rt_xasprintf("%s/PG_VERSION", b->data);
	const char *const argv[] = {
		initdb, "-D", "data", "-U", "postgres", "-A", "trust", "-E", "UTF8",
		"--locale=C.UTF-8", NULL,
	};
	int rc = 0;

	if (access(ver, F_OK) != 0)
		rc = run_server_prog(b, argv, "initdb", false, err);
	free(ver);
	free(initdb);
	return rc;
}

/* Creates the socket directory dir (0700, the server user's). A /tmp directory
 * that already exists must be ours and private. */
static int
prepare_socket_dir(const char *dir, const struct server_user *u, struct rt_err *err)
{
	struct stat sb;

	if (make_dir(dir, 0700, err) < 0)
		return -1;
	if (lstat(dir, &sb) < 0 || !S_ISDIR(sb.st_mode) || (sb.st_mode & 077)
	    || (sb.st_uid != geteuid() && !(u->is_switch && sb.st_uid == u->uid))) {
		rt_err_set(err, RT_ERR_RUN, "unsafe socket directory %s: it must be a "
			   "directory of ours with mode 0700", dir);
		return -1;
	}
	return give_to_server(dir, u, err);
}

/* Writes the socket directory in use into the sandbox's socket_dir file. */
static int
remember_socket_dir(const struct box *b, const char *dir, struct rt_err *err)
{
	FILE *f = fopen(b->sockfile, "w");

	if (!f || fprintf(f, "%s\n", dir) < 0 || fclose(f) != 0) {
		rt_err_set(err, RT_ERR_RUN, "cannot write %s: %s", b->sockfile, strerror(errno));
		return -1;
	}
	return 0;
}

static int
start_server(const struct box *b, const char *bindir, const char *sockdir,
	     struct rt_err *err)
{
	char *pg_ctl = rt_xasprintf("%s/pg_ctl", bindir);
	char *opts = rt_xasprintf("-k %s -c listen_addresses= "
				  "-c unix_socket_permissions=0700", sockdir);
	const char *const argv[] = {
		pg_ctl, "-D", "data", "-l", "server.log", "-w", "-t", "60", "-o", opts,
		"start", NULL,
	};
	int rc = run_server_prog(b, argv, "pg_ctl start", true, err);

	free(opts);
	free(pg_ctl);
	return rc;
}

/* Connects to the postgres database over the sandbox socket. */
static PGconn *
connect_admin(const char *sockdir, struct rt_err *err)
{
	const char *const keys[] = {
		"host", "port", "dbname", "user", "application_name", "connect_timeout", NULL,
	};
	const char *const vals[] = {
		sockdir, PG_PORT, "postgres", "postgres", "retort", "30", NULL,
	};
	PGconn *conn = PQconnectdbParams(keys, vals, 0);

	if (PQstatus(conn) == CONNECTION_OK)
		return conn;
	rt_err_set(err, RT_ERR_RUN, "cannot connect to the sandbox in %s: %s", sockdir,
		   PQerrorMessage(conn));
	PQfinish(conn);
	return NULL;
}

/* Creates database dbname unless it exists. */
static int
ensure_database(const char *sockdir, const char *dbname, struct rt_err *err)
{
	const char *params[] = { dbname };
	PGresult *res = NULL;
	char *ident = NULL, *sql = NULL;
	PGconn *conn = connect_admin(sockdir, err);
	int rc = -1;

	if (!conn)
		return -1;
	res = PQexecParams(conn, "SELECT 1 FROM pg_database WHERE datname = $1", 1, NULL,
			   params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		goto sql_error;
	if (PQntuples(res) > 0) {
		rc = 0;
		goto out;
	}
	PQclear(res);
	ident = PQescapeIdentifier(conn, dbname, strlen(dbname));
	if (!ident) {
		res = NULL;
		goto sql_error;
	}
	sql = rt_xasprintf("CREATE DATABASE %s", ident);
	res = PQexec(conn, sql);
	if (PQresultStatus(res) == PGRES_COMMAND_OK) {
		rc = 0;
		goto out;
	}
	/* a concurrent start may have created it a moment ago */
	if (res && PQresultErrorField(res, PG_DIAG_SQLSTATE)
	    && strcmp(PQresultErrorField(res, PG_DIAG_SQLSTATE), "42P04") == 0) {
		rc = 0;
		goto out;
	}
sql_error:
	rt_err_set(err, RT_ERR_RUN, "sandbox: cannot create database %s: %s", dbname,
		   PQerrorMessage(conn));
out:
	free(sql);
	if (ident)
		PQfreemem(ident);
	PQclear(res);
	PQfinish(conn);
	return rc;
}

/* With the lock held: initdb if needed, start if not running, create dbname. */
static int
start_locked(const struct box *b, const struct server_user *u, const char *dbname,
	     struct rt_err *err)
{
	char *bindir = NULL, *sockdir = NULL;
	int rc = -1;

	if (!running_pid(b)) {
		bindir = rt_pg_bindir();
		if (!bindir) {
			rt_err_set(err, RT_ERR_RUN, "sandbox: no PostgreSQL server binaries "
				   "found (pg_config --bindir, /usr/lib/postgresql/*/bin)");
			rt_err_detail(err, "install the postgresql package (initdb, pg_ctl, "
				      "postgres), or put its pg_config on PATH");
			goto out;
		}
		sockdir = planned_socket_dir(b);
		if (init_cluster(b, bindir, err) < 0
		    || prepare_socket_dir(sockdir, u, err) < 0
		    || remember_socket_dir(b, sockdir, err) < 0
		    || start_server(b, bindir, sockdir, err) < 0)
			goto out;
		free(sockdir);
	}
	sockdir = current_socket_dir(b);
	if (ensure_database(sockdir, dbname, err) < 0) {
		detail_log_tail(err, b->log);
		goto out;
	}
	rc = 0;
out:
	free(sockdir);
	free(bindir);
	return rc;
}

int
rt_sandbox_start(const char *project_dir, const char *dbname, struct rt_err *err)
{
	struct server_user u;
	struct box b;
	int lockfd = -1, rc = -1;

	box_init(&b, project_dir);
	if (server_user_get(&u, err) < 0)
		goto out;
	if (make_box(&b, &u, err) < 0)
		goto out;
	lockfd = lock_box(&b, err);
	if (lockfd < 0)
		goto out;
	rc = start_locked(&b, &u, dbname, err);
out:
	if (lockfd >= 0)
		close(lockfd);
	free(u.groups);
	box_free(&b);
	return rc;
}

int
rt_sandbox_stop(const char *project_dir, struct rt_err *err)
{
	struct box b;
	char *bindir = NULL, *pg_ctl = NULL;
	int lockfd = -1, rc = 0;

	box_init(&b, project_dir);
	if (!running_pid(&b))
		goto out;
	rc = -1;
	lockfd = lock_box(&b, err);
	if (lockfd < 0)
		goto out;
	bindir = rt_pg_bindir();
	if (!bindir) {
		rt_err_set(err, RT_ERR_RUN, "sandbox: no PostgreSQL server binaries found to "
			   "stop it with");
		goto out;
	}
	pg_ctl = rt_xasprintf("%s/pg_ctl", bindir);
	{
		const char *const argv[] = {
			pg_ctl, "-D", "data", "-m", "fast", "-w", "-t", "60", "stop", NULL,
		};

		rc = running_pid(&b) ? run_server_prog(&b, argv, "pg_ctl stop", true, err) : 0;
	}
out:
	if (lockfd >= 0)
		close(lockfd);
	free(pg_ctl);
	free(bindir);
	box_free(&b);
	return rc;
}

/* s with every byte outside keep percent-encoded. */
static void
put_encoded(struct rt_buf *out, const char *s, const char *keep)
{
	for (; *s; s++) {
		if (strchr(keep, *s))
			rt_buf_putc(out, *s);
		else
			rt_buf_printf(out, "%%%02X", (unsigned char)*s);
	}
}

char *
rt_sandbox_url(const char *project_dir, const char *dbname)
{
	struct rt_buf out = { 0 };
	struct box b;
	char *sockdir;

	box_init(&b, project_dir);
	sockdir = current_socket_dir(&b);
	rt_buf_puts(&out, "postgresql://postgres@/");
	put_encoded(&out, dbname, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "0123456789._-~");
	rt_buf_puts(&out, "?host=");
	put_encoded(&out, sockdir, SAFE_PATH_CHARS);
	/* a PGPORT in the user's environment must not send libpq elsewhere */
	rt_buf_puts(&out, "&port=" PG_PORT);
	free(sockdir);
	box_free(&b);
	return rt_buf_take(&out);
}
