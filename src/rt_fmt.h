/* rt_fmt.h - numbers and text for people, shared by the CLI and the console. */
#ifndef RT_FMT_H
#define RT_FMT_H

#include <stddef.h>

struct rt_buf;

/* "512 B", "1.5 MB": bytes in units of 1024; "-" when bytes < 0 (unknown). */
void rt_fmt_bytes(long long bytes, char *out, size_t size);

/* "45s", "12m", "3h", "9d": an age in seconds, rounded down; negative is 0. */
void rt_fmt_age(long long secs, char *out, size_t size);

/* The character at s (len > 0 bytes left), when it is one that a terminal acts on, or that
 * changes how the text around it is shown, rather than a character to show: returns its
 * length in bytes, else 0. These are the C0 controls (tab and newline included), DEL, the
 * C1 controls (U+0080-U+009F), the bidirectional embeddings, overrides and isolates
 * (U+202A-U+202E, U+2066-U+2069), the line and paragraph separators (U+2028, U+2029), and a
 * byte that does not start valid UTF-8 (length 1). *cp, when cp is not NULL, is set to the
 * code point, or to U+FFFD for such a byte. Locale-independent: text is taken as UTF-8. */
size_t rt_fmt_control_at(const char *s, size_t len, unsigned *cp);

/* rt_fmt_safe flags. */
enum {
	RT_FMT_MULTILINE = 1u << 0,   /* keep newlines and tabs as they are (a SQL body) */
};

/* Text from a file, a file name, the database or the server, made safe to print on a
 * terminal: every character rt_fmt_control_at flags becomes '?', as the console draws it,
 * except a tab, which becomes a space (with RT_FMT_MULTILINE, tabs and newlines stay). s
 * NULL is "". Replaces the contents of buf and returns them: borrowed from buf, valid
 * until buf changes (use one buf per value printed at once). */
const char *rt_fmt_safe(struct rt_buf *buf, const char *s, unsigned flags);

/* rt_fmt_safe in place (the result is never longer than s): for fixed buffers. */
void rt_fmt_safe_inplace(char *s, unsigned flags);

#endif
