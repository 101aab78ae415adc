/* test_ui_layout.c - the console's rectangles at common sizes and below the minimum. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "layout.h"

static bool
overlaps(const struct rect *a, const struct rect *b)
{
	return a->x < b->x + b->w && b->x < a->x + a->w && a->y < b->y + b->h && b->y < a->y + a->h;
}

static void
check_tiles(const struct layout *l, int lines, int cols)
{
	const struct rect *r[] = { &l->history, &l->pending, &l->sql, &l->tables, &l->status,
				   &l->message };
	long area = 0;

	for (size_t i = 0; i < 6; i++) {
		assert_true(r[i]->h > 0 && r[i]->w > 0);
		assert_true(r[i]->x >= 0 && r[i]->x + r[i]->w <= cols);
		assert_true(r[i]->y >= 0 && r[i]->y + r[i]->h <= lines);
		area += (long)r[i]->h * r[i]->w;
		for (size_t j = 0; j < i; j++)
			assert_false(overlaps(r[i], r[j]));
	}
	assert_int_equal(area, (long)lines * cols);   /* the whole screen, no gaps */
}

static void
test_80x24(void **state)
{
	struct layout l;

	(void)state;
	layout_compute(24, 80, &l);
	assert_false(l.is_too_small);
	assert_false(l.is_wide);
	check_tiles(&l, 24, 80);
	assert_int_equal(l.status.y, 22);
	assert_int_equal(l.message.y, 23);
	assert_int_equal(l.history.y, 0);
	assert_int_equal(l.history.w, 80);
	assert_int_equal(l.history.h, 11);
	assert_true(l.sql.w > l.pending.w);
	assert_int_equal(l.pending.x, 0);
	assert_true(l.tables.y > l.pending.y);
}

static void
test_200x60(void **state)
{
	struct layout l;

	(void)state;
	layout_compute(60, 200, &l);
	assert_false(l.is_too_small);
	assert_true(l.is_wide);
	check_tiles(&l, 60, 200);
	assert_int_equal(l.history.x, 0);
	assert_int_equal(l.history.w, 110);
	assert_int_equal(l.sql.x, 110);
	assert_true(l.history.h > l.pending.h);
	assert_int_equal(l.message.y, 59);
}

static void
test_250x70(void **state)
{
	struct layout l;

	(void)state;
	layout_compute(70, 250, &l);
	check_tiles(&l, 70, 250);
}

static void
test_too_small(void **state)
{
	struct layout l;

	(void)state;
	layout_compute(15, 80, &l);
	assert_true(l.is_too_small);
	layout_compute(24, 59, &l);
	assert_true(l.is_too_small);
	layout_compute(LAYOUT_MIN_LINES, LAYOUT_MIN_COLS, &l);
	assert_false(l.is_too_small);
	check_tiles(&l, LAYOUT_MIN_LINES, LAYOUT_MIN_COLS);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_80x24),
		cmocka_unit_test(test_200x60),
		cmocka_unit_test(test_250x70),
		cmocka_unit_test(test_too_small),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
