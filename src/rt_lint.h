/* rt_lint.h - the static linter: one revision's upgrade and downgrade SQL,
 * read on the engine's lexer (rt_sqllex.h), checked against rules that know
 * PostgreSQL's locks, rewrites and data loss (retort(1), "lint"). */
#ifndef RT_LINT_H
#define RT_LINT_H

#include <stdbool.h>
#include <stddef.h>

struct rt_err;
struct rt_rev;

enum rt_lint_severity {
	RT_LINT_INFO,       /* hygiene */
	RT_LINT_WARNING,    /* locks or rewrites: the cost depends on the table's size */
	RT_LINT_ERROR,      /* loses data, fails on existing rows, or does not belong */
};

/* One rule: the table rt_lint_rules() returns is static. */
struct rt_lint_rule {
	const char *id;                 /* stable, kebab-case: "adding-required-field" */
	enum rt_lint_severity severity;
	const char *what;               /* one line: what the rule flags */
	const char *safer;              /* one line: the safer way */
};

/* One finding. Strings are owned by the report that holds it. */
struct rt_lint_finding {
	const struct rt_lint_rule *rule;    /* static */
	char *rev_id;
	char *path;                 /* the revision's file, as loaded */
	int line;                   /* file line of the statement (or section marker) */
	const char *section;        /* "upgrade", "downgrade" or "revision" (static) */
	char *why;                  /* one line, names the objects (raw: may hold any text
	                             * from the file; pass through rt_fmt_safe to print) */
};

struct rt_lint_report {
	struct rt_lint_finding *v;  /* in the order linted; one revision's by line */
	size_t n, cap;
	size_t nerrors, nwarnings, ninfos;
};

struct rt_lint_opts {
	/* retort sets lock_timeout itself for every statement it runs (retort.conf
	 * ddl_lock_timeout > 0); when false, require-lock-timeout is checked */
	bool has_retort_lock_timeout;
};

/* All the rules, in the order the documentation lists them; *n is set to
 * their number. Static. */
const struct rt_lint_rule *rt_lint_rules(size_t *n);

/* The rule called id, or NULL. Static. */
const struct rt_lint_rule *rt_lint_rule_find(const char *id);

/* "error", "warning" or "info". */
const char *rt_lint_severity_name(enum rt_lint_severity s);

/* Lints rev (a full parse, with its section bodies) and appends its findings,
 * suppressions applied, to out (zero it first; free with rt_lint_report_free).
 * opts may be NULL (retort's lock_timeout on). A section that does not split
 * (an unterminated quote) is a finding, not a failure. Returns 0, or -1 with
 * err (RT_ERR_INPUT) when rev holds only its headers. */
int rt_lint_rev(const struct rt_rev *rev, const struct rt_lint_opts *opts,
		struct rt_lint_report *out, struct rt_err *err);

/* Frees the findings and resets r; r itself is the caller's. */
void rt_lint_report_free(struct rt_lint_report *r);

/* The findings of rev at error level (0 when none), for markers and
 * confirmations: lints it with opts and counts. Never fails (a headers-only
 * rev counts 0). */
size_t rt_lint_rev_errors(const struct rt_rev *rev, const struct rt_lint_opts *opts);

/* ---- the locks a section takes (preflight) ----------------------------------- */

/* A data check a statement needs before it can succeed on existing rows. */
enum rt_lint_datacheck {
	RT_LINT_CHECK_NONE,
	RT_LINT_CHECK_NOT_NULL,      /* SET NOT NULL: rows where columns IS NULL */
	RT_LINT_CHECK_UNIQUE,        /* UNIQUE, UNIQUE INDEX: duplicate values of columns */
	RT_LINT_CHECK_PRIMARY_KEY,   /* duplicates, and NULLs */
	RT_LINT_CHECK_FOREIGN_KEY,   /* rows of columns no ref_table row matches */
	RT_LINT_CHECK_CAST,          /* ALTER COLUMN TYPE: values of columns that will not
	                              * convert to new_type (through using, when written) */
};

/* The work a statement does on the table's data while it holds its lock,
 * which is what takes time on a big table (preflight estimates it). */
enum rt_lint_work {
	RT_LINT_WORK_NONE,           /* the catalog only */
	RT_LINT_WORK_SCAN,           /* reads the whole table to validate (SET NOT NULL,
	                              * ADD CHECK/FOREIGN KEY, VALIDATE CONSTRAINT) */
	RT_LINT_WORK_INDEX,          /* builds an index: reads the table, sorts, writes */
	RT_LINT_WORK_REWRITE,        /* writes a new copy of the table and its indexes */
	RT_LINT_WORK_TYPE,           /* ALTER COLUMN TYPE: a rewrite, unless the column's
	                              * current type is binary coercible to new_type with
	                              * no USING (only the live column can tell) */
};

/* One lock a statement takes on a table that exists before the revision
 * (a table created earlier in the same section is left out: it is empty
 * and nobody else sees it), at PostgreSQL's documented level for the
 * statement's kind. */
struct rt_lint_lock {
	int line;                    /* the statement's first line in the file */
	char *what;                  /* "ADD COLUMN", "CREATE INDEX", "DROP INDEX" ... */
	char *table;                 /* as written, unqualified; for DROP INDEX the index */
	const char *mode;            /* "ACCESS EXCLUSIVE", "SHARE", ... (static) */
	enum rt_lint_datacheck check;
	char *columns;               /* "a,b" for a check, else NULL */
	char *ref_table;             /* FOREIGN KEY: the referenced table, else NULL */
	char *ref_columns;           /* "x,y"; NULL when not written (its primary key) */
	enum rt_lint_work work;
	char *new_type;              /* ALTER COLUMN TYPE: the type as written, else NULL */
	char *using_expr;            /* ... its USING expression as written, or NULL */
	bool is_using_plain;         /* ... USING is the column, or the column cast to
	                              * new_type: no more than no USING (for a rewrite) */
};

struct rt_lint_locks {
	struct rt_lint_lock *v;
	size_t n;
};

/* The locks of rev's upgrade (is_up) or downgrade section, in statement
 * order, read by the lint's statement recogniser (no database). Fills out
 * (zeroed by the caller; rt_lint_locks_free). -1 with err (RT_ERR_INPUT)
 * for a revision read without its SQL. */
int rt_lint_locks(const struct rt_rev *rev, bool is_up, struct rt_lint_locks *out,
		  struct rt_err *err);

void rt_lint_locks_free(struct rt_lint_locks *l);

/* An ALTER COLUMN TYPE (RT_LINT_WORK_TYPE) as the live column shows it. */
struct rt_lint_type_change {
	const char *old_type;        /* pg_type.typname of the column's type (a domain's base) */
	int old_mod;                 /* its atttypmod; -1 none */
	const char *new_type;        /* pg_type.typname of the new type */
	int new_mod;                 /* the new typmod; -1 none */
	bool is_binary_coercible;    /* same type, or a binary-coercible pg_cast (method 'b') */
	bool has_using;              /* a USING, other than a plain one (rt_lint_lock) */
};

/* Whether the type change rewrites the table: false only for the cases
 * PostgreSQL documents as not touching the stored values (a binary-coercible
 * type, no USING, and a typmod kept, dropped, or widened where the type's
 * length-coercion support allows it: varchar(20) to varchar(40) or text,
 * numeric(10,2) to numeric(12,2), timestamp(0) to timestamp). Pure. */
bool rt_lint_type_change_rewrites(const struct rt_lint_type_change *tc);

#endif
