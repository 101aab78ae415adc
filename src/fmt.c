/* fmt.c - sizes and ages for people, and text made safe for a terminal.
 *
 * Text a front end prints comes from places an attacker may write to: a
 * migration file's headers, a file name (a newline or an escape sequence is
 * legal in one), the version table, the catalog. A terminal acts on control
 * characters: "\x1b[2K\r\x1b[1A" erases the line above, a C1 CSI (U+009B)
 * does the same on many terminals, and a bidirectional override reorders
 * what follows it. rt_fmt_control_at names that class once, for the
 * parser (which refuses it in header values), the offline SQL (which
 * escapes it in comments) and rt_fmt_safe (which makes it visible).
 */
#include "config.h"
#include "rt_fmt.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "rt_mem.h"

void
rt_fmt_bytes(long long bytes, char *out, size_t size)
{
	static const char *const units[] = { "B", "kB", "MB", "GB", "TB" };
	double v = (double)bytes;
	size_t u = 0;

	if (bytes < 0) {
		snprintf(out, size, "-");
		return;
	}
	while (v >= 1024 && u + 1 < sizeof(units) / sizeof(*units))
		v /= 1024, u++;
	snprintf(out, size, u ? "%.1f %s" : "%.0f %s", v, units[u]);
}

void
rt_fmt_age(long long secs, char *out, size_t size)
{
	if (secs < 0)
		secs = 0;
	if (secs < 120)
		snprintf(out, size, "%llds", secs);
	else if (secs < 7200)
		snprintf(out, size, "%lldm", secs / 60);
	else if (secs < 172800)
		snprintf(out, size, "%lldh", secs / 3600);
	else
		snprintf(out, size, "%lldd", secs / 86400);
}

/* Decodes the UTF-8 sequence at s (len > 0 bytes left): its length and code
 * point, or 0 when it is not valid UTF-8 (overlong, surrogate, past U+10FFFF,
 * cut short). */
static size_t
utf8_decode(const unsigned char *s, size_t len, uint32_t *cp)
{
	size_t need, i;
	uint32_t c;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		need = 2, c = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		need = 3, c = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		need = 4, c = s[0] & 0x07;
	else
		return 0;
	if (len < need)
		return 0;
	for (i = 1; i < need; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if ((need == 3 && c < 0x800) || (need == 4 && c < 0x10000) ||
	    (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff)
		return 0;
	*cp = c;
	return need;
}

size_t
rt_fmt_control_at(const char *s, size_t len, unsigned *cp)
{
	uint32_t c = 0;
	size_t n = utf8_decode((const unsigned char *)s, len, &c);

	if (n == 0) {
		if (cp)
			*cp = 0xfffd;
		return 1;
	}
	if (cp)
		*cp = c;
	if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || (c >= 0x202a && c <= 0x202e) ||
	    (c >= 0x2066 && c <= 0x2069) || c == 0x2028 || c == 0x2029)
		return n;
	return 0;
}

/* One step through text being made safe: the bytes at s (len > 0 left) that
 * form one character, and in *rep the byte that replaces them, or '\0' when
 * they stay. A replacement is one byte, never longer than what it replaces. */
static size_t
safe_step(const char *s, size_t len, unsigned flags, char *rep)
{
	uint32_t cp;
	size_t n = rt_fmt_control_at(s, len, NULL);

	*rep = '\0';
	if (n == 0)
		return utf8_decode((const unsigned char *)s, len, &cp);
	if ((flags & RT_FMT_MULTILINE) && (*s == '\n' || *s == '\t'))
		return n;
	/* the console draws a tab as a space and every other one as '?' */
	*rep = *s == '\t' ? ' ' : '?';
	return n;
}

const char *
rt_fmt_safe(struct rt_buf *buf, const char *s, unsigned flags)
{
	size_t len = s ? strlen(s) : 0, i = 0, n;
	char rep;

	rt_buf_reset(buf);
	for (; i < len; i += n) {
		n = safe_step(s + i, len - i, flags, &rep);
		if (rep)
			rt_buf_putc(buf, rep);
		else
			rt_buf_append(buf, s + i, n);
	}
	return rt_buf_str(buf);
}

void
rt_fmt_safe_inplace(char *s, unsigned flags)
{
	size_t len = strlen(s), i = 0, o = 0, n;
	char rep;

	for (; i < len; i += n) {
		n = safe_step(s + i, len - i, flags, &rep);
		if (rep) {
			s[o++] = rep;
		} else {
			memmove(s + o, s + i, n);
			o += n;
		}
	}
	s[o] = '\0';
}
