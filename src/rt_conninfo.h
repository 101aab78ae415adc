/* rt_conninfo.h - connection strings: a libpq URL ("postgresql://...") or a
 * key=value conninfo, read with libpq's own parser. The one place that knows
 * where a password sits in them: masking for display, the database name, and
 * the split that keeps the password out of a child's argv. */
#ifndef RT_CONNINFO_H
#define RT_CONNINFO_H

#include "rt_mem.h"

struct rt_err;

/* A connection string as libpq reads it (PQconninfoParse): the keywords it
 * sets to a non-empty value, in libpq's order, URL parts percent-decoded. */
struct rt_conninfo {
	struct rt_strv keys;
	struct rt_strv vals;    /* vals.v[i] belongs to keys.v[i] */
};

/* Parses url into ci (zeroed first). Returns 0, or -1 with err (RT_ERR_INPUT)
 * when libpq cannot read it or its scheme is not postgresql:// or
 * postgres:// ("mysql://..."); the message never quotes more of url than its
 * scheme, since it may hold a password. ci must be freed with
 * rt_conninfo_free either way. */
int rt_conninfo_parse(const char *url, struct rt_conninfo *ci, struct rt_err *err);

/* The value of keyword ("host", "dbname", ...) in ci; NULL when not set.
 * Borrowed from ci. */
const char *rt_conninfo_get(const struct rt_conninfo *ci, const char *keyword);

/* Frees ci's strings, the passwords wiped first, and resets it. */
void rt_conninfo_free(struct rt_conninfo *ci);

/* A copy of a libpq URL or key=value conninfo with each password (password,
 * sslpassword, in the user info, the query or a key=value pair) replaced by
 * "****", whatever its length; owned by the caller. Never fails: what cannot
 * be read is masked whole after the scheme. */
char *rt_url_mask(const char *url);

/* The database name url connects to, by libpq's rules: dbname, else
 * $PGDATABASE, else the user (written, else $PGUSER, else the login name).
 * Owned by the caller; NULL when url does not parse. */
char *rt_url_dbname(const char *url);

/* url in a few words for a status line: "db on host:port" ("app on
 * db.example.com:5433"; a unix socket directory as "socket .../sock", its
 * last two components; a default host as "local"). Never holds a password.
 * Owned by the caller; the masked URL when url does not parse. */
char *rt_url_brief(const char *url);

/* The connect_timeout, in seconds, of a connection whose string sets none
 * (and $PGCONNECT_TIMEOUT neither): without one, a server that accepts the
 * connection and never answers would hang retort for good. */
#define RT_CONNECT_TIMEOUT_S 10

/* url as the key=value conninfo retort connects with: every setting libpq
 * reads in it, plus connect_timeout=RT_CONNECT_TIMEOUT_S unless url or
 * $PGCONNECT_TIMEOUT sets one. *timeout_s is the timeout in effect (0: none,
 * libpq waits for good). Owned by the caller; it holds url's password, if
 * any: wipe it before freeing. NULL with err (RT_ERR_INPUT, url not quoted)
 * when url does not parse or is not a PostgreSQL URL (mysql://...). */
char *rt_conninfo_for_connect(const char *url, int *timeout_s, struct rt_err *err);

/* Splits url for a child (pg_dump, pg_restore, psql): *conninfo is a key=value
 * string of everything but the password, for its argv (which ps shows), and
 * *password the password (NULL when none), for its environment as PGPASSWORD.
 * Both owned by the caller (wipe the password before freeing it). 0, or -1
 * with err (RT_ERR_INPUT) and both NULL when url does not parse. */
int rt_conninfo_split(const char *url, char **conninfo, char **password, struct rt_err *err);

#endif
