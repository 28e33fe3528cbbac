/* hsmca — fuzz target: PIN files.  The input is written to a file (in a
 * directory made once) and read by pin_read_file (--pin-file, a URI's
 * pin-source) and through a PIN cache whose only source is that file
 * (pin_cache_fill, as the PKCS#11 layer asks); the bytes also go to
 * pin_cache_set_uri_pin as a URI's decoded pin-value would. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hsmca/pin.h"
#include "hsmca/secret.h"
#include "fuzz-common.h"

static void
through_cache(const char *path, const uint8_t *data, size_t size)
{
	struct hsmca_pin_opts opts = { path, NULL, NULL };
	struct hsmca_pin_cache *c = NULL;
	struct hsmca_warnings w = { 0 };
	struct hsmca_error err = { 0 };
	char pin[HSMCA_PIN_MAX + 1];
	int r;

	if (pin_cache_new(&opts, &c) != 0)
		abort();
	(void)pin_cache_fill(c, "pkcs11:token=fuzz", "fuzz", 0, pin,
	    sizeof(pin), &w);
	/* A second request without a failed login is answered from the
	 * cache; a retry must be refused. */
	(void)pin_cache_fill(c, "pkcs11:token=fuzz", "fuzz", 0, pin,
	    sizeof(pin), &w);
	if (pin_cache_fill(c, "pkcs11:token=fuzz", "fuzz",
	    HSMCA_PIN_REQ_RETRY, pin, sizeof(pin), &w) == 0)
		abort();
	(void)pin_cache_error(c, "fuzz", 0, &err);
	hsmca_warnings_clear(&w);
	pin_cache_free(c);

	opts.pin_file = NULL;
	if (pin_cache_new(&opts, &c) != 0)
		abort();
	r = pin_cache_set_uri_pin(c, (const char *)data, size, &err);
	fz_check_error(r, &err);
	if (r == 0 && pin_cache_fill(c, "pkcs11:token=fuzz", "fuzz", 0, pin,
	    sizeof(pin), &w) != 0)
		abort();
	hsmca_warnings_clear(&w);
	pin_cache_free(c);
	memset(pin, 0, sizeof(pin));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hsmca_error err = { 0 };
	struct hsmca_secret *s = NULL;
	char *path = fz_path(fz_tmpdir(), "pin");
	char *uri;
	int r;

	fz_write(path, data, size);
	r = pin_read_file(path, &s, &err);
	fz_check_error(r, &err);
	if (r == 0 && s == NULL)
		abort();
	secret_free(s);
	s = NULL;
	if (asprintf(&uri, "file://%s", path) < 0)
		abort();
	r = pin_read_file(uri, &s, &err);
	fz_check_error(r, &err);
	secret_free(s);
	free(uri);
	through_cache(path, data, size);
	free(path);
	return 0;
}
