/* db_int.h - private: the connection struct shared by db.c and apply.c. */
#ifndef RT_DB_INT_H
#define RT_DB_INT_H

#include <libpq-fe.h>
#include <stdbool.h>

struct rt_err;

struct rt_db {
	PGconn *conn;
	char *url;          /* as connected: a second connection (count jobs) reuses it */
	char *vt;           /* quoted, possibly schema-qualified version table */
	char *hist;         /* quoted, possibly schema-qualified retort_history */
	char *pkc;          /* quoted name of the version table's primary key */
	char *vt_name;      /* unquoted "schema.table" or "table": the lock key's source */
	int lock_key;       /* second key of the advisory lock */
	bool has_lock;
	bool cat_prepared;  /* the partial catalog reads are prepared (catalog.c) */
	bool is_scratch;    /* a shadow database only this connection uses (shadow.c):
	                     * its tables, once set up, stay; nothing else makes it dirty */
	bool setup_done;    /* rt_db_setup found or made the tables (kept for scratch) */
};

#define RT_LOCK_CLASS 1919251572   /* "retr": first key of the advisory lock */
#define RT_STR_(x) #x
#define RT_STR(x) RT_STR_(x)

/* Runs sql (no parameters) and checks the status; fills err from the server
 * error on failure (RT_ERR_RUN, message prefixed by what). Returns the result
 * (caller clears) or NULL. */
PGresult *rt_db_exec(struct rt_db *db, const char *sql, const char *what, struct rt_err *err);

/* rt_db_exec for a statement whose rows do not matter (prefix "retort"):
 * 0, or -1 with err. */
int rt_db_exec_ok(struct rt_db *db, const char *sql, struct rt_err *err);

/* Fills err (RT_ERR_RUN) from a failed result: "prefix: message" plus detail. */
void rt_db_result_err(const PGresult *res, const char *prefix, struct rt_err *err);

/* Asks the server to cancel the statement conn is running (PQcancel on a
 * PGcancel made for it); a no-op when that cannot be sent. Every job's
 * cancel goes through here. */
void rt_db_cancel_query(PGconn *conn);

/* Creates the version table and retort_history unless both exist (a role
 * without CREATE on the schema can still work on them). Returns 0, or -1
 * with err (RT_ERR_RUN): "creating the version table ...: ERROR: ...", and
 * when the right is missing, the GRANT that gives it. */
int rt_db_setup(struct rt_db *db, struct rt_err *err);

/* The version-table and history DDL (IF NOT EXISTS), as one string owned by
 * the caller. pkc is the quoted primary-key name: Alembic's "<table>_pkc". */
char *rt_db_setup_sql(const char *vt, const char *pkc, const char *hist);

#endif
