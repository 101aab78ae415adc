/* test_migration.c - unit tests for the migration file parser (rt_migration.h). */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <dirent.h>
#include <fcntl.h>
#include <cmocka.h>

#include "rt_err.h"
#include "rt_mem.h"
#include "rt_migration.h"

#define FIXTURES RT_SRCDIR "/tests/fixtures"

#define HEAD "-- retort:revision abc\n-- retort:down_revision none\n"
#define SECTIONS "-- retort:upgrade\nSELECT 1;\n-- retort:downgrade\nSELECT 2;\n"

static struct rt_rev *
load_good(const char *name)
{
	struct rt_err err = { 0 };
	char *path = rt_xasprintf("%s/good/%s", FIXTURES, name);
	struct rt_rev *rev = rt_rev_load(path, &err);

	if (!rev)
		fail_msg("%s: %s", name, err.msg);
	assert_int_equal(err.kind, RT_ERR_NONE);
	assert_string_equal(rev->path, path);
	free(path);
	return rev;
}

static struct rt_rev *
parse_ok(const char *text)
{
	struct rt_err err = { 0 };
	struct rt_rev *rev = rt_rev_parse("m.sql", text, strlen(text), &err);

	if (!rev)
		fail_msg("unexpected error: %s", err.msg);
	return rev;
}

/* Parses len bytes of text and checks the error message exactly. */
static void
parse_bad(const char *text, size_t len, const char *msg)
{
	struct rt_err err = { 0 };

	assert_null(rt_rev_parse("m.sql", text, len, &err));
	assert_int_equal(err.kind, RT_ERR_INPUT);
	assert_string_equal(err.msg, msg);
}

static void
test_good_crlf_bom(void **state)
{
	struct rt_rev *rev = load_good("crlf_bom.sql");

	(void)state;
	assert_string_equal(rev->id, "0a1b2c3d4e5f");
	assert_int_equal(rev->ndown, 0);
	assert_null(rev->down);
	assert_int_equal(rev->ndepends, 0);
	assert_int_equal(rev->nlabels, 0);
	assert_string_equal(rev->message, "create users table");
	assert_string_equal(rev->created, "2025-10-24T10:00:00Z");
	assert_true(rev->is_transactional);
	assert_string_equal(rev->upgrade,
		"CREATE TABLE users (\n    id bigint PRIMARY KEY,\n    name text NOT NULL\n);\n");
	assert_string_equal(rev->downgrade, "DROP TABLE users;\n");
	assert_null(rev->verify);
	assert_int_equal(rev->upgrade_line, 6);
	assert_int_equal(rev->upgrade_body_line, 7);
	assert_int_equal(rev->downgrade_line, 12);
	assert_int_equal(rev->downgrade_body_line, 13);
	assert_int_equal(rev->verify_line, 0);
	assert_int_equal(rev->verify_body_line, 0);
	/* the digest covers the raw bytes, BOM and CRs included (sha256sum) */
	assert_string_equal(rev->sha256,
		"f5fe236a9421005491fa28504a5c9e5a41b02468a549d4d2d8ca2a339a8c62ec");
	rt_rev_free(rev);
}

static void
test_good_dollar_quoted(void **state)
{
	struct rt_rev *rev = load_good("dollar_quoted.sql");

	(void)state;
	assert_string_equal(rev->id, "7c1e0b9a8d2f");
	assert_int_equal(rev->ndown, 1);
	assert_string_equal(rev->down[0], "0a1b2c3d4e5f");
	assert_string_equal(rev->message, "add touch() trigger function, h\xc3\xa9llo");
	assert_null(rev->created);
	assert_true(rev->is_transactional);
	/* leading and trailing blank lines trimmed, the inner one kept */
	assert_string_equal(rev->upgrade,
		"CREATE FUNCTION touch() RETURNS trigger AS $body$\n"
		"BEGIN\n"
		"    NEW.updated_at := now();  -- ; inside\n"
		"\n"
		"    RETURN NEW;\n"
		"END;\n"
		"$body$ LANGUAGE plpgsql;\n");
	assert_string_equal(rev->downgrade, "DROP FUNCTION touch();\n");
	assert_int_equal(rev->upgrade_line, 7);
	assert_int_equal(rev->upgrade_body_line, 10);
	assert_int_equal(rev->downgrade_line, 19);
	assert_int_equal(rev->downgrade_body_line, 20);
	rt_rev_free(rev);
}

static void
test_good_merge(void **state)
{
	struct rt_rev *rev = load_good("merge.sql");

	(void)state;
	assert_string_equal(rev->id, "4b2a9c1d3e5f");
	assert_int_equal(rev->ndown, 3);
	assert_string_equal(rev->down[0], "7c1e0b9a8d2f");
	assert_string_equal(rev->down[1], "9f8e7d6c5b4a");
	assert_string_equal(rev->down[2], "deadbeef0001");
	assert_int_equal(rev->ndepends, 2);
	assert_string_equal(rev->depends[0], "1234567890ab");
	assert_string_equal(rev->depends[1], "schema_v2");
	assert_int_equal(rev->nlabels, 2);
	assert_string_equal(rev->labels[0], "main");
	assert_string_equal(rev->labels[1], "billing_2");
	assert_string_equal(rev->message, "merge heads");
	assert_string_equal(rev->created, "2025-10-25T08:30:00Z");
	assert_true(rev->is_transactional);
	/* both bodies are empty: allowed by the parser, lint complains */
	assert_string_equal(rev->upgrade, "");
	assert_string_equal(rev->downgrade, "");
	assert_int_equal(rev->upgrade_line, 9);
	assert_int_equal(rev->upgrade_body_line, 10);
	assert_int_equal(rev->downgrade_line, 10);
	assert_int_equal(rev->downgrade_body_line, 11);
	rt_rev_free(rev);
}

static void
test_good_no_transaction(void **state)
{
	struct rt_rev *rev = load_good("no_transaction.sql");

	(void)state;
	assert_string_equal(rev->id, "9f8e7d6c5b4a");
	assert_int_equal(rev->ndown, 1);
	assert_string_equal(rev->down[0], "0a1b2c3d4e5f");
	assert_string_equal(rev->message, "");
	assert_false(rev->is_transactional);
	assert_string_equal(rev->upgrade,
		"CREATE INDEX CONCURRENTLY users_name_idx ON users (name);\n");
	/* the last line has no LF in the file; the body still ends in one */
	assert_string_equal(rev->downgrade, "DROP INDEX CONCURRENTLY users_name_idx;\n");
	assert_non_null(rev->verify);
	assert_string_equal(rev->verify, "SELECT name FROM users LIMIT 0;\n");
	assert_int_equal(rev->upgrade_line, 5);
	assert_int_equal(rev->verify_line, 8);
	assert_int_equal(rev->verify_body_line, 9);
	assert_int_equal(rev->downgrade_line, 11);
	rt_rev_free(rev);
}

/* The messages of txcheck.c, in bad_files and the test_txcontrol_* cases. */
#define TX_ADVICE ": retort runs each revision in one transaction; remove it, " \
	"or use '-- retort:transaction off'"
#define TX_ENDS " ends the revision's own transaction early" TX_ADVICE
#define TX_NO_SP " names no savepoint open at this point of section "
#define NOTX_RULE ": a 'transaction off' section may hold BEGIN ... COMMIT blocks, " \
	"not nested, each closed in the section that opens it"

static const struct {
	const char *file;
	const char *msg;     /* after "path:" */
} bad_files[] = {
	{ "empty.sql", "1: empty file" },
	{ "nul_byte.sql", "6: NUL byte" },
	{ "invalid_utf8.sql", "6: invalid UTF-8" },
	{ "unknown_directive.sql", "4: unknown directive 'retort:revison'" },
	{ "unknown_directive_in_body.sql", "10: unknown directive 'retort:downgarde'" },
	{ "empty_directive.sql", "4: unknown directive 'retort:'" },
	{ "duplicate_header.sql", "4: duplicate header 'message' (first on line 3)" },
	{ "duplicate_section.sql", "10: duplicate section 'upgrade' (first on line 5)" },
	{ "missing_revision.sql", "1: missing header 'revision'" },
	{ "missing_down_revision.sql", "1: missing header 'down_revision'" },
	{ "missing_upgrade.sql", "6: missing section 'upgrade'" },
	{ "missing_downgrade.sql", "9: missing section 'downgrade'" },
	{ "invalid_revision_chars.sql",
	  "1: invalid revision id 'ABC-123' (expected 1-32 characters of [0-9a-z_])" },
	{ "invalid_revision_long.sql",
	  "1: invalid revision id 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'"
	  " (expected 1-32 characters of [0-9a-z_])" },
	{ "revision_none.sql", "1: revision id 'none' is reserved" },
	{ "invalid_down_revision.sql", "2: invalid revision id 'x.y' in down_revision" },
	{ "invalid_depends_on.sql", "4: invalid revision id 'Bad' in depends_on" },
	{ "self_down_revision.sql", "1: revision 'abc' lists itself as its down_revision" },
	{ "self_depends_on.sql", "4: revision 'abc' lists itself in depends_on" },
	{ "duplicate_down_id.sql", "2: duplicate id 'abc' in down_revision" },
	{ "none_mixed.sql", "2: 'none' mixed with revision ids in down_revision" },
	{ "bad_transaction.sql", "4: invalid transaction value 'maybe' (expected on or off)" },
	{ "missing_value.sql", "1: header 'revision' has no value" },
	{ "section_junk.sql", "5: unexpected text after '-- retort:upgrade'" },
	{ "header_after_section.sql", "7: header 'revision' after a section" },
	{ "sql_before_section.sql",
	  "4: SQL before the first section (expected -- retort:upgrade)" },
	{ "invalid_branch_label.sql",
	  "4: invalid branch label 'Not-ok' (expected 1-32 characters of [0-9a-z_])" },
	{ "duplicate_branch_label.sql", "4: duplicate branch label 'x'" },
	{ "header_line_too_long.sql", "3: header line too long (over 4096 bytes)" },
	/* control characters in header values: PostgreSQL ends a comment at a CR */
	{ "message_cr.sql", "3: header 'message' holds U+000D, a control character"
	  " (a header value is one line of printable text)" },
	{ "directive_cr.sql", "3: header 'message' holds U+000D, a control character"
	  " (a header value is one line of printable text)" },
	{ "message_escape.sql", "3: header 'message' holds U+001B, a control character"
	  " (a header value is one line of printable text)" },
	{ "message_c1.sql", "3: header 'message' holds U+009B, a control character"
	  " (a header value is one line of printable text)" },
	{ "message_del.sql", "3: header 'message' holds U+007F, a control character"
	  " (a header value is one line of printable text)" },
	{ "message_bidi.sql", "3: header 'message' holds U+202E, a control character"
	  " (a header value is one line of printable text)" },
	{ "created_vtab.sql", "3: header 'created' holds U+000B, a control character"
	  " (a header value is one line of printable text)" },
	/* transaction control in a body (txcheck.c), one per command */
	{ "tx_begin.sql",
	  "6: BEGIN inside the revision's own transaction" TX_ADVICE },
	{ "tx_start_transaction.sql",
	  "6: START TRANSACTION inside the revision's own transaction" TX_ADVICE },
	{ "tx_commit.sql", "7: COMMIT" TX_ENDS },
	{ "tx_end.sql", "8: END" TX_ENDS },
	{ "tx_rollback.sql", "7: ROLLBACK" TX_ENDS },
	{ "tx_abort.sql", "7: ABORT" TX_ENDS },
	{ "tx_prepare_transaction.sql", "7: PREPARE TRANSACTION" TX_ENDS },
	{ "tx_commit_prepared.sql",
	  "6: COMMIT PREPARED cannot run inside the revision's own transaction" TX_ADVICE },
	{ "tx_rollback_prepared.sql",
	  "9: ROLLBACK PREPARED cannot run inside the revision's own transaction" TX_ADVICE },
	{ "tx_verify_commit.sql", "13: COMMIT" TX_ENDS },
	{ "tx_release_unknown.sql", "8: RELEASE SAVEPOINT before_b"
	  TX_NO_SP "'upgrade' (the server would refuse it)" },
	{ "tx_rollback_to_unknown.sql", "12: ROLLBACK TO SAVEPOINT sp1"
	  TX_NO_SP "'downgrade' (the server would refuse it)" },
	{ "txoff_begin_unclosed.sql",
	  "8: BEGIN without a COMMIT after it in section 'upgrade'" NOTX_RULE },
	{ "txoff_begin_nested.sql",
	  "9: START TRANSACTION inside the transaction begun on line 7" NOTX_RULE },
	{ "txoff_commit_stray.sql",
	  "8: COMMIT without a BEGIN before it in section 'upgrade'" NOTX_RULE },
	{ "psql_meta.sql", "7: \\! rm -rf /tmp/nothing is a psql meta-command, not SQL: the "
	  "server cannot run it, and psql would run it from 'upgrade --sql'; remove it" },
	{ "txoff_savepoint_outside.sql", "8: SAVEPOINT outside a BEGIN ... COMMIT block: a "
	  "'transaction off' revision runs each statement on its own (the server would "
	  "refuse it)" },
};

/* Bad fixtures whose fault lies past the first section marker (or is a
 * missing section after it): a header-only load accepts them (a full load
 * still fails). */
static const char *const body_only_faults[] = {
	"duplicate_section.sql", "header_after_section.sql", "invalid_utf8.sql",
	"missing_downgrade.sql", "missing_upgrade.sql", "nul_byte.sql",
	"unknown_directive_in_body.sql",
	"tx_abort.sql", "tx_begin.sql", "tx_commit.sql", "tx_commit_prepared.sql", "tx_end.sql",
	"tx_prepare_transaction.sql", "tx_release_unknown.sql", "tx_rollback.sql",
	"tx_rollback_prepared.sql", "tx_rollback_to_unknown.sql", "tx_start_transaction.sql",
	"tx_verify_commit.sql", "txoff_begin_nested.sql", "txoff_begin_unclosed.sql",
	"txoff_commit_stray.sql", "txoff_savepoint_outside.sql", "psql_meta.sql",
};

static void
test_bad_fixtures(void **state)
{
	size_t i, nfail = 0;

	(void)state;
	for (i = 0; i < sizeof(bad_files) / sizeof(bad_files[0]); i++) {
		struct rt_err err = { 0 };
		char *path = rt_xasprintf("%s/bad/%s", FIXTURES, bad_files[i].file);
		char *want = rt_xasprintf("%s:%s", path, bad_files[i].msg);
		struct rt_rev *rev = rt_rev_load(path, &err);

		if (rev || err.kind != RT_ERR_INPUT || strcmp(err.msg, want) != 0) {
			print_message("# %s\n#   want: %s\n#   got:  %s\n", bad_files[i].file, want,
				rev ? "(parsed)" : err.msg);
			nfail++;
		}
		rt_rev_free(rev);
		free(want);
		free(path);
	}
	assert_int_equal(nfail, 0);
}

/* Every file in tests/fixtures/bad must be listed above, so that a new
 * fixture cannot go untested. */
static void
test_bad_fixtures_all_listed(void **state)
{
	DIR *dir = opendir(FIXTURES "/bad");
	struct dirent *de;
	size_t i, n = 0;

	(void)state;
	assert_non_null(dir);
	while ((de = readdir(dir)) != NULL) {
		bool found = false;

		if (de->d_name[0] == '.')
			continue;
		for (i = 0; i < sizeof(bad_files) / sizeof(bad_files[0]); i++)
			found = found || strcmp(bad_files[i].file, de->d_name) == 0;
		if (!found)
			print_message("# untested fixture: %s\n", de->d_name);
		assert_true(found);
		n++;
	}
	closedir(dir);
	assert_int_equal(n, sizeof(bad_files) / sizeof(bad_files[0]));
}

static void
test_crlf_bom_same_as_lf(void **state)
{
	const char *lf = HEAD "-- retort:message m\n\n-- retort:upgrade\n\nSELECT 1;\n\n"
		"SELECT 2;\n\n-- retort:downgrade\nSELECT 3;\n";
	const char *crlf = "\xef\xbb\xbf-- retort:revision abc\r\n-- retort:down_revision none\r\n"
		"-- retort:message m\r\n\r\n-- retort:upgrade\r\n\r\nSELECT 1;\r\n\r\n"
		"SELECT 2;\r\n\r\n-- retort:downgrade\r\nSELECT 3;";
	struct rt_rev *a = parse_ok(lf);
	struct rt_rev *b = parse_ok(crlf);

	(void)state;
	assert_string_equal(a->upgrade, "SELECT 1;\n\nSELECT 2;\n");
	assert_string_equal(b->upgrade, a->upgrade);
	assert_string_equal(b->downgrade, a->downgrade);
	assert_string_equal(b->message, "m");
	assert_int_equal(b->upgrade_line, a->upgrade_line);
	assert_int_equal(b->upgrade_body_line, 7);
	assert_int_equal(a->upgrade_body_line, 7);
	assert_int_equal(b->downgrade_line, 11);
	assert_string_not_equal(a->sha256, b->sha256);
	rt_rev_free(a);
	rt_rev_free(b);
}

static void
test_directive_syntax(void **state)
{
	struct rt_rev *rev;

	(void)state;
	/* tabs and no space after "--"; an indented directive is a plain comment */
	rev = parse_ok("--\tretort:revision\tabc  \n--retort:down_revision  none\n"
		"  -- retort:revision ignored\n-- retort:message\n-- retort:depends_on none\n"
		"-- Retort:upgrade is a comment too\n" SECTIONS);
	assert_string_equal(rev->id, "abc");
	assert_int_equal(rev->ndown, 0);
	assert_int_equal(rev->ndepends, 0);
	assert_string_equal(rev->message, "");
	assert_string_equal(rev->upgrade, "SELECT 1;\n");
	assert_int_equal(rev->upgrade_line, 7);
	rt_rev_free(rev);
	/* downgrade may come first; a message keeps inner spaces */
	rev = parse_ok(HEAD "-- retort:message  a  b \n"
		"-- retort:downgrade\nx\n-- retort:upgrade\ny");
	assert_string_equal(rev->message, "a  b");
	assert_string_equal(rev->downgrade, "x\n");
	assert_string_equal(rev->upgrade, "y\n");
	rt_rev_free(rev);
}

/* Header values are one line of printable text: every control character
 * but the tab is refused, in every header, wherever it is in the line. */
static void
test_header_controls(void **state)
{
	static const char *const bad[] = {
		"\r", "\x01", "\x1b", "\x0c", "\x0b", "\x7f",       /* C0, DEL */
		"\xc2\x80", "\xc2\x85", "\xc2\x9b", "\xc2\x9f",     /* C1 */
		"\xe2\x80\xaa", "\xe2\x80\xae", "\xe2\x81\xa6", "\xe2\x81\xa9",   /* bidi */
		"\xe2\x80\xa8", "\xe2\x80\xa9",                     /* line, paragraph sep. */
	};
	/* each with text after the character: "\r\n" ends a line as "\n" does */
	static const char *const lines[] = {
		"-- retort:message a%sb\n", "-- retort:message ab%s \n", "-- retort:message%sab\n",
		"-- retort:message %sab\n", "-- retort:created 2025%s-01\n",
		"-- retort:depends_on x%sy\n", "-- retort:branch_labels x%sy\n",
		"-- retort:transaction off%s \n", "-- retort:revision%sabc\n",
	};
	const char *text;
	struct rt_rev *rev;
	unsigned cp = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		for (size_t k = 0; k < sizeof(lines) / sizeof(*lines); k++) {
			struct rt_err err = { 0 };
			char *line = rt_xasprintf(lines[k], bad[i]);
			char *file = rt_xasprintf(HEAD "%s" SECTIONS, line);

			rev = rt_rev_parse("m.sql", file, strlen(file), &err);
			if (rev || err.kind != RT_ERR_INPUT || !strstr(err.msg, "a control character"))
				fail_msg("#%zu in '%s': %s", i, lines[k], rev ? "parsed" : err.msg);
			rt_rev_free(rev);
			free(file);
			free(line);
		}
	/* the line ends are not part of a value, nor is the tab a control here */
	rev = parse_ok(HEAD "-- retort:message a\tb \xc3\xa9 \xe2\x80\x8f \xd7\xa9\xd7\x9c\r\n"
		SECTIONS);
	assert_string_equal(rev->message, "a\tb \xc3\xa9 \xe2\x80\x8f \xd7\xa9\xd7\x9c");
	rt_rev_free(rev);
	/* not in a key either, nor in a section marker */
	text = HEAD "-- retort:mess\x1b" "age x\n" SECTIONS;
	parse_bad(text, strlen(text), "m.sql:3: U+001B, a control character, in a retort "
		  "directive line");
	text = HEAD "-- retort:upgrade\rDROP TABLE t;\n-- retort:downgrade\n";
	parse_bad(text, strlen(text), "m.sql:3: U+000D, a control character, in a retort "
		  "directive line");
	/* the check itself, as retort revision -m uses it */
	assert_int_equal(rt_rev_header_text_bad("ab\tc", 4, &cp), 4);
	assert_int_equal(rt_rev_header_text_bad("a\xc3\xa9\x1b", 4, &cp), 3);
	assert_int_equal(cp, 0x1b);
	assert_int_equal(rt_rev_header_text_bad("a\xc3", 2, &cp), 1);
	assert_int_equal(cp, 0xfffd);
	assert_int_equal(rt_rev_header_text_bad("\xe2\x80\xae", 3, &cp), 0);
	assert_int_equal(cp, 0x202e);
}

static void
test_markers_inside_dollar_quotes(void **state)
{
	/* markers are recognised line by line, even inside a dollar quote */
	struct rt_rev *rev = parse_ok(HEAD "-- retort:upgrade\nDO $$\n-- retort:downgrade\n$$;\n");

	(void)state;
	assert_string_equal(rev->upgrade, "DO $$\n");
	assert_string_equal(rev->downgrade, "$$;\n");
	rt_rev_free(rev);
	/* ... and other lines inside bodies, comments included, are kept verbatim */
	rev = parse_ok(HEAD "-- retort:upgrade\n  -- note\n\t\n  x  \n \n-- retort:downgrade\n");
	assert_string_equal(rev->upgrade, "  -- note\n\t\n  x  \n");
	rt_rev_free(rev);
}

static void
test_utf8(void **state)
{
	static const char ok[] = HEAD "-- retort:message \xf0\x9f\x98\x80 \xe2\x82\xac\n" SECTIONS;
	struct rt_rev *rev = parse_ok(ok);

	(void)state;
	assert_string_equal(rev->message, "\xf0\x9f\x98\x80 \xe2\x82\xac");
	rt_rev_free(rev);
	parse_bad(HEAD "\xc0\x80", sizeof(HEAD) + 1, "m.sql:3: invalid UTF-8");
	parse_bad(HEAD "\xed\xa0\x80", sizeof(HEAD) + 2, "m.sql:3: invalid UTF-8");
	parse_bad(HEAD "\xf4\x90\x80\x80", sizeof(HEAD) + 3, "m.sql:3: invalid UTF-8");
	parse_bad(HEAD "\xe0\x80\xaf", sizeof(HEAD) + 2, "m.sql:3: invalid UTF-8");
	parse_bad(HEAD "\xe2\x82", sizeof(HEAD) + 1, "m.sql:3: invalid UTF-8");
	parse_bad("\n\n\x80", 3, "m.sql:3: invalid UTF-8");
	parse_bad("a\0b", 3, "m.sql:1: NUL byte");
	parse_bad("\xef\xbb\xbf", 3, "m.sql:1: empty file");
	parse_bad("\n", 1, "m.sql:1: missing header 'revision'");
}

static void
test_more_errors(void **state)
{
	(void)state;
	parse_bad(HEAD SECTIONS "-- retort:verify x\n",
		sizeof(HEAD SECTIONS "-- retort:verify x\n") - 1,
		"m.sql:7: unexpected text after '-- retort:verify'");
	parse_bad(HEAD "-- retort:upgrade\n-- retort:upgrade\n", sizeof(HEAD) - 1 + 36,
		"m.sql:4: duplicate section 'upgrade' (first on line 3)");
	parse_bad(HEAD "/* c */\n" SECTIONS, sizeof(HEAD "/* c */\n" SECTIONS) - 1,
		"m.sql:3: SQL before the first section (expected -- retort:upgrade)");
	parse_bad(HEAD "-- retort:transaction\n" SECTIONS,
		sizeof(HEAD "-- retort:transaction\n" SECTIONS) - 1,
		"m.sql:3: header 'transaction' has no value");
	parse_bad(HEAD "-- retort:transaction OFF\n" SECTIONS,
		sizeof(HEAD "-- retort:transaction OFF\n" SECTIONS) - 1,
		"m.sql:3: invalid transaction value 'OFF' (expected on or off)");
	parse_bad("-- retort:revision a b\n", 23,
		"m.sql:1: invalid revision id 'a b' (expected 1-32 characters of [0-9a-z_])");
	parse_bad(HEAD "-- retort:depends_on x y x\n" SECTIONS,
		sizeof(HEAD "-- retort:depends_on x y x\n" SECTIONS) - 1,
		"m.sql:3: duplicate id 'x' in depends_on");
	parse_bad(HEAD "-- retort:upgrade\n", sizeof(HEAD) - 1 + 18,
		"m.sql:3: missing section 'downgrade'");
	/* a NULL err is allowed */
	assert_null(rt_rev_parse("m.sql", "x", 1, NULL));
}

static void
test_load_errors(void **state)
{
	struct rt_err err = { 0 };
	char path[] = "/tmp/rt_test_migration_XXXXXX";
	int fd;

	(void)state;
	assert_null(rt_rev_load("/nonexistent/dir/x.sql", &err));
	assert_int_equal(err.kind, RT_ERR_INPUT);
	assert_string_equal(err.msg,
		"/nonexistent/dir/x.sql: cannot read: No such file or directory");
	assert_null(rt_rev_load(FIXTURES, &err));
	assert_int_equal(err.kind, RT_ERR_INPUT);
	assert_string_equal(err.msg, FIXTURES ": cannot read: Is a directory");
	/* a sparse file just over the limit */
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, ((off_t)64 << 20) + 1), 0);
	close(fd);
	rt_err_clear(&err);
	assert_null(rt_rev_load(path, &err));
	unlink(path);
	assert_int_equal(err.kind, RT_ERR_INPUT);
	{
		char *want = rt_xasprintf("%s: file is larger than 64 MiB", path);

		assert_string_equal(err.msg, want);
		free(want);
	}
	rt_rev_free(NULL);
}

/* Compares everything a header-only parse keeps with a full parse. */
static void
assert_same_headers(const struct rt_rev *h, const struct rt_rev *full)
{
	assert_true(h->is_headers_only);
	assert_false(full->is_headers_only);
	assert_string_equal(h->id, full->id);
	assert_int_equal(h->ndown, full->ndown);
	for (size_t i = 0; i < h->ndown; i++)
		assert_string_equal(h->down[i], full->down[i]);
	assert_int_equal(h->ndepends, full->ndepends);
	for (size_t i = 0; i < h->ndepends; i++)
		assert_string_equal(h->depends[i], full->depends[i]);
	assert_int_equal(h->nlabels, full->nlabels);
	for (size_t i = 0; i < h->nlabels; i++)
		assert_string_equal(h->labels[i], full->labels[i]);
	assert_string_equal(h->message, full->message);
	if (full->created)
		assert_string_equal(h->created, full->created);
	else
		assert_null(h->created);
	assert_int_equal(h->is_transactional, full->is_transactional);
	assert_string_equal(h->path, full->path);
	assert_null(h->upgrade);
	assert_null(h->downgrade);
	assert_null(h->verify);
	assert_int_equal(h->upgrade_line, 0);
	assert_string_equal(h->sha256, "");
}

static bool
is_body_only_fault(const char *name)
{
	for (size_t i = 0; i < sizeof(body_only_faults) / sizeof(*body_only_faults); i++)
		if (strcmp(body_only_faults[i], name) == 0)
			return true;
	return false;
}

static void
test_headers_only_fixtures(void **state)
{
	static const char *const good[] = {
		"crlf_bom.sql", "dollar_quoted.sql", "merge.sql", "no_transaction.sql",
	};
	int dirfd = open(FIXTURES "/good", O_RDONLY | O_DIRECTORY);
	struct rt_buf scratch = { 0 };
	size_t i;

	(void)state;
	assert_true(dirfd >= 0);
	for (i = 0; i < sizeof(good) / sizeof(*good); i++) {
		struct rt_err err = { 0 };
		struct rt_rev *full = load_good(good[i]);
		struct rt_rev *h = rt_rev_load_at(dirfd, good[i], full->path, RT_REV_HEADERS_ONLY,
			&scratch, &err);

		if (!h)
			fail_msg("%s: %s", good[i], err.msg);
		assert_same_headers(h, full);
		rt_rev_free(h);
		/* a full load through the directory's fd is rt_rev_load */
		h = rt_rev_load_at(dirfd, good[i], full->path, 0, &scratch, &err);
		assert_non_null(h);
		assert_false(h->is_headers_only);
		assert_string_equal(h->sha256, full->sha256);
		assert_string_equal(h->upgrade, full->upgrade);
		assert_string_equal(h->downgrade, full->downgrade);
		rt_rev_free(h);
		rt_rev_free(full);
	}
	close(dirfd);
	/* bad files: the same error as a full load, unless the fault is in a body */
	for (i = 0; i < sizeof(bad_files) / sizeof(bad_files[0]); i++) {
		struct rt_err err = { 0 }, herr = { 0 };
		char *path = rt_xasprintf("%s/bad/%s", FIXTURES, bad_files[i].file);
		struct rt_rev *full = rt_rev_load(path, &err);
		struct rt_rev *h = rt_rev_load_at(AT_FDCWD, path, path, RT_REV_HEADERS_ONLY,
			&scratch, &herr);

		assert_null(full);
		if (is_body_only_fault(bad_files[i].file)) {
			if (!h)
				fail_msg("%s: header-only load failed: %s", bad_files[i].file, herr.msg);
		} else {
			if (h)
				fail_msg("%s: header-only load accepted it", bad_files[i].file);
			assert_int_equal(herr.kind, RT_ERR_INPUT);
			assert_string_equal(herr.msg, err.msg);
		}
		rt_rev_free(h);
		free(path);
	}
	rt_buf_free(&scratch);
}

static void
test_headers_only_parse(void **state)
{
	static const char junk[] =
		HEAD "-- retort:message m\n-- retort:upgrade\n\xff\0-- retort:bogus\n";
	struct rt_err err = { 0 };
	struct rt_rev *rev;
	const char *text;

	(void)state;
	/* stops at the first marker: what follows is not looked at */
	rev = rt_rev_parse_headers("m.sql", junk, sizeof(junk) - 1, &err);
	if (!rev)
		fail_msg("%s", err.msg);
	assert_string_equal(rev->message, "m");
	assert_true(rev->is_headers_only);
	assert_null(rev->upgrade);
	rt_rev_free(rev);
	/* no section at all: the whole file was read, as a full parse reports */
	text = HEAD "\n";
	assert_null(rt_rev_parse_headers("m.sql", text, strlen(text), &err));
	assert_string_equal(err.msg, "m.sql:3: missing section 'upgrade'");
	/* the marker line itself is checked */
	text = HEAD "-- retort:downgrade x\n";
	assert_null(rt_rev_parse_headers("m.sql", text, strlen(text), &err));
	assert_string_equal(err.msg, "m.sql:3: unexpected text after '-- retort:downgrade'");
	/* self references are header faults */
	text = "-- retort:revision abc\n-- retort:down_revision abc\n-- retort:upgrade\n";
	assert_null(rt_rev_parse_headers("m.sql", text, strlen(text), &err));
	assert_string_equal(err.msg, "m.sql:2: revision 'abc' lists itself as its down_revision");
}

/* Writes text (len bytes) to a new temporary file; returns its path (free it). */
static char *
temp_file(const char *text, size_t len)
{
	char *path = rt_xstrdup("/tmp/rt_test_migration_XXXXXX");
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	close(fd);
	return path;
}

static void
test_header_line_limit(void **state)
{
	enum { BIG = 10 << 20 };
	struct rt_buf b = { 0 };
	struct rt_err err = { 0 };
	struct rt_rev *rev;
	char *path, *want;
	size_t pad;

	(void)state;
	/* a line of exactly RT_REV_HEADER_LINE_MAX bytes is fine, one more is not */
	pad = RT_REV_HEADER_LINE_MAX - strlen("-- retort:message ");
	rt_buf_puts(&b, HEAD "-- retort:message ");
	for (size_t i = 0; i < pad; i++)
		rt_buf_putc(&b, 'm');
	rt_buf_puts(&b, "\n" SECTIONS);
	rev = parse_ok(rt_buf_str(&b));
	assert_int_equal(strlen(rev->message), pad);
	rt_rev_free(rev);
	rt_buf_reset(&b);
	rt_buf_puts(&b, HEAD "-- retort:message ");
	for (size_t i = 0; i <= pad; i++)
		rt_buf_putc(&b, 'm');
	rt_buf_puts(&b, "\r\n" SECTIONS);
	parse_bad(b.data, b.len, "m.sql:3: header line too long (over 4096 bytes)");
	/* a 10 MB message line, parsed whole and loaded header-only from a file */
	rt_buf_reset(&b);
	rt_buf_puts(&b, HEAD "-- retort:message ");
	while (b.len < BIG)
		rt_buf_puts(&b, "h\xc3\xa9llo ");
	rt_buf_puts(&b, "\n" SECTIONS);
	parse_bad(b.data, b.len, "m.sql:3: header line too long (over 4096 bytes)");
	path = temp_file(b.data, b.len);
	want = rt_xasprintf("%s:3: header line too long (over 4096 bytes)", path);
	assert_null(rt_rev_load_at(AT_FDCWD, path, path, RT_REV_HEADERS_ONLY, NULL, &err));
	assert_string_equal(err.msg, want);
	assert_null(rt_rev_load(path, &err));
	assert_string_equal(err.msg, want);
	unlink(path);
	free(path);
	free(want);
	/* the same for a comment line in the header block; body lines are not limited */
	rt_buf_reset(&b);
	rt_buf_puts(&b, HEAD "-- ");
	while (b.len < 3 * RT_REV_HEADER_LINE_MAX)
		rt_buf_puts(&b, "comment ");
	rt_buf_puts(&b, "\n" SECTIONS);
	parse_bad(b.data, b.len, "m.sql:3: header line too long (over 4096 bytes)");
	rt_buf_reset(&b);
	rt_buf_puts(&b, HEAD "-- retort:upgrade\nSELECT '");
	while (b.len < 3 * RT_REV_HEADER_LINE_MAX)
		rt_buf_puts(&b, "long literal ");
	rt_buf_puts(&b, "';\n-- retort:downgrade\n");
	rev = parse_ok(rt_buf_str(&b));
	assert_true(strlen(rev->upgrade) > 2 * RT_REV_HEADER_LINE_MAX);
	rt_rev_free(rev);
	rt_buf_free(&b);
}

/* A header block longer than one read: the loader keeps reading. */
static void
test_headers_only_long_block(void **state)
{
	struct rt_buf b = { 0 };
	struct rt_err err = { 0 };
	struct rt_rev *full, *h;
	char *path;

	(void)state;
	rt_buf_puts(&b, "\xef\xbb\xbf-- retort:revision abc\r\n");
	for (int i = 0; i < 300; i++)
		rt_buf_printf(&b, "-- comment line %d of the header block, h\xc3\xa9llo\r\n", i);
	rt_buf_puts(&b, "-- retort:down_revision x y\r\n-- retort:branch_labels l1 l2\r\n"
		"-- retort:message late message\r\n-- retort:transaction off\r\n"
		"-- retort:downgrade\r\nDROP TABLE t;\r\n-- retort:upgrade\r\nCREATE TABLE t ();\r\n");
	assert_true(b.len > 3 * 4096);
	path = temp_file(b.data, b.len);
	full = rt_rev_load(path, &err);
	h = rt_rev_load_at(AT_FDCWD, path, path, RT_REV_HEADERS_ONLY, NULL, &err);
	if (!full || !h)
		fail_msg("%s", err.msg);
	assert_same_headers(h, full);
	assert_string_equal(h->message, "late message");
	assert_int_equal(h->ndown, 2);
	assert_false(h->is_transactional);
	rt_rev_free(h);
	rt_rev_free(full);
	unlink(path);
	free(path);
	rt_buf_free(&b);
}

static void
test_id_valid(void **state)
{
	(void)state;
	assert_true(rt_rev_id_valid("a"));
	assert_true(rt_rev_id_valid("0"));
	assert_true(rt_rev_id_valid("_"));
	assert_true(rt_rev_id_valid("4b2a9c1d3e5f"));
	assert_true(rt_rev_id_valid("abcdefghijklmnopqrstuvwxyz_01234"));   /* 32 */
	assert_false(rt_rev_id_valid("abcdefghijklmnopqrstuvwxyz_012345")); /* 33 */
	assert_false(rt_rev_id_valid(""));
	assert_false(rt_rev_id_valid("A"));
	assert_false(rt_rev_id_valid("a-b"));
	assert_false(rt_rev_id_valid("a b"));
	assert_false(rt_rev_id_valid("a."));
	assert_false(rt_rev_id_valid("\xc3\xa9"));
}

static void
test_new_id(void **state)
{
	char a[RT_REV_ID_MAX + 1], b[RT_REV_ID_MAX + 1];
	size_t i;

	(void)state;
	rt_rev_new_id(a);
	rt_rev_new_id(b);
	assert_int_equal(strlen(a), 12);
	assert_int_equal(strspn(a, "0123456789abcdef"), 12);
	assert_true(rt_rev_id_valid(a));
	assert_string_not_equal(a, b);
	for (i = 0; i < 200; i++) {
		rt_rev_new_id(b);
		assert_int_equal(strspn(b, "0123456789abcdef"), 12);
		assert_int_equal(b[12], '\0');
	}
}

static void
test_sha256(void **state)
{
	char out[65];

	(void)state;
	rt_sha256_hex("", 0, out);
	assert_string_equal(out,
		"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	rt_sha256_hex("abc", 3, out);
	assert_string_equal(out,
		"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

/* ---- transaction control in sections (txcheck.c) ------------------------------ */

/* A file: head, then the sections upgrade (up), downgrade (down) and, when
 * verify is not NULL, verify. Each body is whole lines. After HEAD the
 * upgrade body starts on line 4; after HEAD_OFF on line 5. Owned by the caller. */
static char *
tx_file(const char *head, const char *up, const char *down, const char *verify)
{
	return rt_xasprintf("%s-- retort:upgrade\n%s-- retort:downgrade\n%s%s%s", head, up, down,
		verify ? "-- retort:verify\n" : "", verify ? verify : "");
}

static void
tx_ok(const char *head, const char *up, const char *down, const char *verify)
{
	char *text = tx_file(head, up, down, verify);
	struct rt_err err = { 0 };
	struct rt_rev *rev = rt_rev_parse("m.sql", text, strlen(text), &err);

	if (!rev)
		fail_msg("refused:\n%s\n%s", text, err.msg);
	rt_rev_free(rev);
	free(text);
}

static void
tx_bad(const char *head, const char *up, const char *down, const char *verify, const char *msg)
{
	char *text = tx_file(head, up, down, verify);
	struct rt_err err = { 0 };
	struct rt_rev *rev = rt_rev_parse("m.sql", text, strlen(text), &err);

	if (rev)
		fail_msg("accepted:\n%s", text);
	assert_int_equal(err.kind, RT_ERR_INPUT);
	if (strcmp(err.msg, msg) != 0)
		fail_msg("for:\n%s\nwant: %s\ngot:  %s", text, msg, err.msg);
	assert_string_equal(err.path, "m.sql");
	free(text);
}

#define HEAD_OFF HEAD "-- retort:transaction off\n"

/* What stays allowed in a transactional revision: transaction words that do
 * not start a top-level statement, and savepoints used within a section. */
static void
test_txcontrol_allowed(void **state)
{
	static const char *const bodies[] = {
		/* a SQL-standard function body, with CASE ... END inside */
		"CREATE FUNCTION f(x int) RETURNS int LANGUAGE sql\nBEGIN ATOMIC\n"
		"  SELECT CASE WHEN x > 0 THEN 1 ELSE 0 END;\nEND;\n",
		/* BEGIN, END and COMMIT in dollar-quoted or quoted PL/pgSQL */
		"CREATE PROCEDURE p() LANGUAGE plpgsql AS $$\nBEGIN\n  COMMIT;\nEND\n$$;\n",
		"DO $body$\nBEGIN\n  IF true THEN\n    ROLLBACK;\n  END IF;\nEND\n$body$;\n",
		"DO 'BEGIN COMMIT; END';\n",
		/* the words inside a statement, as names, in strings and comments */
		"SELECT CASE WHEN true THEN 1 END AS \"end\";\n",
		"CREATE TABLE t (\"commit\" text, begin int, rollback int, savepoint int);\n"
		"SELECT commit, begin FROM t;\nUPDATE t SET rollback = 2;\n",
		"-- COMMIT;\n/* ROLLBACK; */\nSELECT 'BEGIN; COMMIT;', $$END;$$;\n",
		"\"commit\";\n",   /* a syntax error for the server, not transaction control */
		"PREPARE q AS SELECT 1;\nEXECUTE q;\nDEALLOCATE q;\n",
		"PREPARE transaction AS SELECT 1;\nPREPARE transaction (int) AS SELECT $1;\n",
		"CALL p();\nSTART;\n",
		/* savepoints set in the section */
		"SAVEPOINT a;\nSAVEPOINT b;\nROLLBACK TO b;\nRELEASE SAVEPOINT a;\n",
		"SAVEPOINT a;\nROLLBACK TO SAVEPOINT a;\nROLLBACK WORK TO a;\nRELEASE a;\n",
		"SAVEPOINT \"Q\"\"x\";\nROLLBACK TRANSACTION TO SAVEPOINT \"Q\"\"x\";\n"
		"release savepoint \"Q\"\"x\";\n",
		"SavePoint Sp;\nrollback to sp;\nRELEASE \"sp\";\n",
		"SAVEPOINT savepoint;\nRELEASE savepoint;\n",
		"SAVEPOINT a;\nSAVEPOINT a;\nRELEASE a;\nRELEASE a;\n",
		/* U&"..." names are not decoded here: the server judges them */
		"SAVEPOINT U&\"d\\0061t\";\nRELEASE dat;\n",
		/* a body that does not split fails when a plan splits it */
		"COMMIT;\nSELECT 'unterminated;\n",
		"",
	};
	struct rt_buf up = { 0 };

	(void)state;
	for (size_t i = 0; i < sizeof(bodies) / sizeof(*bodies); i++) {
		tx_ok(HEAD, bodies[i], "SELECT 1;\n", NULL);
		tx_ok(HEAD, "SELECT 1;\n", bodies[i], NULL);
		tx_ok(HEAD, "SELECT 1;\n", "SELECT 1;\n", bodies[i]);
	}
	/* names are cut to 63 bytes, as the server does, on a character boundary */
	rt_buf_puts(&up, "SAVEPOINT ");
	for (int i = 0; i < 63; i++)
		rt_buf_putc(&up, 'a');
	rt_buf_puts(&up, "x;\nRELEASE ");
	for (int i = 0; i < 63; i++)
		rt_buf_putc(&up, 'a');
	rt_buf_puts(&up, "yz;\nSAVEPOINT ");
	for (int i = 0; i < 62; i++)
		rt_buf_putc(&up, 'b');
	rt_buf_puts(&up, "\xc3\xa9;\nRELEASE ");
	for (int i = 0; i < 62; i++)
		rt_buf_putc(&up, 'b');
	rt_buf_puts(&up, "\xc3\xa8;\n");
	tx_ok(HEAD, rt_buf_str(&up), "", NULL);
	rt_buf_free(&up);
	/* the sample project's kind of verify section */
	tx_ok(HEAD, "SELECT 1;\n", "", "DO $$\nBEGIN\n  RAISE EXCEPTION 'x';\nEND\n$$;\n");
}

/* Every command that starts or ends a transaction, in any section of a
 * transactional revision, at the line of its statement. */
static void
test_txcontrol_refused(void **state)
{
	static const struct {
		const char *up;
		const char *msg;
	} cases[] = {
		{ "begin work;\n", "m.sql:4: BEGIN inside the revision's own transaction" TX_ADVICE },
		{ "SELECT 1;\nBegin Isolation Level Serializable;\n",
		  "m.sql:5: BEGIN inside the revision's own transaction" TX_ADVICE },
		{ "BEGIN TRANSACTION READ WRITE;\n",
		  "m.sql:4: BEGIN inside the revision's own transaction" TX_ADVICE },
		{ "/* first */ -- and\n\tSTART\n TRANSACTION;\n",
		  "m.sql:5: START TRANSACTION inside the revision's own transaction" TX_ADVICE },
		{ "COMMIT AND CHAIN;\n", "m.sql:4: COMMIT" TX_ENDS },
		{ "commit work\n", "m.sql:4: COMMIT" TX_ENDS },
		{ "END;\n", "m.sql:4: END" TX_ENDS },
		{ "end transaction and no chain;\n", "m.sql:4: END" TX_ENDS },
		{ "ROLLBACK AND NO CHAIN;\n", "m.sql:4: ROLLBACK" TX_ENDS },
		{ "rollback transaction;\n", "m.sql:4: ROLLBACK" TX_ENDS },
		{ "ABORT WORK;\n", "m.sql:4: ABORT" TX_ENDS },
		{ "Prepare Transaction 'x';\n", "m.sql:4: PREPARE TRANSACTION" TX_ENDS },
		{ "commit prepared 'x';\n", "m.sql:4: COMMIT PREPARED cannot run inside the "
		  "revision's own transaction" TX_ADVICE },
		{ "ROLLBACK PREPARED 'x';\n", "m.sql:4: ROLLBACK PREPARED cannot run inside the "
		  "revision's own transaction" TX_ADVICE },
		/* the example: the first offender is reported */
		{ "BEGIN;\nCREATE TABLE a ();\nCOMMIT;\nCREATE TABLE b ();\nSELECT 1/0;\n",
		  "m.sql:4: BEGIN inside the revision's own transaction" TX_ADVICE },
		{ "CREATE TABLE a ();\nCOMMIT;\nCREATE TABLE b ();\nSELECT 1/0;\n",
		  "m.sql:5: COMMIT" TX_ENDS },
		/* savepoints that were never set, or no longer exist */
		{ "ROLLBACK TO SAVEPOINT a;\n",
		  "m.sql:4: ROLLBACK TO SAVEPOINT a" TX_NO_SP "'upgrade' (the server would refuse it)" },
		{ "SAVEPOINT a;\nSAVEPOINT b;\nRELEASE a;\nROLLBACK TO b;\n",
		  "m.sql:7: ROLLBACK TO SAVEPOINT b" TX_NO_SP "'upgrade' (the server would refuse it)" },
		{ "SAVEPOINT a;\nRELEASE a;\nRELEASE SAVEPOINT a;\n",
		  "m.sql:6: RELEASE SAVEPOINT a" TX_NO_SP "'upgrade' (the server would refuse it)" },
		{ "SAVEPOINT \"A\";\nRELEASE A;\n",
		  "m.sql:5: RELEASE SAVEPOINT A" TX_NO_SP "'upgrade' (the server would refuse it)" },
		{ "SAVEPOINT a;\nRELEASE \"A\";\n",
		  "m.sql:5: RELEASE SAVEPOINT \"A\"" TX_NO_SP "'upgrade' (the server would refuse it)" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++)
		tx_bad(HEAD, cases[i].up, "SELECT 1;\n", NULL, cases[i].msg);
	/* the downgrade and verify sections too; savepoints do not cross sections */
	tx_bad(HEAD, "SELECT 1;\n", "DROP TABLE a;\nCOMMIT;\n", NULL, "m.sql:7: COMMIT" TX_ENDS);
	tx_bad(HEAD, "SELECT 1;\n", "", "SELECT 1;\nROLLBACK;\n", "m.sql:8: ROLLBACK" TX_ENDS);
	tx_bad(HEAD, "SAVEPOINT a;\n", "RELEASE a;\n", NULL,
		"m.sql:6: RELEASE SAVEPOINT a" TX_NO_SP "'downgrade' (the server would refuse it)");
	/* CRLF, a BOM and leading blank lines do not move the line */
	{
		static const char crlf[] = "\xef\xbb\xbf-- retort:revision abc\r\n"
			"-- retort:down_revision none\r\n-- retort:upgrade\r\n\r\n\r\n"
			"CREATE TABLE a ();\r\n  commit;\r\n-- retort:downgrade\r\n";

		parse_bad(crlf, sizeof(crlf) - 1, "m.sql:7: COMMIT" TX_ENDS);
	}
	/* a long name is shown cut */
	{
		struct rt_buf up = { 0 }, want = { 0 };

		rt_buf_puts(&up, "RELEASE ");
		rt_buf_puts(&want, "m.sql:4: RELEASE SAVEPOINT ");
		for (int i = 0; i < 100; i++)
			rt_buf_putc(&up, 'x');
		for (int i = 0; i < 64; i++)
			rt_buf_putc(&want, 'x');
		rt_buf_puts(&up, ";\n");
		rt_buf_puts(&want, TX_NO_SP "'upgrade' (the server would refuse it)");
		tx_bad(HEAD, rt_buf_str(&up), "", NULL, rt_buf_str(&want));
		rt_buf_free(&up);
		rt_buf_free(&want);
	}
}

/* A "transaction off" revision may hold BEGIN ... COMMIT blocks closed in
 * the section that opens them, and savepoints inside them. */
static void
test_txcontrol_off(void **state)
{
	static const char *const ok[] = {
		"BEGIN;\nUPDATE t SET x = 1;\nCOMMIT;\nCREATE INDEX CONCURRENTLY i ON t (x);\n"
		"START TRANSACTION ISOLATION LEVEL SERIALIZABLE;\nSAVEPOINT s;\nROLLBACK TO s;\n"
		"RELEASE s;\nROLLBACK;\n",
		"BEGIN;\nSELECT 1;\nCOMMIT AND CHAIN;\nSELECT 2;\nEND;\nBEGIN WORK;\nABORT;\n",
		"COMMIT PREPARED 'x';\nROLLBACK PREPARED 'y';\n",
		"BEGIN;\nSELECT 1;\nPREPARE TRANSACTION 'x';\nCOMMIT PREPARED 'x';\n",
		"DO $$\nBEGIN\n  COMMIT;\nEND\n$$;\nCALL p();\n",
		"",
	};
	static const struct {
		const char *up;
		const char *msg;
	} bad[] = {
		{ "CREATE TABLE a ();\nBEGIN;\nINSERT INTO a DEFAULT VALUES;\n",
		  "m.sql:6: BEGIN without a COMMIT after it in section 'upgrade'" NOTX_RULE },
		{ "BEGIN;\nSELECT 1;\nCOMMIT AND CHAIN;\n",
		  "m.sql:5: BEGIN without a COMMIT after it in section 'upgrade'" NOTX_RULE },
		{ "SELECT 1;\nCOMMIT;\n",
		  "m.sql:6: COMMIT without a BEGIN before it in section 'upgrade'" NOTX_RULE },
		{ "BEGIN;\nCOMMIT;\nROLLBACK;\n",
		  "m.sql:7: ROLLBACK without a BEGIN before it in section 'upgrade'" NOTX_RULE },
		{ "BEGIN;\nBEGIN;\n", "m.sql:6: BEGIN inside the transaction begun on line 5" NOTX_RULE },
		{ "BEGIN;\nCOMMIT PREPARED 'x';\nCOMMIT;\n",
		  "m.sql:6: COMMIT PREPARED cannot run inside the transaction begun on line 5" },
		{ "SAVEPOINT s;\n", "m.sql:5: SAVEPOINT outside a BEGIN ... COMMIT block: a "
		  "'transaction off' revision runs each statement on its own (the server would "
		  "refuse it)" },
		{ "BEGIN;\nSAVEPOINT s;\nCOMMIT;\nRELEASE s;\n", "m.sql:8: RELEASE SAVEPOINT outside "
		  "a BEGIN ... COMMIT block: a 'transaction off' revision runs each statement on "
		  "its own (the server would refuse it)" },
		{ "BEGIN;\nSAVEPOINT s;\nCOMMIT;\nBEGIN;\nROLLBACK TO s;\nCOMMIT;\n",
		  "m.sql:9: ROLLBACK TO SAVEPOINT s" TX_NO_SP "'upgrade' (the server would refuse it)" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(*ok); i++) {
		tx_ok(HEAD_OFF, ok[i], "SELECT 1;\n", NULL);
		tx_ok(HEAD_OFF, "SELECT 1;\n", ok[i], NULL);
		tx_ok(HEAD_OFF, "SELECT 1;\n", "", ok[i]);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		tx_bad(HEAD_OFF, bad[i].up, "SELECT 1;\n", NULL, bad[i].msg);
	/* a block does not span sections */
	tx_bad(HEAD_OFF, "BEGIN;\n", "COMMIT;\n", NULL,
		"m.sql:5: BEGIN without a COMMIT after it in section 'upgrade'" NOTX_RULE);
	tx_bad(HEAD_OFF, "SELECT 1;\n", "COMMIT;\n", NULL,
		"m.sql:7: COMMIT without a BEGIN before it in section 'downgrade'" NOTX_RULE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_crlf_bom),
		cmocka_unit_test(test_good_dollar_quoted),
		cmocka_unit_test(test_good_merge),
		cmocka_unit_test(test_good_no_transaction),
		cmocka_unit_test(test_bad_fixtures),
		cmocka_unit_test(test_bad_fixtures_all_listed),
		cmocka_unit_test(test_crlf_bom_same_as_lf),
		cmocka_unit_test(test_directive_syntax),
		cmocka_unit_test(test_header_controls),
		cmocka_unit_test(test_markers_inside_dollar_quotes),
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_more_errors),
		cmocka_unit_test(test_load_errors),
		cmocka_unit_test(test_headers_only_fixtures),
		cmocka_unit_test(test_headers_only_parse),
		cmocka_unit_test(test_header_line_limit),
		cmocka_unit_test(test_headers_only_long_block),
		cmocka_unit_test(test_id_valid),
		cmocka_unit_test(test_new_id),
		cmocka_unit_test(test_sha256),
		cmocka_unit_test(test_txcontrol_allowed),
		cmocka_unit_test(test_txcontrol_refused),
		cmocka_unit_test(test_txcontrol_off),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
