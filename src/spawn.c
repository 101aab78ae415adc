/* spawn.c - run external programs (initdb, pg_ctl, pg_dump...) by argv.
 *
 * fork + execve, never a shell. Everything that may allocate (the $PATH
 * lookup, the environment, the user's groups) is prepared before fork, so the
 * child only makes async-signal-safe system calls. A close-on-exec pipe
 * carries an exec failure (stage + errno) back to the parent.
 * (config.h defines _GNU_SOURCE, for close_range and pipe2.)
 */
#include "config.h"
#include "spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rt_err.h"
#include "rt_mem.h"

extern char **environ;

#define DEFAULT_PATH "/usr/local/bin:/usr/bin:/bin"

/* What the parent prepares for one child. */
struct launch {
	const char *path;               /* resolved executable */
	char *const *argv;
	char **envp;                    /* owned: strings and array */
	const char *cwd;
	const char *stdin_path;
	bool capture;
	bool is_switch;                 /* drop privileges to uid/gid */
	uid_t uid;
	gid_t gid;
	gid_t *groups;                  /* owned */
	int ngroups;
};

/* Where the child failed, sent through the status pipe. */
enum stage { STAGE_CWD = 1, STAGE_STDIN, STAGE_IO, STAGE_USER, STAGE_EXEC };

struct child_fail {
	int stage;
	int errnum;
};

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

/* environ, minus the keys set by env_add (and by the user switch), plus them. */
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
		if (!env_overridden(*e, &add))
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
	rt_strv_free(&add);
	rt_strv_push_take(&env, NULL);
	return env.v;
}

static void
free_env(char **envp)
{
	char **e;

	for (e = envp; e && *e; e++)
		free(*e);
	free(envp);
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

/* Moves fd to target, clearing close-on-exec (dup2 does not when equal). */
static int
move_fd(int fd, int target)
{
	if (fd == target)
		return fcntl(fd, F_SETFD, 0);
	return dup2(fd, target) < 0 ? -1 : 0;
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

/* In the child: set up stdio, user, cwd and exec. Never returns. */
_Noreturn static void
child_run(const struct launch *l, int outfd, int failfd)
{
	sigset_t none;
	int in, null_out, sig;

	for (sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			signal(sig, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);

	in = open(l->stdin_path ? l->stdin_path : "/dev/null", O_RDONLY | O_CLOEXEC);
	if (in < 0)
		child_fail(failfd, STAGE_STDIN);
	null_out = -1;
	if (outfd < 0) {
		null_out = open("/dev/null", O_WRONLY | O_CLOEXEC);
		if (null_out < 0)
			child_fail(failfd, STAGE_IO);
		outfd = null_out;
	}
	/* the status pipe goes above the three standard descriptors first */
	if (failfd < 3) {
		int f = fcntl(failfd, F_DUPFD_CLOEXEC, 3);

		if (f < 0)
			child_fail(failfd, STAGE_IO);
		failfd = f;
	}
	if (in < 3 || outfd < 3) {
		in = in < 3 ? fcntl(in, F_DUPFD_CLOEXEC, 3) : in;
		outfd = outfd < 3 ? fcntl(outfd, F_DUPFD_CLOEXEC, 3) : outfd;
		if (in < 0 || outfd < 0)
			child_fail(failfd, STAGE_IO);
	}
	if (move_fd(in, 0) < 0 || move_fd(outfd, 1) < 0 || move_fd(outfd, 2) < 0)
		child_fail(failfd, STAGE_IO);
	if (move_fd(failfd, 3) < 0 || fcntl(3, F_SETFD, FD_CLOEXEC) < 0)
		child_fail(failfd, STAGE_IO);
	close_from(4);
	failfd = 3;

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

/* Reads the child's output until EOF or until the child has exited (then what
 * is already buffered), and reaps it. Returns the wait status or -1. */
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
			if (n == 0 || errno != EINTR)
				break;
			continue;
		}
		if (is_exited)
			break;  /* drained; a grandchild may hold the pipe open */
		if (pr == 0 && waitpid(pid, &wstatus, WNOHANG) == pid)
			is_exited = true;
	}
	if (!is_exited) {
		while (waitpid(pid, &wstatus, 0) < 0)
			if (errno != EINTR)
				return -1;
	}
	return wstatus;
}

static const char *
stage_what(int stage)
{
	switch (stage) {
	case STAGE_CWD: return "cannot enter the working directory";
	case STAGE_STDIN: return "cannot open its input";
	case STAGE_IO: return "cannot set up its output";
	case STAGE_USER: return "cannot switch user";
	default: return "cannot execute";
	}
}

/* Forks and runs l; fills *wstatus. Returns 0, or -1 with err. */
static int
launch(const struct launch *l, const char *name, struct rt_buf *output, int *wstatus,
       struct rt_err *err)
{
	int failp[2], outp[2] = { -1, -1 };
	struct child_fail f;
	ssize_t n;
	pid_t pid;

	if (pipe2(failp, O_CLOEXEC) < 0 || (l->capture && pipe2(outp, O_CLOEXEC) < 0)) {
		rt_err_set(err, RT_ERR_RUN, "cannot run %s: pipe: %s", name, strerror(errno));
		return -1;
	}
	pid = fork();
	if (pid == 0) {
		close(failp[0]);
		if (outp[0] >= 0)
			close(outp[0]);
		child_run(l, outp[1], failp[1]);
	}
	close(failp[1]);
	if (outp[1] >= 0)
		close(outp[1]);
	if (pid < 0) {
		rt_err_set(err, RT_ERR_RUN, "cannot run %s: fork: %s", name, strerror(errno));
		close(failp[0]);
		if (outp[0] >= 0)
			close(outp[0]);
		return -1;
	}
	*wstatus = collect(pid, outp[0], output);
	if (outp[0] >= 0)
		close(outp[0]);
	do
		n = read(failp[0], &f, sizeof(f));
	while (n < 0 && errno == EINTR);
	close(failp[0]);
	if (n == (ssize_t)sizeof(f)) {
		rt_err_set(err, RT_ERR_RUN, "%s: %s%s%s: %s", name, stage_what(f.stage),
			   f.stage == STAGE_CWD ? " " : "", f.stage == STAGE_CWD ? l->cwd : "",
			   strerror(f.errnum));
		return -1;
	}
	if (*wstatus < 0) {
		rt_err_set(err, RT_ERR_RUN, "%s: waitpid: %s", name, strerror(errno));
		return -1;
	}
	return 0;
}

int
rt_spawn(const char *const argv[], const struct rt_spawn_opts *opts, int *exit_status,
	 struct rt_buf *output, struct rt_err *err)
{
	static const struct rt_spawn_opts defaults = { 0 };
	struct launch l = { 0 };
	const struct passwd *pw;
	char *path;
	int wstatus, code, rc = -1;

	if (!opts)
		opts = &defaults;
	path = rt_spawn_which(argv[0]);
	if (!path) {
		rt_err_set(err, RT_ERR_RUN, "cannot run %s: not found in PATH", argv[0]);
		return -1;
	}
	if (lookup_user(opts->run_as_user, &l, &pw, err) < 0)
		goto out;
	l.path = path;
	/* execve's historical prototype lacks the inner const; argv is not modified */
	l.argv = (char *const *)argv;
	l.envp = build_env(opts->env_add, pw);
	l.cwd = opts->cwd;
	l.stdin_path = opts->stdin_path;
	l.capture = opts->capture && output;
	if (launch(&l, argv[0], output, &wstatus, err) < 0)
		goto out;
	code = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus)
		: WIFSIGNALED(wstatus) ? 128 + WTERMSIG(wstatus) : 255;
	if (exit_status)
		*exit_status = code;
	else if (code != 0) {
		rt_err_set(err, RT_ERR_RUN, "%s exited with status %d", argv[0], code);
		goto out;
	}
	rc = 0;
out:
	free_env(l.envp);
	free(l.groups);
	free(path);
	return rc;
}
