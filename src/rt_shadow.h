/* rt_shadow.h - a shadow database: a scratch database on the server of a live
 * one, created under a unique name (retort_shadow_<pid>_<random>), where the
 * migrations are built to compare with the live schema; always dropped. */
#ifndef RT_SHADOW_H
#define RT_SHADOW_H

struct rt_db;
struct rt_err;

struct rt_shadow;

/* A tablespace of this name on the server (the sandbox makes one on tmpfs:
 * rt_sandbox_start) holds the shadow databases: a scratch database needs no
 * disk, and making a schema's files is most of a build's time on disk. */
#define RT_SCRATCH_TABLESPACE "retort_scratch"

/* Creates the shadow database on live's server (CREATE DATABASE from
 * template0, in RT_SCRATCH_TABLESPACE when the server has it and the role may
 * use it, else the default tablespace) and connects to it with live's
 * connection settings. Returns a
 * shadow owned by the caller (rt_shadow_free drops it), or NULL with err
 * (RT_ERR_RUN: no CREATEDB right, server gone) and nothing left behind. */
struct rt_shadow *rt_shadow_create(struct rt_db *live, struct rt_err *err);

/* The shadow's connection (it holds the migration lock of the shadow, which
 * nobody else knows). Borrowed until rt_shadow_free. */
struct rt_db *rt_shadow_db(struct rt_shadow *sh);

/* The shadow database's name. Borrowed. */
const char *rt_shadow_name(const struct rt_shadow *sh);

/* Closes the shadow's connection and drops the database (WITH (FORCE)),
 * through live, which must still be connected; frees sh. NULL is a no-op.
 * A failure to drop is reported in err (RT_ERR_RUN) when err is not NULL,
 * naming the database left behind; sh is freed either way. */
int rt_shadow_free(struct rt_shadow *sh, struct rt_err *err);

#endif
