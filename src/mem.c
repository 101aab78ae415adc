/* mem.c - checked allocation, rt_buf and rt_strv. */
#include "config.h"
#include "rt_mem.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static rt_oom_fn oom_hook;

void
rt_set_oom_hook(rt_oom_fn fn)
{
	oom_hook = fn;
}

static void
oom(void)
{
	if (oom_hook)
		oom_hook();
	fputs("retort: out of memory\n", stderr);
	abort();
}

void *
rt_xmalloc(size_t size)
{
	void *p = malloc(size ? size : 1);

	if (!p)
		oom();
	return p;
}

void *
rt_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p)
		oom();
	return p;
}

void *
rt_xrealloc(void *p, size_t size)
{
	void *q = realloc(p, size ? size : 1);

	if (!q)
		oom();
	return q;
}

void *
rt_xreallocarray(void *p, size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		oom();
	return rt_xrealloc(p, n * size);
}

char *
rt_xstrdup(const char *s)
{
	return rt_xstrndup(s, strlen(s));
}

char *
rt_xstrndup(const char *s, size_t len)
{
	char *p = rt_xmalloc(len + 1);

	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

char *
rt_xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		oom();
	return s;
}

unsigned int
rt_str_hash32(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

void
rt_buf_init(struct rt_buf *b)
{
	b->data = NULL;
	b->len = b->cap = 0;
}

static void
reserve(struct rt_buf *b, size_t extra)
{
	size_t need;

	if (extra > SIZE_MAX - b->len - 1)
		oom();
	need = b->len + extra + 1;
	if (need <= b->cap)
		return;
	b->cap = b->cap ? b->cap : 64;
	while (b->cap < need)
		b->cap = b->cap > SIZE_MAX / 2 ? need : b->cap * 2;
	b->data = rt_xrealloc(b->data, b->cap);
}

void
rt_buf_append(struct rt_buf *b, const char *s, size_t len)
{
	reserve(b, len);
	memcpy(b->data + b->len, s, len);
	b->len += len;
	b->data[b->len] = '\0';
}

void
rt_buf_puts(struct rt_buf *b, const char *s)
{
	rt_buf_append(b, s, strlen(s));
}

void
rt_buf_putc(struct rt_buf *b, char c)
{
	rt_buf_append(b, &c, 1);
}

void
rt_buf_printf(struct rt_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	reserve(b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

const char *
rt_buf_str(const struct rt_buf *b)
{
	return b->data ? b->data : "";
}

char *
rt_buf_take(struct rt_buf *b)
{
	char *s = b->data ? b->data : rt_xstrdup("");

	rt_buf_init(b);
	return s;
}

void
rt_buf_reset(struct rt_buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

void
rt_buf_free(struct rt_buf *b)
{
	free(b->data);
	rt_buf_init(b);
}

void
rt_strv_push_take(struct rt_strv *sv, char *s)
{
	if (sv->n == sv->cap) {
		sv->cap = sv->cap ? sv->cap * 2 : 4;
		sv->v = rt_xreallocarray(sv->v, sv->cap, sizeof(*sv->v));
	}
	sv->v[sv->n++] = s;
}

void
rt_strv_push(struct rt_strv *sv, const char *s)
{
	rt_strv_push_take(sv, rt_xstrdup(s));
}

bool
rt_strv_contains(const struct rt_strv *sv, const char *s)
{
	for (size_t i = 0; i < sv->n; i++)
		if (strcmp(sv->v[i], s) == 0)
			return true;
	return false;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void
rt_strv_sort(struct rt_strv *sv)
{
	if (sv->n > 1)
		qsort(sv->v, sv->n, sizeof(*sv->v), cmp_str);
}

void
rt_strv_free(struct rt_strv *sv)
{
	for (size_t i = 0; i < sv->n; i++)
		free(sv->v[i]);
	free(sv->v);
	sv->v = NULL;
	sv->n = sv->cap = 0;
}

char *
rt_strv_join(const struct rt_strv *sv, const char *sep)
{
	struct rt_buf b = { 0 };

	for (size_t i = 0; i < sv->n; i++) {
		if (i)
			rt_buf_puts(&b, sep);
		rt_buf_puts(&b, sv->v[i]);
	}
	return rt_buf_take(&b);
}
