/* test_rows.c - the table viewer's page queries: keyset pagination on a
 * primary key (composite too) or on ctid, never OFFSET, the filter as a
 * parameter. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "rt_rows.h"

static const char *const cols[] = { "\"a\"", "\"b\"", "\"doc\"" };
static const char *const key1[] = { "\"a\"" };
static const char *const key2[] = { "\"a\"", "\"b\"" };

static void
check(const struct rt_rows_query *q, enum rt_rows_page page, const char *want, int want_np)
{
	int np = -1;
	char *sql = rt_rows_page_sql(q, page, 25, &np);

	assert_string_equal(sql, want);
	assert_int_equal(np, want_np);
	assert_null(strstr(sql, "OFFSET"));
	free(sql);
}

static void
test_single_key(void **state)
{
	struct rt_rows_query q = { "\"public\".\"t\"", cols, 3, key1, 1, NULL, RT_ROWS_EQ, -1, -1 };

	(void)state;
	check(&q, RT_ROWS_FIRST, "SELECT \"a\", \"b\", \"doc\" FROM \"public\".\"t\" ORDER BY \"a\" LIMIT 25", 0);
	check(&q, RT_ROWS_NEXT, "SELECT \"a\", \"b\", \"doc\" FROM \"public\".\"t\" WHERE (\"a\") > ($1) "
	      "ORDER BY \"a\" LIMIT 25", 1);
	check(&q, RT_ROWS_PREV, "SELECT \"a\", \"b\", \"doc\" FROM \"public\".\"t\" WHERE (\"a\") < ($1) "
	      "ORDER BY \"a\" DESC LIMIT 25", 1);
	check(&q, RT_ROWS_LAST, "SELECT \"a\", \"b\", \"doc\" FROM \"public\".\"t\" ORDER BY \"a\" DESC LIMIT 25", 0);
}

static void
test_composite_key_and_filter(void **state)
{
	struct rt_rows_query q = { "\"s\".\"t\"", cols, 3, key2, 2, "\"doc\"", RT_ROWS_EQ, -1, -1 };

	(void)state;
	check(&q, RT_ROWS_FIRST, "SELECT \"a\", \"b\", \"doc\" FROM \"s\".\"t\" WHERE \"doc\" = $1 "
	      "ORDER BY \"a\", \"b\" LIMIT 25", 1);
	check(&q, RT_ROWS_NEXT, "SELECT \"a\", \"b\", \"doc\" FROM \"s\".\"t\" WHERE (\"a\", \"b\") > ($1, $2) "
	      "AND \"doc\" = $3 ORDER BY \"a\", \"b\" LIMIT 25", 3);
	check(&q, RT_ROWS_PREV, "SELECT \"a\", \"b\", \"doc\" FROM \"s\".\"t\" WHERE (\"a\", \"b\") < ($1, $2) "
	      "AND \"doc\" = $3 ORDER BY \"a\" DESC, \"b\" DESC LIMIT 25", 3);
	q.match = RT_ROWS_EQ_TEXT;
	check(&q, RT_ROWS_LAST, "SELECT \"a\", \"b\", \"doc\" FROM \"s\".\"t\" WHERE \"doc\"::text = $1 "
	      "ORDER BY \"a\" DESC, \"b\" DESC LIMIT 25", 1);
	q.match = RT_ROWS_IS_NULL;
	check(&q, RT_ROWS_NEXT, "SELECT \"a\", \"b\", \"doc\" FROM \"s\".\"t\" WHERE (\"a\", \"b\") > ($1, $2) "
	      "AND \"doc\" IS NULL ORDER BY \"a\", \"b\" LIMIT 25", 2);
}

static void
test_ctid(void **state)
{
	struct rt_rows_query q = { "\"t\"", cols, 2, NULL, 0, NULL, RT_ROWS_EQ, -1, -1 };

	(void)state;
	check(&q, RT_ROWS_FIRST, "SELECT \"a\", \"b\", ctid FROM \"t\" ORDER BY ctid LIMIT 25", 0);
	check(&q, RT_ROWS_NEXT, "SELECT \"a\", \"b\", ctid FROM \"t\" WHERE ctid > $1::tid ORDER BY ctid LIMIT 25", 1);
	check(&q, RT_ROWS_PREV, "SELECT \"a\", \"b\", ctid FROM \"t\" WHERE ctid < $1::tid ORDER BY ctid DESC LIMIT 25", 1);
	q.filter_col = "\"b\"";
	check(&q, RT_ROWS_NEXT, "SELECT \"a\", \"b\", ctid FROM \"t\" WHERE ctid > $1::tid AND \"b\" = $2 "
	      "ORDER BY ctid LIMIT 25", 2);
	/* one round over a window of blocks: a TID range scan of those blocks */
	q.blk_hi = 16;
	check(&q, RT_ROWS_NEXT, "SELECT \"a\", \"b\", ctid FROM \"t\" WHERE ctid > $1::tid "
	      "AND ctid < '(16,0)' AND \"b\" = $2 ORDER BY ctid LIMIT 25", 2);
	q.blk_lo = 16, q.blk_hi = 80, q.filter_col = NULL;
	check(&q, RT_ROWS_FIRST, "SELECT \"a\", \"b\", ctid FROM \"t\" WHERE ctid >= '(16,0)' "
	      "AND ctid < '(80,0)' ORDER BY ctid LIMIT 25", 0);
	q.blk_hi = -1;
	check(&q, RT_ROWS_LAST, "SELECT \"a\", \"b\", ctid FROM \"t\" WHERE ctid >= '(16,0)' "
	      "ORDER BY ctid DESC LIMIT 25", 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_single_key),
		cmocka_unit_test(test_composite_key_and_filter),
		cmocka_unit_test(test_ctid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
