/* see hsmca/serial.h */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "hsmca/serial.h"

static const char hexdigits[] = "0123456789ABCDEF";

static void
to_hex(const unsigned char *b, size_t n, char *out)
{
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = hexdigits[b[i] >> 4];
		out[2 * i + 1] = hexdigits[b[i] & 0x0f];
	}
	out[2 * n] = '\0';
}

int
serial_new(struct hsmca_db *db, hsmca_rng_fn rng, void *rng_ctx,
    unsigned char out[SERIAL_OCTETS], char hex[2 * SERIAL_OCTETS + 1],
    struct hsmca_error *err)
{
	unsigned draw;
	int r;

	for (draw = 0; draw < SERIAL_MAX_DRAWS; draw++) {
		if (rng(rng_ctx, out, SERIAL_OCTETS) < 0)
			return hsmca_error_set(err, HSMCA_E_CRYPTO,
			    "random number generator failed");
		/* Positive and exactly 20 octets: top bit clear, and a
		 * non-zero first octet (else DER would shorten it). */
		out[0] &= 0x7f;
		if (out[0] == 0)
			continue;
		to_hex(out, SERIAL_OCTETS, hex);
		r = db_serial_in_use(db, hex, err);
		if (r < 0)
			return r;
		if (r == 0)
			return db_serial_reserve(db, hex, err);
	}
	return hsmca_error_set(err, HSMCA_E_CRYPTO,
	    "%s: no unused serial in %d random draws (broken RNG?)",
	    db_dir(db), SERIAL_MAX_DRAWS);
}

int
serial_to_hex(const unsigned char *bytes, size_t len, char **hex,
    struct hsmca_error *err)
{
	if (len == 0 || (bytes[0] & 0x80) != 0)
		return hsmca_error_set(err, HSMCA_E_PARSE,
		    "serial number is %s", len == 0 ? "empty" : "negative");
	while (len > 1 && bytes[0] == 0) {
		bytes++;
		len--;
	}
	*hex = malloc(2 * len + 1);
	if (*hex == NULL)
		return hsmca_error_set(err, HSMCA_E_NOMEM, "out of memory");
	to_hex(bytes, len, *hex);
	return 0;
}

int
serial_normalize(const char *text, char **hex, struct hsmca_error *err)
{
	const char *p = text;
	char digits[2 * SERIAL_OCTETS + 2];
	size_t n = 0, seen = 0, skip;

	*hex = NULL;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
		p += 2;
	for (; *p != '\0'; p++) {
		if (*p == ':')
			continue;
		if (!isxdigit((unsigned char)*p))
			return hsmca_error_set(err, HSMCA_E_USAGE,
			    "serial '%s': not hexadecimal", text);
		seen++;
		if (n == 0 && *p == '0')
			continue;
		if (n >= 2 * SERIAL_OCTETS)
			return hsmca_error_set(err, HSMCA_E_USAGE,
			    "serial '%s': longer than 20 octets", text);
		digits[n++] = (char)toupper((unsigned char)*p);
	}
	if (seen == 0)
		return hsmca_error_set(err, HSMCA_E_USAGE,
		    "serial '%s': empty", text);
	skip = n % 2;
	*hex = malloc(n + skip + 1 + (n == 0 ? 2 : 0));
	if (*hex == NULL)
		return hsmca_error_set(err, HSMCA_E_NOMEM, "out of memory");
	if (n == 0) {
		strcpy(*hex, "00");
		return 0;
	}
	(*hex)[0] = '0';
	memcpy(*hex + skip, digits, n);
	(*hex)[n + skip] = '\0';
	return 0;
}
