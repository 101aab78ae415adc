/* spawn.h - run an external program by argv (fork + execve, never a shell).
 * Private to the engine: front ends run programs through engine calls. */
#ifndef RT_SPAWN_H
#define RT_SPAWN_H

#include <stdbool.h>

struct rt_buf;
struct rt_err;

struct rt_spawn_opts {
	/* When non-NULL and we are root, the child drops to this user
	 * (supplementary groups, gid, uid) and gets its HOME, USER and LOGNAME.
	 * Ignored when we are not root. */
	const char *run_as_user;
	const char *cwd;                /* the child's working directory; NULL = ours */
	const char *const *env_add;     /* NULL-terminated "K=V" set in the child; may be NULL */
	const char *stdin_path;         /* opened read-only as stdin; NULL = /dev/null */
	bool capture;                   /* stdout and stderr appended to output; else /dev/null */
};

/* Runs argv[0] with arguments argv (NULL-terminated) and waits for it. An
 * argv[0] without a '/' is looked up in $PATH by rt_spawn itself, so no shell
 * is ever involved (execvp would run a script without #! through /bin/sh).
 * opts may be NULL (all defaults). With opts->capture, the child's stdout and
 * stderr are appended to output (which must then be non-NULL); reading stops
 * when the child exits, even if a grandchild (a daemon) keeps the pipe open.
 *
 * Returns 0 when the program ran and exited: *exit_status is its exit code, or
 * 128 + the signal number when a signal ended it. When exit_status is NULL, a
 * non-zero status is itself an error. Returns -1 with err (RT_ERR_RUN) when
 * the program was not found or could not be started (fork, exec, cwd, stdin,
 * user switch) or, with exit_status NULL, when it exited non-zero. */
int rt_spawn(const char *const argv[], const struct rt_spawn_opts *opts, int *exit_status,
	     struct rt_buf *output, struct rt_err *err);

/* The path rt_spawn would execute for name: name itself when it holds a '/',
 * else the first executable match in $PATH. Owned by the caller; NULL if none. */
char *rt_spawn_which(const char *name);

#endif
