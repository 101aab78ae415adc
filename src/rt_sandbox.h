/* rt_sandbox.h - the embedded PostgreSQL cluster of a project, in
 * PROJECT/.retort/sandbox; as root, when the postgres user cannot reach the
 * project, in /var/tmp/retort-sandbox-UID-HASH (or /tmp) with
 * PROJECT/.retort/sandbox a symlink to it. */
#ifndef RT_SANDBOX_H
#define RT_SANDBOX_H

#include <stdbool.h>
#include <sys/types.h>

struct rt_err;

struct rt_sandbox_status {
	bool is_initialized;   /* the data directory exists */
	bool is_running;       /* postmaster.pid names a live server */
	pid_t pid;
	char *datadir;         /* owned; absolute */
	char *socket_dir;      /* owned; absolute */
	char *bindir;          /* server binaries used; owned, NULL if none found */
};

/* Fills st for the sandbox of project_dir. Returns 0, or -1 with err, also when
 * .retort/sandbox links to another project's sandbox (a moved or copied
 * project) or the sandbox directory is not one retort made. Free with
 * rt_sandbox_status_free. */
int rt_sandbox_status(const char *project_dir, struct rt_sandbox_status *st, struct rt_err *err);
void rt_sandbox_status_free(struct rt_sandbox_status *st);

/* Creates (initdb) if needed and starts the cluster, then creates database
 * dbname if missing. As root, runs the server as the "postgres" user, from
 * outside the project when postgres cannot reach it. Idempotent: a running
 * sandbox is left as it is. Returns 0, or -1 with err (RT_ERR_RUN), also in
 * the cases where rt_sandbox_status fails. */
int rt_sandbox_start(const char *project_dir, const char *dbname, struct rt_err *err);

/* Stops the cluster (pg_ctl stop -m fast), wherever it lives. Not running is
 * not an error; another project's sandbox (see rt_sandbox_status) is. */
int rt_sandbox_stop(const char *project_dir, struct rt_err *err);

/* The libpq URL of database dbname in the sandbox (unix socket, user postgres),
 * owned by the caller; never one into another project's sandbox. */
char *rt_sandbox_url(const char *project_dir, const char *dbname);

/* The directory holding the PostgreSQL server binaries (pg_config --bindir,
 * else the newest /usr/lib/postgresql/N/bin), owned by the caller, or NULL. */
char *rt_pg_bindir(void);

#endif
