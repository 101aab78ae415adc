/* rt_migration.h - one migration file: headers and sections (retort-migration(5)). */
#ifndef RT_MIGRATION_H
#define RT_MIGRATION_H

#include <stdbool.h>
#include <stddef.h>

struct rt_buf;
struct rt_err;

#define RT_REV_ID_MAX 32

/* The longest line (bytes, without its LF or CRLF) allowed before the first
 * section: longer ones fail with "path:line: header line too long (over 4096
 * bytes)". Bounds a header-only read. */
#define RT_REV_HEADER_LINE_MAX 4096

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
	bool is_headers_only;         /* read by a header-only load: the section fields
	                               * below are NULL/0 and sha256 is "" */
	char *upgrade;                /* section bodies, never NULL for upgrade/downgrade
	                               * (unless is_headers_only) */
	char *downgrade;
	char *verify;                 /* NULL when the file has no verify section */
	int upgrade_line;             /* 1-based line of the section marker */
	int downgrade_line;
	int verify_line;              /* 0 when absent */
	int upgrade_body_line;        /* file line of the body's first line (leading blank
	                               * lines are trimmed): rt_sql_split's first_line */
	int downgrade_body_line;
	int verify_body_line;         /* 0 when absent */
	char **allows;                /* "-- retort:allow" values of the header block
	                               * (RULE because REASON: rt_lint.h), in order;
	                               * in a section such a line stays in the body */
	int *allow_lines;             /* their file lines */
	size_t nallows;
	char *path;                   /* as given to the parser */
	char sha256[65];              /* hex SHA-256 of the whole file's bytes; "" when
	                               * is_headers_only */
	char *text;                   /* the whole file's bytes as read (what sha256 is of,
	                               * kept in retort_history.applied_file); NULL when
	                               * is_headers_only */
	size_t text_len;
};

/* Parses the text of a migration file (len bytes, may hold a BOM and CRLF).
 * Returns a new revision owned by the caller (free with rt_rev_free); NULL
 * with err set to RT_ERR_INPUT and "path:line: what is wrong" on bad input. */
struct rt_rev *rt_rev_parse(const char *path, const char *text, size_t len, struct rt_err *err);

/* Parses only the header block of a migration file: the lines up to and
 * including the first section marker (text may hold more; the rest is
 * ignored). Same code and same errors as rt_rev_parse for those lines; the
 * sections themselves are not checked, except that a file with no section
 * at all fails ("missing section 'upgrade'"). The result has is_headers_only
 * set, no bodies and no sha256. Owned by the caller (rt_rev_free). */
struct rt_rev *rt_rev_parse_headers(const char *path, const char *text, size_t len,
				    struct rt_err *err);

/* Reads and parses the file at path. NULL and err set on failure (RT_ERR_INPUT). */
struct rt_rev *rt_rev_load(const char *path, struct rt_err *err);


/* rt_rev_load_at flags. */
enum {
	RT_REV_HEADERS_ONLY = 1u << 0,  /* read up to the first section marker only
	                                 * (usually one 4 KiB read): rt_rev_parse_headers */
};

/* Opens name relative to the directory dirfd (or AT_FDCWD) and parses it
 * whole (rt_rev_parse) or, with RT_REV_HEADERS_ONLY, its header block only.
 * path names the file in rev->path and in messages. scratch, when not NULL,
 * is a caller-owned buffer reused between calls to save allocations (its
 * contents are overwritten). Returns a new revision owned by the caller, or
 * NULL with err set (RT_ERR_INPUT). */
struct rt_rev *rt_rev_load_at(int dirfd, const char *name, const char *path, unsigned flags,
			      struct rt_buf *scratch, struct rt_err *err);

void rt_rev_free(struct rt_rev *rev);

/* The offset of the first character of s (len bytes) that a header value may not hold, or
 * len when there is none: a byte that is not UTF-8, or a character rt_fmt_control_at flags
 * other than the tab (a CR, an escape, a C1 control, a bidirectional override). *cp is set
 * to its code point (U+FFFD for a byte that is not UTF-8). The parser refuses such a
 * header; a writer of headers (retort revision -m) checks its text with this first. */
size_t rt_rev_header_text_bad(const char *s, size_t len, unsigned *cp);

/* True when s is a valid revision id: 1-32 characters of [0-9a-z_]. */
bool rt_rev_id_valid(const char *s);

/* Fills out (33 bytes) with 12 random lowercase hex digits, as Alembic does. */
void rt_rev_new_id(char out[RT_REV_ID_MAX + 1]);

/* Hex SHA-256 of len bytes into out (65 bytes). */
void rt_sha256_hex(const void *data, size_t len, char out[65]);

#endif
