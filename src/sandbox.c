/* sandbox.c - the embedded PostgreSQL cluster of a project.
 *
 * The sandbox directory holds data/ (the cluster), server.log, run/ (the unix
 * socket; no TCP port), socket_dir (the socket directory actually used, when
 * run/ would not do) and lock (serialises start and stop). It is
 * PROJECT/.retort/sandbox itself.
 *
 * As root, initdb refuses to run, so the sandbox directory and the socket
 * directory belong to the postgres user and every program runs as postgres.
 * When postgres cannot reach the project (a clone under /root, a mktemp -d
 * directory), the sandbox directory is /var/tmp/retort-sandbox-<uid>-<hash of
 * the project path> instead (or the same in /tmp), postgres's with mode 0700,
 * and PROJECT/.retort/sandbox is a symlink to it. That directory also holds
 * "project", the project's path: a moved or copied project keeps the link of
 * the original, and must not take over its cluster.
 *
 * A unix socket path must fit in sun_path (108 bytes with the NUL). When
 * run/.s.PGSQL.5432 would not fit, or when run/ holds characters that pg_ctl's
 * -o string (which pg_ctl hands to /bin/sh) would misread, the socket lives
 * in /tmp/retort-<uid>-<hash of the sandbox path> instead, created 0700.
 * pg_ctl itself is given relative paths (-D data, -l server.log, run from
 * the sandbox directory) for the same reason.
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
#include "rt_migration.h"
#include "rt_shadow.h"
#include "rt_spawn.h"

#define PG_PORT "5432"
#define SOCKET_NAME "/.s.PGSQL." PG_PORT
#define SERVER_USER "postgres"
#define LOG_TAIL_LINES 10
/* Characters that need no quoting in pg_ctl's -o string nor encoding in a URL. */
#define SAFE_PATH_CHARS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-"
#define OUTSIDE_PREFIX "retort-sandbox-"
#define MARKER_NAME "project"

/* Where a sandbox the server user cannot keep in the project goes, best first:
 * /var/tmp survives a reboot (so does the cluster's data), /tmp is the fallback. */
static const char *const outside_parents[] = { "/var/tmp", "/tmp" };

/* The paths of one sandbox, all absolute and owned. */
struct box {
	char *project;    /* the project directory */
	char *link;       /* PROJECT/.retort/sandbox */
	char *base;       /* the sandbox directory: link, or the outside one it names */
	bool is_outside;  /* base is outside the project (see the top of this file) */
	char *data;
	char *log;
	char *run;        /* the preferred socket directory */
	char *sockfile;   /* remembers the socket directory used */
	char *lock;
};

static void
box_free_paths(struct box *b)
{
	free(b->lock);
	free(b->sockfile);
	free(b->run);
	free(b->log);
	free(b->data);
	free(b->base);
}

/* Moves the sandbox directory of b to base (which may be b->base itself). */
static void
box_set_base(struct box *b, const char *base, bool is_outside)
{
	char *copy = rt_xstrdup(base);

	box_free_paths(b);
	b->base = copy;
	b->is_outside = is_outside;
	b->data = rt_xasprintf("%s/data", b->base);
	b->log = rt_xasprintf("%s/server.log", b->base);
	b->run = rt_xasprintf("%s/run", b->base);
	b->sockfile = rt_xasprintf("%s/socket_dir", b->base);
	b->lock = rt_xasprintf("%s/lock", b->base);
}

/* A box in the project; box_locate then finds where the sandbox really is. */
static void
box_init(struct box *b, const char *project_dir)
{
	memset(b, 0, sizeof(*b));
	b->project = rt_xstrdup(project_dir);
	b->link = rt_xasprintf("%s/.retort/sandbox",
			       strcmp(project_dir, "/") == 0 ? "" : project_dir);
	box_set_base(b, b->link, false);
}

static void
box_free(struct box *b)
{
	box_free_paths(b);
	free(b->link);
	free(b->project);
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

/* Whether paths a and b name the same directory. */
static bool
is_same_dir(const char *a, const char *b)
{
	struct stat sa, sb;

	return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev
	       && sa.st_ino == sb.st_ino;
}

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
	/* a copied project carries the original's postmaster.pid: that server
	 * is not ours unless its data directory (line 2) is this one, or is gone
	 * (a project moved while its server ran) */
	line = pidfile_line(b, 2);
	if (line && access(line, F_OK) == 0 && !is_same_dir(line, b->data)) {
		free(line);
		return 0;
	}
	free(line);
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

/* --- the server user ----------------------------------------------------------- */

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

/* The first directory from dir up to / that the server user cannot search
 * (owned by the caller, its mode in *mode), or NULL when it can reach dir or
 * when we run the server as ourselves. */
static char *
unreachable_dir(const char *dir, const struct server_user *u, mode_t *mode)
{
	char *path = realpath(dir, NULL);
	char *slash;
	struct stat sb;

	if (!u->is_switch || !path) {
		free(path);
		return NULL;
	}
	for (;;) {
		if (stat(path, &sb) == 0 && !can_search(&sb, u)) {
			*mode = sb.st_mode & 07777;
			return path;
		}
		slash = strrchr(path, '/');
		if (!slash || strcmp(path, "/") == 0)
			break;
		slash[slash == path ? 1 : 0] = '\0';
	}
	free(path);
	return NULL;
}

/* As root, with the sandbox in the project: every directory above it must be
 * searchable by postgres. */
static int
check_reachable(const struct box *b, const struct server_user *u, struct rt_err *err)
{
	mode_t mode = 0;
	char *dir = unreachable_dir(b->project, u, &mode);

	if (!dir)
		return 0;
	rt_err_set(err, RT_ERR_RUN, "the sandbox server runs as the %s user, which cannot "
		   "reach %s (mode %04o)", SERVER_USER, dir, (unsigned)mode);
	if (access(b->link, F_OK) == 0)
		rt_err_detail(err, "%s was made when %s could reach it: chmod o+x %s, or "
			      "move it away to get a new sandbox in %s", b->link, SERVER_USER,
			      dir, outside_parents[0]);
	else
		rt_err_detail(err, "nor can it keep the sandbox in %s or %s (they must be "
			      "root's, sticky and searchable by %s): chmod o+x %s",
			      outside_parents[0], outside_parents[1], SERVER_USER, dir);
	free(dir);
	return -1;
}

/* --- where the sandbox lives ------------------------------------------------------ */

/* PARENT/retort-sandbox-UID-HASH, HASH being 16 hex digits of the SHA-256 of the
 * project path: the same project finds it again, another one never does. */
static char *
outside_dir(const char *parent, const char *project)
{
	char hex[65];

	rt_sha256_hex(project, strlen(project), hex);
	return rt_xasprintf("%s/" OUTSIDE_PREFIX "%u-%.16s", parent, (unsigned)geteuid(), hex);
}

static bool
is_own_outside_dir(const struct box *b, const char *dir)
{
	bool is_own = false;
	size_t i;

	for (i = 0; i < sizeof(outside_parents) / sizeof(outside_parents[0]) && !is_own; i++) {
		char *own = outside_dir(outside_parents[i], b->project);

		is_own = strcmp(own, dir) == 0;
		free(own);
	}
	return is_own;
}

/* The first parent for a new outside sandbox: root's, not writable by others
 * unless sticky (nobody else may rename our directory away), and searchable by
 * the server user. NULL when none will do. */
static const char *
pick_parent(const struct server_user *u)
{
	size_t i;

	for (i = 0; i < sizeof(outside_parents) / sizeof(outside_parents[0]); i++) {
		struct stat sb;
		mode_t mode;
		char *dir;

		if (stat(outside_parents[i], &sb) < 0 || !S_ISDIR(sb.st_mode) || sb.st_uid != 0
		    || ((sb.st_mode & (S_IWGRP | S_IWOTH)) && !(sb.st_mode & S_ISVTX)))
			continue;
		dir = unreachable_dir(outside_parents[i], u, &mode);
		if (!dir)
			return outside_parents[i];
		free(dir);
	}
	return NULL;
}

/* The project path written in dir's marker (owned by the caller), or NULL. */
static char *
read_marker(const char *dir)
{
	char *path = rt_xasprintf("%s/" MARKER_NAME, dir);
	char buf[PATH_MAX + 2];
	char *res = NULL;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

	free(path);
	if (fd < 0)
		return NULL;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n > 0 && buf[n - 1] == '\n')
		res = rt_xstrndup(buf, (size_t)n - 1);
	return res;
}

/* Whether dir is this project's sandbox directory outside it: 1 when dir does
 * not exist; 0 when it is a directory (not a symlink) of the server user, mode
 * 0700, whose marker names the project; -1 with err otherwise. */
static int
check_outside_dir(const struct box *b, const char *dir, const struct server_user *u,
		  struct rt_err *err)
{
	uid_t owner = u->is_switch ? u->uid : geteuid();
	struct stat sb;
	char *marker;

	if (lstat(dir, &sb) < 0) {
		if (errno == ENOENT)
			return 1;
		rt_err_set(err, RT_ERR_RUN, "cannot read the sandbox in %s: %s", dir,
			   strerror(errno));
		return -1;
	}
	/* a predictable name in a shared directory: anyone may have made it first */
	if (!S_ISDIR(sb.st_mode) || sb.st_uid != owner || (sb.st_mode & 07777) != 0700) {
		rt_err_set(err, RT_ERR_RUN, "refusing %s as the sandbox: it must be a directory "
			   "owned by %s with mode 0700", dir, u->is_switch ? SERVER_USER : "you");
		if (u->is_switch)
			rt_err_detail(err, "someone else made it; remove it, then start again");
		else
			rt_err_detail(err, "a sandbox made by retort run as root is root's to use");
		return -1;
	}
	marker = read_marker(dir);
	if (marker && strcmp(marker, b->project) == 0) {
		free(marker);
		return 0;
	}
	if (marker) {
		rt_err_set(err, RT_ERR_RUN, "%s is the sandbox of %s, not of this project",
			   dir, marker);
		rt_err_detail(err, "a moved or copied project keeps the original's %s link; "
			      "remove %s to give this project a sandbox of its own",
			      ".retort/sandbox", b->link);
	} else {
		rt_err_set(err, RT_ERR_RUN, "refusing %s as the sandbox: it has no readable "
			   "%s file naming this project", dir, MARKER_NAME);
	}
	free(marker);
	return -1;
}

/* PROJECT/.retort/sandbox is a symlink: the sandbox is where it points, which
 * must be this project's directory. */
static int
follow_link(struct box *b, const struct server_user *u, struct rt_err *err)
{
	char target[PATH_MAX];
	ssize_t n = readlink(b->link, target, sizeof(target) - 1);
	int rc;

	if (n < 0) {
		rt_err_set(err, RT_ERR_RUN, "cannot read the link %s: %s", b->link,
			   strerror(errno));
		return -1;
	}
	target[n] = '\0';
	rc = target[0] == '/' ? check_outside_dir(b, target, u, err) : 1;
	if (rc < 0)
		return -1;
	/* a missing directory is ours to make only under this project's own name */
	if (rc > 0 && !is_own_outside_dir(b, target)) {
		rt_err_set(err, RT_ERR_RUN, "%s points to %s, which is not this project's "
			   "sandbox", b->link, target);
		rt_err_detail(err, "remove %s to give this project a sandbox of its own",
			      b->link);
		return -1;
	}
	box_set_base(b, target, true);
	return 0;
}

/* This project's existing outside directory, when .retort/sandbox is gone. */
static bool
find_outside(struct box *b, const struct server_user *u)
{
	size_t i;

	for (i = 0; i < sizeof(outside_parents) / sizeof(outside_parents[0]); i++) {
		char *dir = outside_dir(outside_parents[i], b->project);
		bool is_found = check_outside_dir(b, dir, u, NULL) == 0;

		if (is_found)
			box_set_base(b, dir, true);
		free(dir);
		if (is_found)
			return true;
	}
	return false;
}

/* Points b at the sandbox of its project, creating nothing: the directory
 * .retort/sandbox, or where that symlink points, or this project's directory in
 * /var/tmp or /tmp; when there is none yet, where a start would make it (outside
 * the project when we are root and postgres cannot reach the project). */
static int
box_locate(struct box *b, const struct server_user *u, struct rt_err *err)
{
	struct stat sb;
	const char *parent;
	mode_t mode;
	char *dir;

	if (lstat(b->link, &sb) == 0)
		return S_ISLNK(sb.st_mode) ? follow_link(b, u, err) : 0;
	if (errno != ENOENT && errno != ENOTDIR) {
		rt_err_set(err, RT_ERR_RUN, "cannot read %s: %s", b->link, strerror(errno));
		return -1;
	}
	if (find_outside(b, u))
		return 0;
	dir = unreachable_dir(b->project, u, &mode);
	if (!dir)
		return 0;
	free(dir);
	/* with no parent that will do, stay in the project: a start says why not */
	parent = pick_parent(u);
	if (!parent)
		return 0;
	dir = outside_dir(parent, b->project);
	box_set_base(b, dir, true);
	free(dir);
	/* someone else's directory under this project's name is never used, not
	 * even to stop the server its postmaster.pid names */
	return check_outside_dir(b, b->base, u, err) < 0 ? -1 : 0;
}

/* The server user for locating only: without one, there is no outside sandbox. */
static void
server_user_quiet(struct server_user *u)
{
	if (server_user_get(u, NULL) < 0)
		memset(u, 0, sizeof(*u));
}

/* --- status ---------------------------------------------------------------------- */

int
rt_sandbox_status(const char *project_dir, struct rt_sandbox_status *st, struct rt_err *err)
{
	struct server_user u;
	struct box b;
	struct stat sb;
	char *ver;
	int rc = 0;

	memset(st, 0, sizeof(*st));
	box_init(&b, project_dir);
	server_user_quiet(&u);
	if (box_locate(&b, &u, err) < 0) {
		rc = -1;
		goto out;
	}
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
out:
	free(u.groups);
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

/* Writes line and a newline to path. O_NOFOLLOW: as root we write into a
 * directory that the server user owns, and must not follow a link it made. */
static int
write_line(const char *path, const char *line, struct rt_err *err)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;

	if (!f && fd >= 0)
		close(fd);
	if (!f || fprintf(f, "%s\n", line) < 0 || fclose(f) != 0) {
		rt_err_set(err, RT_ERR_RUN, "cannot write %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* PROJECT/.retort and PROJECT/.retort/sandbox (0700, the server user's). */
static int
make_box(const struct box *b, const struct server_user *u, struct rt_err *err)
{
	char *dot = rt_xstrndup(b->link, strlen(b->link) - strlen("/sandbox"));
	int rc = -1;

	/* check before creating anything in the project */
	if (check_reachable(b, u, err) < 0)
		goto out;
	if (make_dir(dot, 0755, err) < 0)
		goto out;
	if (make_dir(b->base, 0700, err) < 0 || give_to_server(b->base, u, err) < 0)
		goto out;
	rc = 0;
out:
	free(dot);
	return rc;
}

/* Makes the outside directory b->base. It is made under a temporary name,
 * marked and given to the server user, then renamed into place, so that the
 * name never shows a half-made directory (which a concurrent start would
 * refuse). When a concurrent start wins the rename, its directory is used. */
static int
create_outside_dir(const struct box *b, const struct server_user *u, struct rt_err *err)
{
	char *tmp = rt_xasprintf("%s.XXXXXX", b->base);
	char *marker = NULL;
	int rc = -1;

	if (!mkdtemp(tmp)) {
		rt_err_set(err, RT_ERR_RUN, "cannot create %s: %s", tmp, strerror(errno));
		goto out;
	}
	marker = rt_xasprintf("%s/" MARKER_NAME, tmp);
	if (write_line(marker, b->project, err) < 0 || give_to_server(tmp, u, err) < 0)
		goto undo;
	if (rename(tmp, b->base) == 0) {
		rc = 0;
		goto out;
	}
	if (errno != EEXIST && errno != ENOTEMPTY) {
		rt_err_set(err, RT_ERR_RUN, "cannot create %s: %s", b->base, strerror(errno));
		goto undo;
	}
	if (check_outside_dir(b, b->base, u, err) == 0)
		rc = 0;
undo:
	unlink(marker);
	rmdir(tmp);
out:
	free(marker);
	free(tmp);
	return rc;
}

/* The outside sandbox directory, and PROJECT/.retort/sandbox pointing at it. */
static int
make_outside_box(const struct box *b, const struct server_user *u, struct rt_err *err)
{
	char *dot = rt_xstrndup(b->link, strlen(b->link) - strlen("/sandbox"));
	char target[PATH_MAX];
	ssize_t n;
	int rc = check_outside_dir(b, b->base, u, err);

	if (rc > 0)
		rc = create_outside_dir(b, u, err);
	if (rc < 0 || make_dir(dot, 0755, err) < 0) {
		rc = -1;
		goto out;
	}
	if (symlink(b->base, b->link) == 0)
		goto out;
	rc = -1;
	if (errno != EEXIST) {
		rt_err_set(err, RT_ERR_RUN, "cannot create the link %s: %s", b->link,
			   strerror(errno));
		goto out;
	}
	/* already there: from box_locate, or from a concurrent start */
	n = readlink(b->link, target, sizeof(target) - 1);
	if (n >= 0) {
		target[n] = '\0';
		if (strcmp(target, b->base) == 0)
			rc = 0;
	}
	if (rc < 0)
		rt_err_set(err, RT_ERR_RUN, "%s exists and does not point to %s", b->link,
			   b->base);
out:
	free(dot);
	return rc;
}

/* Takes the sandbox lock (start and stop must not overlap). Returns the fd. */
static int
lock_box(const struct box *b, struct rt_err *err)
{
	int fd = open(b->lock, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);

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
	return write_line(b->sockfile, dir, err);
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

/* Creates database dbname unless it exists, on the admin connection conn. */
static int
ensure_database(PGconn *conn, const char *dbname, struct rt_err *err)
{
	const char *params[] = { dbname };
	PGresult *res = NULL;
	char *ident = NULL, *sql = NULL;
	int rc = -1;

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
	return rc;
}

/* Runs sql on conn: true when it succeeded. */
static bool
exec_ok(PGconn *conn, const char *sql)
{
	PGresult *res = PQexec(conn, sql);
	bool ok = PQresultStatus(res) == PGRES_COMMAND_OK;

	PQclear(res);
	return ok;
}

/* The scratch tablespace of the shadow databases (RT_SCRATCH_TABLESPACE) on
 * tmpfs, in /dev/shm/retort-<uid>-<hash of the sandbox path> (0700, the
 * server user's), made when missing; when a reboot emptied /dev/shm, its
 * directory and the server's version directory in it are made again. Best
 * effort: without it, shadows go to the default tablespace. */
static void
ensure_scratch(PGconn *conn, const struct box *b, const struct server_user *u)
{
	struct rt_err e = { 0 };
	struct stat sb;
	PGresult *res;
	char *dir = NULL, *vdir = NULL, *lit, *sql;

	if (stat("/dev/shm", &sb) < 0 || !S_ISDIR(sb.st_mode))
		return;
	res = PQexec(conn, "SELECT pg_tablespace_location(t.oid), 'PG_' ||"
		     " current_setting('server_version_num')::int / 10000 || '_' ||"
		     " (SELECT catalog_version_no FROM pg_control_system())"
		     " FROM pg_tablespace t WHERE t.spcname = '" RT_SCRATCH_TABLESPACE "'");
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		goto out;
	if (PQntuples(res) == 1) {
		/* it exists: its directories must too */
		dir = rt_xstrdup(PQgetvalue(res, 0, 0));
		vdir = rt_xasprintf("%s/%s", dir, PQgetvalue(res, 0, 1));
		if (stat(vdir, &sb) < 0 && errno == ENOENT && prepare_socket_dir(dir, u, &e) == 0 &&
		    make_dir(vdir, 0700, &e) == 0)
			give_to_server(vdir, u, &e);
		goto out;
	}
	dir = rt_xasprintf("/dev/shm/retort-%u-%08x", (unsigned)geteuid(), rt_str_hash32(b->base));
	if (prepare_socket_dir(dir, u, &e) < 0)
		goto out;
	if (!(lit = PQescapeLiteral(conn, dir, strlen(dir))))
		goto out;
	sql = rt_xasprintf("CREATE TABLESPACE " RT_SCRATCH_TABLESPACE " LOCATION %s", lit);
	PQfreemem(lit);
	exec_ok(conn, sql);
	free(sql);
out:
	PQclear(res);
	free(dir);
	free(vdir);
}

/* With the lock held: initdb if needed, start if not running, create dbname. */
static int
start_locked(const struct box *b, const struct server_user *u, const char *dbname,
	     struct rt_err *err)
{
	char *bindir = NULL, *sockdir = NULL;
	PGconn *conn = NULL;
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
	if (!(conn = connect_admin(sockdir, err)) || ensure_database(conn, dbname, err) < 0) {
		detail_log_tail(err, b->log);
		goto out;
	}
	ensure_scratch(conn, b, u);
	rc = 0;
out:
	PQfinish(conn);
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
	if (server_user_get(&u, err) < 0 || box_locate(&b, &u, err) < 0)
		goto out;
	if ((b.is_outside ? make_outside_box(&b, &u, err) : make_box(&b, &u, err)) < 0)
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
	struct server_user u;
	struct box b;
	char *bindir = NULL, *pg_ctl = NULL;
	int lockfd = -1, rc = 0;

	box_init(&b, project_dir);
	server_user_quiet(&u);
	/* a cluster kept outside the project is stopped there, and a link copied
	 * from another project stops nothing */
	if (box_locate(&b, &u, err) < 0) {
		rc = -1;
		goto out;
	}
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
	free(u.groups);
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
	struct server_user u;
	struct box b;
	char *sockdir;

	box_init(&b, project_dir);
	server_user_quiet(&u);
	if (box_locate(&b, &u, NULL) < 0) {
		/* never a URL into another project's cluster: this project's own
		 * place, where a start (once the link is removed) would put it */
		const char *parent = pick_parent(&u);
		char *dir = outside_dir(parent ? parent : outside_parents[0], project_dir);

		box_set_base(&b, dir, true);
		free(dir);
	}
	sockdir = current_socket_dir(&b);
	rt_buf_puts(&out, "postgresql://postgres@/");
	put_encoded(&out, dbname, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "0123456789._-~");
	rt_buf_puts(&out, "?host=");
	put_encoded(&out, sockdir, SAFE_PATH_CHARS);
	/* a PGPORT in the user's environment must not send libpq elsewhere */
	rt_buf_puts(&out, "&port=" PG_PORT);
	free(sockdir);
	free(u.groups);
	box_free(&b);
	return rt_buf_take(&out);
}