/* test_ui_actions.c - the action table, lookups, the ":" word splitter, completion. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <curses.h>

#include "actions.h"
#include "prompt.h"

static void
test_by_key(void **state)
{
	static const struct { int key; const char *name; } want[] = {
		{ 'u', "upgrade" }, { 'd', "downgrade" }, { 'D', "downgrade-to" }, { 's', "stamp" },
		{ 'c', "counts" }, { 27, "cancel" }, { 'o', "sort" }, { 't', "toggle-sql" },
		{ 'T', "trace" }, { 'v', "verify" }, { 'V', "check" },
		{ '\r', "select" }, { '\n', "select" }, { KEY_ENTER, "select" }, { '\t', "next-pane" },
		{ KEY_BTAB, "prev-pane" }, { '/', "search" }, { 'n', "search-next" },
		{ 'N', "search-prev" }, { ':', "command" }, { 'e', "edit" }, { 'E', "env" },
		{ 'R', "reload" }, { '?', "help" }, { 'q', "quit" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		const struct ui_action *a = ui_action_by_key(want[i].key);

		assert_non_null(a);
		assert_string_equal(a->name, want[i].name);
	}
	assert_null(ui_action_by_key('j'));   /* a pane key, not an action */
	assert_null(ui_action_by_key('Z'));
}

static void
test_by_name(void **state)
{
	(void)state;
	assert_string_equal(ui_action_by_name("q")->name, "quit");
	assert_string_equal(ui_action_by_name("quit")->name, "quit");
	assert_string_equal(ui_action_by_name("stamp")->name, "stamp");
	assert_string_equal(ui_action_by_name("revision")->name, "revision");
	assert_string_equal(ui_action_by_name("merge")->name, "merge");
	assert_null(ui_action_by_name("history"));   /* runs the CLI instead */
}

static void
test_table_is_complete(void **state)
{
	(void)state;
	for (size_t i = 0; i < ui_nactions; i++) {
		assert_non_null(ui_actions[i].name);
		assert_non_null(ui_actions[i].help);
		assert_non_null(ui_actions[i].run);
		assert_ptr_equal(ui_action_by_name(ui_actions[i].name), &ui_actions[i]);
		for (size_t j = 0; j < i; j++)
			assert_true(!ui_actions[i].key || ui_actions[i].key != ui_actions[j].key);
	}
}

static void
split_is(const char *line, int n, const char *const *want)
{
	char **v = NULL;

	assert_int_equal(ui_split_words(line, &v), n);
	for (int i = 0; i < n; i++)
		assert_string_equal(v[i], want[i]);
	assert_null(v[n]);
	ui_words_free(v);
}

static void
test_split(void **state)
{
	static const char *const a[] = { "revision", "-m", "add phone" };
	static const char *const b[] = { "merge", "-m", "it's \"done\"", "x" };
	static const char *const c[] = { "show", "ab" };
	static const char *const d[] = { "a b", "" };
	char **v = (char **)1;

	(void)state;
	split_is("revision -m \"add phone\"", 3, a);
	split_is("  merge  -m 'it'\\''s \"done\"' x ", 4, b);
	split_is("show a\"b\"", 2, c);
	split_is("a\\ b ''", 2, d);
	split_is("   ", 0, NULL);
	assert_int_equal(ui_split_words("stamp \"head", &v), -1);
	assert_null(v);
}

static void
test_completion(void **state)
{
	bool no_space;
	char **m = prompt_candidates(NULL, PROMPT_CMD, "", "s", &no_space);
	bool has_stamp = false, has_show = false, has_resolve = false;

	(void)state;
	for (size_t i = 0; m[i]; i++) {
		has_stamp |= strcmp(m[i], "stamp") == 0;
		has_show |= strcmp(m[i], "show") == 0;
		/* only commands that exist: "status" is not one (yet) */
		assert_string_not_equal(m[i], "status");
		assert_memory_equal(m[i], "s", 1);
		free(m[i]);
	}
	free(m);
	assert_true(has_stamp && has_show);
	assert_false(no_space);
	m = prompt_candidates(NULL, PROMPT_CMD, "", "res", &no_space);
	for (size_t i = 0; m[i]; i++) {
		has_resolve |= strcmp(m[i], "resolve") == 0;
		free(m[i]);
	}
	free(m);
	assert_true(has_resolve);
	m = prompt_candidates(NULL, PROMPT_CMD, "upgrade ", "hea", &no_space);
	assert_string_equal(m[0], "head");
	assert_string_equal(m[1], "heads");
	assert_null(m[2]);
	assert_false(no_space);
	free(m[0]);
	free(m[1]);
	free(m);
	/* a range: no blank after the start, the end completes after the colon */
	m = prompt_candidates(NULL, PROMPT_CMD, "history  -r ", "ba", &no_space);
	assert_string_equal(m[0], "base");
	assert_null(m[1]);
	assert_true(no_space);
	free(m[0]);
	free(m);
	m = prompt_candidates(NULL, PROMPT_CMD, "history -r ", "abc:he", &no_space);
	assert_string_equal(m[0], "abc:head");
	assert_null(m[1]);
	assert_true(no_space);
	free(m[0]);
	free(m);
	/* the env prompt: one value, never a blank after it */
	m = prompt_candidates(NULL, PROMPT_ENV, "", "pro", &no_space);
	assert_null(m[0]);
	assert_true(no_space);
	free(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_by_key),
		cmocka_unit_test(test_by_name),
		cmocka_unit_test(test_table_is_complete),
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_completion),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
