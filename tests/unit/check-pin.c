/* Unit tests for PIN sources and the one-login policy (src/pin.c). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hsmca/pin.h"
#include "helpers.h"

static char *dir;

static void
setup(void)
{
	dir = th_tmpdir();
	unsetenv("HSMCA_TEST_PIN");
}

static void
teardown(void)
{
	th_rmrf(dir);
	free(dir);
}

/* Read a PIN file written with text; returns the code and fills pin. */
static int
read_pin(const char *text, size_t len, char *pin, size_t max,
    struct hsmca_error *err)
{
	struct hsmca_secret *s = NULL;
	char *path = th_write_file(dir, "pin", text, len);
	int r = pin_read_file(path, &s, err);

	if (r == 0) {
		ck_assert_uint_eq(strlen(s->buf), s->len);
		snprintf(pin, max, "%s", s->buf);
	}
	secret_free(s);
	free(path);
	return r;
}

START_TEST(test_file_with_newline)
{
	struct hsmca_error err = { 0 };
	char pin[64];

	ck_assert_int_eq(read_pin("1234\n", (size_t)-1, pin, sizeof(pin),
	    &err), 0);
	ck_assert_str_eq(pin, "1234");
}
END_TEST

START_TEST(test_file_without_newline)
{
	struct hsmca_error err = { 0 };
	char pin[64];

	ck_assert_int_eq(read_pin("1234", (size_t)-1, pin, sizeof(pin), &err),
	    0);
	ck_assert_str_eq(pin, "1234");
}
END_TEST

START_TEST(test_file_crlf_and_second_line)
{
	struct hsmca_error err = { 0 };
	char pin[64];

	ck_assert_int_eq(read_pin("12 34\r\nsecond\n", (size_t)-1, pin,
	    sizeof(pin), &err), 0);
	ck_assert_str_eq(pin, "12 34");
}
END_TEST

START_TEST(test_file_empty)
{
	struct hsmca_error err = { 0 };
	char pin[64];

	ck_assert_int_eq(read_pin("", 0, pin, sizeof(pin), &err),
	    HSMCA_E_PIN);
	ck_assert_ptr_nonnull(strstr(err.msg, "empty PIN file"));
}
END_TEST

START_TEST(test_file_empty_first_line)
{
	struct hsmca_error err = { 0 };
	char pin[64];

	ck_assert_int_eq(read_pin("\n1234\n", (size_t)-1, pin, sizeof(pin),
	    &err), HSMCA_E_PIN);
	ck_assert_ptr_nonnull(strstr(err.msg, "empty PIN file"));
}
END_TEST

START_TEST(test_file_too_long)
{
	struct hsmca_error err = { 0 };
	char big[HSMCA_PIN_MAX + 10], pin[64];

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ck_assert_int_eq(read_pin(big, (size_t)-1, pin, sizeof(pin), &err),
	    HSMCA_E_PIN);
	ck_assert_ptr_nonnull(strstr(err.msg, "longer than"));
}
END_TEST

START_TEST(test_file_missing)
{
	struct hsmca_error err = { 0 };
	struct hsmca_secret *s = NULL;
	char *path;

	ck_assert(asprintf(&path, "%s/nope", dir) > 0);
	ck_assert_int_eq(pin_read_file(path, &s, &err), HSMCA_E_IO);
	ck_assert_ptr_null(s);
	ck_assert_ptr_nonnull(strstr(err.msg, path));
	ck_assert_ptr_nonnull(strstr(err.msg, "cannot open"));
	free(path);
}
END_TEST

START_TEST(test_file_uri_prefix)
{
	struct hsmca_error err = { 0 };
	struct hsmca_secret *s = NULL;
	char *path = th_write_file(dir, "pin", "4321\n", (size_t)-1), *uri;

	ck_assert(asprintf(&uri, "file:%s", path) > 0);
	ck_assert_int_eq(pin_read_file(uri, &s, &err), 0);
	ck_assert_str_eq(s->buf, "4321");
	secret_free(s);
	free(uri);
	ck_assert(asprintf(&uri, "file://%s", path) > 0);
	ck_assert_int_eq(pin_read_file(uri, &s, &err), 0);
	ck_assert_str_eq(s->buf, "4321");
	secret_free(s);
	free(uri);
	free(path);
}
END_TEST

/* A cache over a PIN file (or none), HSMCA_TEST_PIN, and no terminal. */
static struct hsmca_pin_cache *
cache(const char *pin_file)
{
	struct hsmca_pin_opts o = { pin_file, "HSMCA_TEST_PIN", NULL };
	struct hsmca_pin_cache *c = NULL;

	ck_assert_int_eq(pin_cache_new(&o, &c), 0);
	return c;
}

START_TEST(test_order_file_before_env)
{
	char *path = th_write_file(dir, "pin", "file-pin\n", (size_t)-1);
	struct hsmca_pin_cache *c = cache(path);
	char pin[64];

	setenv("HSMCA_TEST_PIN", "env-pin", 1);
	ck_assert_int_eq(pin_cache_fill(c, "tok-a", "a", 0, pin, sizeof(pin),
	    NULL), 0);
	ck_assert_str_eq(pin, "file-pin");
	pin_cache_free(c);
	free(path);
}
END_TEST

START_TEST(test_order_env)
{
	struct hsmca_pin_cache *c = cache(NULL);
	char pin[64];

	setenv("HSMCA_TEST_PIN", "env-pin", 1);
	ck_assert_int_eq(pin_cache_fill(c, "tok-a", "a", 0, pin, sizeof(pin),
	    NULL), 0);
	ck_assert_str_eq(pin, "env-pin");
	pin_cache_free(c);
}
END_TEST

START_TEST(test_order_uri_first)
{
	char *path = th_write_file(dir, "pin", "file-pin\n", (size_t)-1);
	struct hsmca_pin_cache *c = cache(path);
	struct hsmca_error err = { 0 };
	char pin[64];

	setenv("HSMCA_TEST_PIN", "env-pin", 1);
	ck_assert_int_eq(pin_cache_set_uri_pin(c, "uri-pin", 7, &err), 0);
	ck_assert_int_eq(pin_cache_fill(c, "tok-a", "a", 0, pin, sizeof(pin),
	    NULL), 0);
	ck_assert_str_eq(pin, "uri-pin");
	pin_cache_free(c);
	free(path);
}
END_TEST

START_TEST(test_uri_pin_source)
{
	char *path = th_write_file(dir, "src", "src-pin\n", (size_t)-1);
	struct hsmca_pin_cache *c = cache(NULL);
	struct hsmca_error err = { 0 };
	char pin[64];

	ck_assert_int_eq(pin_cache_set_uri_pin_source(c, path, &err), 0);
	ck_assert_int_eq(pin_cache_fill(c, "tok-a", "a", 0, pin, sizeof(pin),
	    NULL), 0);
	ck_assert_str_eq(pin, "src-pin");
	pin_cache_free(c);
	free(path);
}
END_TEST

START_TEST(test_uri_pin_empty)
{
	struct hsmca_pin_cache *c = cache(NULL);
	struct hsmca_error err = { 0 };

	ck_assert_int_eq(pin_cache_set_uri_pin(c, "", 0, &err), HSMCA_E_PIN);
	ck_assert_ptr_nonnull(strstr(err.msg, "empty pin-value"));
	pin_cache_free(c);
}
END_TEST

START_TEST(test_no_source)
{
	struct hsmca_pin_cache *c = cache(NULL);
	struct hsmca_error err = { 0 };
	char pin[64];

	ck_assert_int_ne(pin_cache_fill(c, "tok-a", "my token", 0, pin,
	    sizeof(pin), NULL), 0);
	ck_assert(pin_cache_failed(c));
	ck_assert_int_eq(pin_cache_error(c, NULL, 0, &err), HSMCA_E_PIN);
	ck_assert_ptr_nonnull(strstr(err.msg, "my token: no PIN"));
	pin_cache_free(c);
}
END_TEST

START_TEST(test_env_empty)
{
	struct hsmca_pin_cache *c = cache(NULL);
	struct hsmca_error err = { 0 };
	char pin[64];

	setenv("HSMCA_TEST_PIN", "", 1);
	ck_assert_int_ne(pin_cache_fill(c, "tok-a", "a", 0, pin, sizeof(pin),
	    NULL), 0);
	ck_assert_int_eq(pin_cache_error(c, NULL, 0, &err), HSMCA_E_PIN);
	ck_assert_ptr_nonnull(strstr(err.msg, "HSMCA_TEST_PIN is empty"));
	pin_cache_free(c);
}
END_TEST

START_TEST(test_missing_pin_file_reported)
{
	struct hsmca_pin_cache *c = cache("/nonexistent/pin");
	struct hsmca_error err = { 0 };
	char pin[64];

	setenv("HSMCA_TEST_PIN", "env-pin", 1);
	ck_assert_int_ne(pin_cache_fill(c, "tok-a", "a", 0, pin, sizeof(pin),
	    NULL), 0);
	ck_assert_int_eq(pin_cache_error(c, NULL, 0, &err), HSMCA_E_IO);
	ck_assert_ptr_nonnull(strstr(err.msg, "/nonexistent/pin"));
	pin_cache_free(c);
}
END_TEST

START_TEST(test_cached_read_once)
{
	char *path = th_write_file(dir, "pin", "1234\n", (size_t)-1);
	struct hsmca_pin_cache *c = cache(path);
	char pin[64];
	int i;

	for (i = 0; i < 23; i++) {
		ck_assert_int_eq(pin_cache_fill(c, "tok-a", "a", 0, pin,
		    sizeof(pin), NULL), 0);
		ck_assert_str_eq(pin, "1234");
		if (i == 0)
			ck_assert_int_eq(unlink(path), 0);
	}
	pin_cache_free(c);
	free(path);
}
END_TEST

START_TEST(test_retry_refused_for_good)
{
	struct hsmca_pin_cache *c = cache(NULL);
	struct hsmca_error err = { 0 };
	char pin[64];

	setenv("HSMCA_TEST_PIN", "bad", 1);
	ck_assert_int_eq(pin_cache_fill(c, "tok-a", "ca", 0, pin, sizeof(pin),
	    NULL), 0);
	ck_assert_int_eq(pin_cache_fill(c, "tok-a", "ca", HSMCA_PIN_REQ_RETRY,
	    pin, sizeof(pin), NULL), HSMCA_E_PIN);
	/* a new session for the same token must not try again */
	ck_assert_int_eq(pin_cache_fill(c, "tok-a", "ca", 0, pin, sizeof(pin),
	    NULL), HSMCA_E_PIN);
	ck_assert_str_eq(pin_cache_failed_token(c), "tok-a");
	ck_assert_int_eq(pin_cache_error(c, NULL, 0, &err), HSMCA_E_PIN);
	ck_assert_ptr_nonnull(strstr(err.msg, "ca: wrong PIN"));
	ck_assert_ptr_nonnull(strstr(err.msg, "not retried"));
	ck_assert_ptr_null(strstr(err.msg, "bad"));
	pin_cache_free(c);
}
END_TEST

START_TEST(test_tries_left_text)
{
	struct hsmca_pin_cache *c = cache(NULL);
	struct hsmca_error err = { 0 };
	char pin[64];

	setenv("HSMCA_TEST_PIN", "bad", 1);
	ck_assert_int_eq(pin_cache_fill(c, "t", "ca", 0, pin, sizeof(pin),
	    NULL), 0);
	ck_assert_int_ne(pin_cache_fill(c, "t", "ca", HSMCA_PIN_REQ_RETRY, pin,
	    sizeof(pin), NULL), 0);
	pin_cache_error(c, NULL, HSMCA_PIN_REQ_COUNT_LOW, &err);
	ck_assert_ptr_nonnull(strstr(err.msg, "low PIN try count"));
	pin_cache_error(c, NULL, HSMCA_PIN_REQ_FINAL_TRY, &err);
	ck_assert_ptr_nonnull(strstr(err.msg, "one try left"));
	pin_cache_error(c, NULL, HSMCA_PIN_REQ_LOCKED, &err);
	ck_assert_ptr_nonnull(strstr(err.msg, "locked"));
	pin_cache_free(c);
}
END_TEST

START_TEST(test_other_token_unaffected)
{
	struct hsmca_pin_cache *c = cache(NULL);
	char pin[64];

	setenv("HSMCA_TEST_PIN", "1234", 1);
	ck_assert_int_eq(pin_cache_fill(c, "t1", "one", 0, pin, sizeof(pin),
	    NULL), 0);
	ck_assert_int_ne(pin_cache_fill(c, "t1", "one", HSMCA_PIN_REQ_RETRY,
	    pin, sizeof(pin), NULL), 0);
	ck_assert_int_eq(pin_cache_fill(c, "t2", "two", 0, pin, sizeof(pin),
	    NULL), 0);
	ck_assert_str_eq(pin, "1234");
	pin_cache_free(c);
}
END_TEST

START_TEST(test_so_pin_refused)
{
	struct hsmca_pin_cache *c = cache(NULL);
	struct hsmca_error err = { 0 };
	char pin[64];

	setenv("HSMCA_TEST_PIN", "1234", 1);
	ck_assert_int_ne(pin_cache_fill(c, "t", "ca", HSMCA_PIN_REQ_SO, pin,
	    sizeof(pin), NULL), 0);
	ck_assert_int_eq(pin_cache_error(c, NULL, 0, &err), HSMCA_E_PIN);
	ck_assert_ptr_nonnull(strstr(err.msg, "security officer"));
	pin_cache_free(c);
}
END_TEST

START_TEST(test_pin_too_long_for_token)
{
	struct hsmca_pin_cache *c = cache(NULL);
	struct hsmca_error err = { 0 };
	char pin[4];

	setenv("HSMCA_TEST_PIN", "123456", 1);
	ck_assert_int_ne(pin_cache_fill(c, "t", "ca", 0, pin, sizeof(pin),
	    NULL), 0);
	ck_assert_int_eq(pin_cache_error(c, NULL, 0, &err), HSMCA_E_PIN);
	ck_assert_ptr_nonnull(strstr(err.msg, "longer than the token"));
	pin_cache_free(c);
}
END_TEST

START_TEST(test_count_low_warns_once)
{
	struct hsmca_pin_cache *c = cache(NULL);
	struct hsmca_warnings w = { NULL, 0 };
	char pin[64];

	setenv("HSMCA_TEST_PIN", "1234", 1);
	ck_assert_int_eq(pin_cache_fill(c, "t", "ca", HSMCA_PIN_REQ_COUNT_LOW,
	    pin, sizeof(pin), &w), 0);
	ck_assert_int_eq(pin_cache_fill(c, "t", "ca", HSMCA_PIN_REQ_COUNT_LOW,
	    pin, sizeof(pin), &w), 0);
	ck_assert_uint_eq(w.n, 1);
	ck_assert_ptr_nonnull(strstr(w.msgs[0], "ca: the token reports a low"));
	hsmca_warnings_clear(&w);
	pin_cache_free(c);
}
END_TEST

START_TEST(test_final_try_warns)
{
	struct hsmca_pin_cache *c = cache(NULL);
	struct hsmca_warnings w = { NULL, 0 };
	char pin[64];

	setenv("HSMCA_TEST_PIN", "1234", 1);
	ck_assert_int_eq(pin_cache_fill(c, "t", "ca", HSMCA_PIN_REQ_FINAL_TRY,
	    pin, sizeof(pin), &w), 0);
	ck_assert_uint_eq(w.n, 1);
	ck_assert_ptr_nonnull(strstr(w.msgs[0], "final PIN try"));
	hsmca_warnings_clear(&w);
	pin_cache_free(c);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("pin");
	TCase *tc = tcase_create("pin");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_file_with_newline);
	tcase_add_test(tc, test_file_without_newline);
	tcase_add_test(tc, test_file_crlf_and_second_line);
	tcase_add_test(tc, test_file_empty);
	tcase_add_test(tc, test_file_empty_first_line);
	tcase_add_test(tc, test_file_too_long);
	tcase_add_test(tc, test_file_missing);
	tcase_add_test(tc, test_file_uri_prefix);
	tcase_add_test(tc, test_order_file_before_env);
	tcase_add_test(tc, test_order_env);
	tcase_add_test(tc, test_order_uri_first);
	tcase_add_test(tc, test_uri_pin_source);
	tcase_add_test(tc, test_uri_pin_empty);
	tcase_add_test(tc, test_no_source);
	tcase_add_test(tc, test_env_empty);
	tcase_add_test(tc, test_missing_pin_file_reported);
	tcase_add_test(tc, test_cached_read_once);
	tcase_add_test(tc, test_retry_refused_for_good);
	tcase_add_test(tc, test_tries_left_text);
	tcase_add_test(tc, test_other_token_unaffected);
	tcase_add_test(tc, test_so_pin_refused);
	tcase_add_test(tc, test_pin_too_long_for_token);
	tcase_add_test(tc, test_count_low_warns_once);
	tcase_add_test(tc, test_final_try_warns);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return th_run(suite());
}
