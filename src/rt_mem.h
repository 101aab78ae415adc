/* rt_mem.h - checked allocation, growable strings and string vectors. */
#ifndef RT_MEM_H
#define RT_MEM_H

#include <stddef.h>
#include <stdbool.h>

typedef void (*rt_oom_fn)(void);

/* Registers a hook run before abort() when memory runs out (terminal restore). */
void rt_set_oom_hook(rt_oom_fn fn);

/* Allocate or abort: never return NULL. rt_xcalloc/rt_xreallocarray check n*size overflow. */
void *rt_xmalloc(size_t size);
void *rt_xcalloc(size_t n, size_t size);
void *rt_xrealloc(void *p, size_t size);
void *rt_xreallocarray(void *p, size_t n, size_t size);
char *rt_xstrdup(const char *s);
char *rt_xstrndup(const char *s, size_t len);
/* asprintf that aborts on failure; the result is owned by the caller. */
char *rt_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* 32-bit FNV-1a hash of a string: stable across runs and machines. */
unsigned int rt_str_hash32(const char *s);

/* A growable NUL-terminated byte string. Zero-initialise or use rt_buf_init. */
struct rt_buf {
	char *data;   /* NULL until the first append */
	size_t len;   /* bytes, excluding the terminating NUL */
	size_t cap;
};

void rt_buf_init(struct rt_buf *b);
void rt_buf_append(struct rt_buf *b, const char *s, size_t len);
void rt_buf_puts(struct rt_buf *b, const char *s);
void rt_buf_putc(struct rt_buf *b, char c);
void rt_buf_printf(struct rt_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Returns the contents ("" if empty), borrowed from b. */
const char *rt_buf_str(const struct rt_buf *b);
/* Transfers the string to the caller (never NULL) and resets b. */
char *rt_buf_take(struct rt_buf *b);
void rt_buf_reset(struct rt_buf *b);
void rt_buf_free(struct rt_buf *b);

/* A growable vector of owned strings. */
struct rt_strv {
	char **v;
	size_t n;
	size_t cap;
};

void rt_strv_push(struct rt_strv *sv, const char *s);     /* copies s */
void rt_strv_push_take(struct rt_strv *sv, char *s);      /* takes s */
bool rt_strv_contains(const struct rt_strv *sv, const char *s);
void rt_strv_sort(struct rt_strv *sv);
void rt_strv_free(struct rt_strv *sv);                    /* frees strings, resets sv */
/* Joins the strings with sep into a new string owned by the caller. */
char *rt_strv_join(const struct rt_strv *sv, const char *sep);

#endif
