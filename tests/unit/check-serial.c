/* Unit tests for src/serial.c: 20-octet positive serials, uniqueness
 * against newcerts/ and the index with an injected RNG that repeats, and
 * the hex forms. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <gnutls/crypto.h>

#include "hsmca/serial.h"
#include "helpers.h"

/* A scripted RNG: draw i fills every byte with first[i] except byte 0,
 * which is lead[i]; after the script it repeats the last draw. */
struct script {
	const unsigned char *lead;
	unsigned char fill;
	size_t n, calls;
	bool fail;
};

static int
scripted(void *ctx, unsigned char *buf, size_t len)
{
	struct script *s = ctx;
	size_t i = s->calls < s->n ? s->calls : s->n - 1;

	s->calls++;
	if (s->fail)
		return -1;
	memset(buf, s->fill, len);
	buf[0] = s->lead[i];
	return 0;
}

static int
real_rng(void *ctx, unsigned char *buf, size_t len)
{
	(void)ctx;
	return gnutls_rnd(GNUTLS_RND_RANDOM, buf, len) < 0 ? -1 : 0;
}

static struct hsmca_db *
open_ca(char **dir, const char *index)
{
	struct hsmca_error err = { 0 };
	struct hsmca_db *db;
	char *nc;

	*dir = th_tmpdir();
	free(th_write_file(*dir, "index.txt", index, (size_t)-1));
	ck_assert_int_ne(asprintf(&nc, "%s/newcerts", *dir), -1);
	ck_assert_int_eq(mkdir(nc, 0755), 0);
	free(nc);
	ck_assert_int_eq(db_open(*dir, DB_WRITE, 1, &db, &err), 0);
	return db;
}

static void
close_ca(struct hsmca_db *db, char *dir)
{
	db_close(db);
	th_rmrf(dir);
	free(dir);
}

static void
newcert(const char *dir, const char *hex)
{
	char *name;

	ck_assert_int_ne(asprintf(&name, "newcerts/%s.pem", hex), -1);
	free(th_write_file(dir, name, "x", (size_t)-1));
	free(name);
}

START_TEST(test_top_bit_cleared)
{
	static const unsigned char lead[] = { 0xff };
	struct script s = { lead, 0xff, 1, 0, false };
	struct hsmca_error err = { 0 };
	unsigned char out[SERIAL_OCTETS];
	char hex[2 * SERIAL_OCTETS + 1], *dir;
	struct hsmca_db *db = open_ca(&dir, "");

	ck_assert_int_eq(serial_new(db, scripted, &s, out, hex, &err), 0);
	ck_assert_uint_eq(out[0], 0x7f);
	ck_assert_str_eq(hex, "7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF");
	ck_assert_uint_eq(s.calls, 1);
	close_ca(db, dir);
}
END_TEST

START_TEST(test_zero_first_octet_redrawn)
{
	/* 0x80 becomes 0x00 once the top bit is cleared: a 19-octet serial in
	 * DER, so it must be drawn again */
	static const unsigned char lead[] = { 0x80, 0x00, 0x01 };
	struct script s = { lead, 0xab, 3, 0, false };
	struct hsmca_error err = { 0 };
	unsigned char out[SERIAL_OCTETS];
	char hex[2 * SERIAL_OCTETS + 1], *dir;
	struct hsmca_db *db = open_ca(&dir, "");

	ck_assert_int_eq(serial_new(db, scripted, &s, out, hex, &err), 0);
	ck_assert_uint_eq(s.calls, 3);
	ck_assert_uint_eq(out[0], 0x01);
	ck_assert_str_eq(hex, "01ABABABABABABABABABABABABABABABABABABAB");
	close_ca(db, dir);
}
END_TEST

START_TEST(test_unique_against_newcerts)
{
	static const unsigned char lead[] = { 0x11, 0x11, 0x22 };
	struct script s = { lead, 0x00, 3, 0, false };
	struct hsmca_error err = { 0 };
	unsigned char out[SERIAL_OCTETS];
	char hex[2 * SERIAL_OCTETS + 1], *dir;
	struct hsmca_db *db = open_ca(&dir, "");

	newcert(dir, "1100000000000000000000000000000000000000");
	ck_assert_int_eq(serial_new(db, scripted, &s, out, hex, &err), 0);
	ck_assert_uint_eq(s.calls, 3);
	ck_assert_str_eq(hex, "2200000000000000000000000000000000000000");
	close_ca(db, dir);
}
END_TEST

START_TEST(test_unique_against_loaded_index)
{
	static const unsigned char lead[] = { 0x33, 0x44 };
	struct script s = { lead, 0x00, 2, 0, false };
	struct hsmca_error err = { 0 };
	unsigned char out[SERIAL_OCTETS];
	char hex[2 * SERIAL_OCTETS + 1], *dir;
	struct hsmca_db *db = open_ca(&dir, "V\t270101000000Z\t\t"
	    "3300000000000000000000000000000000000000\tunknown\t/CN=x\n");

	ck_assert_int_eq(db_load(db, &err), 0);
	ck_assert_int_eq(serial_new(db, scripted, &s, out, hex, &err), 0);
	ck_assert_uint_eq(s.calls, 2);
	ck_assert_str_eq(hex, "4400000000000000000000000000000000000000");
	close_ca(db, dir);
}
END_TEST

START_TEST(test_batch_never_repeats)
{
	/* the RNG repeats 0x55..: the second serial of a batch, drawn before
	 * any newcerts file is written, must not be the first */
	static const unsigned char lead[] = { 0x55, 0x55, 0x66 };
	struct script s = { lead, 0x00, 3, 0, false };
	struct hsmca_error err = { 0 };
	unsigned char out[SERIAL_OCTETS];
	char a[2 * SERIAL_OCTETS + 1], b[2 * SERIAL_OCTETS + 1], *dir;
	struct hsmca_db *db = open_ca(&dir, "");

	ck_assert_int_eq(serial_new(db, scripted, &s, out, a, &err), 0);
	ck_assert_int_eq(serial_new(db, scripted, &s, out, b, &err), 0);
	ck_assert_str_ne(a, b);
	ck_assert_str_eq(b, "6600000000000000000000000000000000000000");
	ck_assert_int_eq(db_serial_in_use(db, a, &err), 1);
	close_ca(db, dir);
}
END_TEST

START_TEST(test_broken_rng_gives_up)
{
	static const unsigned char lead[] = { 0x77 };
	struct script s = { lead, 0x00, 1, 0, false };
	struct hsmca_error err = { 0 };
	unsigned char out[SERIAL_OCTETS];
	char hex[2 * SERIAL_OCTETS + 1], *dir;
	struct hsmca_db *db = open_ca(&dir, "");

	newcert(dir, "7700000000000000000000000000000000000000");
	ck_assert_int_eq(serial_new(db, scripted, &s, out, hex, &err),
	    HSMCA_E_CRYPTO);
	ck_assert_uint_eq(s.calls, SERIAL_MAX_DRAWS);
	ck_assert_msg(strstr(err.msg, "no unused serial in 16 random draws")
	    != NULL, "%s", err.msg);
	close_ca(db, dir);
}
END_TEST

START_TEST(test_rng_failure)
{
	static const unsigned char lead[] = { 0x77 };
	struct script s = { lead, 0x00, 1, 0, true };
	struct hsmca_error err = { 0 };
	unsigned char out[SERIAL_OCTETS];
	char hex[2 * SERIAL_OCTETS + 1], *dir;
	struct hsmca_db *db = open_ca(&dir, "");

	ck_assert_int_eq(serial_new(db, scripted, &s, out, hex, &err),
	    HSMCA_E_CRYPTO);
	ck_assert_str_eq(err.msg, "random number generator failed");
	close_ca(db, dir);
}
END_TEST

START_TEST(test_real_rng_properties)
{
	struct hsmca_error err = { 0 };
	unsigned char out[SERIAL_OCTETS];
	char hex[2 * SERIAL_OCTETS + 1], *dir, *again;
	struct hsmca_db *db = open_ca(&dir, "");
	int i;

	for (i = 0; i < 200; i++) {
		ck_assert_int_eq(serial_new(db, real_rng, NULL, out, hex, &err),
		    0);
		ck_assert_uint_eq(out[0] & 0x80, 0);      /* positive */
		ck_assert_uint_ne(out[0], 0);             /* 20 octets */
		ck_assert_uint_eq(strlen(hex), 40);
		ck_assert_int_eq(serial_to_hex(out, SERIAL_OCTETS, &again,
		    &err), 0);
		ck_assert_str_eq(again, hex);             /* index form */
		free(again);
	}
	close_ca(db, dir);
}
END_TEST

START_TEST(test_to_hex)
{
	static const unsigned char der[] = { 0x00, 0x8a, 0x01 };
	static const unsigned char zero[] = { 0x00 };
	static const unsigned char neg[] = { 0x80, 0x01 };
	struct hsmca_error err = { 0 };
	char *hex;

	ck_assert_int_eq(serial_to_hex(der, 3, &hex, &err), 0);
	ck_assert_str_eq(hex, "8A01");
	free(hex);
	ck_assert_int_eq(serial_to_hex(der + 2, 1, &hex, &err), 0);
	ck_assert_str_eq(hex, "01");
	free(hex);
	ck_assert_int_eq(serial_to_hex(zero, 1, &hex, &err), 0);
	ck_assert_str_eq(hex, "00");
	free(hex);
	ck_assert_int_eq(serial_to_hex(neg, 2, &hex, &err), HSMCA_E_PARSE);
	ck_assert_str_eq(err.msg, "serial number is negative");
	ck_assert_int_eq(serial_to_hex(neg, 0, &hex, &err), HSMCA_E_PARSE);
	ck_assert_str_eq(err.msg, "serial number is empty");
}
END_TEST

static void
expect_normal(const char *in, const char *want)
{
	struct hsmca_error err = { 0 };
	char *hex;

	ck_assert_int_eq(serial_normalize(in, &hex, &err), 0);
	ck_assert_str_eq(hex, want);
	free(hex);
}

static void
expect_bad(const char *in, const char *what)
{
	struct hsmca_error err = { 0 };
	char *hex = (char *)1;

	ck_assert_int_eq(serial_normalize(in, &hex, &err), HSMCA_E_USAGE);
	ck_assert_ptr_null(hex);
	ck_assert_msg(strstr(err.msg, what) != NULL, "'%s' lacks '%s'",
	    err.msg, what);
}

START_TEST(test_normalize)
{
	expect_normal("0x1a2b", "1A2B");
	expect_normal("1:2b", "012B");
	expect_normal("abc", "0ABC");
	expect_normal("0000ab", "AB");
	expect_normal("0", "00");
	expect_normal("580f4b6e1a01eecf9b8518d035e33834e8be0b92",
	    "580F4B6E1A01EECF9B8518D035E33834E8BE0B92");
}
END_TEST

START_TEST(test_normalize_empty)
{
	expect_bad("", "serial '': empty");
}
END_TEST

START_TEST(test_normalize_only_prefix)
{
	expect_bad("0x", "serial '0x': empty");
}
END_TEST

START_TEST(test_normalize_not_hex)
{
	expect_bad("12g4", "serial '12g4': not hexadecimal");
}
END_TEST

START_TEST(test_normalize_too_long)
{
	expect_bad("7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF",
	    "longer than 20 octets");
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("serial");
	TCase *tc = tcase_create("serial");

	tcase_add_test(tc, test_top_bit_cleared);
	tcase_add_test(tc, test_zero_first_octet_redrawn);
	tcase_add_test(tc, test_unique_against_newcerts);
	tcase_add_test(tc, test_unique_against_loaded_index);
	tcase_add_test(tc, test_batch_never_repeats);
	tcase_add_test(tc, test_broken_rng_gives_up);
	tcase_add_test(tc, test_rng_failure);
	tcase_add_test(tc, test_real_rng_properties);
	tcase_add_test(tc, test_to_hex);
	tcase_add_test(tc, test_normalize);
	tcase_add_test(tc, test_normalize_empty);
	tcase_add_test(tc, test_normalize_only_prefix);
	tcase_add_test(tc, test_normalize_not_hex);
	tcase_add_test(tc, test_normalize_too_long);
	suite_add_tcase(s, tc);
	return th_run(s);
}
