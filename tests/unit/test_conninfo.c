/* test_conninfo.c - connection strings: parsing, the password masked, the
 * database name, and the split that keeps the password out of a child's argv. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "rt_conninfo.h"
#include "rt_err.h"
#include "rt_mem.h"

/* --- parsing ---------------------------------------------------------------------- */

static void
test_parse(void **state)
{
	struct rt_conninfo ci;
	struct rt_err err = { 0 };

	(void)state;
	assert_int_equal(rt_conninfo_parse("postgresql://u:pw@db.example:6543/app%20db"
					   "?sslmode=require", &ci, &err), 0);
	assert_string_equal(rt_conninfo_get(&ci, "host"), "db.example");
	assert_string_equal(rt_conninfo_get(&ci, "port"), "6543");
	assert_string_equal(rt_conninfo_get(&ci, "user"), "u");
	assert_string_equal(rt_conninfo_get(&ci, "password"), "pw");
	assert_string_equal(rt_conninfo_get(&ci, "dbname"), "app db");
	assert_string_equal(rt_conninfo_get(&ci, "sslmode"), "require");
	assert_null(rt_conninfo_get(&ci, "options"));
	rt_conninfo_free(&ci);
	assert_int_equal(ci.keys.n, 0);

	assert_int_equal(rt_conninfo_parse("host=/tmp dbname='x y' user=o\\'b", &ci, &err), 0);
	assert_string_equal(rt_conninfo_get(&ci, "host"), "/tmp");
	assert_string_equal(rt_conninfo_get(&ci, "dbname"), "x y");
	assert_string_equal(rt_conninfo_get(&ci, "user"), "o'b");
	rt_conninfo_free(&ci);

	/* IPv6: the brackets are the URL's, not the host's */
	assert_int_equal(rt_conninfo_parse("postgresql://[2001:db8::1]:5432/d", &ci, &err), 0);
	assert_string_equal(rt_conninfo_get(&ci, "host"), "2001:db8::1");
	rt_conninfo_free(&ci);

	/* unparseable: an error that does not quote the input */
	assert_int_equal(rt_conninfo_parse("host=h password=s3cr3tX bogus=1", &ci, &err), -1);
	assert_int_equal(err.kind, RT_ERR_INPUT);
	assert_null(strstr(err.msg, "s3cr3tX"));
	assert_null(strstr(err.detail, "s3cr3tX"));
	rt_conninfo_free(&ci);
	assert_int_equal(rt_conninfo_parse("postgresql://h/d?password=s3cr3tX&bogus=1", &ci,
					   &err), -1);
	assert_null(strstr(err.msg, "s3cr3tX"));
	rt_conninfo_free(&ci);
}

/* --- masking ------------------------------------------------------------------------ */

struct mask_case {
	const char *url;
	const char *want;       /* NULL: only check that secret is gone */
	const char *secret;     /* must not appear in the result; NULL: none */
};

static void
check_masks(const struct mask_case *cases, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char *got = rt_url_mask(cases[i].url);

		if (cases[i].want && strcmp(got, cases[i].want) != 0)
			fail_msg("mask(%s) = %s, want %s", cases[i].url, got, cases[i].want);
		if (cases[i].secret && strstr(got, cases[i].secret))
			fail_msg("mask(%s) = %s leaks %s", cases[i].url, got, cases[i].secret);
		free(got);
	}
}

static void
test_mask_url(void **state)
{
	static const struct mask_case cases[] = {
		{ "postgresql://app:hunter2@db:5432/app", "postgresql://app:****@db:5432/app",
		  "hunter2" },
		{ "postgres://app:hunter2@db/app?sslmode=require",
		  "postgres://app:****@db/app?sslmode=require", "hunter2" },
		/* the length of the password does not show either */
		{ "postgresql://app:x@db/app", "postgresql://app:****@db/app", NULL },
		/* percent-encoded: neither the encoded nor the decoded form */
		{ "postgresql://app:p%40ss%2Fw%3Ard@db/app", "postgresql://app:****@db/app",
		  "p%40ss" },
		{ "postgresql://app:p%40ss%2Fw%3Ard@db/app", NULL, "p@ss" },
		/* raw '@' and '/' in the password */
		{ "postgresql://app:a@b/c@db/app", "postgresql://app:****@db/app", "a@b" },
		/* the query parameter, alone, first, in the middle, in any case */
		{ "postgresql://db/app?password=qpass1", "postgresql://db/app?password=****",
		  "qpass1" },
		{ "postgresql://db/app?password=qpass1&sslmode=disable",
		  "postgresql://db/app?password=****&sslmode=disable", "qpass1" },
		{ "postgresql://u@db/app?sslmode=disable&Password=qpass1&connect_timeout=5",
		  "postgresql://u@db/app?sslmode=disable&Password=****&connect_timeout=5",
		  "qpass1" },
		{ "postgresql://db/app?password=q%26zyx", "postgresql://db/app?password=****",
		  "zyx" },
		{ "postgresql://u:one1@db/app?password=two2", NULL, "one1" },
		{ "postgresql://u:one1@db/app?password=two2", NULL, "two2" },
		/* IPv6 hosts: their colons are not a user:password */
		{ "postgresql://app:v6pass@[2001:db8::1]:5432/app",
		  "postgresql://app:****@[2001:db8::1]:5432/app", "v6pass" },
		{ "postgresql://app@[::1]:5432/app", "postgresql://app@[::1]:5432/app", NULL },
		{ "postgresql://[::1]:5432/app", "postgresql://[::1]:5432/app", NULL },
		{ "postgresql://[::1]/app?password=v6q", "postgresql://[::1]/app?password=****",
		  "v6q" },
		/* several hosts */
		{ "postgresql://u:mh1@h1:5432,h2:5433/app", "postgresql://u:****@h1:5432,h2:5433/app",
		  "mh1" },
		/* no password: unchanged */
		{ "postgresql://app@db/app", "postgresql://app@db/app", NULL },
		{ "postgresql:///app?host=/var/run/postgresql",
		  "postgresql:///app?host=/var/run/postgresql", NULL },
		{ "postgresql://", "postgresql://", NULL },
	};

	(void)state;
	check_masks(cases, sizeof(cases) / sizeof(cases[0]));
}

static void
test_mask_keyvalue(void **state)
{
	static const struct mask_case cases[] = {
		{ "host=db user=app password=kvpass dbname=app",
		  "host=db user=app password=**** dbname=app", "kvpass" },
		/* quoted, with a blank */
		{ "host=db password='a b' dbname=app", "host=db password='****' dbname=app", "a b" },
		{ "host=db password='zq wv' dbname=app", NULL, "zq" },
		{ "host=db password='zq wv' dbname=app", NULL, "wv" },
		/* an escaped quote, unquoted and quoted */
		{ "host=db password=x\\'y dbname=app", "host=db password=**** dbname=app", "'y" },
		{ "host=db password=xq\\'yz dbname=app", NULL, "xq" },
		{ "host=db password=xq\\'yz dbname=app", NULL, "yz" },
		{ "host=db password='it\\'s ok' dbname=app", "host=db password='****' dbname=app",
		  "ok" },
		/* blanks around '=' */
		{ "host=db password = spaced1 dbname=app", "host=db password = **** dbname=app",
		  "spaced1" },
		{ "host=db sslpassword=keypw dbname=app", "host=db sslpassword=**** dbname=app",
		  "keypw" },
		/* a URL as the dbname */
		{ "dbname='postgresql://u:nested9@h/d' host=x", NULL, "nested9" },
		/* what libpq could not read is hidden to the end */
		{ "host=db password", "host=db ****", NULL },
		{ "password='never closed", "password='****", "closed" },
		{ "host=db user=app dbname=app", "host=db user=app dbname=app", NULL },
		{ "", "", NULL },
	};

	(void)state;
	check_masks(cases, sizeof(cases) / sizeof(cases[0]));
}

/* --- the database name ------------------------------------------------------------- */

static void
expect_dbname(const char *url, const char *want)
{
	char *got = rt_url_dbname(url);

	if (!want) {
		if (got)
			fail_msg("dbname(%s) = %s, want NULL", url, got);
		return;
	}
	if (!got || strcmp(got, want) != 0)
		fail_msg("dbname(%s) = %s, want %s", url, got ? got : "NULL", want);
	free(got);
}

static void
test_dbname(void **state)
{
	char *s;

	(void)state;
	unsetenv("PGDATABASE");
	unsetenv("PGUSER");
	expect_dbname("postgresql://u:p@h:5432/app_db?sslmode=disable", "app_db");
	expect_dbname("postgresql://h/my%20db", "my db");
	expect_dbname("postgresql://h?dbname=fromquery", "fromquery");
	expect_dbname("postgresql://[::1]:5432/v6db", "v6db");
	expect_dbname("host=h dbname='x y' user=z", "x y");
	/* no dbname: the user, as libpq does */
	expect_dbname("postgresql://bob@h", "bob");
	expect_dbname("postgresql://bob@h/", "bob");
	expect_dbname("host=h user=carol", "carol");
	/* $PGDATABASE comes before the user, $PGUSER after it */
	setenv("PGDATABASE", "envdb", 1);
	expect_dbname("postgresql://bob@h", "envdb");
	expect_dbname("postgresql://bob@h/written", "written");
	unsetenv("PGDATABASE");
	setenv("PGUSER", "envuser", 1);
	expect_dbname("postgresql://h", "envuser");
	expect_dbname("postgresql://bob@h", "bob");
	unsetenv("PGUSER");
	/* nothing at all: the login name */
	s = rt_url_dbname("postgresql://h");
	assert_non_null(s);
	assert_true(*s != '\0');
	free(s);
	expect_dbname("host=h = bad", NULL);
	expect_dbname("postgresql://h/db?nosuchoption=1", NULL);
}

/* --- the split for a child ------------------------------------------------------------ */

/* Splits url; checks the password came out as want_pw, that secret (the
 * password as written, and as libpq reads it) is nowhere in the conninfo,
 * and that the conninfo reads back as url without its password. */
static void
check_split(const char *url, const char *want_pw, const char *secret)
{
	struct rt_conninfo a, b;
	struct rt_err err = { 0 };
	char *conninfo = NULL, *pw = NULL;

	if (rt_conninfo_split(url, &conninfo, &pw, &err) != 0)
		fail_msg("split(%s): %s", url, err.msg);
	assert_non_null(conninfo);
	if (want_pw ? !pw || strcmp(pw, want_pw) != 0 : pw != NULL)
		fail_msg("split(%s): password %s, want %s", url, pw ? pw : "NULL",
			 want_pw ? want_pw : "NULL");
	if (secret && strstr(conninfo, secret))
		fail_msg("split(%s): conninfo %s holds %s", url, conninfo, secret);
	if (want_pw && strstr(conninfo, want_pw))
		fail_msg("split(%s): conninfo %s holds %s", url, conninfo, want_pw);
	if (strstr(conninfo, "password="))
		fail_msg("split(%s): conninfo %s has a password", url, conninfo);

	/* the same connection otherwise: every keyword and value */
	assert_int_equal(rt_conninfo_parse(url, &a, NULL), 0);
	assert_int_equal(rt_conninfo_parse(conninfo, &b, NULL), 0);
	assert_null(rt_conninfo_get(&b, "password"));
	for (size_t i = 0; i < a.keys.n; i++) {
		const char *v = rt_conninfo_get(&b, a.keys.v[i]);

		if (strcmp(a.keys.v[i], "password") == 0)
			continue;
		if (!v || strcmp(v, a.vals.v[i]) != 0)
			fail_msg("split(%s): %s is %s in %s, want %s", url, a.keys.v[i],
				 v ? v : "NULL", conninfo, a.vals.v[i]);
	}
	assert_int_equal(b.keys.n, a.keys.n - (want_pw ? 1 : 0));
	rt_conninfo_free(&a);
	rt_conninfo_free(&b);
	free(conninfo);
	free(pw);
}

static void
test_split(void **state)
{
	struct rt_err err = { 0 };
	char *conninfo = (char *)"x", *pw = (char *)"x";

	(void)state;
	check_split("postgresql://app:hunter2@db:5432/app?sslmode=require", "hunter2", "hunter2");
	check_split("postgresql://app:p%40ss%2Fw@db/app", "p@ss/w", "p%40ss");
	check_split("postgresql://db/app?user=u&password=qpass1", "qpass1", "qpass1");
	check_split("postgresql://app:v6pass@[2001:db8::1]:5432/app", "v6pass", "v6pass");
	check_split("host=db user=app password='a b' dbname=app", "a b", "a b");
	check_split("host=db password=x\\'y dbname=app", "x'y", "x'y");
	/* values that need quoting in a conninfo survive the round trip */
	check_split("host=/var/run/postgresql user=o\\'brien dbname='my \\\\ db' password=k",
		    "k", NULL);
	check_split("postgresql://h1:5432,h2:5433/app?target_session_attrs=read-write",
		    NULL, NULL);
	check_split("postgresql://app@db/app", NULL, NULL);

	assert_int_equal(rt_conninfo_split("host=db password=s3cr3tX bogus=1", &conninfo, &pw,
					   &err), -1);
	assert_null(conninfo);
	assert_null(pw);
	assert_int_equal(err.kind, RT_ERR_INPUT);
	assert_null(strstr(err.msg, "s3cr3tX"));
}

static void
brief_is(const char *url, const char *want)
{
	char *got = rt_url_brief(url);

	assert_string_equal(got, want);
	free(got);
}

static void
test_brief(void **state)
{
	(void)state;
	brief_is("postgresql://u:secret@db.example.com:5433/app", "app on db.example.com:5433");
	brief_is("postgresql://postgres@/app?host=/tmp/rt-test.x1/sock",
		 "app on socket .../rt-test.x1/sock");
	brief_is("postgresql://postgres@/app?host=/sock", "app on socket /sock");
	brief_is("postgresql:///app", "app on local");
	brief_is("host=h1 port=6000 dbname=d password=secret", "d on h1:6000");
	/* unparsable: masked, never the password */
	brief_is("postgresql://u:secret@h/app?bogus=1", "postgresql://u:****@h/app?bogus=1");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_mask_url),
		cmocka_unit_test(test_mask_keyvalue),
		cmocka_unit_test(test_dbname),
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_brief),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
