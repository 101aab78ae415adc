/* test_fmt.c - sizes, ages and text made safe for a terminal (rt_fmt.h). */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "rt_fmt.h"
#include "rt_mem.h"

#include <string.h>

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

/* The class of characters a terminal acts on, each with its length. */
static void
test_control_at(void **state)
{
	static const struct {
		const char *s;
		size_t len;
		unsigned cp;
	} cases[] = {
		{ "\x00", 1, 0 }, { "\t", 1, 9 }, { "\n", 1, 10 }, { "\r", 1, 13 },
		{ "\x1b", 1, 0x1b }, { "\x1f", 1, 0x1f }, { "\x7f", 1, 0x7f },
		{ "\xc2\x80", 2, 0x80 }, { "\xc2\x85", 2, 0x85 }, { "\xc2\x9b", 2, 0x9b },
		{ "\xc2\x9f", 2, 0x9f },
		{ "\xe2\x80\xaa", 3, 0x202a }, { "\xe2\x80\xae", 3, 0x202e },
		{ "\xe2\x81\xa6", 3, 0x2066 }, { "\xe2\x81\xa9", 3, 0x2069 },
		{ "\xe2\x80\xa8", 3, 0x2028 }, { "\xe2\x80\xa9", 3, 0x2029 },
		/* not UTF-8: one byte at a time */
		{ "\x9b", 1, 0xfffd }, { "\xc0\xaf", 1, 0xfffd }, { "\xed\xa0\x80", 1, 0xfffd },
		{ "\xe2\x80", 1, 0xfffd }, { "\xff", 1, 0xfffd },
	};
	static const char *const printable[] = {
		" ", "a", "~", "\xc2\xa0", "\xc3\xa9",
		"\xe2\x80\x8f",   /* RLM: a mark, no override */
		"\xe2\x80\xa7", "\xe2\x80\xaf", "\xe2\x81\xa5", "\xe2\x81\xaa", "\xef\xbf\xbd",
		"\xf0\x9f\x98\x80",
	};
	unsigned cp;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		size_t len = cases[i].s[0] ? strlen(cases[i].s) : 1;

		cp = 1234;
		assert_int_equal(rt_fmt_control_at(cases[i].s, len, &cp), cases[i].len);
		assert_int_equal(cp, cases[i].cp);
	}
	for (size_t i = 0; i < sizeof(printable) / sizeof(*printable); i++)
		assert_int_equal(rt_fmt_control_at(printable[i], strlen(printable[i]), NULL), 0);
}

static void
test_safe(void **state)
{
	struct rt_buf b = { 0 };
	char in_place[64];

	(void)state;
	assert_string_equal(rt_fmt_safe(&b, NULL, 0), "");
	assert_string_equal(rt_fmt_safe(&b, "add phone, h\xc3\xa9llo", 0),
			    "add phone, h\xc3\xa9llo");
	/* the line eraser of the issue, and one per class */
	assert_string_equal(rt_fmt_safe(&b, "x\x1b[2K\r\x1b[1Ay", 0), "x?[2K??[1Ay");
	assert_string_equal(rt_fmt_safe(&b, "a\nb\tc\x7f", 0), "a?b c?");
	assert_string_equal(rt_fmt_safe(&b, "a\xc2\x9b" "2Kb", 0), "a?2Kb");
	assert_string_equal(rt_fmt_safe(&b, "a\xe2\x80\xae" "cba\xe2\x81\xa9", 0), "a?cba?");
	assert_string_equal(rt_fmt_safe(&b, "a\xe2\x80\xa8" "b", 0), "a?b");
	assert_string_equal(rt_fmt_safe(&b, "a\x9b\xff" "b\xc3", 0), "a??b?");
	/* a SQL body keeps its lines and tabs, and loses the rest */
	assert_string_equal(rt_fmt_safe(&b, "SELECT 1;\n\tSELECT '\x1b';\r\n", RT_FMT_MULTILINE),
			    "SELECT 1;\n\tSELECT '?';?\n");
	/* in place: never longer */
	snprintf(in_place, sizeof(in_place), "%s", "p\xe2\x80\xaeq\xc2\x9br\x1bs\tt\xc3\xa9");
	rt_fmt_safe_inplace(in_place, 0);
	assert_string_equal(in_place, "p?q?r?s t\xc3\xa9");
	snprintf(in_place, sizeof(in_place), "%s", "a\nb\x1b");
	rt_fmt_safe_inplace(in_place, RT_FMT_MULTILINE);
	assert_string_equal(in_place, "a\nb?");
	rt_buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bytes),
		cmocka_unit_test(test_age),
		cmocka_unit_test(test_control_at),
		cmocka_unit_test(test_safe),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
