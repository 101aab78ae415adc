/* migration.c - parse one migration file (retort-migration(5)).
 *
 * The file is read line by line. A directive is a line that starts, in
 * column 1, with "--", optional blanks, "retort:" and a key; its value is
 * the rest of the line after white space. Header directives come first;
 * then section markers (upgrade, downgrade, verify) each start a body that
 * runs to the next marker. Markers are recognised line by line, even
 * inside a dollar-quoted string: a body line that looks like a marker is a
 * marker.
 *
 * Error lines: the offending line; a missing header is reported on line 1
 * and a missing section on the last line of the file.
 *
 * A directive line may hold no control character but the tab (rt_fmt.h
 * names the class: C0 and C1 controls, DEL, bidirectional overrides): a
 * header value is one line of printable text, because it is printed on
 * terminals and written into SQL comments, and PostgreSQL ends a "--"
 * comment at a carriage return where this parser does not end the line.
 *
 * Lines before the first section (the header block) are limited to
 * RT_REV_HEADER_LINE_MAX bytes, so that a header-only read is bounded and a
 * header value fits a stack buffer. A header-only parse runs the same code
 * and stops at the first section marker line.
 */
#include "config.h"
#include "rt_migration.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "rt_err.h"
#include "rt_fmt.h"
#include "rt_mem.h"
#include "txcheck_int.h"

#define MAX_FILE_LEN ((size_t)64 << 20)

enum { SEC_UPGRADE, SEC_DOWNGRADE, SEC_VERIFY, NSECTIONS };

/* indexes into headers[] */
enum { HDR_REVISION, HDR_DOWN, NHEADERS = 7 };

struct section {
	int line;               /* marker line; 0 when absent */
	int body_line;          /* line of the first non-blank body line */
	struct rt_buf body;     /* non-blank lines so far, each ending in LF */
	struct rt_buf pending;  /* blank lines not yet known to be inner ones */
};

struct parser;
typedef int (*header_fn)(struct parser *, const char *value, int line);

struct parser {
	const char *path;
	struct rt_err *err;
	struct rt_rev *rev;
	int header_line[NHEADERS];  /* first line of each header in headers[]; 0 absent */
	struct section sec[NSECTIONS];
	struct section *cur;    /* the section being read, or NULL */
	int down_line;
	int depends_line;
	bool is_headers_only;   /* stop at the first section marker */
};

static const char *const section_names[NSECTIONS] = { "upgrade", "downgrade", "verify" };

static int
input_error(struct parser *p, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int
input_error(struct parser *p, int line, const char *fmt, ...)
{
	char what[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	rt_err_set_at(p->err, RT_ERR_INPUT, p->path, line, "%s", what);
	return -1;
}

static bool
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

static bool
is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

/* Splits a header value on blanks into a vector of new strings. */
static void
split_words(const char *value, struct rt_strv *out)
{
	const char *s = value;

	while (*s) {
		size_t n;

		while (is_blank(*s))
			s++;
		n = strcspn(s, " \t\r\f\v");
		if (n > 0)
			rt_strv_push_take(out, rt_xstrndup(s, n));
		s += n;
	}
}

static void
strv_to_array(struct rt_strv *sv, char ***v, size_t *n)
{
	*v = sv->v;
	*n = sv->n;
	sv->v = NULL;
	sv->n = sv->cap = 0;
}

/* Validates a list of ids for header what; "none" alone means an empty list. */
static int
parse_id_list(struct parser *p, const char *what, const char *value, int line,
	struct rt_strv *ids)
{
	size_t i, j;

	split_words(value, ids);
	for (i = 0; i < ids->n; i++) {
		if (strcmp(ids->v[i], "none") == 0) {
			if (ids->n > 1)
				return input_error(p, line,
					"'none' mixed with revision ids in %s", what);
			rt_strv_free(ids);
			return 0;
		}
		if (!rt_rev_id_valid(ids->v[i]))
			return input_error(p, line, "invalid revision id '%s' in %s",
				ids->v[i], what);
		for (j = 0; j < i; j++)
			if (strcmp(ids->v[j], ids->v[i]) == 0)
				return input_error(p, line, "duplicate id '%s' in %s",
					ids->v[i], what);
	}
	return 0;
}

static int
hdr_revision(struct parser *p, const char *value, int line)
{
	if (strcmp(value, "none") == 0)
		return input_error(p, line, "revision id 'none' is reserved");
	if (!rt_rev_id_valid(value))
		return input_error(p, line,
			"invalid revision id '%s' (expected 1-32 characters of [0-9a-z_])", value);
	/* rt_rev_id_valid: at most RT_REV_ID_MAX characters */
	memcpy(p->rev->id, value, strlen(value) + 1);
	return 0;
}

static int
hdr_down(struct parser *p, const char *value, int line)
{
	struct rt_strv ids = { 0 };
	int r = parse_id_list(p, "down_revision", value, line, &ids);

	strv_to_array(&ids, &p->rev->down, &p->rev->ndown);
	p->down_line = line;
	return r;
}

static int
hdr_depends(struct parser *p, const char *value, int line)
{
	struct rt_strv ids = { 0 };
	int r = parse_id_list(p, "depends_on", value, line, &ids);

	strv_to_array(&ids, &p->rev->depends, &p->rev->ndepends);
	p->depends_line = line;
	return r;
}

static int
hdr_labels(struct parser *p, const char *value, int line)
{
	struct rt_strv names = { 0 };
	size_t i, j;
	int r = 0;

	split_words(value, &names);
	for (i = 0; i < names.n && r == 0; i++) {
		if (!rt_rev_id_valid(names.v[i]))
			r = input_error(p, line,
				"invalid branch label '%s' (expected 1-32 characters of [0-9a-z_])",
				names.v[i]);
		for (j = 0; j < i && r == 0; j++)
			if (strcmp(names.v[j], names.v[i]) == 0)
				r = input_error(p, line, "duplicate branch label '%s'", names.v[i]);
	}
	strv_to_array(&names, &p->rev->labels, &p->rev->nlabels);
	return r;
}

static int
hdr_message(struct parser *p, const char *value, int line)
{
	(void)line;
	p->rev->message = rt_xstrdup(value);
	return 0;
}

static int
hdr_created(struct parser *p, const char *value, int line)
{
	(void)line;
	p->rev->created = rt_xstrdup(value);
	return 0;
}

static int
hdr_transaction(struct parser *p, const char *value, int line)
{
	if (strcmp(value, "on") == 0)
		p->rev->is_transactional = true;
	else if (strcmp(value, "off") == 0)
		p->rev->is_transactional = false;
	else
		return input_error(p, line,
			"invalid transaction value '%s' (expected on or off)", value);
	return 0;
}

static const struct {
	const char *key;
	header_fn fn;
	bool can_be_empty;
} headers[NHEADERS] = {
	{ "revision", hdr_revision, false },
	{ "down_revision", hdr_down, false },
	{ "message", hdr_message, true },
	{ "created", hdr_created, false },
	{ "depends_on", hdr_depends, false },
	{ "branch_labels", hdr_labels, false },
	{ "transaction", hdr_transaction, false },
};

/* Returns the key of a directive line (and its length in *key_len and the
 * trimmed value in *value, *value_len), or NULL for any other line. */
static const char *
directive(const char *line, size_t len, size_t *key_len, const char **value,
	size_t *value_len)
{
	size_t i = 2;
	const char *key;

	if (len < 2 || line[0] != '-' || line[1] != '-')
		return NULL;
	while (i < len && (line[i] == ' ' || line[i] == '\t'))
		i++;
	if (len - i < 7 || memcmp(line + i, "retort:", 7) != 0)
		return NULL;
	key = line + i + 7;
	for (i += 7; i < len && !is_blank(line[i]); i++)
		;
	*key_len = (size_t)(line + i - key);
	while (i < len && is_blank(line[i]))
		i++;
	while (len > i && is_blank(line[len - 1]))
		len--;
	*value = line + i;
	*value_len = len - i;
	return key;
}

static bool
key_is(const char *key, size_t key_len, const char *name)
{
	return strlen(name) == key_len && memcmp(key, name, key_len) == 0;
}

static int
on_header(struct parser *p, size_t h, const char *value, size_t value_len, int line)
{
	char buf[RT_REV_HEADER_LINE_MAX + 1], *v = buf;
	int r;

	if (p->cur)
		return input_error(p, line, "header '%s' after a section", headers[h].key);
	if (p->header_line[h])
		return input_error(p, line, "duplicate header '%s' (first on line %d)",
			headers[h].key, p->header_line[h]);
	if (value_len == 0 && !headers[h].can_be_empty)
		return input_error(p, line, "header '%s' has no value", headers[h].key);
	p->header_line[h] = line;
	/* header lines are at most RT_REV_HEADER_LINE_MAX bytes (parse_lines) */
	if (value_len < sizeof(buf)) {
		memcpy(buf, value, value_len);
		buf[value_len] = '\0';
	} else {
		v = rt_xstrndup(value, value_len);
	}
	r = headers[h].fn(p, v, line);
	if (v != buf)
		free(v);
	return r;
}

static int
on_section(struct parser *p, int s, size_t value_len, int line)
{
	if (value_len > 0)
		return input_error(p, line, "unexpected text after '-- retort:%s'",
			section_names[s]);
	if (p->sec[s].line)
		return input_error(p, line, "duplicate section '%s' (first on line %d)",
			section_names[s], p->sec[s].line);
	p->sec[s].line = line;
	p->sec[s].body_line = line + 1;
	p->cur = &p->sec[s];
	return 0;
}

static int
on_directive(struct parser *p, const char *key, size_t key_len, const char *value,
	size_t value_len, int line)
{
	size_t i;

	for (i = 0; i < NHEADERS; i++)
		if (key_is(key, key_len, headers[i].key))
			return on_header(p, i, value, value_len, line);
	for (i = 0; i < NSECTIONS; i++)
		if (key_is(key, key_len, section_names[i]))
			return on_section(p, (int)i, value_len, line);
	return input_error(p, line, "unknown directive 'retort:%.*s'", (int)key_len, key);
}

/* Adds a body line: leading blank lines are dropped, trailing ones wait in
 * pending until a non-blank line shows they are inner ones. */
static void
add_body_line(struct section *sec, const char *text, size_t len, int line)
{
	size_t i = 0;

	while (i < len && is_blank(text[i]))
		i++;
	if (i == len) {
		if (sec->body.len > 0) {
			rt_buf_append(&sec->pending, text, len);
			rt_buf_putc(&sec->pending, '\n');
		}
		return;
	}
	if (sec->body.len == 0)
		sec->body_line = line;
	if (sec->pending.len > 0) {
		rt_buf_append(&sec->body, sec->pending.data, sec->pending.len);
		rt_buf_reset(&sec->pending);
	}
	rt_buf_append(&sec->body, text, len);
	rt_buf_putc(&sec->body, '\n');
}

size_t
rt_rev_header_text_bad(const char *s, size_t len, unsigned *cp)
{
	size_t i = 0, n;

	while (i < len) {
		n = rt_fmt_control_at(s + i, len - i, cp);
		if (n == 0) {   /* printable and valid: step over its continuation bytes */
			for (i++; i < len && ((unsigned char)s[i] & 0xc0) == 0x80; i++)
				;
			continue;
		}
		if (s[i] != '\t')
			return i;
		i += n;
	}
	return len;
}

/* Refuses a directive line (key at key, key_len bytes) that holds a control
 * character other than the tab; the text is valid UTF-8 (check_bytes). */
static int
check_directive_chars(struct parser *p, const char *text, size_t len, const char *key,
	size_t key_len, int line)
{
	unsigned cp = 0;
	size_t i = rt_rev_header_text_bad(text, len, &cp), h;

	if (i == len)
		return 0;
	for (h = 0; h < NHEADERS && text + i >= key + key_len; h++)
		if (key_is(key, key_len, headers[h].key))
			return input_error(p, line, "header '%s' holds U+%04X, a control "
				"character (a header value is one line of printable text)",
				headers[h].key, cp);
	return input_error(p, line, "U+%04X, a control character, in a retort directive line", cp);
}

/* "-- retort:allow RULE because REASON" (the linter's suppression): in the
 * header block it is kept in rev->allows for the whole revision; in a
 * section it stays a comment line of the body, for the statement after it.
 * The linter judges the value (a missing reason is a finding, not a parse
 * error). */
static int
on_allow(struct parser *p, const char *text, size_t len, const char *value, size_t value_len,
	 int line)
{
	struct rt_rev *rev = p->rev;

	if (p->cur) {
		add_body_line(p->cur, text, len, line);
		return 0;
	}
	rev->allows = rt_xreallocarray(rev->allows, rev->nallows + 1, sizeof(*rev->allows));
	rev->allow_lines = rt_xreallocarray(rev->allow_lines, rev->nallows + 1,
					    sizeof(*rev->allow_lines));
	rev->allows[rev->nallows] = rt_xstrndup(value, value_len);
	rev->allow_lines[rev->nallows++] = line;
	return 0;
}

static int
on_line(struct parser *p, const char *text, size_t len, int line)
{
	const char *key, *value;
	size_t key_len, value_len, i;

	key = directive(text, len, &key_len, &value, &value_len);
	if (key && check_directive_chars(p, text, len, key, key_len, line) < 0)
		return -1;
	if (key && key_is(key, key_len, "allow"))
		return on_allow(p, text, len, value, value_len, line);
	if (key)
		return on_directive(p, key, key_len, value, value_len, line);
	if (p->cur) {
		add_body_line(p->cur, text, len, line);
		return 0;
	}
	for (i = 0; i < len && is_blank(text[i]); i++)
		;
	if (i == len || (len - i >= 2 && text[i] == '-' && text[i + 1] == '-'))
		return 0;
	return input_error(p, line, "SQL before the first section (expected -- retort:upgrade)");
}

/* Length of the valid UTF-8 sequence at s (n bytes left), or 0. */
static size_t
utf8_len(const unsigned char *s, size_t n)
{
	size_t need, i;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		need = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		need = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		need = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (n < need)
		return 0;
	for (i = 1; i < need; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((need == 3 && cp < 0x800) || (need == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return need;
}

/* Rejects NUL bytes and invalid UTF-8 anywhere in the file. */
static int
check_bytes(struct parser *p, const char *text, size_t len)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t i = 0, n;
	int line = 1;

	while (i < len) {
		if (s[i] == '\0')
			return input_error(p, line, "NUL byte");
		n = utf8_len(s + i, len - i);
		if (n == 0)
			return input_error(p, line, "invalid UTF-8");
		if (s[i] == '\n')
			line++;
		i += n;
	}
	return 0;
}

/* Feeds every line (without its LF or CRLF) to on_line; returns the number
 * of lines in *nlines. A header-only parse stops after the first section
 * marker. */
static int
parse_lines(struct parser *p, const char *text, size_t len, int *nlines)
{
	size_t pos = 0;
	int line = 0;

	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - text) : len;
		size_t n = end - pos;

		if (n > 0 && text[pos + n - 1] == '\r')
			n--;
		if (!p->cur && n > RT_REV_HEADER_LINE_MAX)
			return input_error(p, line + 1, "header line too long (over %d bytes)",
				RT_REV_HEADER_LINE_MAX);
		if (on_line(p, text + pos, n, ++line) < 0)
			return -1;
		pos = nl ? end + 1 : len;
		if (p->is_headers_only && p->cur)
			break;
	}
	*nlines = line;
	return 0;
}

static int
check_complete(struct parser *p, int nlines)
{
	struct rt_rev *rev = p->rev;
	size_t i;

	if (!p->header_line[HDR_REVISION])
		return input_error(p, 1, "missing header 'revision'");
	if (!p->header_line[HDR_DOWN])
		return input_error(p, 1, "missing header 'down_revision'");
	/* a header-only parse that met a section did not see the others; one
	 * that met none read the whole file, as a full parse does */
	if (p->is_headers_only && p->cur)
		;
	else if (!p->sec[SEC_UPGRADE].line)
		return input_error(p, nlines, "missing section 'upgrade'");
	else if (!p->sec[SEC_DOWNGRADE].line)
		return input_error(p, nlines, "missing section 'downgrade'");
	for (i = 0; i < rev->ndown; i++)
		if (strcmp(rev->down[i], rev->id) == 0)
			return input_error(p, p->down_line,
				"revision '%s' lists itself as its down_revision", rev->id);
	for (i = 0; i < rev->ndepends; i++)
		if (strcmp(rev->depends[i], rev->id) == 0)
			return input_error(p, p->depends_line,
				"revision '%s' lists itself in depends_on", rev->id);
	return 0;
}

/* Moves the section bodies into rev. */
static void
take_sections(struct parser *p)
{
	struct rt_rev *rev = p->rev;

	rev->upgrade = rt_buf_take(&p->sec[SEC_UPGRADE].body);
	rev->upgrade_line = p->sec[SEC_UPGRADE].line;
	rev->upgrade_body_line = p->sec[SEC_UPGRADE].body_line;
	rev->downgrade = rt_buf_take(&p->sec[SEC_DOWNGRADE].body);
	rev->downgrade_line = p->sec[SEC_DOWNGRADE].line;
	rev->downgrade_body_line = p->sec[SEC_DOWNGRADE].body_line;
	if (p->sec[SEC_VERIFY].line) {
		rev->verify = rt_buf_take(&p->sec[SEC_VERIFY].body);
		rev->verify_line = p->sec[SEC_VERIFY].line;
		rev->verify_body_line = p->sec[SEC_VERIFY].body_line;
	}
}

/* Whether the line (CR stripped) is a section marker. */
static bool
is_section_line(const char *line, size_t len)
{
	const char *key, *value;
	size_t key_len, value_len, i;

	key = directive(line, len, &key_len, &value, &value_len);
	for (i = 0; key && i < NSECTIONS; i++)
		if (key_is(key, key_len, section_names[i]))
			return true;
	return false;
}

/* The end of a region cut inside an over-long line starting at start: past
 * the limit (so the parser reports it) and never inside a UTF-8 sequence. */
static size_t
cut_long_line(const char *text, size_t len, size_t start)
{
	size_t cut = start + RT_REV_HEADER_LINE_MAX + 2;

	while (cut < len && ((unsigned char)text[cut] & 0xc0) == 0x80)
		cut++;
	return cut;
}

/* Scans text (len bytes, BOM skipped) from the line at *start for the end of
 * the header block: true with *end just past the first section marker line,
 * or at a cut inside a line over the limit; false when the text ends first
 * (*start is then the first line not fully scanned). */
static bool
find_header_end(const char *text, size_t len, size_t *start, size_t *end)
{
	const char *nl;

	while ((nl = memchr(text + *start, '\n', len - *start)) != NULL) {
		size_t eol = (size_t)(nl - text), n = eol - *start;

		if (n > 0 && text[eol - 1] == '\r')
			n--;
		if (n > RT_REV_HEADER_LINE_MAX) {
			*end = cut_long_line(text, len, *start);
			return true;
		}
		if (is_section_line(text + *start, n)) {
			*end = eol + 1;
			return true;
		}
		*start = eol + 1;
	}
	if (len - *start > RT_REV_HEADER_LINE_MAX + 5) {
		*end = cut_long_line(text, len, *start);
		return true;
	}
	return false;
}

/* Parses text (len bytes): the whole file, or with is_headers_only its
 * header block (find_header_end; parsing stops at the first marker anyway). */
static struct rt_rev *
parse(const char *path, const char *text, size_t len, bool is_headers_only,
	struct rt_err *err)
{
	struct parser p = { .path = path, .err = err, .is_headers_only = is_headers_only };
	const char *body = text;
	size_t body_len = len;
	int nlines = 0, i, r = -1;

	p.rev = rt_xcalloc(1, sizeof(*p.rev));
	p.rev->path = rt_xstrdup(path);
	p.rev->is_transactional = true;
	p.rev->is_headers_only = is_headers_only;
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0) {
		body += 3;
		body_len -= 3;
	}
	if (body_len == 0)
		input_error(&p, 1, "empty file");
	else if (check_bytes(&p, body, body_len) == 0 &&
	    parse_lines(&p, body, body_len, &nlines) == 0 &&
	    check_complete(&p, nlines) == 0)
		r = 0;
	if (r == 0 && !is_headers_only) {
		take_sections(&p);
		/* BEGIN, COMMIT... in a body would break the revision's atomicity */
		r = rt_txcheck_rev(p.rev, err);
	}
	for (i = 0; i < NSECTIONS; i++) {
		rt_buf_free(&p.sec[i].body);
		rt_buf_free(&p.sec[i].pending);
	}
	if (r < 0) {
		rt_rev_free(p.rev);
		return NULL;
	}
	if (!p.rev->message)
		p.rev->message = rt_xstrdup("");
	return p.rev;
}

struct rt_rev *
rt_rev_parse(const char *path, const char *text, size_t len, struct rt_err *err)
{
	struct rt_rev *rev = parse(path, text, len, false, err);

	if (rev) {
		rt_sha256_hex(text, len, rev->sha256);
		rev->text = rt_xmalloc(len + 1);
		memcpy(rev->text, text, len);
		rev->text[len] = '\0';
		rev->text_len = len;
	}
	return rev;
}

struct rt_rev *
rt_rev_parse_headers(const char *path, const char *text, size_t len, struct rt_err *err)
{
	size_t start = 0, end;

	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		start = 3;
	/* the bytes past the header block are neither checked nor parsed */
	if (find_header_end(text, len, &start, &end))
		len = end;
	return parse(path, text, len, true, err);
}

/* Reads more of fd into b (with room for at least 4 KiB more; b stays
 * NUL-terminated). Returns the bytes read, 0 at end of file, or -1 with
 * errno set (EFBIG past MAX_FILE_LEN). */
static ssize_t
read_more(int fd, struct rt_buf *b)
{
	size_t want;
	ssize_t n;

	if (b->cap - b->len < 4096 + 1) {
		b->cap = b->cap < 4096 ? 8192 : 2 * b->cap;
		b->data = rt_xrealloc(b->data, b->cap);
	}
	want = b->cap - b->len - 1;
	if (want > MAX_FILE_LEN + 1 - b->len)
		want = MAX_FILE_LEN + 1 - b->len;
	do
		n = read(fd, b->data + b->len, want);
	while (n < 0 && errno == EINTR);
	if (n > 0)
		b->len += (size_t)n;
	b->data[b->len] = '\0';
	if (b->len > MAX_FILE_LEN) {
		errno = EFBIG;
		return -1;
	}
	return n;
}

/* Reads fd into b until the end of the header block (find_header_end) or of
 * the file; *region is the length to parse. -1 with errno set on failure. */
static int
read_headers(int fd, struct rt_buf *b, size_t *region)
{
	size_t start = 0;
	ssize_t n;

	for (;;) {
		n = read_more(fd, b);
		if (n < 0)
			return -1;
		if (n == 0) {
			*region = b->len;
			return 0;
		}
		if (start == 0 && b->len >= 3 && memcmp(b->data, "\xef\xbb\xbf", 3) == 0)
			start = 3;
		if (find_header_end(b->data, b->len, &start, region))
			return 0;
	}
}

/* Reads all of fd into b. -1 with errno set on failure. */
static int
read_all(int fd, struct rt_buf *b)
{
	ssize_t n;

	while ((n = read_more(fd, b)) > 0)
		;
	return n < 0 ? -1 : 0;
}

struct rt_rev *
rt_rev_load_at(int dirfd, const char *name, const char *path, unsigned flags,
	struct rt_buf *scratch, struct rt_err *err)
{
	struct rt_buf own = { 0 }, *b = scratch ? scratch : &own;
	bool is_headers_only = (flags & RT_REV_HEADERS_ONLY) != 0;
	struct rt_rev *rev = NULL;
	size_t region = 0;
	int fd, r;

	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		rt_err_set_at(err, RT_ERR_INPUT, path, 0, "cannot read: %s", strerror(errno));
		return NULL;
	}
	rt_buf_reset(b);
	r = is_headers_only ? read_headers(fd, b, &region) : read_all(fd, b);
	if (r < 0 && errno == EFBIG)
		rt_err_set_at(err, RT_ERR_INPUT, path, 0, "file is larger than 64 MiB");
	else if (r < 0)
		rt_err_set_at(err, RT_ERR_INPUT, path, 0, "cannot read: %s", strerror(errno));
	close(fd);
	if (r == 0 && is_headers_only)
		rev = parse(path, b->data, region, true, err);   /* region: the header block */
	else if (r == 0)
		rev = rt_rev_parse(path, b->len ? b->data : "", b->len, err);
	rt_buf_free(&own);
	return rev;
}

struct rt_rev *
rt_rev_load(const char *path, struct rt_err *err)
{
	return rt_rev_load_at(AT_FDCWD, path, path, 0, NULL, err);
}

static void
free_list(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void
rt_rev_free(struct rt_rev *rev)
{
	if (!rev)
		return;
	free_list(rev->down, rev->ndown);
	free_list(rev->depends, rev->ndepends);
	free_list(rev->labels, rev->nlabels);
	free(rev->message);
	free(rev->created);
	free(rev->upgrade);
	free(rev->downgrade);
	free(rev->verify);
	free_list(rev->allows, rev->nallows);
	free(rev->allow_lines);
	free(rev->path);
	free(rev->text);
	free(rev);
}

bool
rt_rev_id_valid(const char *s)
{
	size_t i;

	for (i = 0; s[i]; i++)
		if (!is_name_char(s[i]) || i >= RT_REV_ID_MAX)
			return false;
	return i > 0;
}

/* Fills buf with random bytes: getrandom(), then /dev/urandom, then (only if
 * both fail, e.g. in a seccomp sandbox) the clock and pid. */
static void
random_bytes(unsigned char *buf, size_t len)
{
	size_t got = 0;
	ssize_t n;
	FILE *f;

	while (got < len) {
		n = getrandom(buf + got, len - got, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	if (got == len)
		return;
	f = fopen("/dev/urandom", "rb");
	if (f && fread(buf, 1, len, f) == len) {
		fclose(f);
		return;
	}
	if (f)
		fclose(f);
	{
		struct timespec ts;
		uint64_t x;

		clock_gettime(CLOCK_REALTIME, &ts);
		x = (uint64_t)ts.tv_nsec * 0x9e3779b97f4a7c15ULL ^ (uint64_t)ts.tv_sec ^
			((uint64_t)getpid() << 32);
		for (got = 0; got < len; got++, x >>= 8)
			buf[got] = (unsigned char)x;
	}
}

void
rt_rev_new_id(char out[RT_REV_ID_MAX + 1])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char bytes[6];
	size_t i;

	random_bytes(bytes, sizeof(bytes));
	for (i = 0; i < sizeof(bytes); i++) {
		out[2 * i] = hex[bytes[i] >> 4];
		out[2 * i + 1] = hex[bytes[i] & 0xf];
	}
	out[2 * sizeof(bytes)] = '\0';
}

/* The SHA-256 implementation, fetched once: with OpenSSL 3, EVP_sha256()
 * makes EVP_Digest fetch the provider's implementation on every call. The
 * fetched object lives until exit (one allocation, still reachable). */
static const EVP_MD *
sha256_md(void)
{
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
	static EVP_MD *md;

	if (!md)
		md = EVP_MD_fetch(NULL, "SHA256", NULL);
	if (md)
		return md;
#endif
	return EVP_sha256();
}

void
rt_sha256_hex(const void *data, size_t len, char out[65])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int md_len = 0;
	unsigned int i;

	if (!EVP_Digest(data, len, md, &md_len, sha256_md(), NULL) || md_len != 32) {
		/* only on a broken libcrypto; an all-zero digest never matches a file */
		memset(out, '0', 64);
		out[64] = '\0';
		return;
	}
	for (i = 0; i < md_len; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 0xf];
	}
	out[64] = '\0';
}
