/* rt_textdiff.h - the differences between two texts, as diff -u shows them
 * (diffutils' diff, run by argv: a well-kept tool rather than a diff of our
 * own). Used to show what changed in a revision's file since it was applied. */
#ifndef RT_TEXTDIFF_H
#define RT_TEXTDIFF_H

#include <stdbool.h>
#include <stddef.h>

#include "rt_mem.h"

struct rt_err;

/* Appends to out the unified diff (3 lines of context) from a (alen bytes,
 * labelled label_a) to b (labelled label_b); *differ says whether they
 * differ (out unchanged when not). The texts go through two temporary files
 * under $TMPDIR (else /tmp), mode 0600, removed before returning. 0, or -1
 * with err (RT_ERR_RUN: no diff program, a temporary file that cannot be
 * written). */
int rt_text_diff(const char *a, size_t alen, const char *label_a, const char *b, size_t blen,
		 const char *label_b, struct rt_buf *out, bool *differ, struct rt_err *err);

#endif
