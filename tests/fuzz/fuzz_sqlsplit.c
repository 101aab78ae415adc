/* fuzz_sqlsplit.c - libFuzzer target for the SQL splitter (rt_sql_split). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rt_err.h"
#include "rt_sqlsplit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rt_stmt_list list = { 0 };
	struct rt_err err = { 0 };
	char *s = malloc(size + 1);
	int prev = 0;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (rt_sql_split(s, 1, &list, &err) == 0) {
		for (size_t i = 0; i < list.n; i++) {
			/* statements are non-empty, in order, inside the script */
			if (!list.v[i].sql || !list.v[i].sql[0] || list.v[i].line < 1 ||
			    list.v[i].line < prev || strlen(list.v[i].sql) > size)
				abort();
			prev = list.v[i].line;
		}
		rt_stmt_list_free(&list);
	} else if (err.kind != RT_ERR_INPUT || !err.msg[0]) {
		abort();
	}
	free(s);
	return 0;
}
