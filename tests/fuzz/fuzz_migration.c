/* fuzz_migration.c - libFuzzer target for the migration-file parser (rt_rev_parse).
 * The input is passed with its exact length and no terminating NUL, as
 * rt_rev_load passes a file's bytes: any read past len is a bug. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rt_err.h"
#include "rt_migration.h"
#include "rt_sqlsplit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rt_err err = { 0 };
	char *text = malloc(size ? size : 1);
	struct rt_rev *rev;

	if (!text)
		return 0;
	memcpy(text, data, size);
	rev = rt_rev_parse("fuzz.sql", text, size, &err);
	if (rev) {
		/* what apply.c does next with a parsed revision */
		const char *bodies[3] = { rev->upgrade, rev->downgrade, rev->verify };
		int lines[3] = { rev->upgrade_body_line, rev->downgrade_body_line, rev->verify_body_line };

		if (!rt_rev_id_valid(rev->id) || !rev->message || !rev->upgrade || !rev->downgrade)
			abort();   /* the parser's contract: a valid id, never-NULL fields */
		for (int i = 0; i < 3; i++) {
			struct rt_stmt_list list = { 0 };
			struct rt_err e2 = { 0 };

			if (bodies[i] && rt_sql_split(bodies[i], lines[i], &list, &e2) == 0)
				rt_stmt_list_free(&list);
		}
		rt_rev_free(rev);
	} else if (err.kind != RT_ERR_INPUT || !err.msg[0] || strchr(err.msg, '\n')) {
		abort();   /* a rejection must be one line of RT_ERR_INPUT */
	}
	free(text);
	return 0;
}
