/* config.c - migrations/retort.conf (see retort.conf(5)) and environments.
 *
 * The file is parsed by libinih through ini_parse_stream with our own line
 * reader, because Debian's libinih is built without INI_HANDLER_LINENO and
 * without section callbacks: the reader counts lines (so every message can
 * say "path:line:"), sees section headers first (so an empty or unknown
 * section is still checked, and "[env prod]" has a line to blame when it
 * ends without a url), and strips leading blanks so that an indented line is
 * a key of its own, never an inih multi-line continuation.
 *
 * Relative paths: versions_dir, schema_file and seeds_dir are relative to the
 * migrations directory; backup_dir is relative to the project directory (the
 * parent of the migrations directory, where .retort/ lives).
 */
#include "config.h"
#include "rt_config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ini.h>

#include "rt_conninfo.h"
#include "rt_err.h"
#include "rt_mem.h"

#define CONF_NAME "retort.conf"
#define ENV_NAME_MAX 64

enum section { SEC_NONE, SEC_RETORT, SEC_ENV };

/* How a [retort] value is stored. */
enum kind { K_IN_DIR, K_IN_PROJECT, K_STRING, K_COUNT, K_TIMEOUT, K_BOOL };

struct key {
	const char *name;
	enum kind kind;
	size_t off;
};

static const struct key retort_keys[] = {
	{ "versions_dir", K_IN_DIR, offsetof(struct rt_config, versions_dir) },
	{ "schema_file", K_IN_DIR, offsetof(struct rt_config, schema_file) },
	{ "seeds_dir", K_IN_DIR, offsetof(struct rt_config, seeds_dir) },
	{ "backup_dir", K_IN_PROJECT, offsetof(struct rt_config, backup_dir) },
	{ "retention_days", K_COUNT, offsetof(struct rt_config, retention_days) },
	{ "retention_count", K_COUNT, offsetof(struct rt_config, retention_count) },
	{ "version_table", K_STRING, offsetof(struct rt_config, version_table) },
	{ "version_schema", K_STRING, offsetof(struct rt_config, version_schema) },
	{ "lock_timeout", K_TIMEOUT, offsetof(struct rt_config, lock_timeout_ms) },
	{ "ddl_lock_timeout", K_TIMEOUT, offsetof(struct rt_config, ddl_lock_timeout_ms) },
	{ "lock_retries", K_COUNT, offsetof(struct rt_config, lock_retries) },
	{ "auto_backup", K_BOOL, offsetof(struct rt_config, auto_backup) },
};

/* The state of one parse. */
struct parse {
	struct rt_config *cfg;
	struct rt_err *err;
	const char *text;           /* the whole file */
	size_t len, pos;
	int lineno;                 /* of the line last handed to inih */
	enum section sec;
	char *sec_label;            /* "[retort]", "[env dev]": for messages */
	int sec_line;
	bool has_retort;
	struct rt_strv keys_seen;   /* in the current section */
	int default_line;           /* of the first default = true, 0 if none */
	int err_line;               /* 0 while no error */
};

/* --- paths ------------------------------------------------------------------ */

/* base/rel, or rel itself when absolute; owned by the caller. */
static char *
join_path(const char *base, const char *rel)
{
	size_t blen = strlen(base);

	if (rel[0] == '/')
		return rt_xstrdup(rel);
	while (blen > 1 && base[blen - 1] == '/')
		blen--;
	if (blen == 1 && base[0] == '/')
		return rt_xasprintf("/%s", rel);
	return rt_xasprintf("%.*s/%s", (int)blen, base, rel);
}

/* path made absolute and normalised without touching the file system (for a
 * migrations directory that does not exist yet). */
static char *
lexical_abspath(const char *path)
{
	struct rt_strv parts = { 0 };
	struct rt_buf out = { 0 };
	char cwd[PATH_MAX], *full, *tok, *save = NULL;
	size_t i;

	if (path[0] == '/' || !getcwd(cwd, sizeof(cwd)))
		full = rt_xstrdup(path);
	else
		full = join_path(cwd, path);
	for (tok = strtok_r(full, "/", &save); tok; tok = strtok_r(NULL, "/", &save)) {
		if (strcmp(tok, ".") == 0)
			continue;
		if (strcmp(tok, "..") == 0) {
			if (parts.n)
				free(parts.v[--parts.n]);
			continue;
		}
		rt_strv_push(&parts, tok);
	}
	for (i = 0; i < parts.n; i++)
		rt_buf_printf(&out, "/%s", parts.v[i]);
	if (!out.len)
		rt_buf_putc(&out, '/');
	rt_strv_free(&parts);
	free(full);
	return rt_buf_take(&out);
}

/* The absolute parent of the migrations directory. */
static char *
project_dir_of(const char *dir)
{
	char *abs = realpath(dir, NULL);
	char *slash;

	if (!abs)
		abs = lexical_abspath(dir);
	slash = strrchr(abs, '/');
	if (slash == abs)
		slash[1] = '\0';
	else if (slash)
		*slash = '\0';
	return abs;
}

/* --- values ----------------------------------------------------------------- */

static int
parse_bool(const char *v, bool *out)
{
	static const char *const yes[] = { "true", "yes", "on", "1" };
	static const char *const no[] = { "false", "no", "off", "0" };
	size_t i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(v, yes[i]) == 0)
			return *out = true, 0;
		if (strcasecmp(v, no[i]) == 0)
			return *out = false, 0;
	}
	return -1;
}

/* A whole number 0..INT_MAX. */
static int
parse_count(const char *v, int *out)
{
	char *end;
	long n;

	if (!isdigit((unsigned char)v[0]))
		return -1;
	errno = 0;
	n = strtol(v, &end, 10);
	if (errno || *end || n > INT_MAX)
		return -1;
	*out = (int)n;
	return 0;
}

/* Seconds (fractional allowed) into milliseconds; -1 or "forever" = -1. */
static int
parse_timeout(const char *v, int *out_ms)
{
	char *end;
	double s;

	if (strcmp(v, "-1") == 0 || strcasecmp(v, "forever") == 0)
		return *out_ms = -1, 0;
	if (!isdigit((unsigned char)v[0]) && v[0] != '.')
		return -1;
	errno = 0;
	s = strtod(v, &end);
	if (errno || *end || !isfinite(s) || s < 0 || s * 1000.0 > INT_MAX)
		return -1;
	*out_ms = (int)(s * 1000.0 + 0.5);  /* no lround: the engine does not link libm */
	return 0;
}

/* --- errors ----------------------------------------------------------------- */

/* Records the first error at line; later ones are ignored. Returns 0 (inih's
 * "stop" value for a handler). */
static int
fail(struct parse *p, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int
fail(struct parse *p, int line, const char *fmt, ...)
{
	char msg[sizeof(p->err->msg)];
	va_list ap;

	if (p->err_line)
		return 0;
	p->err_line = line;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	rt_err_set_at(p->err, RT_ERR_INPUT, p->cfg->path, line, "%s", msg);
	return 0;
}

/* The text of line n (1-based), for describing an inih syntax error. */
static bool
line_is_section(const struct parse *p, int n)
{
	const char *s = p->text, *end = p->text + p->len;

	while (--n > 0 && s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));

		s = nl ? nl + 1 : end;
	}
	while (s < end && (*s == ' ' || *s == '\t'))
		s++;
	return s < end && *s == '[';
}

/* s without leading and trailing white space (s is modified). */
static char *
trim(char *s)
{
	size_t n;

	while (isspace((unsigned char)*s))
		s++;
	n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}

/* --- sections --------------------------------------------------------------- */

static struct rt_env *
cur_env(struct parse *p)
{
	return &p->cfg->envs[p->cfg->nenvs - 1];
}

/* Checks the section that just ended (an env needs a url or sandbox). */
static int
end_section(struct parse *p)
{
	struct rt_env *env;

	if (p->sec != SEC_ENV)
		return 0;
	env = cur_env(p);
	if (!env->url && !env->is_sandbox)
		return fail(p, p->sec_line, "env '%s' needs url or sandbox = true", env->name),
		       -1;
	if (env->url && env->is_sandbox)
		return fail(p, p->sec_line, "env '%s' has both url and sandbox = true",
			    env->name), -1;
	return 0;
}

static bool
is_env_name(const char *s)
{
	size_t n = strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			  "0123456789_-");

	return n > 0 && n <= ENV_NAME_MAX && s[n] == '\0';
}

static int
begin_env(struct parse *p, const char *name)
{
	struct rt_config *cfg = p->cfg;
	struct rt_env *env;
	size_t i;

	if (!*name)
		return fail(p, p->lineno, "[env] needs a name: [env NAME]"), -1;
	if (!is_env_name(name))
		return fail(p, p->lineno, "bad env name '%s' (1-%d characters of "
			    "A-Z a-z 0-9 _ -)", name, ENV_NAME_MAX), -1;
	for (i = 0; i < cfg->nenvs; i++)
		if (strcmp(cfg->envs[i].name, name) == 0)
			return fail(p, p->lineno, "duplicate env '%s'", name), -1;
	cfg->envs = rt_xreallocarray(cfg->envs, cfg->nenvs + 1, sizeof(*cfg->envs));
	env = &cfg->envs[cfg->nenvs++];
	memset(env, 0, sizeof(*env));
	env->name = rt_xstrdup(name);
	env->database = rt_xstrdup("retort");
	p->sec = SEC_ENV;
	return 0;
}

/* A section header seen by the reader: "[retort]" or "[env NAME]". inner is the
 * text between the brackets. */
static int
begin_section(struct parse *p, const char *inner)
{
	size_t wlen, rlen;
	const char *rest;

	if (end_section(p) < 0)
		return -1;
	rt_strv_free(&p->keys_seen);
	p->sec_line = p->lineno;
	free(p->sec_label);
	inner += strspn(inner, " \t");
	rlen = strlen(inner);
	while (rlen && (inner[rlen - 1] == ' ' || inner[rlen - 1] == '\t'))
		rlen--;
	p->sec_label = rt_xasprintf("[%.*s]", (int)rlen, inner);
	wlen = strcspn(inner, " \t");
	if (wlen > rlen)
		wlen = rlen;
	rest = inner + wlen + strspn(inner + wlen, " \t");
	if (rest > inner + rlen)   /* "[env ]": the blanks were trimmed off rlen */
		rest = inner + rlen;
	if (wlen == 6 && strncmp(inner, "retort", 6) == 0 && wlen == rlen) {
		if (p->has_retort)
			return fail(p, p->lineno, "duplicate section [retort]"), -1;
		p->has_retort = true;
		p->sec = SEC_RETORT;
		return 0;
	}
	if (wlen == 3 && strncmp(inner, "env", 3) == 0) {
		char *name = rt_xstrndup(rest, rlen - (size_t)(rest - inner));
		int rc = begin_env(p, name);

		free(name);
		return rc;
	}
	return fail(p, p->lineno, "unknown section %s", p->sec_label), -1;
}

/* --- the inih callbacks ----------------------------------------------------- */

static int on_value(void *user, const char *section, const char *name, const char *value);

/* A "key = value" line too long for inih, read as inih would: the key ends at
 * the first '=' or ':', an inline comment starts at a ';' after a blank. */
static int
long_line(struct parse *p, const char *s, size_t len)
{
	char *line = rt_xstrndup(s, len), *sep, *key, *value, *c;
	int rc = -1;

	line[strcspn(line, "\r\n")] = '\0';
	sep = line + strcspn(line, "=:");
	if (line[0] == ';' || line[0] == '#') {
		rc = 0;
		goto out;
	}
	if (!*sep || line[0] == '[') {
		fail(p, p->lineno, "syntax error (expected key = value, a [section] or "
		     "a comment)");
		goto out;
	}
	*sep = '\0';
	value = sep + 1;
	for (c = value; *c; c++)
		if (*c == ';' && c > value && isspace((unsigned char)c[-1])) {
			*c = '\0';
			break;
		}
	key = trim(line);
	value = trim(value);
	rc = on_value(p, NULL, key, value) ? 0 : -1;
out:
	free(line);
	return rc;
}

/* fgets-like: hands inih one line at a time, counting lines and handling
 * section headers first. Returns NULL at the end or after an error. */
static char *
read_line(char *str, int num, void *stream)
{
	struct parse *p = stream;
	const char *s = p->text + p->pos, *nl;
	size_t llen, skip = 0;

	if (p->err_line || p->pos >= p->len)
		return NULL;
	nl = memchr(s, '\n', p->len - p->pos);
	llen = nl ? (size_t)(nl - s) + 1 : p->len - p->pos;
	p->pos += llen;
	p->lineno++;
	if (p->lineno == 1 && llen >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0)
		skip = 3;
	while (skip < llen && (s[skip] == ' ' || s[skip] == '\t'))
		skip++;
	s += skip;
	llen -= skip;
	if (llen + 2 > (size_t)num) {
		/* inih cuts lines at its fixed INI_MAX_LINE; long values are real
		 * (URLs), so such a line is read here and inih gets a comment */
		if (long_line(p, s, llen) < 0)
			return NULL;
		return strcpy(str, ";");
	}
	memcpy(str, s, llen);
	str[llen] = '\0';
	if (str[0] == '[' && strchr(str, ']')) {
		char *inner = rt_xstrndup(str + 1, strcspn(str + 1, "]"));
		int rc = begin_section(p, inner);

		free(inner);
		if (rc < 0)
			return NULL;
	}
	return str;
}

/* Whether s is well-formed UTF-8 (no overlongs, surrogates or > U+10FFFF). */
static bool
utf8_valid(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;

	while (*u) {
		unsigned c = *u, n, cp;

		if (c < 0x80) {
			u++;
			continue;
		}
		n = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC2 ? 1 : 0;
		if (!n || c > 0xF4)
			return false;
		cp = c & (0x3F >> n);
		for (unsigned i = 1; i <= n; i++) {
			if ((u[i] & 0xC0) != 0x80)
				return false;
			cp = (cp << 6) | (u[i] & 0x3F);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10FFFF)) ||
		    (cp >= 0xD800 && cp <= 0xDFFF))
			return false;
		u += n + 1;
	}
	return true;
}

static int
set_retort_key(struct parse *p, const struct key *k, const char *value)
{
	struct rt_config *cfg = p->cfg;
	void *field = (char *)cfg + k->off;

	switch (k->kind) {
	case K_IN_DIR:
	case K_IN_PROJECT:
		free(*(char **)field);
		*(char **)field = join_path(k->kind == K_IN_DIR ? cfg->dir : cfg->project_dir,
					    value);
		return 1;
	case K_STRING:
		/* version_table/version_schema: PostgreSQL names, at most 63 bytes; the
		 * table's primary key is "<table>_pkc", so the table gets 59 */
		if (strlen(value) > (k->off == offsetof(struct rt_config, version_table) ? 59u : 63u) ||
		    !utf8_valid(value))
			return fail(p, p->lineno, "bad name '%.63s' for '%s' (1-%d bytes of UTF-8)",
				    value, k->name,
				    k->off == offsetof(struct rt_config, version_table) ? 59 : 63);
		free(*(char **)field);
		*(char **)field = rt_xstrdup(value);
		return 1;
	case K_COUNT:
		if (parse_count(value, field) < 0)
			return fail(p, p->lineno, "bad number '%s' for '%s'", value, k->name);
		return 1;
	case K_TIMEOUT:
		if (parse_timeout(value, field) < 0)
			return fail(p, p->lineno, "bad number '%s' for '%s' (seconds, or -1 "
				    "or forever)", value, k->name);
		return 1;
	case K_BOOL:
		if (parse_bool(value, field) < 0)
			return fail(p, p->lineno, "bad boolean '%s' for '%s' (use true/false, "
				    "yes/no, on/off or 1/0)", value, k->name);
		return 1;
	}
	return 1;
}

static int
set_bool(struct parse *p, const char *name, const char *value, bool *out)
{
	if (parse_bool(value, out) < 0)
		return fail(p, p->lineno, "bad boolean '%s' for '%s' (use true/false, "
			    "yes/no, on/off or 1/0)", value, name);
	return 1;
}

static int
set_env_key(struct parse *p, const char *name, const char *value)
{
	struct rt_env *env = cur_env(p);
	struct rt_config *cfg = p->cfg;
	size_t i;

	if (strcmp(name, "url") == 0) {
		env->url = rt_xstrdup(value);
		return 1;
	}
	if (strcmp(name, "database") == 0) {
		free(env->database);
		env->database = rt_xstrdup(value);
		return 1;
	}
	if (strcmp(name, "protected") == 0)
		return set_bool(p, name, value, &env->is_protected);
	if (strcmp(name, "sandbox") == 0)
		return set_bool(p, name, value, &env->is_sandbox);
	if (strcmp(name, "default") != 0)
		return fail(p, p->lineno, "unknown key '%s' in %s", name, p->sec_label);
	if (!set_bool(p, name, value, &env->is_default))
		return 0;
	if (!env->is_default)
		return 1;
	for (i = 0; i + 1 < cfg->nenvs; i++)
		if (cfg->envs[i].is_default)
			return fail(p, p->lineno, "env '%s' is default = true, but so is env "
				    "'%s' (line %d)", env->name, cfg->envs[i].name,
				    p->default_line);
	p->default_line = p->lineno;
	return 1;
}

static int
on_value(void *user, const char *section, const char *name, const char *value)
{
	struct parse *p = user;
	size_t i;

	(void)section; /* the reader tracks sections, with their line numbers */
	if (p->err_line)
		return 0;
	if (p->sec == SEC_NONE)
		return fail(p, p->lineno, "key '%s' outside a section ([retort] or [env NAME])",
			    name);
	if (!*value)
		return fail(p, p->lineno, "empty value for '%s' in %s", name, p->sec_label);
	if (rt_strv_contains(&p->keys_seen, name))
		return fail(p, p->lineno, "duplicate key '%s' in %s", name, p->sec_label);
	rt_strv_push(&p->keys_seen, name);
	if (p->sec == SEC_ENV)
		return set_env_key(p, name, value);
	for (i = 0; i < sizeof(retort_keys) / sizeof(retort_keys[0]); i++)
		if (strcmp(name, retort_keys[i].name) == 0)
			return set_retort_key(p, &retort_keys[i], value);
	return fail(p, p->lineno, "unknown key '%s' in [retort]", name);
}

/* --- loading ---------------------------------------------------------------- */

static struct rt_config *
config_defaults(const char *dir)
{
	struct rt_config *cfg = rt_xcalloc(1, sizeof(*cfg));

	cfg->dir = rt_xstrdup(dir);
	cfg->path = join_path(dir, CONF_NAME);
	cfg->project_dir = project_dir_of(dir);
	cfg->versions_dir = join_path(dir, "versions");
	cfg->schema_file = join_path(dir, "schema.sql");
	cfg->seeds_dir = join_path(dir, "seeds");
	cfg->backup_dir = join_path(cfg->project_dir, "backups");
	cfg->retention_days = 7;
	cfg->retention_count = 0;
	cfg->auto_backup = true;
	cfg->version_table = rt_xstrdup("alembic_version");
	cfg->version_schema = NULL;
	cfg->lock_timeout_ms = 60000;
	cfg->ddl_lock_timeout_ms = 2000;
	cfg->lock_retries = 5;
	return cfg;
}

/* Reads path whole into text. 1 = read, 0 = does not exist, -1 = error. */
static int
slurp(const char *path, struct rt_buf *text, struct rt_err *err)
{
	char chunk[8192];
	struct stat sb;
	size_t n;
	FILE *f;

	f = fopen(path, "r");
	if (!f) {
		if (errno == ENOENT)
			return 0;
		rt_err_set_at(err, RT_ERR_INPUT, path, 0, "cannot read: %s", strerror(errno));
		return -1;
	}
	if (fstat(fileno(f), &sb) == 0 && S_ISDIR(sb.st_mode)) {
		fclose(f);
		rt_err_set_at(err, RT_ERR_INPUT, path, 0, "cannot read: %s", strerror(EISDIR));
		return -1;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		rt_buf_append(text, chunk, n);
	if (ferror(f)) {
		rt_err_set_at(err, RT_ERR_INPUT, path, 0, "cannot read: %s", strerror(errno));
		fclose(f);
		return -1;
	}
	fclose(f);
	return 1;
}

static int
parse_text(struct parse *p)
{
	int rc = ini_parse_stream(read_line, p, on_value, p);

	if (rc == -2) {
		rt_err_set_at(p->err, RT_ERR_RUN, p->cfg->path, 0, "out of memory");
		return -1;
	}
	if (rc > 0 && (!p->err_line || rc < p->err_line)) {
		p->err_line = 0;
		if (line_is_section(p, rc))
			fail(p, rc, "unterminated section header (expected [retort] or "
			     "[env NAME])");
		else
			fail(p, rc, "syntax error (expected key = value, a [section] or "
			     "a comment)");
	}
	if (!p->err_line)
		end_section(p);
	return p->err_line ? -1 : 0;
}

/* A password written in the file (not ${VAR}) in a file that group or
 * others may read deserves a warning: the front ends show cfg->warning. */
static void
warn_if_exposed(struct rt_config *cfg)
{
	struct stat sb;

	if (stat(cfg->path, &sb) != 0 || !(sb.st_mode & 077))
		return;
	for (size_t i = 0; i < cfg->nenvs; i++) {
		const char *url = cfg->envs[i].url;
		char *masked;
		bool has_password;

		if (!url)
			continue;
		masked = rt_url_mask(url);
		has_password = strcmp(masked, url) != 0;
		free(masked);
		if (has_password) {
			cfg->warning = rt_xasprintf("%s holds a password (env '%s') and is readable by "
						    "group or others (mode %04o): chmod 600 it, or "
						    "use ${VAR}", cfg->path, cfg->envs[i].name,
						    (unsigned)(sb.st_mode & 07777));
			return;
		}
	}
}

struct rt_config *
rt_config_load(const char *dir, struct rt_err *err)
{
	struct rt_config *cfg = config_defaults(dir);
	struct rt_buf text = { 0 };
	struct parse p = { 0 };
	int rc;

	rc = slurp(cfg->path, &text, err);
	if (rc <= 0) {
		rt_buf_free(&text);
		if (rc == 0)
			return cfg;
		rt_config_free(cfg);
		return NULL;
	}
	cfg->was_found = true;
	if (text.len && memchr(text.data, '\0', text.len)) {
		const char *nul = memchr(text.data, '\0', text.len);
		int line = 1;

		for (const char *c = text.data; c < nul; c++)
			line += *c == '\n';
		rt_err_set_at(err, RT_ERR_INPUT, cfg->path, line, "NUL byte");
		rt_buf_free(&text);
		rt_config_free(cfg);
		return NULL;
	}
	p.cfg = cfg;
	p.err = err;
	p.text = rt_buf_str(&text);
	p.len = text.len;
	rc = parse_text(&p);
	rt_strv_free(&p.keys_seen);
	free(p.sec_label);
	rt_buf_free(&text);
	if (rc < 0) {
		rt_config_free(cfg);
		return NULL;
	}
	warn_if_exposed(cfg);
	return cfg;
}

void
rt_config_free(struct rt_config *cfg)
{
	size_t i;

	if (!cfg)
		return;
	for (i = 0; i < cfg->nenvs; i++) {
		free(cfg->envs[i].name);
		free(cfg->envs[i].url);
		free(cfg->envs[i].database);
	}
	free(cfg->envs);
	free(cfg->version_schema);
	free(cfg->version_table);
	free(cfg->warning);
	free(cfg->backup_dir);
	free(cfg->seeds_dir);
	free(cfg->schema_file);
	free(cfg->versions_dir);
	free(cfg->project_dir);
	free(cfg->path);
	free(cfg->dir);
	free(cfg);
}

const struct rt_env *
rt_config_env(const struct rt_config *cfg, const char *name, struct rt_err *err)
{
	struct rt_strv names = { 0 };
	char *list;
	size_t i;

	for (i = 0; i < cfg->nenvs; i++) {
		if (name ? strcmp(cfg->envs[i].name, name) == 0 : cfg->envs[i].is_default)
			return &cfg->envs[i];
	}
	if (!name)
		return cfg->nenvs == 1 ? &cfg->envs[0] : NULL;
	if (!cfg->nenvs) {
		rt_err_set(err, RT_ERR_INPUT, "unknown env '%s' (%s defines no envs)", name,
			   cfg->path);
		return NULL;
	}
	for (i = 0; i < cfg->nenvs; i++)
		rt_strv_push(&names, cfg->envs[i].name);
	list = rt_strv_join(&names, ", ");
	rt_err_set(err, RT_ERR_INPUT, "unknown env '%s' (envs in %s: %s)", name, cfg->path,
		   list);
	free(list);
	rt_strv_free(&names);
	return NULL;
}

/* --- ${VAR} ------------------------------------------------------------------ */

char *
rt_expand_vars(const char *s, struct rt_err *err)
{
	struct rt_buf out = { 0 };
	const char *p = s;

	rt_buf_puts(&out, "");
	while (*p) {
		const char *close, *val;
		char *name;

		if (p[0] != '$' || p[1] != '{') {
			rt_buf_putc(&out, *p++);
			continue;
		}
		close = strchr(p + 2, '}');
		if (!close) {
			/* no part of s in the message: it may hold a password */
			rt_err_set(err, RT_ERR_INPUT, "unterminated '${' (expected ${NAME})");
			goto fail;
		}
		name = rt_xstrndup(p + 2, (size_t)(close - p - 2));
		if (!*name || name[strspn(name, "abcdefghijklmnopqrstuvwxyz"
					  "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")]) {
			rt_err_set(err, RT_ERR_INPUT, "bad variable name in '${...}' (expected "
				   "letters, digits and _)");
			free(name);
			goto fail;
		}
		val = getenv(name);
		if (!val) {
			rt_err_set(err, RT_ERR_INPUT, "environment variable %s is not set", name);
			free(name);
			goto fail;
		}
		free(name);
		rt_buf_puts(&out, val);
		p = close + 1;
	}
	return rt_buf_take(&out);
fail:
	rt_buf_free(&out);
	return NULL;
}
