/* conninfo.c - connection strings: parsing (libpq's PQconninfoParse), the
 * password masked for display, the database name, and the split that gives
 * a child the password through its environment instead of its argv.
 *
 * Masking does not use libpq's parse to rebuild the string: the masked text
 * must read like what the user wrote (their URL, their order, their quoting),
 * so it works on the text itself, and libpq's reading is only the safety net
 * that catches a password the text passes missed. */
#include "config.h"
#include "rt_conninfo.h"

#include <ctype.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "rt_err.h"
#include "rt_mem.h"

#define MASK "****"

/* --- parsing ------------------------------------------------------------------ */

static size_t scheme_len(const char *s);

/* libpq reads any string that does not start with postgresql:// or
 * postgres:// as key=value pairs, so "mysql://..." would fail as a conninfo
 * with a missing "=": say what is wrong instead. The message names only the
 * scheme; the rest may hold a password. */
static int
check_scheme(const char *url, struct rt_err *err)
{
	size_t n = scheme_len(url);
	const char *plus;

	if (n == 0 || (n == 13 && strncasecmp(url, "postgresql://", n) == 0) ||
	    (n == 11 && strncasecmp(url, "postgres://", n) == 0))
		return 0;
	plus = memchr(url, '+', n);
	if (plus && ((plus - url == 10 && strncasecmp(url, "postgresql", 10) == 0) ||
		     (plus - url == 8 && strncasecmp(url, "postgres", 8) == 0)))
		rt_err_set(err, RT_ERR_INPUT, "'%.*s' is an SQLAlchemy URL, not a libpq one: "
			   "drop '%.*s' (postgresql://...)", (int)n, url,
			   (int)(url + n - 3 - plus), plus);
	else
		rt_err_set(err, RT_ERR_INPUT, "'%.*s' is not a PostgreSQL URL: retort connects "
			   "to PostgreSQL only (postgresql://[user@][host][:port][/dbname]"
			   "[?param=value], or key=value pairs)", (int)n, url);
	return -1;
}

static bool
is_secret_keyword(const char *k)
{
	return strcmp(k, "password") == 0 || strcmp(k, "sslpassword") == 0;
}

int
rt_conninfo_parse(const char *url, struct rt_conninfo *ci, struct rt_err *err)
{
	PQconninfoOption *opts, *o;
	char *msg = NULL;

	memset(ci, 0, sizeof(*ci));
	if (url && check_scheme(url, err) < 0)
		return -1;
	opts = PQconninfoParse(url ? url : "", &msg);
	/* libpq's message may quote the URL: say nothing of it */
	PQfreemem(msg);
	if (!opts) {
		rt_err_set(err, RT_ERR_INPUT, "the database URL does not parse");
		return -1;
	}
	for (o = opts; o->keyword; o++) {
		if (!o->val || !o->val[0])
			continue;
		rt_strv_push(&ci->keys, o->keyword);
		rt_strv_push(&ci->vals, o->val);
	}
	PQconninfoFree(opts);
	return 0;
}

const char *
rt_conninfo_get(const struct rt_conninfo *ci, const char *keyword)
{
	for (size_t i = 0; i < ci->keys.n; i++)
		if (strcmp(ci->keys.v[i], keyword) == 0)
			return ci->vals.v[i];
	return NULL;
}

void
rt_conninfo_free(struct rt_conninfo *ci)
{
	for (size_t i = 0; i < ci->keys.n; i++)
		if (is_secret_keyword(ci->keys.v[i]))
			explicit_bzero(ci->vals.v[i], strlen(ci->vals.v[i]));
	rt_strv_free(&ci->keys);
	rt_strv_free(&ci->vals);
}

/* --- masking passwords -------------------------------------------------------
 *
 * Each pass marks bytes to hide in a map; every run of marked bytes becomes
 * "****", so neither the password nor its length shows. The passes lean
 * towards hiding too much: a raw '@', ':' or '&' inside a password must not
 * leak the rest of it. */

static void
mark(bool *m, size_t from, size_t to)
{
	for (; from < to; from++)
		m[from] = true;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* password or sslpassword, in any case, percent-decoded when is_uri. */
static bool
is_secret_key(const char *k, size_t klen, bool is_uri)
{
	char key[64];
	size_t i, n = 0;

	for (i = 0; i < klen && n + 1 < sizeof(key); i++) {
		if (is_uri && k[i] == '%' && i + 2 < klen
		    && hexval(k[i + 1]) >= 0 && hexval(k[i + 2]) >= 0) {
			key[n++] = (char)(hexval(k[i + 1]) * 16 + hexval(k[i + 2]));
			i += 2;
		} else {
			key[n++] = k[i];
		}
	}
	if (i < klen)
		return false;
	key[n] = '\0';
	return strcasecmp(key, "password") == 0 || strcasecmp(key, "sslpassword") == 0;
}

/* The length of "scheme://" at the start of s, or 0. */
static size_t
scheme_len(const char *s)
{
	size_t n;

	if (!isalpha((unsigned char)s[0]))
		return 0;
	n = 1 + strspn(s + 1, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		       "0123456789+.-");
	return strncmp(s + n, "://", 3) == 0 ? n + 3 : 0;
}

/* user:PASSWORD@host: up to the last '@', since a raw '@' may be in the password. */
static void
mask_userinfo(const char *s, size_t start, size_t len, bool *m)
{
	const char *at = NULL, *colon;
	size_t i;

	for (i = start; i < len; i++)
		if (s[i] == '@')
			at = s + i;
	if (!at)
		return;
	colon = memchr(s + start, ':', (size_t)(at - s) - start);
	if (colon)
		mark(m, (size_t)(colon + 1 - s), (size_t)(at - s));
}

/* Where a query value starting at i ends: at an '&' that starts another
 * "key=", so that a raw '&' inside a password stays hidden. */
static size_t
query_value_end(const char *s, size_t i, size_t len)
{
	for (; i < len; i++) {
		size_t k;

		if (s[i] != '&')
			continue;
		k = i + 1 + strspn(s + i + 1, "abcdefghijklmnopqrstuvwxyz"
				   "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_%");
		if (k > i + 1 && k < len && s[k] == '=')
			return i;
	}
	return len;
}

/* ?password=...&sslpassword=...: every '?' and '&' may start a parameter. */
static void
mask_query(const char *s, size_t start, size_t len, bool *m)
{
	size_t i;

	for (i = start; i < len; i++) {
		size_t k, kend;

		if (s[i] != '?' && s[i] != '&')
			continue;
		k = i + 1;
		kend = k + strcspn(s + k, "=&?");
		if (kend >= len || s[kend] != '=' || !is_secret_key(s + k, kend - k, true))
			continue;
		mark(m, kend + 1, query_value_end(s, kend + 1, len));
	}
}

static void mask_any(const char *s, size_t len, bool *m);

/* One value of a key=value conninfo: quoted with backslash escapes, or up to
 * white space. Returns the index after it; [*vs, *ve) is the value. */
static size_t
conninfo_value(const char *s, size_t i, size_t len, size_t *vs, size_t *ve)
{
	bool is_quoted = i < len && s[i] == '\'';

	if (is_quoted)
		i++;
	*vs = i;
	while (i < len && (is_quoted ? s[i] != '\'' : !isspace((unsigned char)s[i]))) {
		if (s[i] == '\\' && i + 1 < len)
			i++;
		i++;
	}
	*ve = i;
	return is_quoted && i < len ? i + 1 : i;
}

/* key = value pairs, as libpq reads them. Anything it could not read is
 * hidden from there to the end. */
static void
mask_conninfo(const char *s, size_t len, bool *m)
{
	size_t i = 0, ks, ke, vs, ve;

	for (;;) {
		while (i < len && isspace((unsigned char)s[i]))
			i++;
		if (i >= len)
			return;
		ks = i;
		while (i < len && s[i] != '=' && !isspace((unsigned char)s[i]))
			i++;
		ke = i;
		while (i < len && isspace((unsigned char)s[i]))
			i++;
		if (i >= len || s[i] != '=' || ke == ks) {
			mark(m, ks, len);
			return;
		}
		i++;
		while (i < len && isspace((unsigned char)s[i]))
			i++;
		i = conninfo_value(s, i, len, &vs, &ve);
		if (is_secret_key(s + ks, ke - ks, false))
			mark(m, vs, ve);
		else if (ke - ks == 6 && strncmp(s + ks, "dbname", 6) == 0)
			mask_any(s + vs, ve - vs, m + vs);  /* dbname may be a whole URL */
	}
}

static void
mask_any(const char *s, size_t len, bool *m)
{
	size_t sl = scheme_len(s);

	if (!sl && memchr(s, '=', len))
		mask_conninfo(s, len, m);
	mask_userinfo(s, sl, len, m);
	mask_query(s, sl, len, m);
}

/* libpq's own reading, as a safety net: a password that libpq sees but no
 * pass marked means the string is stranger than the passes know. */
static bool
libpq_sees_password(const char *url)
{
	struct rt_conninfo ci;
	bool has = false;

	if (rt_conninfo_parse(url, &ci, NULL) == 0)
		has = rt_conninfo_get(&ci, "password") || rt_conninfo_get(&ci, "sslpassword");
	rt_conninfo_free(&ci);
	return has;
}

char *
rt_url_mask(const char *url)
{
	struct rt_buf out = { 0 };
	size_t len, i;
	bool *m, is_marked = false;

	if (!url)
		return rt_xstrdup("");
	len = strlen(url);
	m = rt_xcalloc(len + 1, sizeof(*m));
	mask_any(url, len, m);
	for (i = 0; i < len; i++)
		is_marked = is_marked || m[i];
	if (!is_marked && libpq_sees_password(url))
		mark(m, scheme_len(url), len);
	rt_buf_puts(&out, "");
	for (i = 0; i < len; i++) {
		if (!m[i])
			rt_buf_putc(&out, url[i]);
		else if (i == 0 || !m[i - 1])
			rt_buf_puts(&out, MASK);
	}
	free(m);
	return rt_buf_take(&out);
}

/* --- the database name -------------------------------------------------------- */

/* libpq's order (conninfo_add_defaults): dbname, else $PGDATABASE, else the
 * user (written, else $PGUSER, else the login name). */
char *
rt_url_dbname(const char *url)
{
	struct rt_conninfo ci;
	const char *v;
	char *name = NULL;
	struct passwd *pw;

	if (rt_conninfo_parse(url, &ci, NULL) < 0) {
		rt_conninfo_free(&ci);
		return NULL;
	}
	if ((v = rt_conninfo_get(&ci, "dbname")) || ((v = getenv("PGDATABASE")) && *v)
	    || (v = rt_conninfo_get(&ci, "user")) || ((v = getenv("PGUSER")) && *v))
		name = rt_xstrdup(v);
	else if ((pw = getpwuid(geteuid())))
		name = rt_xstrdup(pw->pw_name);
	rt_conninfo_free(&ci);
	return name;
}

char *
rt_url_brief(const char *url)
{
	struct rt_conninfo ci;
	const char *host, *port, *cut;
	char *db, *out;
	int slashes = 0;

	if (rt_conninfo_parse(url, &ci, NULL) < 0) {
		rt_conninfo_free(&ci);
		return rt_url_mask(url);
	}
	db = rt_url_dbname(url);
	host = rt_conninfo_get(&ci, "host");
	if (!host)
		host = rt_conninfo_get(&ci, "hostaddr");
	port = rt_conninfo_get(&ci, "port");
	if (host && host[0] == '/') {
		/* a socket directory: its last two components are what tells them apart */
		cut = host + strlen(host);
		while (cut > host && slashes < 2)
			if (*--cut == '/')
				slashes++;
		out = rt_xasprintf("%s on socket %s%s%s%s", db ? db : "?",
				   cut > host ? "..." : "", cut, port ? ":" : "", port ? port : "");
	} else {
		out = rt_xasprintf("%s on %s%s%s", db ? db : "?", host ? host : "local",
				   port ? ":" : "", port ? port : "");
	}
	free(db);
	rt_conninfo_free(&ci);
	return out;
}

/* --- for a child --------------------------------------------------------------- */

/* A conninfo value, always quoted: quotes and backslashes escaped. */
static void
put_value(struct rt_buf *b, const char *v)
{
	rt_buf_putc(b, '\'');
	for (; *v; v++) {
		if (*v == '\'' || *v == '\\')
			rt_buf_putc(b, '\\');
		rt_buf_putc(b, *v);
	}
	rt_buf_putc(b, '\'');
}

char *
rt_conninfo_for_connect(const char *url, int *timeout_s, struct rt_err *err)
{
	struct rt_conninfo ci;
	struct rt_buf b = { 0 };
	const char *own, *env = getenv("PGCONNECT_TIMEOUT");

	*timeout_s = 0;
	if (rt_conninfo_parse(url, &ci, err) < 0) {
		rt_conninfo_free(&ci);
		return NULL;
	}
	own = rt_conninfo_get(&ci, "connect_timeout");
	if (!own && env && *env)
		own = env;      /* libpq reads it for an unset keyword */
	rt_buf_puts(&b, "");
	if (!own)
		rt_buf_printf(&b, "connect_timeout='%d'", RT_CONNECT_TIMEOUT_S);
	for (size_t i = 0; i < ci.keys.n; i++) {
		if (b.len)
			rt_buf_putc(&b, ' ');
		rt_buf_printf(&b, "%s=", ci.keys.v[i]);
		put_value(&b, ci.vals.v[i]);
	}
	*timeout_s = !own ? RT_CONNECT_TIMEOUT_S : atoi(own) > 0 ? atoi(own) : 0;
	if (*timeout_s == 1)
		*timeout_s = 2;     /* libpq waits at least 2 s (rounding to whole seconds) */
	rt_conninfo_free(&ci);
	return rt_buf_take(&b);
}

int
rt_conninfo_split(const char *url, char **conninfo, char **password, struct rt_err *err)
{
	struct rt_conninfo ci;
	struct rt_buf b = { 0 };

	*conninfo = NULL;
	*password = NULL;
	if (rt_conninfo_parse(url, &ci, err) < 0) {
		rt_conninfo_free(&ci);
		return -1;
	}
	rt_buf_puts(&b, "");
	for (size_t i = 0; i < ci.keys.n; i++) {
		if (strcmp(ci.keys.v[i], "password") == 0) {
			*password = rt_xstrdup(ci.vals.v[i]);
			continue;
		}
		if (b.len)
			rt_buf_putc(&b, ' ');
		rt_buf_printf(&b, "%s=", ci.keys.v[i]);
		put_value(&b, ci.vals.v[i]);
	}
	rt_conninfo_free(&ci);
	*conninfo = rt_buf_take(&b);
	return 0;
}
