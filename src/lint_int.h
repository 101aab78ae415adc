/* lint_int.h - private to lint.c and lint_rules.c: the state of one
 * revision's lint while its statements are read. */
#ifndef RT_LINT_INT_H
#define RT_LINT_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "rt_lint.h"
#include "rt_mem.h"
#include "rt_sqllex.h"

enum { SEC_UP, SEC_DOWN, NSEC };

/* Names are compared as the server does, cut to fit here (NAMEDATALEN). */
#define LINT_NAME_MAX 64

/* One statement's tokens, comments left out; the tokens view sql. */
struct lint_stmt {
	const char *sql;
	struct rt_sql_token *t;
	size_t n;
	int line;
};

/* What a section creates and drops. The *_on lists run parallel to the
 * created/added lists: "table" and ",col1,col2," the object depends on. */
struct lint_objs {
	struct rt_strv tables_created, cols_added;
	struct rt_strv idx_created, idx_table, idx_cols;
	struct rt_strv cons_added, cons_table, cons_cols;
	struct rt_strv tables_dropped, cols_dropped, idx_dropped, cons_dropped;
	size_t nstmts;
};

struct lint_raw {
	const struct rt_lint_rule *rule;
	int sec;            /* SEC_UP, SEC_DOWN, or -1 for the revision */
	long stmt;          /* index in the section, or -1 */
	int line;
	char *why;
};

struct lint {
	const struct rt_rev *rev;
	bool has_retort_lock_timeout;
	struct lint_raw *f;
	size_t nf, capf;
	struct lint_objs o[NSEC];
	bool sets_lock_timeout;     /* a SET lock_timeout anywhere */
	int lock_sec, lock_line;    /* the first statement locking an existing table */
	long lock_stmt;
	/* the section being read */
	int sec;
	long stmt;
	int line;
	struct rt_strv notnull_ok;      /* "t.c" with a validated CHECK (c IS NOT NULL) */
	struct rt_strv pending_checks;  /* "name" and "t.c" pairs, NOT VALID, waiting */
	struct rt_strv enum_values;     /* 'value' added by ALTER TYPE in this transaction */
	struct rt_strv col_dropped_on;  /* tables with a DROP COLUMN earlier in the section */
	bool took_ae;                   /* the statement took ACCESS EXCLUSIVE on an existing table */
	bool took_lock;                 /* ... or any lock that blocks writes */
	struct rt_lint_locks *locks;    /* rt_lint_locks collects into it, else NULL */
	const char *ae_what;
	char ae_table[LINT_NAME_MAX + 16];   /* a table, or "the table of INDEX" */
};

/* Adds a finding for the statement being read (or at line with stmt -1). */
void lint_add(struct lint *L, const char *rule_id, int line, long stmt, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/* Reads one statement of section L->sec (lint_rules.c). */
void lint_stmt(struct lint *L, const struct lint_stmt *s);

void lint_objs_free(struct lint_objs *o);

#endif
