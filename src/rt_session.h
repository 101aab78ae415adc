/* rt_session.h - a project opened for work: config, revision graph, the chosen
 * environment and its connection. Shared by the CLI and the console. */
#ifndef RT_SESSION_H
#define RT_SESSION_H

#include <stdbool.h>

struct rt_config;
struct rt_db;
struct rt_env;
struct rt_err;
struct rt_graph;

struct rt_session_opts {
	const char *dir;        /* migrations directory (default "migrations") */
	const char *env_name;   /* --env, or NULL */
	const char *url;        /* --url, or NULL */
};

struct rt_session;

/* Loads dir/retort.conf. Does not read the versions or connect. Returns a
 * session owned by the caller (rt_session_free), or NULL with err. */
struct rt_session *rt_session_new(const struct rt_session_opts *opts, struct rt_err *err);

void rt_session_free(struct rt_session *s);

/* Borrowed; valid while s lives. */
const struct rt_config *rt_session_config(const struct rt_session *s);

/* Reads (or re-reads, e.g. after an edit) the versions directory. On failure
 * the previous graph, if any, is kept. Returns 0 or -1 with err (RT_ERR_INPUT). */
int rt_session_load_graph(struct rt_session *s, struct rt_err *err);

/* As rt_session_load_graph, but reads only the files' headers
 * (rt_graph_load_headers): for listing the graph, never for plans, SQL or
 * checksums. A later rt_session_load_graph replaces it with a full graph. */
int rt_session_load_graph_headers(struct rt_session *s, struct rt_err *err);

/* The graph of the last successful load, or NULL. Borrowed until the next load. */
const struct rt_graph *rt_session_graph(const struct rt_session *s);

/* Chooses the env and URL (--env; else --url; else $DATABASE_URL; else the
 * default env; --url overrides the env's url but keeps its protection),
 * starts the sandbox when the env says sandbox = true, and connects (once;
 * later calls return 0 at once). Returns 0 or -1 with err; the masked URL is
 * known either way. */
int rt_session_connect(struct rt_session *s, struct rt_err *err);

/* The connection, or NULL before a successful rt_session_connect. Borrowed. */
struct rt_db *rt_session_db(struct rt_session *s);

/* The env in use, or NULL when the URL came from --url or $DATABASE_URL
 * without --env. Borrowed. Valid after rt_session_connect (even a failed one). */
const struct rt_env *rt_session_env(const struct rt_session *s);

/* Whether --env named the env in use explicitly. */
bool rt_session_env_is_explicit(const struct rt_session *s);

/* The rule of every operation that changes a database on a protected env:
 * typed (the answer to "type the database name") must be dbname, or, with
 * no answer, assume_yes (--yes) counts only when --env named the env. 0
 * when confirmed (always on an env that is not protected, or none), -1
 * with err (RT_ERR_INPUT, nothing changed). */
int rt_session_confirm_protected(const struct rt_session *s, const char *dbname,
				 const char *typed, bool assume_yes, struct rt_err *err);

/* The URL in use with the password masked ("" before connecting). Borrowed. */
const char *rt_session_url_masked(const struct rt_session *s);

/* The options that open a session on the same database as s now: dir, the
 * env named by --env or rt_session_set_env (NULL: chosen as
 * rt_session_connect says) and the --url given (NULL after
 * rt_session_set_env). For a front end that hands the session to a child
 * retort. The strings are borrowed until the next rt_session_set_env or
 * rt_session_free; url may hold a password: never show it, log it or put it
 * in a child's argv. */
void rt_session_get_opts(const struct rt_session *s, struct rt_session_opts *out);

/* Switches to env name: closes the connection; the next rt_session_connect
 * uses it. Fails (RT_ERR_INPUT) for an unknown env, keeping the old one. */
int rt_session_set_env(struct rt_session *s, const char *name, struct rt_err *err);

#endif
