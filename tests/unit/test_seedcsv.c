/* test_seedcsv.c - the seed CSV check: faults at their physical lines, and
 * COPY's record numbers mapped back to lines. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "rt_err.h"
#include "rt_mem.h"
#include "seed_int.h"

static char *
write_tmp(const char *text, size_t len)
{
	char *path = rt_xstrdup("/tmp/test_seedcsv.XXXXXX");
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	close(fd);
	return path;
}

/* Scans text; returns the error line (0 when it is fine) and the message. */
static int
scan_text(const char *text, struct rt_err *err, long long *nrec)
{
	char *path = write_tmp(text, strlen(text));
	struct seedcsv_scan s = { .path = path };
	int rc;

	rt_err_clear(err);
	rc = seedcsv_scan(&s, err);
	if (nrec)
		*nrec = s.nrecords;
	seedcsv_scan_free(&s);
	unlink(path);
	free(path);
	return rc == 0 ? 0 : err->line;
}

static void
good_file(void **state)
{
	struct rt_err err;
	long long n;

	(void)state;
	assert_int_equal(scan_text("a,b\n1,\"x\ny\"\n2,\"\"\n3,\n", &err, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(scan_text("a,b\r\n1,2\r\n", &err, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(scan_text("a,b\n1,2", &err, &n), 0);   /* no final newline */
	assert_int_equal(n, 1);
}

static void
faults_at_physical_lines(void **state)
{
	struct rt_err err;

	(void)state;
	/* record 2 spans lines 2-4; the short record is on line 5 */
	assert_int_equal(scan_text("a,b\n1,\"x\ny\nz\"\n2\n", &err, NULL), 5);
	assert_string_equal(err.text, "1 field, the header has 2");
	assert_int_equal(err.kind, RT_ERR_INPUT);
	assert_int_equal(scan_text("a,b\n1,2,3\n", &err, NULL), 2);
	assert_int_equal(scan_text("a,b\n1,2\n3,\"never closed\n4,5\n", &err, NULL), 3);
	assert_non_null(strstr(err.text, "unterminated"));
	assert_int_equal(scan_text("a,b\n1,\"x\"y\n", &err, NULL), 2);
	assert_non_null(strstr(err.text, "quoting"));
	assert_int_equal(scan_text("a,b\n1,2\n\n3,4\n", &err, NULL), 3);
	assert_non_null(strstr(err.text, "blank line"));
	assert_int_equal(scan_text("a,b\n1,2\n3,\"\xc3\x28\"\n", &err, NULL), 3);
	assert_string_equal(err.text, "invalid UTF-8");
	assert_int_equal(scan_text("a,b\n1,\"ok\n\xed\xa0\x80\"\n", &err, NULL), 3); /* surrogate */
	assert_int_equal(scan_text("a,a\n1,2\n", &err, NULL), 1);
	assert_int_equal(scan_text("", &err, NULL), 1);
	assert_int_equal(scan_text("a\n\\.\n", &err, NULL), 2);
}

static void
utf8_ok(void **state)
{
	struct rt_err err;

	(void)state;
	assert_int_equal(scan_text("a,b\n\xc3\xa9t\xc3\xa9,\"\xe2\x82\xac \xf0\x9f\x98\x80\"\n", &err,
				   NULL), 0);
}

static void
record_lines(void **state)
{
	const char *text = "a,b\n1,\"x\ny\"\n2,\"p\n\nq\"\n3,z\n";
	char *path = write_tmp(text, strlen(text));
	struct rt_strv cols = { 0 }, vals = { 0 };

	(void)state;
	/* COPY names the last physical line of a record: lines 2-3, 4-6, 7 */
	assert_int_equal(seedcsv_record_line(path, 1), 1);
	assert_int_equal(seedcsv_record_line(path, 3), 2);
	assert_int_equal(seedcsv_record_line(path, 2), 2);
	assert_int_equal(seedcsv_record_line(path, 6), 4);
	assert_int_equal(seedcsv_record_line(path, 5), 4);
	assert_int_equal(seedcsv_record_line(path, 7), 7);
	assert_int_equal(seedcsv_record_line(path, 8), 0);
	rt_strv_push(&cols, "a");
	rt_strv_push(&vals, "3");
	assert_int_equal(seedcsv_find_line(path, &cols, &vals), 7);
	rt_strv_free(&vals);
	rt_strv_push(&vals, "9");
	assert_int_equal(seedcsv_find_line(path, &cols, &vals), 0);
	rt_strv_free(&cols);
	rt_strv_free(&vals);
	unlink(path);
	free(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(good_file),
		cmocka_unit_test(faults_at_physical_lines),
		cmocka_unit_test(utf8_ok),
		cmocka_unit_test(record_lines),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
