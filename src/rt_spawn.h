/* rt_spawn.h - run external programs by argv (fork + execve, never a shell):
 * initdb and pg_ctl to completion, pg_dump/pg_restore/psql in the background
 * while the caller polls, and $EDITOR or a retort command on the terminal.
 *
 * Every form looks argv[0] up in $PATH itself when it holds no '/' (execvp
 * would run a script without #! through /bin/sh), resets the child's signal
 * handling to the defaults, closes every descriptor it was not given, and
 * reports a failure to start (not found, exec, cwd, user switch) as an error
 * of the call rather than as an exit status of 127. */
#ifndef RT_SPAWN_H
#define RT_SPAWN_H

#include <stdbool.h>
#include <sys/types.h>

#include "rt_mem.h"

struct rt_err;

/* ---- run to completion ---------------------------------------------------- */

struct rt_spawn_opts {
	/* When non-NULL and we are root, the child drops to this user
	 * (supplementary groups, gid, uid) and gets its HOME, USER and LOGNAME.
	 * Ignored when we are not root. */
	const char *run_as_user;
	const char *cwd;                /* the child's working directory; NULL = ours */
	const char *const *env_add;     /* NULL-terminated "K=V" set in the child, "K" removed
	                                 * from it; may be NULL */
	const char *stdin_path;         /* opened read-only as stdin; NULL = /dev/null */
	bool capture;                   /* stdout and stderr appended to output; else /dev/null */
};

/* Runs argv (NULL-terminated) and waits for it. opts may be NULL (all
 * defaults). With opts->capture, the child's stdout and stderr are appended to
 * output (which must then be non-NULL); reading stops when the child exits,
 * even if a grandchild (a daemon) keeps the pipe open.
 *
 * Returns 0 when the program ran and exited: *exit_status is its exit code, or
 * 128 + the signal number when a signal ended it. When exit_status is NULL, a
 * non-zero status is itself an error. Returns -1 with err (RT_ERR_RUN) when
 * the program was not found or could not be started (fork, exec, cwd, stdin,
 * user switch) or, with exit_status NULL, when it exited non-zero. */
int rt_spawn(const char *const argv[], const struct rt_spawn_opts *opts, int *exit_status,
	     struct rt_buf *output, struct rt_err *err);

/* The path the rt_spawn family would execute for name: name itself when it
 * holds a '/', else the first executable match in $PATH. Owned by the caller;
 * NULL if none. */
char *rt_spawn_which(const char *name);

/* ---- on the terminal -------------------------------------------------------- */

/* Runs argv on our own terminal (stdin, stdout and stderr inherited) and waits
 * for it, as system(3) does but without a shell: SIGINT and SIGQUIT are
 * ignored and SIGCHLD blocked in the caller while the child runs, so Ctrl-C
 * reaches the child alone. A curses caller has done def_prog_mode() and
 * endwin() before and restores the screen after; the engine never touches the
 * terminal itself. env_add as in struct rt_spawn_opts ("K=V" set, "K"
 * removed; may be NULL). *exit_status and the return value as for rt_spawn. */
int rt_spawn_foreground(const char *const argv[], const char *const *env_add, int *exit_status,
			struct rt_err *err);

/* ---- in the background ------------------------------------------------------ */

/* A child started by argv, its stdout and stderr read through one pipe. */
struct rt_proc {
	pid_t pid;              /* 0 when none */
	int fd;                 /* read end of the pipe (non-blocking); -1 after end of file */
	struct rt_buf out;      /* everything the child printed */
	int status;             /* exit code, or 128 + signal, once reaped */
	bool is_running;
};

/* Starts argv with stdin from /dev/null, and PGPASSWORD=password in its
 * environment (never its argv, which ps shows) when password is non-NULL.
 * Returns 0 or -1 with err and nothing running. */
int rt_proc_start(struct rt_proc *p, const char *const argv[], const char *password,
		  struct rt_err *err);

/* As rt_proc_start, the child in directory cwd (NULL: ours). */
int rt_proc_start_in(struct rt_proc *p, const char *const argv[], const char *password,
		     const char *cwd, struct rt_err *err);

/* As rt_proc_start, but the child's stdout goes to a pipe of its own whose
 * (non-blocking) read end is *out, owned by the caller; p->fd reads its
 * stderr only. */
int rt_proc_start_out(struct rt_proc *p, const char *const argv[], const char *password,
		      int *out, struct rt_err *err);

/* Starts argv_a with its stdout piped into argv_b's stdin (b gets PGPASSWORD
 * when password_b is non-NULL; a never does). a's stderr is read through a->fd,
 * b's stdout and stderr through b->fd. b also gets the read end of a "gate" pipe
 * as descriptor 3; *gate is its write end, for the caller to close when b may
 * go on past what it reads from /dev/fd/3. 0, or -1 with err and nothing
 * running. */
int rt_proc_pipe_start(struct rt_proc *a, const char *const argv_a[], struct rt_proc *b,
		       const char *const argv_b[], const char *password_b, int *gate,
		       struct rt_err *err);

/* Non-blocking: reads output, reaps the child. 1 while it runs, 0 once exited. */
int rt_proc_poll(struct rt_proc *p);

/* Blocks until the child has exited (its output read to the end), reaps it. */
void rt_proc_wait(struct rt_proc *p);

/* Kills a running child (SIGKILL), reaps it, closes the pipe, frees p->out. */
void rt_proc_end(struct rt_proc *p);

#endif
