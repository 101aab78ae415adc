/* txcheck.c - transaction control in a revision's sections (retort-migration(5),
 * "Transaction control").
 *
 * retort runs a transactional revision inside its own transaction, together
 * with the version table and history updates. A COMMIT in a body ends that
 * transaction early: the server only warns, what ran before it stays
 * committed, and the revision is still recorded as failed when a later
 * statement fails. So such files are refused when they are parsed, before
 * anything runs.
 *
 * Only the first words of each top-level statement (rt_sql_split, then the
 * lexer) count: BEGIN ATOMIC bodies, dollar-quoted PL/pgSQL (DO blocks and
 * functions, COMMIT in procedures included) and words inside a statement
 * (CASE ... END, a column named "commit") are never transaction control.
 *
 * Savepoints do not end a transaction, so they are allowed; a RELEASE or
 * ROLLBACK TO must name a savepoint set earlier in the same section, because
 * the server would refuse it anyway, halfway through a plan. Names are
 * compared as the server does: unquoted ones folded to lower case, then cut
 * to 63 bytes on a character boundary.
 *
 * A "transaction off" revision runs its statements one by one and journals
 * each in its retort_history entry on the same connection. A BEGIN ... COMMIT
 * block there is allowed when it closes in the same section: the journal
 * updates made inside it commit or roll back with it, so 'retort resolve'
 * resumes from its BEGIN. A block left open would take in retort's own
 * bookkeeping, so it is refused, as are nested and stray ones.
 *
 * A psql meta-command (\connect, \! cmd) is no statement at all: the server
 * rejects it at run time, and psql would execute it from the offline script.
 */
#include "config.h"
#include "txcheck_int.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rt_err.h"
#include "rt_mem.h"
#include "rt_migration.h"
#include "rt_sqllex.h"
#include "rt_sqlsplit.h"

/* PostgreSQL's NAMEDATALEN - 1: longer identifiers are truncated to it. */
#define PG_NAME_MAX 63

/* Savepoint names in messages are cut to this many bytes. */
#define SHOWN_NAME_MAX 64

/* The advice for a transactional revision. */
#define USE_TX_OFF "retort runs each revision in one transaction; remove it, " \
	"or use '-- retort:transaction off'"

/* The rule for a "transaction off" revision. */
#define NOTX_RULE "a 'transaction off' section may hold BEGIN ... COMMIT blocks, " \
	"not nested, each closed in the section that opens it"

enum tx_kind {
	TX_NONE,          /* not transaction control */
	TX_OPEN,          /* BEGIN, START TRANSACTION */
	TX_CLOSE,         /* COMMIT, END, ROLLBACK, ABORT, PREPARE TRANSACTION */
	TX_PREPARED,      /* COMMIT PREPARED, ROLLBACK PREPARED: never in a transaction */
	TX_SAVEPOINT,
	TX_RELEASE,
	TX_ROLLBACK_TO,
};

/* What one statement does to the transaction. */
struct tx_stmt {
	enum tx_kind kind;
	const char *what;           /* the command for messages: "START TRANSACTION" */
	bool is_chain;              /* TX_CLOSE ... AND CHAIN: a new transaction follows */
	struct rt_sql_token name;   /* a savepoint command's name, in sql */
	const char *sql;            /* the statement (borrowed) */
	int line;                   /* its first line in the file */
};

/* One section being checked. */
struct section {
	const struct rt_rev *rev;
	const char *name;           /* "upgrade", "downgrade", "verify" */
	struct rt_err *err;
	int open_line;              /* transaction off: line of the open BEGIN, 0 none */
	const char *open_what;
	struct rt_strv savepoints;  /* set and not released, innermost last */
	bool can_check_names;       /* false after a U&"..." name this file cannot decode */
};

static int
refuse(struct section *s, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int
refuse(struct section *s, int line, const char *fmt, ...)
{
	char what[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	rt_err_set_at(s->err, RT_ERR_INPUT, s->rev->path, line, "%s", what);
	return -1;
}

/* ---- reading a statement's first words ----------------------------------------- */

/* The next token that is not a comment. */
static enum rt_sql_tok_kind
next_token(struct rt_sql_lexer *lx, struct rt_sql_token *tok)
{
	while (rt_sql_lex_next(lx, tok) == RT_SQL_TOK_COMMENT)
		;
	return tok->kind;
}

static bool
is_name(const struct rt_sql_token *tok)
{
	return tok->kind == RT_SQL_TOK_KEYWORD || tok->kind == RT_SQL_TOK_IDENT ||
	       tok->kind == RT_SQL_TOK_QUOTED_IDENT;
}

/* Reads the rest of COMMIT/END/ROLLBACK/ABORT from tok, the word after it:
 * [WORK | TRANSACTION] [AND [NO] CHAIN]. True for AND CHAIN. */
static bool
read_chain(struct rt_sql_lexer *lx, struct rt_sql_token *tok)
{
	if (rt_sql_token_is(lx->buf, tok, "work") || rt_sql_token_is(lx->buf, tok, "transaction"))
		next_token(lx, tok);
	if (!rt_sql_token_is(lx->buf, tok, "and"))
		return false;
	next_token(lx, tok);
	return rt_sql_token_is(lx->buf, tok, "chain");
}

/* Reads a savepoint name from tok on: [SAVEPOINT] name. "RELEASE savepoint"
 * alone releases a savepoint named savepoint, as in the server's grammar. */
static bool
read_name(struct rt_sql_lexer *lx, struct rt_sql_token *tok)
{
	if (rt_sql_token_is(lx->buf, tok, "savepoint")) {
		struct rt_sql_token after;

		if (next_token(lx, &after) != RT_SQL_TOK_EOF)
			*tok = after;
	}
	return is_name(tok);
}

/* ROLLBACK [PREPARED | [WORK | TRANSACTION] TO [SAVEPOINT] name | ...]; tok is
 * the word after ROLLBACK. */
static void
classify_rollback(struct rt_sql_lexer *lx, struct rt_sql_token *tok, struct tx_stmt *ts)
{
	if (rt_sql_token_is(lx->buf, tok, "prepared")) {
		ts->kind = TX_PREPARED;
		ts->what = "ROLLBACK PREPARED";
		return;
	}
	if (rt_sql_token_is(lx->buf, tok, "work") || rt_sql_token_is(lx->buf, tok, "transaction"))
		next_token(lx, tok);
	if (rt_sql_token_is(lx->buf, tok, "to")) {
		next_token(lx, tok);
		if (read_name(lx, tok)) {
			ts->kind = TX_ROLLBACK_TO;
			ts->what = "ROLLBACK TO SAVEPOINT";
			ts->name = *tok;
		}
		return;   /* ROLLBACK TO without a name: the server's syntax error */
	}
	ts->kind = TX_CLOSE;
	ts->what = "ROLLBACK";
	ts->is_chain = read_chain(lx, tok);
}

/* Fills ts for the statement sql (from its first token) starting on line. */
static void
classify(const char *sql, int line, struct tx_stmt *ts)
{
	struct rt_sql_lexer lx;
	struct rt_sql_token tok;

	memset(ts, 0, sizeof(*ts));
	ts->sql = sql;
	ts->line = line;
	rt_sql_lexer_init(&lx, sql, strlen(sql), line);
	next_token(&lx, &tok);
	if (rt_sql_token_is(sql, &tok, "begin")) {
		/* BEGIN ATOMIC only follows a CREATE FUNCTION's header */
		ts->kind = TX_OPEN;
		ts->what = "BEGIN";
	} else if (rt_sql_token_is(sql, &tok, "start")) {
		next_token(&lx, &tok);
		if (rt_sql_token_is(sql, &tok, "transaction")) {
			ts->kind = TX_OPEN;
			ts->what = "START TRANSACTION";
		}
	} else if (rt_sql_token_is(sql, &tok, "commit") || rt_sql_token_is(sql, &tok, "end") ||
		   rt_sql_token_is(sql, &tok, "abort")) {
		bool is_commit = rt_sql_token_is(sql, &tok, "commit");

		ts->what = is_commit ? "COMMIT" : rt_sql_token_is(sql, &tok, "end") ? "END" : "ABORT";
		next_token(&lx, &tok);
		if (is_commit && rt_sql_token_is(sql, &tok, "prepared")) {
			ts->kind = TX_PREPARED;
			ts->what = "COMMIT PREPARED";
		} else {
			ts->kind = TX_CLOSE;
			ts->is_chain = read_chain(&lx, &tok);
		}
	} else if (rt_sql_token_is(sql, &tok, "rollback")) {
		next_token(&lx, &tok);
		classify_rollback(&lx, &tok, ts);
	} else if (rt_sql_token_is(sql, &tok, "prepare")) {
		/* PREPARE TRANSACTION 'id' hands the transaction over to two-phase
		 * commit: it ends here as a COMMIT would. PREPARE name [(types)] AS
		 * is a prepared statement, which may be called "transaction". */
		next_token(&lx, &tok);
		if (rt_sql_token_is(sql, &tok, "transaction")) {
			next_token(&lx, &tok);
			if (!rt_sql_token_is(sql, &tok, "as") &&
			    !(tok.kind == RT_SQL_TOK_PUNCT && sql[tok.offset] == '(')) {
				ts->kind = TX_CLOSE;
				ts->what = "PREPARE TRANSACTION";
			}
		}
	} else if (rt_sql_token_is(sql, &tok, "savepoint")) {
		next_token(&lx, &tok);
		if (is_name(&tok)) {
			ts->kind = TX_SAVEPOINT;
			ts->what = "SAVEPOINT";
			ts->name = tok;
		}
	} else if (rt_sql_token_is(sql, &tok, "release")) {
		next_token(&lx, &tok);
		if (read_name(&lx, &tok)) {
			ts->kind = TX_RELEASE;
			ts->what = "RELEASE SAVEPOINT";
			ts->name = tok;
		}
	}
}

/* ---- savepoints ----------------------------------------------------------------- */

/* The name the server would use for ts's savepoint, into out; false when
 * this file cannot tell (a U&"..." identifier with escapes). */
static bool
canonical_name(const struct tx_stmt *ts, char out[PG_NAME_MAX + 2])
{
	const char *s = ts->sql + ts->name.offset;
	size_t len = ts->name.len, i = 0, n = 0;
	bool is_quoted = ts->name.kind == RT_SQL_TOK_QUOTED_IDENT;

	if (is_quoted && s[0] != '"')
		return false;
	if (is_quoted) {
		s++;
		len -= 2;
	}
	/* one byte past the limit tells whether the name is cut */
	while (i < len && n < PG_NAME_MAX + 1) {
		char c = s[i++];

		if (is_quoted && c == '"')
			i++;   /* "" stands for one quote */
		else if (!is_quoted && c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		out[n++] = c;
	}
	if (n > PG_NAME_MAX) {
		n = PG_NAME_MAX;
		while (n > 0 && ((unsigned char)out[n] & 0xc0) == 0x80)
			n--;
	}
	out[n] = '\0';
	return true;
}

/* Index of the innermost savepoint called name, or -1. */
static long
find_savepoint(const struct section *s, const char *name)
{
	size_t i = s->savepoints.n;

	while (i-- > 0)
		if (strcmp(s->savepoints.v[i], name) == 0)
			return (long)i;
	return -1;
}

/* Forgets the savepoints from index n on. */
static void
drop_savepoints(struct section *s, size_t n)
{
	while (s->savepoints.n > n)
		free(s->savepoints.v[--s->savepoints.n]);
}

/* How a savepoint name is shown in a message: as written, cut at
 * SHOWN_NAME_MAX bytes on a character boundary. */
static int
shown_len(const struct tx_stmt *ts)
{
	const char *s = ts->sql + ts->name.offset;
	size_t n = ts->name.len;

	if (n > SHOWN_NAME_MAX) {
		n = SHOWN_NAME_MAX;
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
	}
	return (int)n;
}

/* SAVEPOINT, RELEASE and ROLLBACK TO inside a transaction. */
static int
on_savepoint(struct section *s, const struct tx_stmt *ts)
{
	char name[PG_NAME_MAX + 2];
	long i;

	if (!canonical_name(ts, name)) {
		s->can_check_names = false;
		return 0;
	}
	if (ts->kind == TX_SAVEPOINT) {
		rt_strv_push(&s->savepoints, name);
		return 0;
	}
	if (!s->can_check_names)
		return 0;
	i = find_savepoint(s, name);
	if (i < 0)
		return refuse(s, ts->line, "%s %.*s names no savepoint open at this point of "
			      "section '%s' (the server would refuse it)", ts->what, shown_len(ts),
			      ts->sql + ts->name.offset, s->name);
	/* RELEASE also releases the savepoints set after it; ROLLBACK TO keeps it */
	drop_savepoints(s, (size_t)i + (ts->kind == TX_ROLLBACK_TO));
	return 0;
}

/* ---- the rules -------------------------------------------------------------------- */

/* A statement of a transactional revision's section. */
static int
check_tx(struct section *s, const struct tx_stmt *ts)
{
	switch (ts->kind) {
	case TX_NONE:
		return 0;
	case TX_OPEN:
		/* the server only warns, but the author's COMMIT is sure to follow */
		return refuse(s, ts->line, "%s inside the revision's own transaction: " USE_TX_OFF,
			      ts->what);
	case TX_CLOSE:
		return refuse(s, ts->line, "%s ends the revision's own transaction early: "
			      USE_TX_OFF, ts->what);
	case TX_PREPARED:
		return refuse(s, ts->line, "%s cannot run inside the revision's own transaction: "
			      USE_TX_OFF, ts->what);
	default:
		return on_savepoint(s, ts);
	}
}

/* A statement of a "transaction off" revision's section. */
static int
check_notx(struct section *s, const struct tx_stmt *ts)
{
	switch (ts->kind) {
	case TX_NONE:
		return 0;
	case TX_OPEN:
		if (s->open_line)
			return refuse(s, ts->line, "%s inside the transaction begun on line %d: "
				      NOTX_RULE, ts->what, s->open_line);
		s->open_line = ts->line;
		s->open_what = ts->what;
		return 0;
	case TX_CLOSE:
		if (!s->open_line)
			return refuse(s, ts->line, "%s without a BEGIN before it in section '%s': "
				      NOTX_RULE, ts->what, s->name);
		drop_savepoints(s, 0);
		if (!ts->is_chain)
			s->open_line = 0;
		return 0;
	case TX_PREPARED:
		if (s->open_line)
			return refuse(s, ts->line, "%s cannot run inside the transaction begun on "
				      "line %d", ts->what, s->open_line);
		return 0;
	default:
		if (!s->open_line)
			return refuse(s, ts->line, "%s outside a BEGIN ... COMMIT block: a 'transaction "
				      "off' revision runs each statement on its own (the server would "
				      "refuse it)", ts->what);
		return on_savepoint(s, ts);
	}
}

static int
check_section(const struct rt_rev *rev, const char *name, const char *body, int line,
	      struct rt_err *err)
{
	struct section s = { .rev = rev, .name = name, .err = err, .can_check_names = true };
	struct rt_stmt_list list;
	struct tx_stmt ts;
	int r = 0;

	if (!body)
		return 0;
	/* a body that does not split fails, with its own message, when a plan
	 * splits it to run it (retort-migration(5)) */
	if (rt_sql_split(body, line, &list, NULL) < 0)
		return 0;
	for (size_t i = 0; i < list.n && r == 0; i++) {
		if (list.v[i].sql[0] == '\\') {
			/* the server would refuse it, and psql would run it from --sql */
			r = refuse(&s, list.v[i].line, "%.40s is a psql meta-command, not SQL: the "
				   "server cannot run it, and psql would run it from 'upgrade --sql'; "
				   "remove it", list.v[i].sql);
			break;
		}
		classify(list.v[i].sql, list.v[i].line, &ts);
		r = rev->is_transactional ? check_tx(&s, &ts) : check_notx(&s, &ts);
	}
	if (r == 0 && s.open_line)
		r = refuse(&s, s.open_line, "%s without a COMMIT after it in section '%s': "
			   NOTX_RULE, s.open_what, name);
	rt_strv_free(&s.savepoints);
	rt_stmt_list_free(&list);
	return r;
}

int
rt_txcheck_rev(const struct rt_rev *rev, struct rt_err *err)
{
	if (check_section(rev, "upgrade", rev->upgrade, rev->upgrade_body_line, err) < 0 ||
	    check_section(rev, "downgrade", rev->downgrade, rev->downgrade_body_line, err) < 0 ||
	    check_section(rev, "verify", rev->verify, rev->verify_body_line, err) < 0)
		return -1;
	return 0;
}
