/* Unit tests for the command layer's option parsing (src/cli.c). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "hsmca/cli.h"
#include "helpers.h"

enum { OPT_TOKEN = 1, OPT_LABEL, OPT_JSON };

static const struct cli_opt opts[] = {
	{ "token", true, OPT_TOKEN, "URI", "token" },
	{ "label", true, OPT_LABEL, "L", "label" },
	{ "json", false, OPT_JSON, NULL, "json" },
	{ NULL, false, 0, NULL, NULL },
};
static const struct cli_desc desc = { "test", "[opts]", "a test", opts };

START_TEST(test_options_and_operands)
{
	char *argv[] = { "test", "--token", "pkcs11:token=a", "--json",
	    "--label=x", "operand", NULL };
	struct cli_parser p;
	const char *arg;

	cli_parser_init(&p, &desc, 6, argv);
	ck_assert_int_eq(cli_next(&p, &arg), OPT_TOKEN);
	ck_assert_str_eq(arg, "pkcs11:token=a");
	ck_assert_int_eq(cli_next(&p, &arg), OPT_JSON);
	ck_assert_int_eq(cli_next(&p, &arg), OPT_LABEL);
	ck_assert_str_eq(arg, "x");
	ck_assert_int_eq(cli_next(&p, &arg), CLI_END);
	ck_assert_int_eq(p.optind, 5);
	ck_assert_str_eq(argv[p.optind], "operand");
}
END_TEST

START_TEST(test_unknown_option)
{
	char *argv[] = { "test", "--bogus", NULL };
	struct cli_parser p;
	const char *arg;

	cli_parser_init(&p, &desc, 2, argv);
	ck_assert_int_eq(cli_next(&p, &arg), CLI_ERROR);
}
END_TEST

START_TEST(test_missing_argument)
{
	char *argv[] = { "test", "--token", NULL };
	struct cli_parser p;
	const char *arg;

	cli_parser_init(&p, &desc, 2, argv);
	ck_assert_int_eq(cli_next(&p, &arg), CLI_ERROR);
}
END_TEST

START_TEST(test_no_prefix_matching)
{
	/* getopt_long accepts unambiguous prefixes ("--tok"); a CA must not
	 * guess, but getopt's abbreviations of *options* are documented
	 * GNU behaviour.  Commands are matched exactly in main.c. */
	char *argv[] = { "test", "--js", NULL };
	struct cli_parser p;
	const char *arg;

	cli_parser_init(&p, &desc, 2, argv);
	ck_assert_int_eq(cli_next(&p, &arg), OPT_JSON);
}
END_TEST

START_TEST(test_parse_uint)
{
	struct hsmca_error err = { 0 };
	unsigned long v = 0;

	ck_assert_int_eq(cli_parse_uint("--days", "365", 1, 36500, &v, &err),
	    0);
	ck_assert_uint_eq(v, 365);
	ck_assert_int_eq(cli_parse_uint("--days", "0", 1, 36500, &v, &err),
	    HSMCA_E_USAGE);
	ck_assert_ptr_nonnull(strstr(err.msg, "--days"));
	ck_assert_int_eq(cli_parse_uint("--days", "-5", 1, 36500, &v, &err),
	    HSMCA_E_USAGE);
	ck_assert_int_eq(cli_parse_uint("--days", "12x", 1, 36500, &v, &err),
	    HSMCA_E_USAGE);
	ck_assert_int_eq(cli_parse_uint("--days", "99999999999999999999", 1,
	    36500, &v, &err), HSMCA_E_USAGE);
	ck_assert_int_eq(cli_parse_uint("--days", "", 1, 36500, &v, &err),
	    HSMCA_E_USAGE);
}
END_TEST

START_TEST(test_error_prefix)
{
	struct hsmca_error err = { 0 };

	hsmca_error_set(&err, HSMCA_E_PARSE, "line %d: bad", 3);
	ck_assert_int_eq(hsmca_error_prefix(&err, "%s", "f.profile"),
	    HSMCA_E_PARSE);
	ck_assert_str_eq(err.msg, "f.profile: line 3: bad");
	ck_assert_int_eq(cli_exit_status(HSMCA_E_USAGE), 2);
	ck_assert_int_eq(cli_exit_status(HSMCA_E_PARSE), 1);
	ck_assert_int_eq(cli_exit_status(0), 0);
}
END_TEST

START_TEST(test_parse_hash)
{
	struct hsmca_error err = { 0 };
	const char *h = NULL;

	ck_assert_int_eq(cli_parse_hash("--hash", "sha512", &h, &err), 0);
	ck_assert_str_eq(h, "sha512");
	ck_assert_int_eq(cli_parse_hash("--hash", "SHA512", &h, &err),
	    HSMCA_E_USAGE);
	ck_assert_int_eq(cli_parse_hash("--hash", "sha1", &h, &err),
	    HSMCA_E_USAGE);
	ck_assert(strstr(err.msg, "--hash: unknown hash 'sha1'") != NULL);
}
END_TEST

START_TEST(test_parse_time)
{
	struct hsmca_error err = { 0 };
	time_t t = 0;

	ck_assert_int_eq(cli_parse_time("--not-after",
	    "2027-01-15T00:00:00Z", &t, &err), 0);
	ck_assert_int_eq((long long)t, 1799971200LL);
	ck_assert_int_eq(cli_parse_time("--not-after",
	    "2027-01-15t01:30:00+01:30", &t, &err), 0);
	ck_assert_int_eq((long long)t, 1799971200LL);
	ck_assert_int_eq(cli_parse_time("--not-after",
	    "2027-01-14T19:00:00-05:00", &t, &err), 0);
	ck_assert_int_eq((long long)t, 1799971200LL);
	ck_assert_int_eq(cli_parse_time("--not-after", "2028-02-29T00:00:00Z",
	    &t, &err), 0);
}
END_TEST

static const char *const bad_times[] = {
	"2027-02-30T00:00:00Z", "2027-02-29T00:00:00Z", "2027-01-15",
	"2027-01-15T00:00:00", "2027-01-15 00:00:00Z", "2027-13-01T00:00:00Z",
	"2027-01-15T24:00:00Z", "2027-01-15T00:00:00.5Z", "20270115000000Z",
	"2027-01-15T00:00:00+0100", "2027-01-15T00:00:00Zjunk", "",
};

START_TEST(test_parse_time_bad)
{
	struct hsmca_error err = { 0 };
	time_t t = 42;

	ck_assert_int_eq(cli_parse_time("--not-before", bad_times[_i], &t,
	    &err), HSMCA_E_USAGE);
	ck_assert_int_eq((long long)t, 42);
	ck_assert(strstr(err.msg, "--not-before: '") == err.msg);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("cli");
	TCase *tc = tcase_create("options");

	tcase_add_test(tc, test_options_and_operands);
	tcase_add_test(tc, test_unknown_option);
	tcase_add_test(tc, test_missing_argument);
	tcase_add_test(tc, test_no_prefix_matching);
	tcase_add_test(tc, test_parse_uint);
	tcase_add_test(tc, test_error_prefix);
	tcase_add_test(tc, test_parse_hash);
	tcase_add_test(tc, test_parse_time);
	tcase_add_loop_test(tc, test_parse_time_bad, 0,
	    (int)(sizeof(bad_times) / sizeof(bad_times[0])));
	suite_add_tcase(s, tc);
	return th_run(s);
}
