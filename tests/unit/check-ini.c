/* Unit tests for the INI lexer (src/ini.c): every malformed case its own
 * test, asserting HSMCA_E_PARSE, "name:line" and the bad token. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "hsmca/ini.h"
#include "helpers.h"

/* Lex text (strlen) and expect failure code with both substrings. */
static void
expect_fail(const char *text, size_t len, int code, const char *where,
    const char *token)
{
	struct hsmca_error err = { 0, "" };
	struct hsmca_ini ini;

	ck_assert_int_eq(ini_parse("t.ini", text, len, &ini, &err), code);
	ck_assert_int_eq(err.code, code);
	ck_assert_msg(strstr(err.msg, where) != NULL,
	    "'%s' not in '%s'", where, err.msg);
	if (token != NULL)
		ck_assert_msg(strstr(err.msg, token) != NULL,
		    "'%s' not in '%s'", token, err.msg);
	ck_assert_ptr_null(ini.entries);
	ck_assert_uint_eq(ini.n, 0);
}

#define FAIL(text, where, token) \
	expect_fail((text), strlen(text), HSMCA_E_PARSE, (where), (token))

START_TEST(test_good)
{
	static const char text[] =
	    "# comment\n"
	    "; other comment\n"
	    "\n"
	    "[ profile ]\n"
	    "  days\t=  375  \n"
	    "description = a = b # not a comment\r\n"
	    "empty =\n"
	    "[empty-section]\n"
	    "[extensions]\n"
	    "keyUsage = critical, digitalSignature\n"
	    "x.y_z-1=v";       /* no final newline */
	struct hsmca_error err = { 0, "" };
	struct hsmca_ini ini;
	const struct hsmca_ini_entry *e;

	ck_assert_int_eq(ini_parse("g.ini", text, strlen(text), &ini, &err), 0);
	ck_assert_str_eq(ini.name, "g.ini");
	ck_assert_uint_eq(ini.n, 8);
	ck_assert_str_eq(ini.entries[0].section, "profile");
	ck_assert_ptr_null(ini.entries[0].key);
	ck_assert_ptr_null(ini.entries[0].value);
	ck_assert_uint_eq(ini.entries[0].line, 4);
	e = ini_find(&ini, "profile", "days");
	ck_assert_ptr_nonnull(e);
	ck_assert_str_eq(e->value, "375");
	ck_assert_uint_eq(e->line, 5);
	e = ini_find(&ini, "profile", "description");
	ck_assert_str_eq(e->value, "a = b # not a comment");
	ck_assert_uint_eq(e->line, 6);
	e = ini_find(&ini, "profile", "empty");
	ck_assert_str_eq(e->value, "");
	e = ini_find_section(&ini, "empty-section");
	ck_assert_ptr_nonnull(e);
	ck_assert_uint_eq(e->line, 8);
	e = ini_find(&ini, "extensions", "keyUsage");
	ck_assert_str_eq(e->value, "critical, digitalSignature");
	ck_assert_uint_eq(e->line, 10);
	e = ini_find(&ini, "extensions", "x.y_z-1");
	ck_assert_str_eq(e->value, "v");
	ck_assert_uint_eq(e->line, 11);
	ck_assert_ptr_null(ini_find(&ini, "extensions", "days"));
	ck_assert_ptr_null(ini_find(&ini, "profile", "keyusage"));
	ck_assert_ptr_null(ini_find_section(&ini, "policy"));
	ini_clear(&ini);
	ck_assert_uint_eq(ini.n, 0);
	ini_clear(&ini);
	ini_clear(NULL);
}
END_TEST

START_TEST(test_empty_input)
{
	struct hsmca_error err = { 0, "" };
	struct hsmca_ini ini;

	ck_assert_int_eq(ini_parse("e.ini", "", 0, &ini, &err), 0);
	ck_assert_uint_eq(ini.n, 0);
	ini_clear(&ini);
	ck_assert_int_eq(ini_parse("e.ini", "\n# x\n\n", 6, &ini, &err), 0);
	ck_assert_uint_eq(ini.n, 0);
	ini_clear(&ini);
}
END_TEST

START_TEST(test_bom_and_crlf)
{
	static const char text[] = "\xef\xbb\xbf[a]\r\nk = v\r\n";
	struct hsmca_error err = { 0, "" };
	struct hsmca_ini ini;

	ck_assert_int_eq(ini_parse("b.ini", text, strlen(text), &ini, &err), 0);
	ck_assert_ptr_nonnull(ini_find_section(&ini, "a"));
	ck_assert_str_eq(ini_find(&ini, "a", "k")->value, "v");
	ck_assert_uint_eq(ini_find(&ini, "a", "k")->line, 2);
	ini_clear(&ini);
}
END_TEST

START_TEST(test_bom_not_at_start)
{
	FAIL("[a]\n\xef\xbb\xbfk = v\n", "t.ini:2:", "invalid character");
}
END_TEST

START_TEST(test_not_nul_terminated)
{
	static const char text[] = "[a]\nk = v1234";
	struct hsmca_error err = { 0, "" };
	struct hsmca_ini ini;

	/* only the first 9 bytes: "k = v" */
	ck_assert_int_eq(ini_parse("n.ini", text, 9, &ini, &err), 0);
	ck_assert_str_eq(ini_find(&ini, "a", "k")->value, "v");
	ini_clear(&ini);
}
END_TEST

START_TEST(test_max_line_ok)
{
	char *text = malloc(INI_LINE_MAX + 16);
	struct hsmca_error err = { 0, "" };
	struct hsmca_ini ini;
	size_t len;

	strcpy(text, "[a]\nk=");
	len = strlen(text);
	memset(text + len, 'x', INI_LINE_MAX - 2);
	len += INI_LINE_MAX - 2;
	ck_assert_int_eq(ini_parse("m.ini", text, len, &ini, &err), 0);
	ck_assert_uint_eq(strlen(ini_find(&ini, "a", "k")->value),
	    INI_LINE_MAX - 2);
	ini_clear(&ini);
	free(text);
}
END_TEST

START_TEST(test_key_outside_section)
{
	FAIL("# c\ndays = 3\n[profile]\n", "t.ini:2:", "days = 3");
}
END_TEST

START_TEST(test_text_outside_section)
{
	FAIL("\ngarbage\n", "t.ini:2:", "garbage");
}
END_TEST

START_TEST(test_line_without_equals)
{
	FAIL("[a]\nk = v\nkeyUsage critical\n", "t.ini:3:",
	    "keyUsage critical");
}
END_TEST

START_TEST(test_empty_key)
{
	FAIL("[a]\n  = value\n", "t.ini:2:", "empty key");
}
END_TEST

START_TEST(test_key_with_space)
{
	FAIL("[a]\nkey usage = x\n", "t.ini:2:", "'key usage'");
}
END_TEST

START_TEST(test_unterminated_section)
{
	FAIL("[a]\nk = v\n[extensions\n", "t.ini:3:", "[extensions");
}
END_TEST

START_TEST(test_garbage_after_section)
{
	FAIL("[a] x\n", "t.ini:1:", "'x'");
}
END_TEST

START_TEST(test_comment_after_section)
{
	FAIL("[a] # c\n", "t.ini:1:", "'# c'");
}
END_TEST

START_TEST(test_empty_section)
{
	FAIL("[a]\n[  ]\n", "t.ini:2:", "empty section");
}
END_TEST

START_TEST(test_bad_section_char)
{
	FAIL("[a]\n[pro file]\n", "t.ini:2:", "'pro file'");
}
END_TEST

START_TEST(test_duplicate_section)
{
	FAIL("[a]\nk = 1\n[b]\n[a]\n", "t.ini:4:", "[a]");
}
END_TEST

START_TEST(test_duplicate_key)
{
	FAIL("[a]\nk = 1\n[b]\nk = 2\n[c]\nk = 3\nk = 4\n", "t.ini:7:",
	    "'k'");
}
END_TEST

START_TEST(test_nul_byte)
{
	static const char text[] = "[a]\nk = v\0x\n";

	expect_fail(text, sizeof(text) - 1, HSMCA_E_PARSE, "t.ini:2:", "NUL");
}
END_TEST

START_TEST(test_control_char)
{
	FAIL("[a]\nk = v\x1b[31m\n", "t.ini:2:", "0x1b");
}
END_TEST

START_TEST(test_bare_cr)
{
	FAIL("[a]\nk = v\rw = x\n", "t.ini:2:", "0x0d");
}
END_TEST

START_TEST(test_overlong_line)
{
	char *text = malloc(INI_LINE_MAX + 16);
	size_t len;

	strcpy(text, "[a]\nk=");
	len = strlen(text);
	memset(text + len, 'x', INI_LINE_MAX - 1);
	len += INI_LINE_MAX - 1;
	text[len++] = '\n';
	expect_fail(text, len, HSMCA_E_PARSE, "t.ini:2:", "4096");
	free(text);
}
END_TEST

START_TEST(test_input_too_large)
{
	size_t len = INI_INPUT_MAX + 1;
	char *text = malloc(len);

	memset(text, '\n', len);
	memcpy(text, "[a]", 3);
	expect_fail(text, len, HSMCA_E_PARSE, "t.ini:", "65536");
	free(text);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("ini");
	TCase *good = tcase_create("ini:good");
	TCase *bad = tcase_create("ini:malformed");

	tcase_add_test(good, test_good);
	tcase_add_test(good, test_empty_input);
	tcase_add_test(good, test_not_nul_terminated);
	tcase_add_test(good, test_bom_and_crlf);
	tcase_add_test(good, test_max_line_ok);
	tcase_add_test(bad, test_key_outside_section);
	tcase_add_test(bad, test_text_outside_section);
	tcase_add_test(bad, test_line_without_equals);
	tcase_add_test(bad, test_empty_key);
	tcase_add_test(bad, test_key_with_space);
	tcase_add_test(bad, test_unterminated_section);
	tcase_add_test(bad, test_garbage_after_section);
	tcase_add_test(bad, test_comment_after_section);
	tcase_add_test(bad, test_empty_section);
	tcase_add_test(bad, test_bad_section_char);
	tcase_add_test(bad, test_duplicate_section);
	tcase_add_test(bad, test_duplicate_key);
	tcase_add_test(bad, test_nul_byte);
	tcase_add_test(bad, test_control_char);
	tcase_add_test(bad, test_bare_cr);
	tcase_add_test(bad, test_overlong_line);
	tcase_add_test(bad, test_input_too_large);
	tcase_add_test(bad, test_bom_not_at_start);
	suite_add_tcase(s, good);
	suite_add_tcase(s, bad);
	return th_run(s);
}
