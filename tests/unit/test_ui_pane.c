/* test_ui_pane.c - list selection and scrolling maths, rowbuf widths. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <curses.h>
#include <locale.h>

#include "pane.h"
#include "rowbuf.h"

static void
fmt(const struct pane *p, size_t row, struct rowbuf *out)
{
	(void)p;
	rowbuf_addf(out, R_NORMAL, "row %zu", row);
}

static const struct pane_ops list_ops = { .title = "T", .format = fmt, .has_cursor = true };
static const struct pane_ops text_ops = { .title = "T", .format = fmt, .has_cursor = false };

/* a pane of 10 body rows (12 with the border) over n rows */
static struct pane
mk(const struct pane_ops *ops, size_t n)
{
	struct pane p = { 0 };

	p.ops = ops;
	p.r = (struct rect){ 0, 0, 12, 40 };
	p.nrows = n;
	return p;
}

static void
test_move_and_scroll(void **state)
{
	struct pane p = mk(&list_ops, 100);

	(void)state;
	assert_int_equal(pane_body_height(&p), 10);
	assert_false(pane_move(&p, -1));          /* already at the top */
	assert_true(pane_move(&p, 9));
	assert_int_equal(p.cur, 9);
	assert_int_equal(p.top, 0);
	assert_true(pane_move(&p, 1));
	assert_int_equal(p.cur, 10);
	assert_int_equal(p.top, 1);               /* scrolled by one */
	assert_true(pane_set_cur(&p, 1000));
	assert_int_equal(p.cur, 99);
	assert_int_equal(p.top, 90);
	assert_true(pane_move(&p, -95));
	assert_int_equal(p.cur, 4);
	assert_int_equal(p.top, 4);
	assert_true(pane_move(&p, -100));
	assert_int_equal(p.cur, 0);
	assert_int_equal(p.top, 0);
}

static void
test_keys(void **state)
{
	struct pane p = mk(&list_ops, 50);
	unsigned f;

	(void)state;
	f = pane_list_key(&p, 'j');
	assert_true(f & UI_HANDLED);
	assert_true(f & UI_SELECT);
	assert_int_equal(p.cur, 1);
	pane_list_key(&p, 'G');
	assert_int_equal(p.cur, 49);
	assert_int_equal(p.top, 40);
	pane_list_key(&p, KEY_PPAGE);
	assert_int_equal(p.cur, 40);
	pane_list_key(&p, 21);                    /* Ctrl-u: half a page */
	assert_int_equal(p.cur, 36);
	pane_list_key(&p, 'g');
	assert_int_equal(p.cur, 0);
	assert_int_equal(pane_list_key(&p, 'x'), 0);
	assert_int_equal(pane_list_key(&p, 'k'), UI_HANDLED);   /* no move, no redraw */
}

static void
test_short_list_and_shrink(void **state)
{
	struct pane p = mk(&list_ops, 3);

	(void)state;
	pane_set_cur(&p, 2);
	assert_int_equal(p.top, 0);
	p.nrows = 0;
	pane_fix_scroll(&p);
	assert_int_equal(p.cur, 0);
	p = mk(&list_ops, 100);
	pane_set_cur(&p, 99);
	p.nrows = 20;                             /* the model shrank */
	pane_fix_scroll(&p);
	assert_int_equal(p.cur, 19);
	assert_int_equal(p.top, 10);
}

static void
test_text_view(void **state)
{
	struct pane p = mk(&text_ops, 30);

	(void)state;
	assert_true(pane_move(&p, 5));
	assert_int_equal(p.top, 5);
	pane_list_key(&p, 'G');
	assert_int_equal(p.top, 20);              /* the last page, not the last line at top */
	assert_false(pane_move(&p, 1));
	assert_int_equal(p.top, 20);
}

static void
test_row_at(void **state)
{
	struct pane p = mk(&list_ops, 30);

	(void)state;
	p.r = (struct rect){ 5, 10, 12, 40 };
	assert_int_equal(pane_row_at(&p, 6, 12), 0);
	assert_int_equal(pane_row_at(&p, 5, 12), -1);   /* the title border */
	pane_set_cur(&p, 25);
	assert_int_equal(pane_row_at(&p, 15, 12), 25);
	assert_int_equal(pane_row_at(&p, 15, 60), -1);
}

static void
test_rowbuf(void **state)
{
	struct rowbuf b = { 0 };

	(void)state;
	rowbuf_add(&b, R_ID, "ab");
	rowbuf_add(&b, R_ID, "c");
	rowbuf_add(&b, R_DATE, "d");
	assert_string_equal(rowbuf_str(&b), "abcd");
	assert_int_equal(b.nspans, 2);                  /* same role merged */
	assert_int_equal(rowbuf_role_at(&b, 2), R_ID);
	assert_int_equal(rowbuf_role_at(&b, 3), R_DATE);
	rowbuf_reset(&b);
	rowbuf_addw(&b, R_NORMAL, "\u25cf\u2500x", 5);  /* 3 columns, 7 bytes */
	assert_int_equal(ui_width(rowbuf_str(&b), b.text.len), 5);
	assert_int_equal(b.text.len, 9);
	rowbuf_reset(&b);
	rowbuf_addw(&b, R_NORMAL, "\u65e5\u672c", 3);   /* wide: one fits, then the cut mark */
	assert_string_equal(rowbuf_str(&b), "\u65e5\u2026");
	rowbuf_reset(&b);
	rowbuf_addw(&b, R_NORMAL, "abcdef", 4);           /* a cut cell ends with the mark */
	assert_string_equal(rowbuf_str(&b), "abc\u2026");
	rowbuf_reset(&b);
	rowbuf_addw(&b, R_NORMAL, "abcd", 4);             /* an exact fit is not cut */
	assert_string_equal(rowbuf_str(&b), "abcd");
	rowbuf_free(&b);
}

/* Controls and bidi overrides/isolates are one '?' column each, never passed
 * through with the zero width wcwidth gives the bidi ones. */
static void
test_controls_width(void **state)
{
	int w;

	(void)state;
	assert_int_equal(ui_char_len("\u202e", 3, &w), 3);   /* RIGHT-TO-LEFT OVERRIDE */
	assert_int_equal(w, -1);
	assert_int_equal(ui_char_len("\u2066x", 4, &w), 3);  /* LEFT-TO-RIGHT ISOLATE */
	assert_int_equal(w, -1);
	assert_int_equal(ui_char_len("\xc2\x9b", 2, &w), 2); /* C1 CSI */
	assert_int_equal(w, -1);
	assert_int_equal(ui_char_len("\x1b[2K", 5, &w), 1);
	assert_int_equal(w, -1);
	assert_int_equal(ui_width("a\u202eb\x1b", 6), 4);
	assert_int_equal(ui_char_len("\u00e9", 2, &w), 2);   /* a letter stays a letter */
	assert_int_equal(w, 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_move_and_scroll),
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_short_list_and_shrink),
		cmocka_unit_test(test_text_view),
		cmocka_unit_test(test_row_at),
		cmocka_unit_test(test_rowbuf),
		cmocka_unit_test(test_controls_width),
	};

	if (!setlocale(LC_ALL, "C.UTF-8"))
		setlocale(LC_ALL, "");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
