/* backup_int.h - private to the backup module (backup*.c): the
 * pg_dump/pg_restore choice, sidecars and checksums. Children (rt_proc_*) and
 * connection strings (rt_conninfo_split) are the engine's shared modules. */
#ifndef RT_BACKUP_INT_H
#define RT_BACKUP_INT_H

#include <stdbool.h>
#include <sys/types.h>

#include "rt_conninfo.h"
#include "rt_mem.h"
#include "rt_spawn.h"

struct rt_backup_info;
struct rt_err;

/* The path of tool ("pg_dump", "pg_restore") for a server of server_version:
 * the same major version when installed, else a newer one (with *note set,
 * owned by the caller). NULL with err saying what was found and why it does
 * not fit. Owned by the caller. */
char *rt_pg_tool(const char *tool, int server_version, char **version, char **note,
		 struct rt_err *err);

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
