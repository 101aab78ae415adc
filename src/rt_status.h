/* rt_status.h - environments side by side (retort status): each env's
 * current revision, how far behind head, what is applied in one and not in
 * another, checksums that disagree between envs for the same revision,
 * applied files edited since, interrupted revisions, and the command that
 * brings each in line. Reads only; an env that cannot be reached is
 * recorded as such and the others are still read. */
#ifndef RT_STATUS_H
#define RT_STATUS_H

#include <stdbool.h>
#include <stddef.h>

#include "rt_mem.h"

struct rt_err;
struct rt_session;

/* Seconds an env gets to answer a connection, unless its URL or
 * $PGCONNECT_TIMEOUT says otherwise. */
#define RT_STATUS_CONNECT_TIMEOUT_S 3

struct rt_env_status {
	char *name;
	char *url;                 /* masked; "" when it could not be made (unset ${VAR}) */
	bool is_reachable;         /* connected and its state read */
	char *error;               /* why not reachable, or why its state does not plan
	                            * (a version row no file defines); NULL when none */
	struct rt_strv current;    /* version table rows, sorted */
	size_t pending;            /* revisions an upgrade to the heads would run */
	struct rt_strv applied;    /* applied revision ids, in topological order */
	struct rt_strv missing;    /* applied in another reachable env, not here */
	struct rt_strv differs;    /* "REV: here 1a2b3c4d5e6f, ENV 9f8e7d6c5b4a" */
	struct rt_strv edited;     /* applied revisions whose file changed since */
	char *dirty;               /* "REV (upgrade, 2 statements done)" or NULL */
	char *command;             /* the command that brings it in line, or NULL */
};

struct rt_status {
	struct rt_env_status *v;   /* in the order asked (default: retort.conf's) */
	size_t n;
};

/* Reads the status of the envs named in names (empty: every env of s's
 * retort.conf) against s's graph (loaded in full here). Each env gets its
 * own connection (a sandbox env's sandbox is started, as for any command),
 * closed before the next; RT_STATUS_CONNECT_TIMEOUT_S unless set otherwise.
 * Fills out (zeroed by the caller, owned by the caller: rt_status_free).
 * -1 with err (RT_ERR_INPUT) for an unknown env name, no env at all or a
 * graph that does not load; an env that cannot be reached is not an error. */
int rt_status_read(struct rt_session *s, const struct rt_strv *names, struct rt_status *out,
		   struct rt_err *err);

void rt_status_free(struct rt_status *st);

/* True when every reachable env is at the heads and clean (no difference,
 * no edited file, nothing interrupted, no error). */
bool rt_status_in_line(const struct rt_status *st);

#endif
