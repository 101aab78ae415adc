/* seed_csv.c - a seed CSV file read with libcsv as COPY (FORMAT csv, HEADER
 * true) reads it: strict quoting, valid UTF-8, no blank lines, every record
 * with the header's field count; and the physical line each record starts
 * on, so an error names the line a person sees in an editor. The file is fed
 * to libcsv one physical line at a time: the line a record starts on is the
 * line being fed when the record before it ended. Constant memory. */
#include "config.h"
#include "seed_int.h"

#include <csv.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rt_err.h"
#include "rt_mem.h"

#define SCAN_CHUNK (256 * 1024)

/* An incremental UTF-8 check (RFC 3629: no overlongs, surrogates or values
 * past U+10FFFF); NUL is refused too, as the server refuses it in text. */
struct u8 {
	int need;
	unsigned char lo, hi;
};

static bool
u8_feed(struct u8 *u, const unsigned char *p, size_t n)
{
	const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;

	for (size_t i = 0; i < n; i++) {
		unsigned char c;

		/* eight ASCII bytes without a NUL at a time: most of a seed file */
		while (!u->need && i + 8 <= n) {
			uint64_t w;

			memcpy(&w, p + i, 8);
			if ((w | ((w - ones) & ~w)) & highs)
				break;
			i += 8;
		}
		if (i == n)
			break;
		c = p[i];

		if (u->need) {
			if (c < u->lo || c > u->hi)
				return false;
			u->lo = 0x80;
			u->hi = 0xBF;
			u->need--;
			continue;
		}
		if (c < 0x80) {
			if (c == 0)
				return false;
			continue;
		}
		u->lo = 0x80;
		u->hi = 0xBF;
		if (c >= 0xC2 && c <= 0xDF)
			u->need = 1;
		else if (c == 0xE0)
			u->need = 2, u->lo = 0xA0;
		else if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF)
			u->need = 2;
		else if (c == 0xED)
			u->need = 2, u->hi = 0x9F;
		else if (c == 0xF0)
			u->need = 3, u->lo = 0x90;
		else if (c >= 0xF1 && c <= 0xF3)
			u->need = 3;
		else if (c == 0xF4)
			u->need = 3, u->hi = 0x8F;
		else
			return false;
	}
	return true;
}

struct scan_state {
	struct seedcsv_scan *s;
	struct rt_err *err;
	long long recno;          /* records ended so far (the header is 1) */
	int rec_line;             /* the physical line the current record started on */
	int cur_line;             /* the physical line being fed */
	size_t nfields;           /* fields of the current record */
	struct rt_strv fields;    /* want_fields, and the header's */
	bool is_between;          /* no record begun since the last one ended */
	bool has_stopped, has_failed;
};

/* libcsv never trims: COPY keeps spaces around unquoted fields. */
static int
no_space(unsigned char c)
{
	(void)c;
	return 0;
}

static void
on_field(void *data, size_t len, void *ctx)
{
	struct scan_state *st = ctx;

	if (st->has_failed || st->has_stopped)
		return;
	st->nfields++;
	if (st->recno == 0 || st->s->want_fields)
		rt_strv_push_take(&st->fields, rt_xstrndup(data ? data : "", len));
}

static int
check_header(struct scan_state *st)
{
	struct seedcsv_scan *s = st->s;

	for (size_t i = 0; i < st->fields.n; i++) {
		if (!st->fields.v[i][0]) {
			rt_err_set_at(st->err, RT_ERR_INPUT, s->path, st->rec_line,
				      "header: column %zu has no name", i + 1);
			return -1;
		}
		for (size_t j = 0; j < i; j++)
			if (strcmp(st->fields.v[i], st->fields.v[j]) == 0) {
				rt_err_set_at(st->err, RT_ERR_INPUT, s->path, st->rec_line,
					      "header: column \"%s\" appears twice", st->fields.v[i]);
				return -1;
			}
		rt_strv_push(&s->header, st->fields.v[i]);
	}
	return 0;
}

static void
on_record(int term, void *ctx)
{
	struct scan_state *st = ctx;
	struct seedcsv_scan *s = st->s;
	int rc = 0;

	(void)term;
	if (st->has_failed || st->has_stopped)
		return;
	st->recno++;
	if (st->recno == 1) {
		if (check_header(st) < 0)
			rc = -1;
	} else {
		s->nrecords++;
		if (st->nfields != s->header.n) {
			rt_err_set_at(st->err, RT_ERR_INPUT, s->path, st->rec_line,
				      "%zu field%s, the header has %zu", st->nfields,
				      st->nfields == 1 ? "" : "s", s->header.n);
			rc = -1;
		}
	}
	if (rc == 0 && s->on_record)
		rc = s->on_record(s->ctx, st->recno, st->rec_line, st->cur_line, &st->fields,
				  st->err);
	if (rc < 0)
		st->has_failed = true;
	else if (rc > 0)
		st->has_stopped = true;
	rt_strv_free(&st->fields);
	st->nfields = 0;
	st->is_between = true;
}

/* The start of a physical line while no record is open: a new record starts
 * here, unless the line is blank (COPY would read it as a row of NULLs,
 * libcsv skips it) or the end-of-data marker \. (COPY would stop there). */
static int
line_start(struct scan_state *st, const char *p, size_t n, int line)
{
	if (n >= 1 && (p[0] == '\n' || (p[0] == '\r' && (n == 1 || p[1] == '\n')))) {
		rt_err_set_at(st->err, RT_ERR_INPUT, st->s->path, line,
			      "blank line (COPY would read it as a row of NULLs): remove it");
		return -1;
	}
	if (n >= 2 && p[0] == '\\' && p[1] == '.' &&
	    (n == 2 || p[2] == '\n' || p[2] == '\r')) {
		rt_err_set_at(st->err, RT_ERR_INPUT, st->s->path, line,
			      "a line \\. ends COPY data early: quote it (\"\\.\")");
		return -1;
	}
	st->rec_line = line;
	st->is_between = false;
	return 0;
}

/* Feeds one piece of a physical line (up to and including its '\n'). */
static int
feed(struct scan_state *st, struct csv_parser *cp, struct u8 *u, const char *p, size_t n,
     bool at_line_start, int line)
{
	struct seedcsv_scan *s = st->s;

	st->cur_line = line;
	if (at_line_start && st->is_between && line_start(st, p, n, line) < 0)
		return -1;
	if (!u8_feed(u, (const unsigned char *)p, n)) {
		rt_err_set_at(st->err, RT_ERR_INPUT, s->path, line,
			      memchr(p, 0, n) ? "a NUL byte" : "invalid UTF-8");
		return -1;
	}
	if (csv_parse(cp, p, n, on_field, on_record, st) < n) {
		if (!st->has_failed)
			rt_err_set_at(st->err, RT_ERR_INPUT, s->path, line,
				      csv_error(cp) == CSV_EPARSE ?
				      "malformed quoting (a quote inside an unquoted field, "
				      "or text after a closing quote)" : "%s",
				      csv_strerror(csv_error(cp)));
		return -1;
	}
	return st->has_failed ? -1 : 0;
}

/* ---- the fast pass ---------------------------------------------------------
 *
 * Whole chunks to libcsv (CSV_REPALL_NL: a blank line shows as a record of
 * no fields), no line tracking. It only says "fine" or "look closer": on any
 * doubt the line-by-line pass runs and finds the fault and its line. */

struct fast_state {
	struct seedcsv_scan *s;
	long long recno;
	size_t nfields;
	bool is_end_marker;       /* the record's only field so far is \. */
	bool has_doubt;
};

static void
fast_field(void *data, size_t len, void *ctx)
{
	struct fast_state *st = ctx;

	if (st->recno == 0)
		rt_strv_push_take(&st->s->header, rt_xstrndup(data ? data : "", len));
	st->is_end_marker = st->nfields == 0 && len == 2 && memcmp(data, "\\.", 2) == 0;
	st->nfields++;
}

static void
fast_record(int term, void *ctx)
{
	struct fast_state *st = ctx;

	(void)term;
	if (st->nfields == 0 || (st->nfields == 1 && st->is_end_marker) ||
	    (st->recno > 0 && st->nfields != st->s->header.n))
		st->has_doubt = true;
	st->recno++;
	st->nfields = 0;
	st->is_end_marker = false;
}

/* 0: the file is fine (header and counts filled); -1: look closer. */
static int
fast_scan(struct seedcsv_scan *s)
{
	struct fast_state st = { .s = s };
	struct csv_parser cp;
	struct u8 u = { 0 };
	char *buf;
	ssize_t got;
	int fd = open(s->path, O_RDONLY | O_CLOEXEC), rc = -1;

	if (fd < 0)
		return -1;
	if (csv_init(&cp, CSV_STRICT | CSV_STRICT_FINI | CSV_REPALL_NL) != 0) {
		close(fd);
		return -1;
	}
	csv_set_space_func(&cp, no_space);
	buf = rt_xmalloc(SCAN_CHUNK);
	while ((got = read(fd, buf, SCAN_CHUNK)) != 0) {
		if (got < 0) {
			if (errno == EINTR)
				continue;
			goto out;
		}
		s->bytes += got;
		if (!u8_feed(&u, (const unsigned char *)buf, (size_t)got) ||
		    csv_parse(&cp, buf, (size_t)got, fast_field, fast_record, &st) < (size_t)got ||
		    st.has_doubt)
			goto out;
	}
	if (u.need || csv_fini(&cp, fast_field, fast_record, &st) != 0 || st.has_doubt ||
	    st.recno == 0)
		goto out;
	/* header names: empty or repeated ones are the slow pass's to report */
	for (size_t i = 0; i < s->header.n; i++) {
		if (!s->header.v[i][0])
			goto out;
		for (size_t j = 0; j < i; j++)
			if (strcmp(s->header.v[i], s->header.v[j]) == 0)
				goto out;
	}
	s->nrecords = st.recno - 1;
	rc = 0;
out:
	csv_free(&cp);
	free(buf);
	close(fd);
	if (rc < 0) {
		rt_strv_free(&s->header);
		s->bytes = 0;
	}
	return rc;
}

int
seedcsv_scan(struct seedcsv_scan *s, struct rt_err *err)
{
	struct scan_state st = { .s = s, .err = err, .is_between = true, .rec_line = 1 };
	struct csv_parser cp;
	struct u8 u = { 0 };
	char *buf = NULL;
	bool at_line_start = true;
	int fd, line = 1, rc = -1;
	ssize_t got;

	s->nrecords = 0;
	s->bytes = 0;
	rt_strv_free(&s->header);
	if (!s->on_record && !s->want_fields && fast_scan(s) == 0)
		return 0;
	fd = open(s->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		rt_err_set_at(err, RT_ERR_INPUT, s->path, 0, "%s", strerror(errno));
		return -1;
	}
	if (csv_init(&cp, CSV_STRICT | CSV_STRICT_FINI) != 0) {
		close(fd);
		rt_err_set(err, RT_ERR_RUN, "libcsv: cannot start a parser");
		return -1;
	}
	csv_set_space_func(&cp, no_space);
	buf = rt_xmalloc(SCAN_CHUNK);
	while (!st.has_stopped && (got = read(fd, buf, SCAN_CHUNK)) != 0) {
		const char *p = buf, *end;

		if (got < 0) {
			if (errno == EINTR)
				continue;
			rt_err_set_at(err, RT_ERR_RUN, s->path, 0, "%s", strerror(errno));
			goto out;
		}
		s->bytes += got;
		end = buf + got;
		while (p < end && !st.has_stopped) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			const char *stop = nl ? nl + 1 : end;

			if (feed(&st, &cp, &u, p, (size_t)(stop - p), at_line_start, line) < 0)
				goto out;
			at_line_start = nl != NULL;
			if (nl)
				line++;
			p = stop;
		}
	}
	if (!st.has_stopped) {
		st.cur_line = line;
		if (u.need) {
			rt_err_set_at(err, RT_ERR_INPUT, s->path, line, "invalid UTF-8 at the end");
			goto out;
		}
		if (csv_fini(&cp, on_field, on_record, &st) != 0) {
			rt_err_set_at(err, RT_ERR_INPUT, s->path, st.rec_line,
				      "unterminated quoted field (it runs to the end of the file)");
			goto out;
		}
		if (st.has_failed)
			goto out;
		if (st.recno == 0) {
			rt_err_set_at(err, RT_ERR_INPUT, s->path, 1, "empty file: no header");
			goto out;
		}
	}
	s->lines = at_line_start ? line - 1 : line;
	rc = 0;
out:
	rt_strv_free(&st.fields);
	csv_free(&cp);
	free(buf);
	close(fd);
	return rc;
}

void
seedcsv_scan_free(struct seedcsv_scan *s)
{
	rt_strv_free(&s->header);
}

struct line_of {
	long long target;         /* a physical line */
	const struct rt_strv *cols, *vals;
	size_t *idx;
	int line;
};

static int
stop_at_line(void *ctx, long long recno, int line, int end_line, const struct rt_strv *fields,
	     struct rt_err *err)
{
	struct line_of *lo = ctx;

	(void)recno;
	(void)fields;
	(void)err;
	if (end_line < lo->target)
		return 0;
	if (line <= lo->target)
		lo->line = line;
	return 1;
}

int
seedcsv_record_line(const char *path, long long target)
{
	struct line_of lo = { .target = target };
	struct seedcsv_scan s = { .path = path, .on_record = stop_at_line, .ctx = &lo };
	struct rt_err err = { 0 };

	seedcsv_scan(&s, &err);
	seedcsv_scan_free(&s);
	return lo.line;
}

static int
stop_at_key(void *ctx, long long recno, int line, int end_line, const struct rt_strv *fields,
	    struct rt_err *err)
{
	struct line_of *lo = ctx;

	(void)err;
	(void)end_line;
	if (recno == 1) {
		/* the header: where each key column is */
		for (size_t k = 0; k < lo->cols->n; k++) {
			lo->idx[k] = (size_t)-1;
			for (size_t i = 0; i < fields->n; i++)
				if (strcmp(fields->v[i], lo->cols->v[k]) == 0)
					lo->idx[k] = i;
			if (lo->idx[k] == (size_t)-1)
				return 1;
		}
		return 0;
	}
	for (size_t k = 0; k < lo->cols->n; k++)
		if (lo->idx[k] >= fields->n || strcmp(fields->v[lo->idx[k]], lo->vals->v[k]) != 0)
			return 0;
	lo->line = line;
	return 1;
}

int
seedcsv_find_line(const char *path, const struct rt_strv *cols, const struct rt_strv *vals)
{
	struct line_of lo = { .cols = cols, .vals = vals };
	struct seedcsv_scan s = { .path = path, .want_fields = true, .on_record = stop_at_key,
				  .ctx = &lo };
	struct rt_err err = { 0 };

	if (!cols->n || cols->n != vals->n)
		return 0;
	lo.idx = rt_xcalloc(cols->n, sizeof(*lo.idx));
	seedcsv_scan(&s, &err);
	seedcsv_scan_free(&s);
	free(lo.idx);
	return lo.line;
}
