/* err.c - the structured error buffer. */
#include "config.h"
#include "rt_err.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "rt_fmt.h"

/* Control characters from input (a newline in an argument, an escape
 * sequence or a C1 control in a file name) must not split the one-line
 * message or reach the terminal: they become '?', as rt_fmt_safe makes
 * them. keep_newlines for the multi-line detail. */
static void
sanitize(char *s, bool keep_newlines)
{
	rt_fmt_safe_inplace(s, keep_newlines ? RT_FMT_MULTILINE : 0);
}

/* Builds msg from text and the place: path (the caller's, not the possibly
 * truncated copy in err->path) and err->line. */
static void
compose(struct rt_err *err, const char *path)
{
	char *msg = err->msg;
	size_t size = sizeof(err->msg);
	int n = 0;

	/* the place first, then as much of the text as fits */
	if (path && err->line > 0)
		n = snprintf(msg, size, "%s:%d: ", path, err->line);
	else if (path)
		n = snprintf(msg, size, "%s: ", path);
	else if (err->line > 0)
		n = snprintf(msg, size, "line %d: ", err->line);
	if (n < 0 || (size_t)n >= size)
		n = (int)strlen(msg);
	snprintf(msg + n, size - (size_t)n, "%s", err->text);
	sanitize(msg, false);
}

static void
set_v(struct rt_err *err, enum rt_err_kind kind, const char *path, int line, const char *fmt,
      va_list ap)
{
	err->kind = kind;
	err->detail[0] = '\0';
	err->sqlstate[0] = '\0';
	if (path != err->path)
		snprintf(err->path, sizeof(err->path), "%s", path ? path : "");
	err->line = line > 0 ? line : 0;
	vsnprintf(err->text, sizeof(err->text), fmt, ap);
	/* libpq messages end in a newline: drop trailing ones before sanitizing */
	for (size_t n = strlen(err->text);
	     n && (err->text[n - 1] == '\n' || err->text[n - 1] == '\r');)
		err->text[--n] = '\0';
	sanitize(err->text, false);
	compose(err, path);
}

void
rt_err_set(struct rt_err *err, enum rt_err_kind kind, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return;
	va_start(ap, fmt);
	set_v(err, kind, NULL, 0, fmt, ap);
	va_end(ap);
}

void
rt_err_set_at(struct rt_err *err, enum rt_err_kind kind, const char *path, int line,
	      const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return;
	va_start(ap, fmt);
	set_v(err, kind, path, line, fmt, ap);
	va_end(ap);
}

void
rt_err_locate(struct rt_err *err, const char *path)
{
	if (!err || !path || err->line <= 0 || err->path[0])
		return;
	snprintf(err->path, sizeof(err->path), "%s", path);
	compose(err, path);
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
	err->path[0] = '\0';
	err->line = 0;
	err->text[0] = '\0';
}

int
rt_err_exit_code(const struct rt_err *err)
{
	if (!err || err->kind == RT_ERR_NONE)
		return 0;
	return err->kind == RT_ERR_INPUT ? 2 : 1;
}
