/* err.c - the structured error buffer. */
#include "config.h"
#include "rt_err.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* Control characters from input (a newline in an argument, an escape
 * sequence in a file name) must not split the one-line message or reach the
 * terminal: they become '?'. keep_newlines for the multi-line detail. */
static void
sanitize(char *s, bool keep_newlines)
{
	for (; *s; s++)
		if (((unsigned char)*s < 0x20 && !(keep_newlines && (*s == '\n' || *s == '\t'))) ||
		    *s == 0x7f)
			*s = '?';
}

void
rt_err_set(struct rt_err *err, enum rt_err_kind kind, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return;
	err->kind = kind;
	err->detail[0] = '\0';
	err->sqlstate[0] = '\0';
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	/* libpq messages end in a newline: drop trailing ones before sanitizing */
	for (size_t n = strlen(err->msg); n && (err->msg[n - 1] == '\n' || err->msg[n - 1] == '\r');)
		err->msg[--n] = '\0';
	sanitize(err->msg, false);
}

void
rt_err_detail(struct rt_err *err, const char *fmt, ...)
{
	va_list ap;
	size_t used;

	if (!err)
		return;
	used = strlen(err->detail);
	if (used && used + 1 < sizeof(err->detail) && err->detail[used - 1] != '\n')
		err->detail[used++] = '\n', err->detail[used] = '\0';
	if (used >= sizeof(err->detail) - 1)
		return;
	va_start(ap, fmt);
	vsnprintf(err->detail + used, sizeof(err->detail) - used, fmt, ap);
	va_end(ap);
	sanitize(err->detail + used, true);
}

void
rt_err_clear(struct rt_err *err)
{
	if (!err)
		return;
	err->kind = RT_ERR_NONE;
	err->msg[0] = '\0';
	err->detail[0] = '\0';
	err->sqlstate[0] = '\0';
}

int
rt_err_exit_code(const struct rt_err *err)
{
	if (!err || err->kind == RT_ERR_NONE)
		return 0;
	return err->kind == RT_ERR_INPUT ? 2 : 1;
}
