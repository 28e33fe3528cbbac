/* hsmca — fuzz target: RFC 7512 "pkcs11:" URIs as the user types them, and
 * the other token arguments that need no token.
 *
 * What is reachable without a PKCS#11 module: token_check_uri (the
 * p11-kit parse and hsmca's checks), tok_prepare_uri (src/token-priv.h:
 * the pin-value/pin-source extraction and the copy without them, which is
 * what token_open_key, token_list_objects and token_keygen do first) on a
 * session struct that holds only a PIN cache, token_parse_id (keygen
 * --id), token_parse_keytype (keygen --type) and token_key_id_method1 (DER
 * SubjectPublicKeyInfo, here fed the raw bytes).
 *
 * A URI with "pin-source" (blanks ignored, as p11-kit does) is not given to tok_prepare_uri: it would read the
 * file it names (/dev/stdin or /dev/tty would block the fuzzer); the PIN
 * file reader has its own target (fuzz-pinfile). */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hsmca/pin.h"
#include "hsmca/token.h"
#include "token-priv.h"
#include "fuzz-common.h"

/* Abort when uri parses and still carries a PIN. */
static void
no_pin(const char *uri)
{
	P11KitUri *p = p11_kit_uri_new();

	if (p == NULL)
		abort();
	if (p11_kit_uri_parse(uri, P11_KIT_URI_FOR_ANY, p) == P11_KIT_URI_OK &&
	    (p11_kit_uri_get_pin_value(p) != NULL ||
	    p11_kit_uri_get_pin_source(p) != NULL) &&
	    !fz_excluded("uri-pin-whitespace")) {
		fprintf(stderr, "stripped URI still has a PIN: %s\n", uri);
		abort();
	}
	p11_kit_uri_free(p);
}

/* Does uri name a pin-source?  p11-kit drops blanks inside attribute
 * names ("pin-sou rce="), so they are dropped here too. */
static bool
names_pin_source(const char *uri)
{
	char *copy = strdup(uri), *o;
	const char *i;
	bool found;

	if (copy == NULL)
		abort();
	for (i = uri, o = copy; *i != '\0'; i++)
		if (strchr(" \t\r\n\v\f", *i) == NULL)
			*o++ = *i;
	*o = '\0';
	found = strstr(copy, "source") != NULL;
	free(copy);
	return found;
}

static void
prepare(const char *uri)
{
	struct hsmca_pin_opts opts = { NULL, NULL, NULL };
	struct hsmca_warnings w = { 0 };
	struct hsmca_error err = { 0 };
	struct hsmca_token t;
	char *out = NULL;
	int r;

	if (names_pin_source(uri))
		return;
	memset(&t, 0, sizeof(t));
	t.w = &w;
	if (pin_cache_new(&opts, &t.pins) != 0)
		abort();
	r = tok_prepare_uri(&t, uri, &out, &err);
	fz_check_error(r, &err);
	if (r == 0) {
		/* What is left must parse again and carry no PIN. */
		if (out == NULL)
			abort();
		if (token_check_uri(out, &err) != 0 &&
		    !fz_excluded("uri-empty-segment")) {
			fprintf(stderr, "stripped URI no longer parses: %s\n",
			    err.msg);
			abort();
		}
		no_pin(out);
	}
	free(out);
	hsmca_warnings_clear(&w);
	pin_cache_free(t.pins);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hsmca_error err = { 0 };
	struct hsmca_keytype kt;
	unsigned char id[64], ski[20];
	size_t id_len = 0;
	char *text = fz_strndup(data, size);
	int r;

	r = token_check_uri(text, &err);
	fz_check_error(r, &err);
	if (r == 0)
		prepare(text);
	r = token_parse_id(text, id, &id_len, &err);
	fz_check_error(r, &err);
	if (r == 0 && (id_len < 1 || id_len > sizeof(id)))
		abort();
	r = token_parse_keytype(text, &kt, &err);
	fz_check_error(r, &err);
	r = token_key_id_method1(data, size, ski, &err);
	fz_check_error(r, &err);
	free(text);
	return 0;
}
