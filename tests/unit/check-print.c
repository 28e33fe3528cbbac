/* Unit tests for listing rendering (src/print.c): JSON escaping is checked
 * by parsing the output back with json-c. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "hsmca/print.h"
#include "helpers.h"

static struct hsmca_token_info
token(char *label)
{
	struct hsmca_token_info t = {
		"pkcs11:token=x", label, "Maker \"Q\"", "M/1", "0001",
		"/usr/lib/x.so", HSMCA_TOK_LOGIN_REQUIRED | HSMCA_TOK_PIN_PAD,
	};

	return t;
}

/* The label of the first token after a JSON round trip (malloc'ed). */
static char *
json_label(const char *label)
{
	struct hsmca_token_info t = token((char *)label);
	struct hsmca_token_list l = { &t, 1, 0 };
	json_object *doc, *toks, *lab;
	char *s = print_tokens_json_string(&l), *out;
	size_t i;

	ck_assert_ptr_nonnull(s);
	for (i = 0; s[i] != '\0'; i++)
		ck_assert_msg((unsigned char)s[i] >= 0x20 || s[i] == '\n',
		    "raw control byte 0x%02x in JSON", s[i]);
	doc = json_tokener_parse(s);
	ck_assert_msg(doc != NULL, "not JSON: %s", s);
	ck_assert(json_object_object_get_ex(doc, "tokens", &toks));
	ck_assert_int_eq((int)json_object_array_length(toks), 1);
	ck_assert(json_object_object_get_ex(json_object_array_get_idx(toks, 0),
	    "label", &lab));
	out = strdup(json_object_get_string(lab));
	json_object_put(doc);
	free(s);
	return out;
}

START_TEST(test_json_quotes_backslashes)
{
	char *l = json_label("a \"quoted\" \\ back\\slash");

	ck_assert_str_eq(l, "a \"quoted\" \\ back\\slash");
	free(l);
}
END_TEST

START_TEST(test_json_control_bytes)
{
	char *l = json_label("tab\there\nnl\x01\x1f\x7f");

	ck_assert_str_eq(l, "tab\there\nnl\x01\x1f\x7f");
	free(l);
}
END_TEST

START_TEST(test_json_utf8)
{
	char *l = json_label("M\xc3\xbcller \xe2\x9c\x93 \xf0\x9f\x94\x91");

	ck_assert_str_eq(l, "M\xc3\xbcller \xe2\x9c\x93 \xf0\x9f\x94\x91");
	free(l);
}
END_TEST

START_TEST(test_json_invalid_utf8_replaced)
{
	char *l = json_label("bad\xff\xc3(\xed\xa0\x80");

	ck_assert_str_eq(l, "bad\xef\xbf\xbd\xef\xbf\xbd(\xef\xbf\xbd"
	    "\xef\xbf\xbd\xef\xbf\xbd");
	free(l);
}
END_TEST

START_TEST(test_json_slash_not_escaped)
{
	struct hsmca_token_info t = token("x");
	struct hsmca_token_list l = { &t, 1, 2 };
	char *s = print_tokens_json_string(&l);

	ck_assert_ptr_nonnull(strstr(s, "\"/usr/lib/x.so\""));
	ck_assert_ptr_nonnull(strstr(s, "\"pin-pad\""));
	ck_assert_ptr_nonnull(strstr(s, "\"hidden_tokens\":2"));
	free(s);
}
END_TEST

START_TEST(test_json_objects)
{
	struct hsmca_object o = {
		"pkcs11:token=x;id=%01;object=k;type=private",
		HSMCA_OBJ_PRIVKEY, "k", "01", NULL, "x",
		HSMCA_OBJF_SENSITIVE | HSMCA_OBJF_PRIVATE, 1,
	};
	struct hsmca_object_list l = { &o, 1, 0, 0 };
	json_object *doc, *objs, *ob, *v;
	char *s = print_objects_json_string(&l);

	doc = json_tokener_parse(s);
	ck_assert_ptr_nonnull(doc);
	ck_assert(json_object_object_get_ex(doc, "objects", &objs));
	ob = json_object_array_get_idx(objs, 0);
	ck_assert(json_object_object_get_ex(ob, "class", &v));
	ck_assert_str_eq(json_object_get_string(v), "private key");
	ck_assert(json_object_object_get_ex(ob, "key_type", &v));
	ck_assert(json_object_is_type(v, json_type_null));
	ck_assert(json_object_object_get_ex(ob, "flags", &v));
	ck_assert_int_eq((int)json_object_array_length(v), 2);
	ck_assert_str_eq(json_object_get_string(json_object_array_get_idx(v,
	    0)), "sensitive");
	ck_assert(json_object_object_get_ex(ob, "same_uri", &v));
	ck_assert_int_eq(json_object_get_int(v), 1);
	json_object_put(doc);
	free(s);
}
END_TEST

/* Text rendering of one token into a string (malloc'ed). */
static char *
text_of(struct hsmca_token_info *t)
{
	struct hsmca_token_list l = { t, 1, 0 };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(print_tokens_text(f, &l), 0);
	fclose(f);
	return buf;
}

START_TEST(test_text_escapes_control)
{
	struct hsmca_token_info t = token("evil\x1b[2J\\x\xff");
	char *s = text_of(&t);

	ck_assert_ptr_nonnull(strstr(s, "Label:        evil\\x1b[2J\\\\x\\xff\n"));
	ck_assert_ptr_null(strchr(s, '\x1b'));
	ck_assert_ptr_nonnull(strstr(s, "Flags:        login required, "
	    "PIN pad\n"));
	free(s);
}
END_TEST

START_TEST(test_text_keeps_utf8)
{
	struct hsmca_token_info t = token("M\xc3\xbcller");
	char *s = text_of(&t);

	ck_assert_ptr_nonnull(strstr(s, "Label:        M\xc3\xbcller\n"));
	free(s);
}
END_TEST

START_TEST(test_text_object_ambiguous)
{
	struct hsmca_object o = {
		"pkcs11:token=x;object=k;type=private", HSMCA_OBJ_PRIVKEY,
		"k", "", "ec:secp384r1", "x", 0, 1,
	};
	struct hsmca_object_list l = { &o, 1, 0, 0 };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ck_assert_int_eq(print_objects_text(f, &l), 0);
	fclose(f);
	ck_assert_ptr_nonnull(strstr(buf, "ID:           (empty)\n"));
	ck_assert_ptr_nonnull(strstr(buf, "Key:          ec:secp384r1\n"));
	ck_assert_ptr_nonnull(strstr(buf, "Flags:        none\n"));
	ck_assert_ptr_nonnull(strstr(buf, "ambiguous"));
	free(buf);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("print");
	TCase *tc = tcase_create("print");

	tcase_add_test(tc, test_json_quotes_backslashes);
	tcase_add_test(tc, test_json_control_bytes);
	tcase_add_test(tc, test_json_utf8);
	tcase_add_test(tc, test_json_invalid_utf8_replaced);
	tcase_add_test(tc, test_json_slash_not_escaped);
	tcase_add_test(tc, test_json_objects);
	tcase_add_test(tc, test_text_escapes_control);
	tcase_add_test(tc, test_text_keeps_utf8);
	tcase_add_test(tc, test_text_object_ambiguous);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return th_run(suite());
}
