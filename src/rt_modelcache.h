/* rt_modelcache.h - schema models of shadow builds kept on disk, so that a
 * second `retort verify` (or migrate) on unchanged migrations reads the
 * live database and diffs, and builds nothing. A model is filed under a
 * key that hashes everything it depends on: what was run (each revision's
 * id and file SHA-256 in plan order, or the declared schema file's
 * bytes), the server's version, the version table left out, and the
 * catalog queries themselves; so an entry is never stale, only unused.
 * The directory is $XDG_CACHE_HOME/retort/models (default
 * ~/.cache/retort/models); the newest RT_MODELCACHE_KEEP entries are kept.
 * Every failure to read or write is a miss, never an error. */
#ifndef RT_MODELCACHE_H
#define RT_MODELCACHE_H

#include "rt_mem.h"

struct rt_catalog;
struct rt_db;
struct rt_graph;

#define RT_MODELCACHE_KEEP 64

/* The cache directory (a new string), or NULL when neither XDG_CACHE_HOME
 * nor HOME is set. */
char *rt_modelcache_dir(void);

/* The key (64 hex digits) of the migrations built up to each of targets in
 * turn (as the shadow build runs them) on db's server: 0, or -1 when a
 * target is unknown or a file was read without its text (no key). */
int rt_modelcache_key_revs(const struct rt_graph *g, const struct rt_strv *targets,
			   struct rt_db *db, char key[65]);

/* The key of the declared schema file at path, loaded on db's server: 0,
 * or -1 when it cannot be read. */
int rt_modelcache_key_file(const char *path, struct rt_db *db, char key[65]);

/* The model filed under key in dir, or NULL (a miss: missing, unreadable,
 * another format). A new model owned by the caller, sorted. */
struct rt_catalog *rt_modelcache_load(const char *dir, const char *key);

/* Files cat under key in dir (created as needed; written to a temporary
 * name and renamed), then removes all but the newest RT_MODELCACHE_KEEP
 * entries. Best effort: failures are ignored. */
void rt_modelcache_store(const char *dir, const char *key, const struct rt_catalog *cat);

#endif
