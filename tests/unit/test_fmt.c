/* test_fmt.c - sizes and ages for people (rt_fmt.h). */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "rt_fmt.h"

static void
test_bytes(void **state)
{
	char b[32];

	(void)state;
	rt_fmt_bytes(-1, b, sizeof(b));
	assert_string_equal(b, "-");
	rt_fmt_bytes(0, b, sizeof(b));
	assert_string_equal(b, "0 B");
	rt_fmt_bytes(1023, b, sizeof(b));
	assert_string_equal(b, "1023 B");
	rt_fmt_bytes(1536, b, sizeof(b));
	assert_string_equal(b, "1.5 kB");
	rt_fmt_bytes(35LL * 1024 * 1024, b, sizeof(b));
	assert_string_equal(b, "35.0 MB");
	rt_fmt_bytes(3LL << 50, b, sizeof(b));   /* beyond TB stays in TB */
	assert_string_equal(b, "3072.0 TB");
	rt_fmt_bytes(1536, b, 4);                /* truncated, still terminated */
	assert_string_equal(b, "1.5");
}

static void
test_age(void **state)
{
	char b[16];

	(void)state;
	rt_fmt_age(-5, b, sizeof(b));
	assert_string_equal(b, "0s");
	rt_fmt_age(119, b, sizeof(b));
	assert_string_equal(b, "119s");
	rt_fmt_age(120, b, sizeof(b));
	assert_string_equal(b, "2m");
	rt_fmt_age(7199, b, sizeof(b));
	assert_string_equal(b, "119m");
	rt_fmt_age(7200, b, sizeof(b));
	assert_string_equal(b, "2h");
	rt_fmt_age(172800, b, sizeof(b));
	assert_string_equal(b, "2d");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bytes),
		cmocka_unit_test(test_age),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
