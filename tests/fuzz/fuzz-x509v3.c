/* hsmca — fuzz target: the x509v3_config value syntax of a profile's
 * [extensions] (profile_parse_extension) and the TYPE:VALUE general names
 * of --san and the profiles (profile_parse_general_name), with the
 * conversion of a parsed name to GnuTLS's form (x509_gn_to_gnutls).
 *
 * Input: the first byte picks the key (modulo the table below, whose last
 * slot means "a general name"), the rest is the value. */
#include "config.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "hsmca/profile.h"
#include "hsmca/x509build.h"
#include "x509-int.h"
#include "fuzz-common.h"

static const char *const keys[] = {
	"basicConstraints", "keyUsage", "extendedKeyUsage", "subjectAltName",
	"nameConstraints", "crlDistributionPoints", "authorityInfoAccess",
	"certificatePolicies", "authorityKeyIdentifier",
	"subjectKeyIdentifier", "nsCertType", "nsComment",
	NULL,   /* profile_parse_general_name */
};
#define N_KEYS (sizeof(keys) / sizeof(keys[0]))

/* Turn every name of l into GnuTLS's form, as x509ext.c does. */
static void
convert_all(const struct hsmca_gn_list *l, bool with_mask)
{
	gnutls_x509_subject_alt_name_t type;
	struct hsmca_error err = { 0 };
	unsigned char ip[32];
	gnutls_datum_t d;
	size_t i;
	int r;

	for (i = 0; i < l->n; i++) {
		r = x509_gn_to_gnutls(&l->items[i], with_mask, &type, ip, &d,
		    &err);
		fz_check_error(r, &err);
	}
}

static void
one_gn(const char *text)
{
	struct hsmca_general_name gn = { 0 };
	struct hsmca_gn_list l = { &gn, 1 };
	struct hsmca_error err = { 0 };
	int r;

	r = profile_parse_general_name(text, &gn, &err);
	fz_check_error(r, &err);
	if (r != 0)
		return;
	if (gn.value == NULL)
		abort();
	convert_all(&l, false);
	convert_all(&l, true);
	free(gn.value);
}

static void
one_extension(const char *key, const char *value)
{
	struct hsmca_extensions ext;
	struct hsmca_error err = { 0 };
	int r;

	memset(&ext, 0, sizeof(ext));
	r = profile_parse_extension(key, value, &ext, &err);
	fz_check_error(r, &err);
	if (r == 0) {
		convert_all(&ext.san.names, false);
		convert_all(&ext.name_constraints.permitted, true);
		convert_all(&ext.name_constraints.excluded, true);
		convert_all(&ext.crl_dp.uris, false);
		convert_all(&ext.aia.ocsp, false);
		convert_all(&ext.aia.ca_issuers, false);
	}
	profile_extensions_clear(&ext);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *key;
	char *value;

	if (size < 1)
		return 0;
	key = keys[data[0] % N_KEYS];
	value = fz_strndup(data + 1, size - 1);
	if (key == NULL)
		one_gn(value);
	else
		one_extension(key, value);
	free(value);
	return 0;
}
