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

#endif
