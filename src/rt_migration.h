/* rt_migration.h - one migration file: headers and sections (retort-migration(5)). */
#ifndef RT_MIGRATION_H
#define RT_MIGRATION_H

#include <stdbool.h>
#include <stddef.h>

struct rt_err;

#define RT_REV_ID_MAX 32

struct rt_rev {
	char id[RT_REV_ID_MAX + 1];   /* 1-32 chars of [0-9a-z_] */
	char **down;                  /* parent ids (down_revision); ndown == 0 for a root */
	size_t ndown;
	char **depends;               /* depends_on ids */
	size_t ndepends;
	char **labels;                /* branch_labels */
	size_t nlabels;
	char *message;                /* never NULL; "" when absent */
	char *created;                /* as written, or NULL */
	bool is_transactional;        /* false with "transaction off" */
	char *upgrade;                /* section bodies, never NULL for upgrade/downgrade */
	char *downgrade;
	char *verify;                 /* NULL when the file has no verify section */
	int upgrade_line;             /* 1-based line of the section marker */
	int downgrade_line;
	int verify_line;              /* 0 when absent */
	int upgrade_body_line;        /* file line of the body's first line (leading blank
	                               * lines are trimmed): rt_sql_split's first_line */
	int downgrade_body_line;
	int verify_body_line;         /* 0 when absent */
	char *path;                   /* as given to the parser */
	char sha256[65];              /* hex SHA-256 of the whole file's bytes */
};

/* Parses the text of a migration file (len bytes, may hold a BOM and CRLF).
 * Returns a new revision owned by the caller (free with rt_rev_free); NULL
 * with err set to RT_ERR_INPUT and "path:line: what is wrong" on bad input. */
struct rt_rev *rt_rev_parse(const char *path, const char *text, size_t len, struct rt_err *err);

/* Reads and parses the file at path. NULL and err set on failure (RT_ERR_INPUT). */
struct rt_rev *rt_rev_load(const char *path, struct rt_err *err);

void rt_rev_free(struct rt_rev *rev);

/* True when s is a valid revision id: 1-32 characters of [0-9a-z_]. */
bool rt_rev_id_valid(const char *s);

/* Fills out (33 bytes) with 12 random lowercase hex digits, as Alembic does. */
void rt_rev_new_id(char out[RT_REV_ID_MAX + 1]);

/* Hex SHA-256 of len bytes into out (65 bytes). */
void rt_sha256_hex(const void *data, size_t len, char out[65]);

#endif
