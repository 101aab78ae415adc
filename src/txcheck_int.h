/* txcheck_int.h - private: transaction control in a revision's sections,
 * checked when a migration file is parsed (migration.c). */
#ifndef RT_TXCHECK_INT_H
#define RT_TXCHECK_INT_H

struct rt_err;
struct rt_rev;

/* Checks the transaction control statements (BEGIN, COMMIT, SAVEPOINT...)
 * at the start of each top-level statement of rev's upgrade, downgrade and
 * verify sections against the rules of retort-migration(5), "Transaction
 * control": a transactional revision may only use savepoints it set itself;
 * a "transaction off" one may also hold BEGIN ... COMMIT blocks closed in the
 * section that opens them. rev must be a full parse (not headers only). A
 * section that does not split (an unterminated quote) is skipped: the plan
 * that runs it reports that. Returns 0, or -1 with err set to RT_ERR_INPUT,
 * "path:line: what is wrong" at the offending statement. */
int rt_txcheck_rev(const struct rt_rev *rev, struct rt_err *err);

#endif
