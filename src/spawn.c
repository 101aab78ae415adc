/* spawn.c - the one process spawner: initdb, pg_ctl, pg_dump, pg_restore,
 * psql, $EDITOR and retort itself, always by argv (fork + execve, never a
 * shell).
 *
 * All three forms (run to completion, in the background, on the terminal) go
 * through start_child(). Everything that may allocate (the $PATH lookup, the
 * environment, the user's groups) is prepared before fork, so the child only
 * makes async-signal-safe system calls. A close-on-exec pipe carries a
 * failure before execve (stage + errno) back to the parent, which waits for
 * that pipe to close before it returns: a caller learns "cannot run" as an
 * error, never as an exit status it would have to tell apart from the
 * program's own.
 * (config.h defines _GNU_SOURCE, for close_range and pipe2.)
 */
#include "config.h"
#include "rt_spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rt_err.h"
#include "rt_mem.h"

extern char **environ;

#define DEFAULT_PATH "/usr/local/bin:/usr/bin:/bin"

/* What a slot of the child's descriptor table gets, besides one of ours
 * (below -1, so that a failed open() is neither). */
enum { FD_KEEP = -2, FD_NULL = -3 };

/* What the parent prepares for one child. */
struct launch {
	const char *name;               /* argv[0] as given, for messages */
	char *path;                     /* resolved executable; owned */
	char *const *argv;
	char **envp;                    /* owned: strings and array */
	const char *cwd;
	/* The child's descriptors 0 .. nfd-1: a descriptor of ours (close-on-exec
	 * is fine, the child dups it), FD_NULL for /dev/null or FD_KEEP to inherit
	 * ours unchanged. Every other descriptor is closed in the child, so no
	 * pipe end of another child or socket of ours leaks into it. */
	int fd[4];
	int nfd;
	bool is_switch;                 /* drop privileges to uid/gid */
	uid_t uid;
	gid_t gid;
	gid_t *groups;                  /* owned */
	int ngroups;
};

/* Where the child failed, sent through the status pipe. */
enum stage { STAGE_IO = 1, STAGE_USER, STAGE_CWD, STAGE_EXEC };

struct child_fail {
	int stage;
	int errnum;
};

/* ---- preparing a child (in the parent) ------------------------------------- */

char *
rt_spawn_which(const char *name)
{
	const char *path = getenv("PATH");
	const char *p, *end;
	char *cand;

	if (!name || !*name)
		return NULL;
	if (strchr(name, '/'))
		return rt_xstrdup(name);
	if (!path || !*path)
		path = DEFAULT_PATH;
	for (p = path;; p = end + 1) {
		end = strchr(p, ':');
		if (!end)
			end = p + strlen(p);
		/* an empty $PATH element means the current directory */
		if (end == p)
			cand = rt_xasprintf("./%s", name);
		else
			cand = rt_xasprintf("%.*s/%s", (int)(end - p), p, name);
		if (access(cand, X_OK) == 0) {
			struct stat sb;

			if (stat(cand, &sb) == 0 && S_ISREG(sb.st_mode))
				return cand;
		}
		free(cand);
		if (!*end)
			return NULL;
	}
}

static bool
env_overridden(const char *entry, const struct rt_strv *add)
{
	size_t klen = strcspn(entry, "=");
	size_t i;

	for (i = 0; i < add->n; i++)
		if (strncmp(add->v[i], entry, klen) == 0 && add->v[i][klen] == '=')
			return true;
	return false;
}

/* Whether env_add names entry's key alone ("NAME", no '='): to be removed. */
static bool
env_removed(const char *entry, const char *const *env_add)
{
	size_t klen = strcspn(entry, "=");

	for (size_t i = 0; env_add && env_add[i]; i++)
		if (!strchr(env_add[i], '=') && strlen(env_add[i]) == klen &&
		    strncmp(env_add[i], entry, klen) == 0)
			return true;
	return false;
}

/* environ, minus the keys set or removed by env_add (and by the user
 * switch), plus those set. */
static char **
build_env(const char *const *env_add, const struct passwd *pw)
{
	struct rt_strv add = { 0 }, env = { 0 };
	char **e;
	size_t i;

	if (pw) {
		rt_strv_push_take(&add, rt_xasprintf("HOME=%s", pw->pw_dir));
		rt_strv_push_take(&add, rt_xasprintf("USER=%s", pw->pw_name));
		rt_strv_push_take(&add, rt_xasprintf("LOGNAME=%s", pw->pw_name));
	}
	for (i = 0; env_add && env_add[i]; i++)
		if (strchr(env_add[i], '='))
			rt_strv_push(&add, env_add[i]);
	for (e = environ; e && *e; e++)
		if (!env_overridden(*e, &add) && !env_removed(*e, env_add))
			rt_strv_push(&env, *e);
	/* later entries of env_add win over the user switch's defaults */
	for (i = 0; i < add.n; i++) {
		size_t j, klen = strcspn(add.v[i], "=");
		bool is_later = false;

		for (j = i + 1; j < add.n; j++)
			if (strncmp(add.v[j], add.v[i], klen + 1) == 0)
				is_later = true;
		if (!is_later)
			rt_strv_push(&env, add.v[i]);
	}
	for (i = 0; i < add.n; i++)
		explicit_bzero(add.v[i], strlen(add.v[i]));
	rt_strv_free(&add);
	rt_strv_push_take(&env, NULL);
	return env.v;
}

/* Fills the user switch of l when we are root and user is set. */
static int
lookup_user(const char *user, struct launch *l, const struct passwd **pwout,
	    struct rt_err *err)
{
	struct passwd *pw;
	int n = 32;

	*pwout = NULL;
	if (!user || geteuid() != 0)
		return 0;
	errno = 0;
	pw = getpwnam(user);
	if (!pw) {
		rt_err_set(err, RT_ERR_RUN, "cannot run as user '%s': %s", user,
			   errno ? strerror(errno) : "no such user");
		return -1;
	}
	l->is_switch = true;
	l->uid = pw->pw_uid;
	l->gid = pw->pw_gid;
	for (;;) {
		int got = n;

		l->groups = rt_xreallocarray(l->groups, (size_t)n, sizeof(*l->groups));
		if (getgrouplist(pw->pw_name, pw->pw_gid, l->groups, &got) >= 0) {
			l->ngroups = got;
			break;
		}
		n = got > n ? got : n * 2;
	}
	*pwout = pw;
	return 0;
}

/* Fills l for argv: the executable, the environment (env_add may be NULL)
 * and, as root, the user to become (user may be NULL). Descriptors 0-2 start
 * as /dev/null. 0, or -1 with err; launch_free(l) either way. */
static int
launch_init(struct launch *l, const char *const argv[], const char *user,
	    const char *const *env_add, struct rt_err *err)
{
	const struct passwd *pw;

	memset(l, 0, sizeof(*l));
	l->name = argv[0];
	l->fd[0] = l->fd[1] = l->fd[2] = l->fd[3] = FD_NULL;
	l->nfd = 3;
	l->path = rt_spawn_which(argv[0]);
	if (!l->path) {
		rt_err_set(err, RT_ERR_RUN, "cannot run %s: not found in PATH", argv[0]);
		return -1;
	}
	if (lookup_user(user, l, &pw, err) < 0)
		return -1;
	/* execve's historical prototype lacks the inner const; argv is not modified */
	l->argv = (char *const *)argv;
	l->envp = build_env(env_add, pw);
	return 0;
}

static void
launch_free(struct launch *l)
{
	char **e;

	/* the environment may carry PGPASSWORD: wipe it rather than pick it out */
	for (e = l->envp; e && *e; e++) {
		explicit_bzero(*e, strlen(*e));
		free(*e);
	}
	free(l->envp);
	free(l->groups);
	free(l->path);
	memset(l, 0, sizeof(*l));
}

/* ---- the child ----------------------------------------------------------------- */

_Noreturn static void
child_fail(int fd, enum stage stage)
{
	struct child_fail f = { stage, errno };
	ssize_t r;

	do
		r = write(fd, &f, sizeof(f));
	while (r < 0 && errno == EINTR);
	_exit(127);
}

static void
close_from(int lowfd)
{
	long max;
	int fd;

	if (close_range((unsigned)lowfd, ~0U, 0) == 0)
		return;
	max = sysconf(_SC_OPEN_MAX);
	if (max < 0 || max > 65536)
		max = 65536;
	for (fd = lowfd; fd < max; fd++)
		close(fd);
}

/* fd itself when it is above low, else a close-on-exec copy that is. */
static int
above(int fd, int low)
{
	return fd > low ? fd : fcntl(fd, F_DUPFD_CLOEXEC, low + 1);
}

/* Lays out descriptors 0 .. l->nfd-1, puts the status pipe right after them
 * and closes everything else. Returns the status pipe's new descriptor. */
static int
child_fds(const struct launch *l, int failfd)
{
	int src[4], top = l->nfd, i, f;

	/* every source first goes above the slots, so that no dup2 below
	 * overwrites a source still to be moved */
	f = above(failfd, top);
	if (f < 0)
		child_fail(failfd, STAGE_IO);
	failfd = f;
	for (i = 0; i < l->nfd; i++) {
		src[i] = l->fd[i];
		if (src[i] == FD_NULL)
			src[i] = open("/dev/null", (i == 0 ? O_RDONLY : O_WRONLY) | O_CLOEXEC);
		if (src[i] != FD_KEEP && (src[i] < 0 || (src[i] = above(src[i], top)) < 0))
			child_fail(failfd, STAGE_IO);
	}
	/* dup2 clears close-on-exec on the copy. A kept slot is left as it is:
	 * should our own stdin have been closed, a copy made above may sit
	 * there, close-on-exec, and execve closes it again. */
	for (i = 0; i < l->nfd; i++)
		if (src[i] != FD_KEEP && dup2(src[i], i) < 0)
			child_fail(failfd, STAGE_IO);
	if (dup2(failfd, top) < 0 || fcntl(top, F_SETFD, FD_CLOEXEC) < 0)
		child_fail(failfd, STAGE_IO);
	close_from(top + 1);
	return top;
}

/* In the child: default signal handling, descriptors, user, cwd, execve.
 * Never returns. */
_Noreturn static void
child_run(const struct launch *l, int failfd)
{
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	sigset_t none;
	int sig;

	/* ours are handlers of the console or the CLI, and an ignored SIGPIPE or
	 * SIGINT would survive execve; the parent blocked every signal around
	 * fork so that none of them runs here before this */
	for (sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			sigaction(sig, &dfl, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);

	failfd = child_fds(l, failfd);
	if (l->is_switch) {
		if (setgroups((size_t)l->ngroups, l->groups) < 0 || setgid(l->gid) < 0
		    || setuid(l->uid) < 0)
			child_fail(failfd, STAGE_USER);
	}
	if (l->cwd && chdir(l->cwd) < 0)
		child_fail(failfd, STAGE_CWD);
	execve(l->path, l->argv, l->envp);
	child_fail(failfd, STAGE_EXEC);
}

/* ---- starting and reaping (in the parent) --------------------------------------- */

static void
set_start_err(const struct launch *l, const struct child_fail *f, struct rt_err *err)
{
	const char *what;

	switch (f->stage) {
	case STAGE_IO: what = "cannot set up its input and output"; break;
	case STAGE_USER: what = "cannot switch user"; break;
	case STAGE_CWD: what = "cannot enter the working directory"; break;
	default: what = "cannot execute"; break;
	}
	rt_err_set(err, RT_ERR_RUN, "cannot run %s: %s%s%s: %s", l->name, what,
		   f->stage == STAGE_CWD ? " " : "", f->stage == STAGE_CWD ? l->cwd : "",
		   strerror(f->errnum));
}

/* Waits for pid, through EINTR. The wait status, or -1. */
static int
reap(pid_t pid)
{
	int wstatus;

	while (waitpid(pid, &wstatus, 0) < 0)
		if (errno != EINTR)
			return -1;
	return wstatus;
}

/* Forks a child that runs l and returns its pid once it has exec'd, or -1
 * with err (the child, if any, reaped). */
static pid_t
start_child(const struct launch *l, struct rt_err *err)
{
	sigset_t all, old;
	int failp[2], fork_errno;
	struct child_fail f;
	ssize_t n;
	pid_t pid;

	if (pipe2(failp, O_CLOEXEC) < 0) {
		rt_err_set(err, RT_ERR_RUN, "cannot run %s: pipe: %s", l->name, strerror(errno));
		return -1;
	}
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	pid = fork();
	if (pid == 0) {
		close(failp[0]);
		child_run(l, failp[1]);
	}
	fork_errno = errno;
	sigprocmask(SIG_SETMASK, &old, NULL);
	close(failp[1]);
	if (pid < 0) {
		close(failp[0]);
		rt_err_set(err, RT_ERR_RUN, "cannot run %s: fork: %s", l->name,
			   strerror(fork_errno));
		return -1;
	}
	/* end of file: execve closed the pipe; a record: the child failed */
	do
		n = read(failp[0], &f, sizeof(f));
	while (n < 0 && errno == EINTR);
	close(failp[0]);
	if (n == (ssize_t)sizeof(f)) {
		reap(pid);
		set_start_err(l, &f, err);
		return -1;
	}
	return pid;
}

/* A wait status as one number: the exit code, or 128 + the signal. */
static int
exit_code(int wstatus)
{
	if (wstatus >= 0 && WIFEXITED(wstatus))
		return WEXITSTATUS(wstatus);
	if (wstatus >= 0 && WIFSIGNALED(wstatus))
		return 128 + WTERMSIG(wstatus);
	return 255;
}

/* Reads fd into output until end of file, or until the child has exited (then
 * what is already buffered), and reaps it. Returns the wait status or -1. */
static int
collect(pid_t pid, int fd, struct rt_buf *output)
{
	char chunk[4096];
	bool is_exited = false;
	int wstatus = 0;

	while (fd >= 0) {
		struct pollfd pfd = { fd, POLLIN, 0 };
		int pr = poll(&pfd, 1, is_exited ? 0 : 100);

		if (pr < 0 && errno != EINTR)
			break;
		if (pr > 0) {
			ssize_t n = read(fd, chunk, sizeof(chunk));

			if (n > 0) {
				rt_buf_append(output, chunk, (size_t)n);
				continue;
			}
			if (n == 0 || (errno != EINTR && errno != EAGAIN))
				break;
			continue;
		}
		if (is_exited)
			break;  /* drained; a grandchild may hold the pipe open */
		if (pr == 0 && waitpid(pid, &wstatus, WNOHANG) == pid)
			is_exited = true;
	}
	return is_exited ? wstatus : reap(pid);
}

/* How rt_spawn and rt_spawn_foreground end: the exit code, or an error. */
static int
finish(const struct launch *l, int wstatus, int *exit_status, struct rt_err *err)
{
	int code = exit_code(wstatus);

	if (wstatus < 0) {
		rt_err_set(err, RT_ERR_RUN, "%s: waitpid: %s", l->name, strerror(errno));
		return -1;
	}
	if (exit_status)
		*exit_status = code;
	else if (code != 0) {
		rt_err_set(err, RT_ERR_RUN, "%s exited with status %d", l->name, code);
		return -1;
	}
	return 0;
}

/* ---- run to completion -------------------------------------------------------------- */

int
rt_spawn(const char *const argv[], const struct rt_spawn_opts *opts, int *exit_status,
	 struct rt_buf *output, struct rt_err *err)
{
	static const struct rt_spawn_opts defaults = { 0 };
	struct launch l;
	int in = -1, outp[2] = { -1, -1 }, rc = -1;
	pid_t pid;

	if (!opts)
		opts = &defaults;
	if (launch_init(&l, argv, opts->run_as_user, opts->env_add, err) < 0)
		goto out;
	l.cwd = opts->cwd;
	/* opened here, before any user switch, as the child would */
	if (opts->stdin_path) {
		in = open(opts->stdin_path, O_RDONLY | O_CLOEXEC);
		if (in < 0) {
			rt_err_set(err, RT_ERR_RUN, "cannot run %s: cannot open its input %s: %s",
				   argv[0], opts->stdin_path, strerror(errno));
			goto out;
		}
		l.fd[0] = in;
	}
	if (opts->capture && output) {
		if (pipe2(outp, O_CLOEXEC) < 0) {
			rt_err_set(err, RT_ERR_RUN, "cannot run %s: pipe: %s", argv[0],
				   strerror(errno));
			goto out;
		}
		l.fd[1] = l.fd[2] = outp[1];
	}
	pid = start_child(&l, err);
	if (outp[1] >= 0)
		close(outp[1]);
	outp[1] = -1;
	if (pid < 0)
		goto out;
	rc = finish(&l, collect(pid, outp[0], output), exit_status, err);
out:
	if (in >= 0)
		close(in);
	if (outp[0] >= 0)
		close(outp[0]);
	if (outp[1] >= 0)
		close(outp[1]);
	launch_free(&l);
	return rc;
}

/* ---- on the terminal ------------------------------------------------------------------ */

int
rt_spawn_foreground(const char *const argv[], const char *const *env_add, int *exit_status,
		    struct rt_err *err)
{
	struct sigaction ign = { .sa_handler = SIG_IGN }, old_int, old_quit;
	sigset_t chld, old_mask;
	struct launch l;
	int rc = -1;
	pid_t pid;

	if (launch_init(&l, argv, NULL, env_add, err) < 0) {
		launch_free(&l);
		return -1;
	}
	l.fd[0] = l.fd[1] = l.fd[2] = FD_KEEP;
	/* system(3)'s rules: Ctrl-C and Ctrl-\ on the terminal are the child's
	 * to act on, and a SIGCHLD handler of the caller must not reap it */
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, &old_mask);
	sigaction(SIGINT, &ign, &old_int);
	sigaction(SIGQUIT, &ign, &old_quit);
	pid = start_child(&l, err);
	if (pid > 0)
		rc = finish(&l, reap(pid), exit_status, err);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGQUIT, &old_quit, NULL);
	sigprocmask(SIG_SETMASK, &old_mask, NULL);
	launch_free(&l);
	return rc;
}

/* ---- in the background ------------------------------------------------------------------- */

/* Starts argv on the given descriptors (in: FD_NULL for /dev/null; fd3: -1 for
 * none), PGPASSWORD=password in its environment when password is non-NULL.
 * On success p->pid and p->is_running; 0 or -1 with err. */
static int
proc_launch(struct rt_proc *p, const char *const argv[], const char *password, const char *cwd,
	    int in, int out, int errfd, int fd3, struct rt_err *err)
{
	char *pwenv = password ? rt_xasprintf("PGPASSWORD=%s", password) : NULL;
	const char *const env_add[] = { pwenv, NULL };
	struct launch l;
	pid_t pid = -1;

	if (launch_init(&l, argv, NULL, env_add, err) == 0) {
		l.cwd = cwd;
		l.fd[0] = in;
		l.fd[1] = out;
		l.fd[2] = errfd;
		if (fd3 >= 0) {
			l.fd[3] = fd3;
			l.nfd = 4;
		}
		pid = start_child(&l, err);
	}
	launch_free(&l);
	if (pwenv) {
		explicit_bzero(pwenv, strlen(pwenv));
		free(pwenv);
	}
	if (pid < 0)
		return -1;
	p->pid = pid;
	p->is_running = true;
	return 0;
}

static void
proc_reset(struct rt_proc *p)
{
	memset(p, 0, sizeof(*p));
	p->fd = -1;
}

static void
set_nonblock(int fd)
{
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
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
rt_proc_start(struct rt_proc *p, const char *const argv[], const char *password,
	      struct rt_err *err)
{
	return rt_proc_start_in(p, argv, password, NULL, err);
}

int
rt_proc_start_in(struct rt_proc *p, const char *const argv[], const char *password,
		 const char *cwd, struct rt_err *err)
{
	int cap[2] = { -1, -1 };

	proc_reset(p);
	if (pipe2(cap, O_CLOEXEC) < 0) {
		rt_err_set(err, RT_ERR_RUN, "cannot run %s: pipe: %s", argv[0], strerror(errno));
		return -1;
	}
	if (proc_launch(p, argv, password, cwd, FD_NULL, cap[1], cap[1], -1, err) < 0) {
		close_pair(cap);
		return -1;
	}
	p->fd = cap[0];
	cap[0] = -1;
	close_pair(cap);
	set_nonblock(p->fd);
	return 0;
}

int
rt_proc_start_out(struct rt_proc *p, const char *const argv[], const char *password, int *out,
		  struct rt_err *err)
{
	int cap[2] = { -1, -1 }, data[2] = { -1, -1 }, rc = -1;

	proc_reset(p);
	*out = -1;
	if (pipe2(cap, O_CLOEXEC) < 0 || pipe2(data, O_CLOEXEC) < 0) {
		rt_err_set(err, RT_ERR_RUN, "cannot run %s: pipe: %s", argv[0], strerror(errno));
		goto out;
	}
	if (proc_launch(p, argv, password, NULL, FD_NULL, data[1], cap[1], -1, err) < 0)
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

	proc_reset(a);
	proc_reset(b);
	*gate = -1;
	if (pipe2(data, O_CLOEXEC) < 0 || pipe2(cap_a, O_CLOEXEC) < 0 ||
	    pipe2(cap_b, O_CLOEXEC) < 0 || pipe2(g, O_CLOEXEC) < 0) {
		rt_err_set(err, RT_ERR_RUN, "cannot run %s: pipe: %s", argv_a[0], strerror(errno));
		goto out;
	}
	if (proc_launch(b, argv_b, password_b, NULL, data[0], cap_b[1], cap_b[1], g[0], err) < 0)
		goto out;
	if (proc_launch(a, argv_a, NULL, NULL, FD_NULL, data[1], cap_a[1], -1, err) < 0) {
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

/* Reads what is there without blocking; closes the pipe at end of file. */
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
set_status(struct rt_proc *p, int wstatus)
{
	p->status = exit_code(wstatus);
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
	/* read while waiting: a child blocked on a full pipe would never exit */
	st = collect(p->pid, p->fd, &p->out);
	drain(p);
	set_status(p, st);
}

void
rt_proc_end(struct rt_proc *p)
{
	if (p->is_running) {
		kill(p->pid, SIGKILL);
		set_status(p, reap(p->pid));
	}
	if (p->fd >= 0)
		close(p->fd);
	p->fd = -1;
	rt_buf_free(&p->out);
}
