/* test_config.c - retort.conf loading, envs, ${VAR} expansion, URL masking. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rt_config.h"
#include "rt_err.h"
#include "rt_mem.h"

static char base[PATH_MAX];
static int ndirs;

/* A new PROJECT/migrations under the test's temporary directory, holding
 * retort.conf with text (no file when text is NULL). Owned by the caller. */
static char *
make_conf(const char *text)
{
	char *proj = rt_xasprintf("%s/p%d", base, ++ndirs);
	char *dir = rt_xasprintf("%s/migrations", proj);

	assert_int_equal(mkdir(proj, 0755), 0);
	assert_int_equal(mkdir(dir, 0755), 0);
	if (text) {
		char *path = rt_xasprintf("%s/retort.conf", dir);
		FILE *f = fopen(path, "w");

		assert_non_null(f);
		fputs(text, f);
		fclose(f);
		free(path);
	}
	free(proj);
	return dir;
}

/* Loads text; expects success. */
static struct rt_config *
load_ok(const char *text, char **dirp)
{
	struct rt_err err = { 0 };
	char *dir = make_conf(text);
	struct rt_config *cfg = rt_config_load(dir, &err);

	if (!cfg)
		fail_msg("unexpected error: %s", err.msg);
	if (dirp)
		*dirp = dir;
	else
		free(dir);
	return cfg;
}

/* Loads text; expects RT_ERR_INPUT with "PATH:" + want. */
static void
load_fails(const char *text, const char *want)
{
	struct rt_err err = { 0 };
	char *dir = make_conf(text);
	struct rt_config *cfg = rt_config_load(dir, &err);
	char *full = rt_xasprintf("%s/retort.conf:%s", dir, want);

	assert_null(cfg);
	assert_int_equal(err.kind, RT_ERR_INPUT);
	assert_string_equal(err.msg, full);
	free(full);
	free(dir);
}

static int
rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb, (void)flag, (void)ftw;
	return remove(path);
}

static int
group_setup(void **state)
{
	const char *tmp = getenv("TMPDIR");

	(void)state;
	snprintf(base, sizeof(base), "%s/rt-config.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	return mkdtemp(base) ? 0 : -1;
}

static int
group_teardown(void **state)
{
	(void)state;
	return nftw(base, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* --- loading ---------------------------------------------------------------- */

static void
test_defaults_when_missing(void **state)
{
	char *dir, *want, real[PATH_MAX];
	struct rt_config *cfg;

	(void)state;
	cfg = load_ok(NULL, &dir);
	assert_false(cfg->was_found);
	assert_string_equal(cfg->dir, dir);
	want = rt_xasprintf("%s/retort.conf", dir);
	assert_string_equal(cfg->path, want);
	free(want);
	assert_non_null(realpath(dir, real));
	*strrchr(real, '/') = '\0';
	assert_string_equal(cfg->project_dir, real);
	want = rt_xasprintf("%s/versions", dir);
	assert_string_equal(cfg->versions_dir, want);
	free(want);
	want = rt_xasprintf("%s/schema.sql", dir);
	assert_string_equal(cfg->schema_file, want);
	free(want);
	want = rt_xasprintf("%s/seeds", dir);
	assert_string_equal(cfg->seeds_dir, want);
	free(want);
	want = rt_xasprintf("%s/backups", real);
	assert_string_equal(cfg->backup_dir, want);
	free(want);
	assert_int_equal(cfg->retention_days, 7);
	assert_int_equal(cfg->retention_count, 0);
	assert_true(cfg->auto_backup);
	assert_string_equal(cfg->version_table, "alembic_version");
	assert_null(cfg->version_schema);
	assert_int_equal(cfg->lock_timeout_ms, 60000);
	assert_int_equal(cfg->nenvs, 0);
	assert_null(rt_config_env(cfg, NULL, NULL));
	rt_config_free(cfg);
	free(dir);
}

static void
test_empty_file(void **state)
{
	struct rt_config *cfg = load_ok("", NULL);

	(void)state;
	assert_true(cfg->was_found);
	assert_int_equal(cfg->nenvs, 0);
	assert_int_equal(cfg->retention_days, 7);
	rt_config_free(cfg);
}

static void
test_project_dir_of_missing_dir(void **state)
{
	struct rt_err err = { 0 };
	char *dir = rt_xasprintf("%s/nowhere/x/../migrations/", base);
	char *want = rt_xasprintf("%s/nowhere", base);
	struct rt_config *cfg = rt_config_load(dir, &err);
	char real[PATH_MAX];

	(void)state;
	assert_non_null(cfg);
	assert_false(cfg->was_found);
	/* base itself may sit behind a symlink (/tmp on some systems) */
	assert_non_null(realpath(base, real));
	if (strcmp(real, base) == 0)
		assert_string_equal(cfg->project_dir, want);
	assert_string_equal(cfg->versions_dir + strlen(dir) - 1, "/versions");
	rt_config_free(cfg);
	free(want);
	free(dir);
}

static void
test_every_key(void **state)
{
	char *dir, *want;
	struct rt_config *cfg;

	(void)state;
	cfg = load_ok("; a comment\n"
		      "# another\n"
		      "[retort]\n"
		      "versions_dir = revs\n"
		      "schema_file = /abs/schema.sql\n"
		      "seeds_dir = data/seeds\n"
		      "backup_dir = var/backups\n"
		      "retention_days = 30\n"
		      "retention_count = 5\n"
		      "auto_backup = off\n"
		      "version_table = my_version\n"
		      "version_schema = meta\n"
		      "lock_timeout = 2.5\n", &dir);
	assert_true(cfg->was_found);
	want = rt_xasprintf("%s/revs", dir);
	assert_string_equal(cfg->versions_dir, want);
	free(want);
	assert_string_equal(cfg->schema_file, "/abs/schema.sql");
	want = rt_xasprintf("%s/data/seeds", dir);
	assert_string_equal(cfg->seeds_dir, want);
	free(want);
	want = rt_xasprintf("%s/var/backups", cfg->project_dir);
	assert_string_equal(cfg->backup_dir, want);
	free(want);
	assert_int_equal(cfg->retention_days, 30);
	assert_int_equal(cfg->retention_count, 5);
	assert_false(cfg->auto_backup);
	assert_string_equal(cfg->version_table, "my_version");
	assert_string_equal(cfg->version_schema, "meta");
	assert_int_equal(cfg->lock_timeout_ms, 2500);
	rt_config_free(cfg);
	free(dir);
}

static void
test_lock_timeout_forms(void **state)
{
	static const struct {
		const char *text;
		int ms;
	} cases[] = {
		{ "[retort]\nlock_timeout = 0\n", 0 },
		{ "[retort]\nlock_timeout = 10\n", 10000 },
		{ "[retort]\nlock_timeout = 0.001\n", 1 },
		{ "[retort]\nlock_timeout = .5\n", 500 },
		{ "[retort]\nlock_timeout = -1\n", -1 },
		{ "[retort]\nlock_timeout = forever\n", -1 },
		{ "[retort]\nlock_timeout = FOREVER\n", -1 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct rt_config *cfg = load_ok(cases[i].text, NULL);

		assert_int_equal(cfg->lock_timeout_ms, cases[i].ms);
		rt_config_free(cfg);
	}
}

static void
test_envs(void **state)
{
	struct rt_config *cfg;
	const struct rt_env *e;

	(void)state;
	cfg = load_ok("[env dev]\n"
		      "sandbox = true\n"
		      "database = app\n"
		      "default = yes\n"
		      "\n"
		      "[env prod-2_x]\n"
		      "url = postgresql://app:s3cret@db.example/app\n"
		      "protected = on\n"
		      "[env ci]\n"
		      "url = ${DATABASE_URL}\n"
		      "protected = 0\n"
		      "sandbox = off\n"
		      "default = false\n", NULL);
	assert_int_equal(cfg->nenvs, 3);
	e = &cfg->envs[0];
	assert_string_equal(e->name, "dev");
	assert_null(e->url);
	assert_string_equal(e->database, "app");
	assert_true(e->is_sandbox);
	assert_true(e->is_default);
	assert_false(e->is_protected);
	e = &cfg->envs[1];
	assert_string_equal(e->name, "prod-2_x");
	assert_string_equal(e->url, "postgresql://app:s3cret@db.example/app");
	assert_string_equal(e->database, "retort");
	assert_true(e->is_protected);
	assert_false(e->is_sandbox);
	assert_false(e->is_default);
	e = &cfg->envs[2];
	assert_string_equal(e->url, "${DATABASE_URL}");
	assert_false(e->is_protected);
	assert_false(e->is_sandbox);
	assert_false(e->is_default);
	assert_ptr_equal(rt_config_env(cfg, NULL, NULL), &cfg->envs[0]);
	assert_ptr_equal(rt_config_env(cfg, "ci", NULL), &cfg->envs[2]);
	assert_ptr_equal(rt_config_env(cfg, "prod-2_x", NULL), &cfg->envs[1]);
	rt_config_free(cfg);
}

static void
test_booleans(void **state)
{
	static const char *const yes[] = { "true", "TRUE", "yes", "Yes", "on", "1" };
	static const char *const no[] = { "false", "False", "no", "NO", "off", "0" };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		char *text = rt_xasprintf("[env a]\nsandbox = %s\nprotected = %s\n", yes[i],
					  no[i]);
		struct rt_config *cfg = load_ok(text, NULL);

		assert_true(cfg->envs[0].is_sandbox);
		assert_false(cfg->envs[0].is_protected);
		rt_config_free(cfg);
		free(text);
	}
}

static void
test_default_env_selection(void **state)
{
	struct rt_config *cfg;
	struct rt_err err = { 0 };

	(void)state;
	/* the only env is the default */
	cfg = load_ok("[env solo]\nurl = postgresql:///x\n", NULL);
	assert_ptr_equal(rt_config_env(cfg, NULL, &err), &cfg->envs[0]);
	rt_config_free(cfg);
	/* several, none marked: no default, and no error */
	cfg = load_ok("[env a]\nurl = postgresql:///a\n[env b]\nurl = postgresql:///b\n", NULL);
	assert_null(rt_config_env(cfg, NULL, &err));
	assert_int_equal(err.kind, RT_ERR_NONE);
	rt_config_free(cfg);
	/* the marked one, even when it comes last */
	cfg = load_ok("[env a]\nurl = postgresql:///a\n[env b]\nurl = postgresql:///b\n"
		      "default = true\n", NULL);
	assert_string_equal(rt_config_env(cfg, NULL, &err)->name, "b");
	rt_config_free(cfg);
}

static void
test_unknown_env(void **state)
{
	struct rt_err err = { 0 };
	struct rt_config *cfg;
	char *dir, *want;

	(void)state;
	cfg = load_ok("[env dev]\nsandbox = true\n[env prod]\nurl = postgresql:///p\n", &dir);
	assert_null(rt_config_env(cfg, "staging", &err));
	assert_int_equal(err.kind, RT_ERR_INPUT);
	want = rt_xasprintf("unknown env 'staging' (envs in %s/retort.conf: dev, prod)", dir);
	assert_string_equal(err.msg, want);
	free(want);
	rt_config_free(cfg);
	free(dir);

	cfg = load_ok(NULL, &dir);
	assert_null(rt_config_env(cfg, "dev", &err));
	want = rt_xasprintf("unknown env 'dev' (%s/retort.conf defines no envs)", dir);
	assert_string_equal(err.msg, want);
	free(want);
	rt_config_free(cfg);
	free(dir);
}

static void
test_syntax_tolerance(void **state)
{
	struct rt_config *cfg;

	(void)state;
	/* BOM, CRLF, indentation, inline comments, blank lines, spaces in headers */
	cfg = load_ok("\xEF\xBB\xBF[retort]\r\n"
		      "   retention_days = 3 ; three days\r\n"
		      "\r\n"
		      "\t[ env   dev ]\r\n"
		      "\tsandbox=true\r\n"
		      "  database = app\r\n", NULL);
	assert_int_equal(cfg->retention_days, 3);
	assert_int_equal(cfg->nenvs, 1);
	assert_string_equal(cfg->envs[0].name, "dev");
	assert_string_equal(cfg->envs[0].database, "app");
	rt_config_free(cfg);
}

/* --- error messages ------------------------------------------------------------ */

static void
test_errors(void **state)
{
	static const struct {
		const char *text;
		const char *msg;
	} cases[] = {
		{ "[retort]\nretention_days = 3\nfoo = 1\n",
		  "3: unknown key 'foo' in [retort]" },
		{ "[env dev]\nsandbox = true\nuser = x\n",
		  "3: unknown key 'user' in [env dev]" },
		{ "[retort]\n\n[database]\n", "3: unknown section [database]" },
		{ "[retort extra]\n", "1: unknown section [retort extra]" },
		{ "[env dev]\nsandbox = maybe\n",
		  "2: bad boolean 'maybe' for 'sandbox' (use true/false, yes/no, on/off or 1/0)" },
		{ "[env dev]\nsandbox = true\nprotected = 2\n",
		  "3: bad boolean '2' for 'protected' (use true/false, yes/no, on/off or 1/0)" },
		{ "[retort]\nretention_days = ten\n", "2: bad number 'ten' for 'retention_days'" },
		{ "[retort]\nauto_backup = sometimes\n",
		  "2: bad boolean 'sometimes' for 'auto_backup' (use true/false, yes/no, on/off or 1/0)" },
		{ "[retort]\nretention_count = -3\n", "2: bad number '-3' for 'retention_count'" },
		{ "[retort]\nretention_days = 99999999999\n",
		  "2: bad number '99999999999' for 'retention_days'" },
		{ "[retort]\nlock_timeout = soon\n",
		  "2: bad number 'soon' for 'lock_timeout' (seconds, or -1 or forever)" },
		{ "[retort]\nlock_timeout = -2\n",
		  "2: bad number '-2' for 'lock_timeout' (seconds, or -1 or forever)" },
		{ "[retort]\nlock_timeout = 1e12\n",
		  "2: bad number '1e12' for 'lock_timeout' (seconds, or -1 or forever)" },
		{ "[env dev]\nsandbox = true\n[env dev]\nsandbox = true\n",
		  "3: duplicate env 'dev'" },
		{ "[env a]\nurl = postgresql:///a\ndefault = true\n"
		  "[env b]\nurl = postgresql:///b\ndefault = true\n",
		  "6: env 'b' is default = true, but so is env 'a' (line 3)" },
		{ "[retort]\n[env prod]\nprotected = true\n\n[env dev]\nsandbox = true\n",
		  "2: env 'prod' needs url or sandbox = true" },
		{ "[env prod]\nprotected = true\n", "1: env 'prod' needs url or sandbox = true" },
		{ "[env prod]\n", "1: env 'prod' needs url or sandbox = true" },
		{ "[env x]\nurl = postgresql:///x\nsandbox = true\n",
		  "1: env 'x' has both url and sandbox = true" },
		{ "[env]\n", "1: [env] needs a name: [env NAME]" },
		{ "[env a.b]\n", "1: bad env name 'a.b' (1-64 characters of A-Z a-z 0-9 _ -)" },
		{ "[env a b]\n", "1: bad env name 'a b' (1-64 characters of A-Z a-z 0-9 _ -)" },
		{ "[env aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa]\n",
		  "1: bad env name "
		  "'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' "
		  "(1-64 characters of A-Z a-z 0-9 _ -)" },
		{ "[retort]\nretention_days = 1\nretention_days = 2\n",
		  "3: duplicate key 'retention_days' in [retort]" },
		{ "[env d]\nsandbox = true\nsandbox = false\n",
		  "3: duplicate key 'sandbox' in [env d]" },
		{ "[retort]\n[retort]\n", "2: duplicate section [retort]" },
		{ "# top\nretention_days = 1\n",
		  "2: key 'retention_days' outside a section ([retort] or [env NAME])" },
		{ "[retort]\nretention_days\n",
		  "2: syntax error (expected key = value, a [section] or a comment)" },
		{ "[retort]\n[env dev\nsandbox = true\n",
		  "2: unterminated section header (expected [retort] or [env NAME])" },
		{ "[retort]\nversions_dir =\n", "2: empty value for 'versions_dir' in [retort]" },
		/* the first error wins, whichever finds it */
		{ "[retort]\nnonsense\nfoo = 1\n",
		  "2: syntax error (expected key = value, a [section] or a comment)" },
		{ "[retort]\nfoo = 1\nnonsense\n", "2: unknown key 'foo' in [retort]" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		load_fails(cases[i].text, cases[i].msg);
}

static void
test_long_line(void **state)
{
	struct rt_buf text = { 0 }, url = { 0 };
	struct rt_config *cfg;
	size_t i;

	(void)state;
	/* longer than inih's own line buffer (200 bytes) */
	rt_buf_puts(&url, "postgresql://u@h/db?application_name=");
	for (i = 0; i < 300; i++)
		rt_buf_putc(&url, 'x');
	rt_buf_printf(&text, "[env a]\n  url = %s ; a comment\r\n", rt_buf_str(&url));
	rt_buf_puts(&text, "default = true\n");
	cfg = load_ok(rt_buf_str(&text), NULL);
	assert_string_equal(cfg->envs[0].url, rt_buf_str(&url));
	assert_true(cfg->envs[0].is_default);
	rt_config_free(cfg);

	rt_buf_reset(&text);
	rt_buf_printf(&text, "[env a]\nurl %s\n", strrchr(rt_buf_str(&url), '=') + 1);
	load_fails(rt_buf_str(&text),
		   "2: syntax error (expected key = value, a [section] or a comment)");
	rt_buf_reset(&text);
	rt_buf_printf(&text, "[env a]\nsandbox = true\nurl = %s\n", rt_buf_str(&url));
	load_fails(rt_buf_str(&text), "1: env 'a' has both url and sandbox = true");
	rt_buf_reset(&text);
	rt_buf_printf(&text, "[env a]\nurl = x\nurl = %s\n", rt_buf_str(&url));
	load_fails(rt_buf_str(&text), "3: duplicate key 'url' in [env a]");
	rt_buf_reset(&text);
	rt_buf_printf(&text, "# %s\n[env a]\nurl = x\n", rt_buf_str(&url));
	cfg = load_ok(rt_buf_str(&text), NULL);
	assert_string_equal(cfg->envs[0].url, "x");
	rt_config_free(cfg);
	rt_buf_free(&text);
	rt_buf_free(&url);
}

static void
test_password_in_config_allowed(void **state)
{
	struct rt_config *cfg = load_ok("[env p]\nurl = host=db password='a b;c' dbname=x\n",
					NULL);

	(void)state;
	assert_string_equal(cfg->envs[0].url, "host=db password='a b;c' dbname=x");
	rt_config_free(cfg);
}

static void
test_unreadable_config(void **state)
{
	struct rt_err err = { 0 };
	char *dir = make_conf(NULL);
	char *path = rt_xasprintf("%s/retort.conf", dir);
	char *want = rt_xasprintf("%s: cannot read: Is a directory", path);

	(void)state;
	assert_int_equal(mkdir(path, 0755), 0);
	assert_null(rt_config_load(dir, &err));
	assert_int_equal(err.kind, RT_ERR_INPUT);
	assert_string_equal(err.msg, want);
	free(want);
	free(path);
	free(dir);
}

/* --- ${VAR} ------------------------------------------------------------------- */

static void
test_expand_vars(void **state)
{
	struct rt_err err = { 0 };
	char *s;

	(void)state;
	setenv("RT_TEST_URL", "postgresql://u@h/db", 1);
	setenv("RT_TEST_PW", "p@ss", 1);
	unsetenv("RT_TEST_UNSET");

	s = rt_expand_vars("${RT_TEST_URL}", &err);
	assert_string_equal(s, "postgresql://u@h/db");
	free(s);
	s = rt_expand_vars("host=h password=${RT_TEST_PW} x=${RT_TEST_PW}", &err);
	assert_string_equal(s, "host=h password=p@ss x=p@ss");
	free(s);
	s = rt_expand_vars("no vars, $$ and $HOME and $ stay", &err);
	assert_string_equal(s, "no vars, $$ and $HOME and $ stay");
	free(s);
	s = rt_expand_vars("$${RT_TEST_PW}", &err);
	assert_string_equal(s, "$p@ss");
	free(s);
	s = rt_expand_vars("", &err);
	assert_string_equal(s, "");
	free(s);

	assert_null(rt_expand_vars("x${RT_TEST_UNSET}y", &err));
	assert_int_equal(err.kind, RT_ERR_INPUT);
	assert_string_equal(err.msg, "environment variable RT_TEST_UNSET is not set");

	rt_err_clear(&err);
	assert_null(rt_expand_vars("postgresql://u:secret@h/${RT_TEST_URL", &err));
	assert_int_equal(err.kind, RT_ERR_INPUT);
	assert_string_equal(err.msg, "unterminated '${' (expected ${NAME})");
	assert_null(strstr(err.msg, "secret"));

	rt_err_clear(&err);
	assert_null(rt_expand_vars("${}", &err));
	assert_string_equal(err.msg, "bad variable name in '${...}' (expected letters, "
			    "digits and _)");
	assert_null(rt_expand_vars("${A-B}", &err));
	assert_int_equal(err.kind, RT_ERR_INPUT);
}

/* --- masking -------------------------------------------------------------------- */

static void
test_url_mask(void **state)
{
	static const struct {
		const char *url;
		const char *want;
		const char *secret;   /* must not appear in the result */
	} cases[] = {
		{ "postgresql://app:s3cretpw@db.example:5432/app",
		  "postgresql://app:****@db.example:5432/app", "s3cretpw" },
		{ "postgres://app:s3cretpw@db/app?sslmode=require",
		  "postgres://app:****@db/app?sslmode=require", "s3cretpw" },
		{ "postgresql://app@db/app", "postgresql://app@db/app", NULL },
		{ "postgresql:///app", "postgresql:///app", NULL },
		{ "postgresql://app:@db/app", "postgresql://app:@db/app", NULL },
		/* a raw '@', ':' or '/' inside the password */
		{ "postgresql://app:p@ss:w/rd@db/app", "postgresql://app:****@db/app",
		  "ss:w/rd" },
		{ "postgresql://app:pa%40ss@db/app", "postgresql://app:****@db/app", "pa%40ss" },
		/* query parameters */
		{ "postgresql://db/app?user=u&password=qs3cret&sslmode=require",
		  "postgresql://db/app?user=u&password=****&sslmode=require", "qs3cret" },
		{ "postgresql://db/app?password=qs3cret", "postgresql://db/app?password=****",
		  "qs3cret" },
		{ "postgresql://db/app?PASSWORD=qs3cret", "postgresql://db/app?PASSWORD=****",
		  "qs3cret" },
		{ "postgresql://db/app?pass%77ord=qs3cret", "postgresql://db/app?pass%77ord=****",
		  "qs3cret" },
		{ "postgresql://db/app?sslpassword=keypass1",
		  "postgresql://db/app?sslpassword=****",
		  "keypass1" },
		{ "postgresql://db/app?password=a&b&sslmode=disable",
		  "postgresql://db/app?password=****&sslmode=disable", "a&b" },
		{ "postgresql://u@db/app?password=p@ssw0rd", NULL, "ssw0rd" },
		{ "postgresql://u:one1@db/app?password=two2", NULL, "one1" },
		{ "postgresql://u:one1@db/app?password=two2", NULL, "two2" },
		/* key=value conninfo */
		{ "host=db user=app password=kv5ecret dbname=app",
		  "host=db user=app password=**** dbname=app", "kv5ecret" },
		{ "host=db password = 'with sp\\'ace' dbname=app",
		  "host=db password = '****' dbname=app", "sp" },
		{ "password='unterminated secret", "password='****", "secret" },
		{ "host=db password", "host=db ****", NULL },
		{ "host=db password secretword", "host=db ****", "secretword" },
		{ "host=db sslpassword=kp1 dbname=x", "host=db sslpassword=**** dbname=x", "kp1" },
		{ "dbname='postgresql://u:nested1@h/d' host=x", NULL, "nested1" },
		{ "host=/var/run/postgresql dbname=app", "host=/var/run/postgresql dbname=app",
		  NULL },
		{ "app", "app", NULL },
		{ "", "", NULL },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = rt_url_mask(cases[i].url);

		if (cases[i].want && strcmp(got, cases[i].want) != 0)
			fail_msg("mask(%s) = %s, want %s", cases[i].url, got, cases[i].want);
		if (cases[i].secret && strstr(got, cases[i].secret))
			fail_msg("mask(%s) = %s leaks %s", cases[i].url, got, cases[i].secret);
		free(got);
	}
}

/* --- the database name ------------------------------------------------------------ */

static void
test_url_dbname(void **state)
{
	char *s;

	(void)state;
	unsetenv("PGDATABASE");
	unsetenv("PGUSER");
	s = rt_url_dbname("postgresql://u:p@h:5432/app_db?sslmode=disable");
	assert_string_equal(s, "app_db");
	free(s);
	s = rt_url_dbname("postgresql://h/my%20db");
	assert_string_equal(s, "my db");
	free(s);
	s = rt_url_dbname("host=h dbname='x y' user=z");
	assert_string_equal(s, "x y");
	free(s);
	s = rt_url_dbname("postgresql://bob@h");
	assert_string_equal(s, "bob");
	free(s);
	s = rt_url_dbname("host=h user=carol");
	assert_string_equal(s, "carol");
	free(s);
	/* libpq's order: $PGDATABASE before the user */
	setenv("PGDATABASE", "fromenv", 1);
	s = rt_url_dbname("postgresql://bob@h");
	assert_string_equal(s, "fromenv");
	free(s);
	unsetenv("PGDATABASE");
	setenv("PGUSER", "envuser", 1);
	s = rt_url_dbname("postgresql://h");
	assert_string_equal(s, "envuser");
	free(s);
	unsetenv("PGUSER");
	s = rt_url_dbname("postgresql://h");
	assert_non_null(s);
	assert_true(strlen(s) > 0);
	free(s);
	assert_null(rt_url_dbname("host=h = bad"));
	assert_null(rt_url_dbname("postgresql://h/db?nosuchoption=1"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults_when_missing),
		cmocka_unit_test(test_empty_file),
		cmocka_unit_test(test_project_dir_of_missing_dir),
		cmocka_unit_test(test_every_key),
		cmocka_unit_test(test_lock_timeout_forms),
		cmocka_unit_test(test_envs),
		cmocka_unit_test(test_booleans),
		cmocka_unit_test(test_default_env_selection),
		cmocka_unit_test(test_unknown_env),
		cmocka_unit_test(test_syntax_tolerance),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_long_line),
		cmocka_unit_test(test_password_in_config_allowed),
		cmocka_unit_test(test_unreadable_config),
		cmocka_unit_test(test_expand_vars),
		cmocka_unit_test(test_url_mask),
		cmocka_unit_test(test_url_dbname),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
