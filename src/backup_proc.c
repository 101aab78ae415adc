/* backup_proc.c - pg_dump and pg_restore as children: which binary fits the
 * server, the connection string without its password, and a child that runs
 * in the background while the caller polls (rt_spawn waits, we must not).
 * fork + execve of the path itself: no shell is ever involved. */
#include "config.h"
#include "backup_int.h"

#include <errno.h>
#include <fcntl.h>
#include <libpq-fe.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rt_err.h"
#include "rt_sandbox.h"
#include "spawn.h"

extern char **environ;

/* environ without PGPASSWORD, plus PGPASSWORD=password when given. */
static char **
child_env(const char *password)
{
	size_t n = 0, k = 0;
	char **envp;

	while (environ && environ[n])
		n++;
	envp = rt_xcalloc(n + 2, sizeof(*envp));
	for (size_t i = 0; i < n; i++)
		if (!password || strncmp(environ[i], "PGPASSWORD=", 11) != 0)
			envp[k++] = environ[i];
	if (password)
		envp[k++] = rt_xasprintf("PGPASSWORD=%s", password);
	return envp;
}

/* Makes fd the child's descriptor to, keeping it across execve. */
static int
move_fd(int fd, int to)
{
	if (fd == to)
		return fcntl(fd, F_SETFD, 0);
	return dup2(fd, to);
}

/* In the child: only async-signal-safe calls, then execve. in < 0: /dev/null;
 * fd3 >= 0 becomes descriptor 3. */
static void
child(const char *const argv[], char **envp, int in, int out, int errfd, int fd3)
{
	if (in < 0)
		in = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (in < 0 || move_fd(in, 0) < 0 || move_fd(out, 1) < 0 || move_fd(errfd, 2) < 0 ||
	    (fd3 >= 0 && move_fd(fd3, 3) < 0))
		_exit(127);
	execve(argv[0], (char *const *)argv, envp);
	_exit(127);
}

/* Forks argv with the given descriptors; p->pid and p->is_running on success. */
static int
spawn_io(struct rt_proc *p, const char *const argv[], const char *password, int in, int out,
	 int errfd, int fd3, struct rt_err *err)
{
	char **envp = child_env(password);

	if (access(argv[0], X_OK) < 0) {
		rt_err_set(err, RT_ERR_RUN, "cannot run %s: %s", argv[0], strerror(errno));
		goto out;
	}
	p->pid = fork();
	if (p->pid == 0)
		child(argv, envp, in, out, errfd, fd3);
	if (p->pid < 0) {
		p->pid = 0;
		rt_err_set(err, RT_ERR_RUN, "cannot run %s: fork: %s", argv[0], strerror(errno));
		goto out;
	}
	p->is_running = true;
out:
	if (password)
		for (size_t i = 0; envp[i]; i++)
			if (strncmp(envp[i], "PGPASSWORD=", 11) == 0) {
				explicit_bzero(envp[i], strlen(envp[i]));
				free(envp[i]);
			}
	free(envp);
	return p->is_running ? 0 : -1;
}

static void
set_nonblock(int fd)
{
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

int
rt_proc_start(struct rt_proc *p, const char *const argv[], const char *password,
	      struct rt_err *err)
{
	int pfd[2];

	memset(p, 0, sizeof(*p));
	p->fd = -1;
	if (pipe2(pfd, O_CLOEXEC) < 0) {
		rt_err_set(err, RT_ERR_RUN, "cannot run %s: %s", argv[0], strerror(errno));
		return -1;
	}
	if (spawn_io(p, argv, password, -1, pfd[1], pfd[1], -1, err) < 0) {
		close(pfd[0]);
		close(pfd[1]);
		return -1;
	}
	close(pfd[1]);
	p->fd = pfd[0];
	set_nonblock(p->fd);
	return 0;
}

static void
close_pair(int fds[2])
{
	for (int i = 0; i < 2; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	fds[0] = fds[1] = -1;
}

int
rt_proc_start_out(struct rt_proc *p, const char *const argv[], const char *password, int *out,
		  struct rt_err *err)
{
	int cap[2] = { -1, -1 }, data[2] = { -1, -1 }, rc = -1;

	memset(p, 0, sizeof(*p));
	p->fd = *out = -1;
	if (pipe2(cap, O_CLOEXEC) < 0 || pipe2(data, O_CLOEXEC) < 0) {
		rt_err_set(err, RT_ERR_RUN, "cannot run %s: pipe: %s", argv[0], strerror(errno));
		goto out;
	}
	if (spawn_io(p, argv, password, -1, data[1], cap[1], -1, err) < 0)
		goto out;
	p->fd = cap[0];
	*out = data[0];
	cap[0] = data[0] = -1;
	set_nonblock(p->fd);
	set_nonblock(*out);
	rc = 0;
out:
	close_pair(cap);
	close_pair(data);
	return rc;
}

int
rt_proc_pipe_start(struct rt_proc *a, const char *const argv_a[], struct rt_proc *b,
		   const char *const argv_b[], const char *password_b, int *gate,
		   struct rt_err *err)
{
	int data[2] = { -1, -1 }, cap_a[2] = { -1, -1 }, cap_b[2] = { -1, -1 };
	int g[2] = { -1, -1 }, rc = -1;

	memset(a, 0, sizeof(*a));
	memset(b, 0, sizeof(*b));
	a->fd = b->fd = *gate = -1;
	if (pipe2(data, O_CLOEXEC) < 0 || pipe2(cap_a, O_CLOEXEC) < 0 ||
	    pipe2(cap_b, O_CLOEXEC) < 0 || pipe2(g, O_CLOEXEC) < 0) {
		rt_err_set(err, RT_ERR_RUN, "cannot run %s: pipe: %s", argv_a[0], strerror(errno));
		goto out;
	}
	if (spawn_io(b, argv_b, password_b, data[0], cap_b[1], cap_b[1], g[0], err) < 0)
		goto out;
	if (spawn_io(a, argv_a, NULL, -1, data[1], cap_a[1], -1, err) < 0) {
		rt_proc_end(b);
		goto out;
	}
	a->fd = cap_a[0];
	b->fd = cap_b[0];
	cap_a[0] = cap_b[0] = -1;
	set_nonblock(a->fd);
	set_nonblock(b->fd);
	*gate = g[1];
	g[1] = -1;
	rc = 0;
out:
	close_pair(data);
	close_pair(cap_a);
	close_pair(cap_b);
	close_pair(g);
	return rc;
}

static void
drain(struct rt_proc *p)
{
	char buf[4096];
	ssize_t n;

	while (p->fd >= 0) {
		n = read(p->fd, buf, sizeof(buf));
		if (n > 0) {
			rt_buf_append(&p->out, buf, (size_t)n);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		close(p->fd);   /* end of file, or an error: the child is gone */
		p->fd = -1;
	}
}

static void
set_status(struct rt_proc *p, int st)
{
	p->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	p->is_running = false;
	p->pid = 0;
}

int
rt_proc_poll(struct rt_proc *p)
{
	int st;

	if (!p->is_running)
		return 0;
	drain(p);
	if (waitpid(p->pid, &st, WNOHANG) == p->pid) {
		drain(p);
		set_status(p, st);
		return 0;
	}
	return 1;
}

void
rt_proc_wait(struct rt_proc *p)
{
	int st;

	if (!p->is_running)
		return;
	while (waitpid(p->pid, &st, 0) < 0 && errno == EINTR)
		;
	drain(p);
	set_status(p, st);
}

void
rt_proc_end(struct rt_proc *p)
{
	int st;

	if (p->is_running) {
		kill(p->pid, SIGKILL);
		while (waitpid(p->pid, &st, 0) < 0 && errno == EINTR)
			;
		set_status(p, st);
	}
	if (p->fd >= 0)
		close(p->fd);
	p->fd = -1;
	rt_buf_free(&p->out);
}

/* ---- which pg_dump ------------------------------------------------------------ */

/* "pg_dump (PostgreSQL) 15.8 (Debian 15.8-1)" -> 15; 9.6.x -> 906. -1 when unknown. */
static int
tool_major(const char *path, char **version)
{
	const char *argv[] = { path, "--version", NULL };
	struct rt_buf out = { 0 };
	int status = -1, major = -1, minor = 0;
	const char *s;

	if (rt_spawn(argv, &(struct rt_spawn_opts){ .capture = true }, &status, &out, NULL) == 0 &&
	    status == 0 && (s = strstr(rt_buf_str(&out), ") ")) &&
	    sscanf(s + 2, "%d.%d", &major, &minor) >= 1) {
		if (major < 10)
			major = major * 100 + minor;
		*version = rt_xstrndup(rt_buf_str(&out), strcspn(rt_buf_str(&out), "\n"));
	}
	rt_buf_free(&out);
	return major;
}

static int
server_major(int server_version)
{
	return server_version >= 100000 ? server_version / 10000
	       : server_version / 10000 * 100 + server_version / 100 % 100;
}

static char *
major_text(int major)
{
	return major >= 100 ? rt_xasprintf("%d.%d", major / 100, major % 100)
	       : rt_xasprintf("%d", major);
}

/* The candidates: the server's bindir, the Debian dir of the major, $PATH. */
static void
candidates(const char *tool, int major, struct rt_strv *out)
{
	char *bindir = rt_pg_bindir(), *m = major_text(major), *p;

	if (bindir)
		rt_strv_push_take(out, rt_xasprintf("%s/%s", bindir, tool));
	rt_strv_push_take(out, rt_xasprintf("/usr/lib/postgresql/%s/bin/%s", m, tool));
	if ((p = rt_spawn_which(tool)))
		rt_strv_push_take(out, p);
	free(bindir);
	free(m);
}

char *
rt_pg_tool(const char *tool, int server_version, char **version, char **note, struct rt_err *err)
{
	int want = server_major(server_version), best_major = 0;
	struct rt_strv cand = { 0 }, seen = { 0 };
	char *best = NULL, *best_ver = NULL, *m;

	*note = NULL;
	*version = NULL;
	candidates(tool, want, &cand);
	for (size_t i = 0; i < cand.n; i++) {
		char *ver = NULL;
		int major = access(cand.v[i], X_OK) == 0 ? tool_major(cand.v[i], &ver) : -1;

		if (major < 0)
			continue;
		rt_strv_push_take(&seen, rt_xasprintf("%s (%s)", cand.v[i], ver));
		if (major >= want && (!best || major < best_major)) {
			free(best);
			free(best_ver);
			best = rt_xstrdup(cand.v[i]);
			best_ver = ver;
			best_major = major;
		} else {
			free(ver);
		}
	}
	m = major_text(want);
	if (best && best_major != want)
		*note = rt_xasprintf("no %s of PostgreSQL %s installed: using %s, which is newer than "
				     "the server", tool, m, best_ver);
	if (!best) {
		char *list = rt_strv_join(&seen, ", ");

		rt_err_set(err, RT_ERR_RUN, "no %s for PostgreSQL %s (the server's version) or newer: "
			   "install the PostgreSQL %s client tools", tool, m, m);
		rt_err_detail(err, "found: %s", seen.n ? list : "none");
		if (seen.n)
			rt_err_detail(err, "an older %s refuses a newer server", tool);
		free(list);
	}
	*version = best_ver;
	free(m);
	rt_strv_free(&cand);
	rt_strv_free(&seen);
	return best;
}

/* ---- connection strings --------------------------------------------------------- */

static void
put_value(struct rt_buf *b, const char *v)
{
	rt_buf_putc(b, '\'');
	for (; *v; v++) {
		if (*v == '\'' || *v == '\\')
			rt_buf_putc(b, '\\');
		rt_buf_putc(b, *v);
	}
	rt_buf_putc(b, '\'');
}

int
rt_conninfo_split(const char *url, char **conninfo, char **password, struct rt_err *err)
{
	char *msg = NULL;
	PQconninfoOption *opts = PQconninfoParse(url, &msg), *o;
	struct rt_buf b = { 0 };

	*conninfo = NULL;
	*password = NULL;
	if (!opts) {
		/* libpq's message may quote the URL: say nothing of it */
		rt_err_set(err, RT_ERR_INPUT, "the database URL does not parse");
		PQfreemem(msg);
		return -1;
	}
	for (o = opts; o->keyword; o++) {
		if (!o->val || !o->val[0])
			continue;
		if (strcmp(o->keyword, "password") == 0) {
			*password = rt_xstrdup(o->val);
			continue;
		}
		if (b.len)
			rt_buf_putc(&b, ' ');
		rt_buf_printf(&b, "%s=", o->keyword);
		put_value(&b, o->val);
	}
	PQconninfoFree(opts);
	*conninfo = rt_buf_take(&b);
	return 0;
}
