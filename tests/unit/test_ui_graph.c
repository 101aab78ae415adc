/* test_ui_graph.c - graph lanes for linear, branch, merge and branch+merge histories. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "graphrow.h"

/* rows newest first; parents[r] lists row indexes (-1 ends), all > r */
static void
check(size_t n, const long parents[][3], const char *const *want)
{
	struct graph_state st = { 0 };

	for (size_t r = 0; r < n; r++) {
		size_t p[3], np = 0;
		char *got;

		for (; np < 3 && parents[r][np] >= 0; np++)
			p[np] = (size_t)parents[r][np];
		got = graph_row_step(&st, r, p, np);
		assert_string_equal(got, want[r]);
		free(got);
	}
	assert_int_equal(st.n, 0);     /* every lane closed at the root */
	graph_state_free(&st);
}

static void
test_linear(void **state)
{
	static const long par[][3] = { { 1, -1 }, { 2, -1 }, { -1 } };
	static const char *const want[] = { "c", "c", "c" };

	(void)state;
	check(3, par, want);
}

static void
test_branch(void **state)
{
	/* B and C both on A: two heads */
	static const long par[][3] = { { 2, -1 }, { 2, -1 }, { -1 } };
	static const char *const want[] = { "c", "| c", "c-J" };

	(void)state;
	check(3, par, want);
}

static void
test_merge(void **state)
{
	/* M merges B and C, both on A */
	static const long par[][3] = { { 1, 2, -1 }, { 3, -1 }, { 3, -1 }, { -1 } };
	static const char *const want[] = { "c-T", "c |", "| c", "c-J" };

	(void)state;
	check(4, par, want);
}

static void
test_branch_and_merge(void **state)
{
	/* the sample project's shape: H on M; M merges X (on Y) and S; X, Y, S on P; P on R */
	static const long par[][3] = {
		{ 1, -1 },        /* 0 H */
		{ 2, 4, -1 },     /* 1 M: merge of X and S */
		{ 3, -1 },        /* 2 X */
		{ 5, -1 },        /* 3 Y */
		{ 5, -1 },        /* 4 S */
		{ 6, -1 },        /* 5 P: branch point */
		{ -1 },           /* 6 R */
	};
	static const char *const want[] = { "c", "c-T", "c |", "c |", "| c", "c-J", "c" };

	(void)state;
	check(7, par, want);
}

static void
test_crossing(void **state)
{
	/* a lane passing between a merge and its second parent's new lane */
	static const long par[][3] = {
		{ 3, -1 },        /* 0 A on D */
		{ 2, 4, -1 },     /* 1 B: merge of C and E, drawn in lane 1 */
		{ 3, -1 },        /* 2 C on D */
		{ 4, -1 },        /* 3 D on E */
		{ -1 },           /* 4 E */
	};
	static const char *const want[] = { "c", "| c-T", "| c |", "c-J |", "c---J" };

	(void)state;
	check(5, par, want);
}

static void
test_glyphs(void **state)
{
	(void)state;
	assert_string_equal(graph_glyph('|', true, "o"), "\u2502");
	assert_string_equal(graph_glyph('J', true, "o"), "\u2518");
	assert_string_equal(graph_glyph('T', true, "o"), "\u2510");
	assert_string_equal(graph_glyph('J', false, "o"), "/");
	assert_string_equal(graph_glyph('T', false, "o"), "\\");
	assert_string_equal(graph_glyph('X', false, "o"), "+");
	assert_string_equal(graph_glyph('c', false, "@"), "@");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_linear),
		cmocka_unit_test(test_branch),
		cmocka_unit_test(test_merge),
		cmocka_unit_test(test_branch_and_merge),
		cmocka_unit_test(test_crossing),
		cmocka_unit_test(test_glyphs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
