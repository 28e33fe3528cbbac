/* see hsmca/token.h: key types, CKA_ID values and key identifiers -- what
 * keygen is asked for, before any PKCS#11 call. */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include "hsmca/token.h"
#include "token-priv.h"

static const struct {
	const char *name;
	const char *alias;
	gnutls_pk_algorithm_t pk;
	unsigned bits;
	gnutls_ecc_curve_t curve;
} keytypes[] = {
	{ "ec:secp384r1", "ec:p384", GNUTLS_PK_ECDSA, 384,
	    GNUTLS_ECC_CURVE_SECP384R1 },
	{ "ec:secp256r1", "ec:p256", GNUTLS_PK_ECDSA, 256,
	    GNUTLS_ECC_CURVE_SECP256R1 },
	{ "ec:secp521r1", "ec:p521", GNUTLS_PK_ECDSA, 521,
	    GNUTLS_ECC_CURVE_SECP521R1 },
	{ "rsa:2048", NULL, GNUTLS_PK_RSA, 2048, GNUTLS_ECC_CURVE_INVALID },
	{ "rsa:3072", NULL, GNUTLS_PK_RSA, 3072, GNUTLS_ECC_CURVE_INVALID },
	{ "rsa:4096", NULL, GNUTLS_PK_RSA, 4096, GNUTLS_ECC_CURVE_INVALID },
	{ "ed25519", NULL, GNUTLS_PK_EDDSA_ED25519, 256,
	    GNUTLS_ECC_CURVE_ED25519 },
};

int
token_parse_keytype(const char *text, struct hsmca_keytype *out,
    struct hsmca_error *err)
{
	size_t i;

	for (i = 0; text != NULL && i < sizeof(keytypes) / sizeof(keytypes[0]);
	    i++) {
		if (strcmp(text, keytypes[i].name) != 0 &&
		    (keytypes[i].alias == NULL ||
		    strcmp(text, keytypes[i].alias) != 0))
			continue;
		memset(out, 0, sizeof(*out));
		snprintf(out->name, sizeof(out->name), "%s", keytypes[i].name);
		out->pk = keytypes[i].pk;
		out->bits = keytypes[i].bits;
		out->curve = keytypes[i].curve;
		return 0;
	}
	return hsmca_error_set(err, HSMCA_E_USAGE, "--type: unknown key type "
	    "'%.64s' (ec:secp384r1, ec:secp256r1, ec:secp521r1, rsa:2048, "
	    "rsa:3072, rsa:4096, ed25519)", text ? text : "");
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int
token_parse_id(const char *text, unsigned char *id, size_t *len,
    struct hsmca_error *err)
{
	const char *p = text;
	size_t n = 0;
	int hi, lo;

	while (p != NULL && *p != '\0') {
		if (*p == ':' || *p == '%') {
			p++;
			continue;
		}
		hi = hexval((unsigned char)p[0]);
		lo = hi < 0 ? -1 : hexval((unsigned char)p[1]);
		if (hi < 0 || lo < 0)
			return hsmca_error_set(err, HSMCA_E_USAGE, "--id: "
			    "'%.64s' is not hex bytes (e.g. 0a1b or 0a:1b)",
			    text);
		if (n == 64)
			return hsmca_error_set(err, HSMCA_E_USAGE, "--id: "
			    "longer than 64 bytes");
		id[n++] = (unsigned char)(hi << 4 | lo);
		p += 2;
	}
	if (n == 0)
		return hsmca_error_set(err, HSMCA_E_USAGE, "--id: empty");
	*len = n;
	return 0;
}

long
tok_der_header(const unsigned char **p, const unsigned char *end,
    unsigned char tag)
{
	size_t len, k, nbytes;

	if (end - *p < 2 || (*p)[0] != tag)
		return -1;
	len = (*p)[1];
	*p += 2;
	if (len & 0x80) {
		nbytes = len & 0x7f;
		if (nbytes == 0 || nbytes > 3 || (size_t)(end - *p) < nbytes)
			return -1;
		for (len = 0, k = 0; k < nbytes; k++)
			len = len << 8 | (*p)[k];
		*p += nbytes;
	}
	if (len > (size_t)(end - *p))
		return -1;
	return (long)len;
}

int
token_key_id_method1(const unsigned char *spki, size_t len,
    unsigned char id[20], struct hsmca_error *err)
{
	const unsigned char *p = spki, *end = spki + len;
	long l;

	/* SubjectPublicKeyInfo ::= SEQUENCE { algorithm SEQUENCE,
	 *     subjectPublicKey BIT STRING } */
	if ((l = tok_der_header(&p, end, 0x30)) < 0)
		goto bad;
	end = p + l;
	if ((l = tok_der_header(&p, end, 0x30)) < 0)
		goto bad;
	p += l;
	if ((l = tok_der_header(&p, end, 0x03)) < 1 || p[0] != 0)
		goto bad;
	if (gnutls_hash_fast(GNUTLS_DIG_SHA1, p + 1, (size_t)l - 1, id) < 0)
		return hsmca_error_set(err, HSMCA_E_CRYPTO, "SHA-1 failed");
	return 0;
bad:
	return hsmca_error_set(err, HSMCA_E_PARSE, "public key: malformed "
	    "SubjectPublicKeyInfo");
}

