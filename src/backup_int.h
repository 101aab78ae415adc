/* backup_int.h - private to the backup module (backup*.c): child processes,
 * the pg_dump/pg_restore choice, connection strings without the password,
 * sidecars and checksums. */
#ifndef RT_BACKUP_INT_H
#define RT_BACKUP_INT_H

#include <stdbool.h>
#include <sys/types.h>

#include "rt_mem.h"

struct rt_backup_info;
struct rt_err;

/* A child started by argv, its stdout and stderr read through one pipe. */
struct rt_proc {
	pid_t pid;              /* 0 when none */
	int fd;                 /* read end of the pipe; -1 after end of file */
	struct rt_buf out;      /* everything the child printed */
	int status;             /* exit code, or 128 + signal, once reaped */
	bool is_running;
};

/* Starts argv[0] (an absolute path) with argv, stdin from /dev/null, and
 * PGPASSWORD=password in its environment when password is non-NULL.
 * Returns 0 or -1 with err. */
int rt_proc_start(struct rt_proc *p, const char *const argv[], const char *password,
		  struct rt_err *err);

/* As rt_proc_start, but the child's stdout goes to a pipe of its own whose
 * (non-blocking) read end is *out; p->fd reads its stderr only. */
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

/* Kills a running child (SIGKILL), reaps it, closes the pipe. */
void rt_proc_end(struct rt_proc *p);

/* The path of tool ("pg_dump", "pg_restore") for a server of server_version:
 * the same major version when installed, else a newer one (with *note set,
 * owned by the caller). NULL with err saying what was found and why it does
 * not fit. Owned by the caller. */
char *rt_pg_tool(const char *tool, int server_version, char **version, char **note,
		 struct rt_err *err);

/* Splits url into a conninfo string without the password and the password
 * (NULL when none); both owned by the caller. -1 with err when unparseable. */
int rt_conninfo_split(const char *url, char **conninfo, char **password, struct rt_err *err);

/* The sidecar of a dump: path + ".csv". Owned by the caller. */
char *rt_sidecar_path(const char *dump_path);

/* Writes b as the sidecar of dump_path: temporary file, fsync, rename, mode
 * 0600. Returns 0 or -1 with err. */
int rt_sidecar_write(const char *dump_path, const struct rt_backup_info *b, struct rt_err *err);

/* Reads the sidecar of dump_path into b's sidecar fields. 0, or -1 with err. */
int rt_sidecar_read(const char *dump_path, struct rt_backup_info *b, struct rt_err *err);

/* SHA-256 of the file at path, as hex. 0 or -1 with err. */
int rt_file_sha256(const char *path, char out[65], struct rt_err *err);

/* fsync()s the directory dir (so a rename in it is durable). */
int rt_fsync_dir(const char *dir, struct rt_err *err);

#endif
