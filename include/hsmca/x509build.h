/* hsmca — loading, building, signing and checking certificates and
 * certificate requests with GnuTLS.
 *
 * Keys arrive as gnutls_privkey_t / gnutls_pubkey_t: from the token in
 * production, from software keys in tests.  Nothing here touches PKCS#11
 * directly, writes files or prints; the only side effect of x509_sign_cert()
 * and x509_build_csr() is one signature made with the given key (which may
 * be a token operation).
 *
 * Decisions: notBefore = now - 60 s (clock skew between the CA and relying
 * parties; no more backdating than that); notAfter = now + days.  Explicit
 * dates (sign --not-before/--not-after) replace them; days then count from
 * the explicit notBefore.
 * subjectKeyIdentifier is RFC 5280 §4.2.1.2 method (1), SHA-1 over the
 * subjectPublicKey BIT STRING contents (what OpenSSL computes), and the
 * authorityKeyIdentifier carries the issuer certificate's own SKI.
 *
 * The module is three files, layered so that calls go one way only:
 * src/x509build.c (loading, building, signing, checking) calls
 * src/x509ext.c (extensions, requests), and both call src/x509util.c
 * (digests, subjects, key identifiers, DER).  x509_key_id() and
 * x509_hash() are defined in x509util.c, x509_build_csr() in x509ext.c, the
 * rest in x509build.c.  The files' shared internals are in src/x509-int.h,
 * which also draws the layering.
 */
#ifndef HSMCA_X509BUILD_H
#define HSMCA_X509BUILD_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include <gnutls/abstract.h>
#include <gnutls/x509.h>

#include "hsmca/dn.h"
#include "hsmca/err.h"
#include "hsmca/profile.h"

/* Largest certificate, request or chain file accepted (bytes). */
#define X509_MAX_INPUT (64 * 1024)

/* Largest CRL accepted (bytes): a CRL lists every revoked certificate. */
#define X509_MAX_CRL (32 * 1024 * 1024)

/* Seconds notBefore is set before "now". */
#define X509_BACKDATE 60

/* What a PEM/DER blob holds. */
enum x509_kind {
	X509_KIND_UNKNOWN = 0,
	X509_KIND_CRT,
	X509_KIND_CSR,
	X509_KIND_CRL,
	X509_KIND_PRIVKEY,
	X509_KIND_PUBKEY,
};

/* Classify buf (PEM by its first "-----BEGIN" label, else DER by trying each
 * import).  Returns X509_KIND_UNKNOWN for garbage. */
enum x509_kind x509_classify(const unsigned char *buf, size_t len);

/* Human name of a kind ("a certificate", "a certificate request", ...). */
const char *x509_kind_name(enum x509_kind k);

/* Load a PKCS#10 request (PEM or DER, at most X509_MAX_INPUT bytes) named
 * name in messages, and verify its own signature (proof of possession).
 * On success stores a new request in *out (gnutls_x509_crq_deinit it).
 * Errors: HSMCA_E_PARSE ("name: this is a certificate, not a certificate
 * request", "name: too large", "name: not a certificate request"),
 * HSMCA_E_VERIFY (bad self-signature), HSMCA_E_NOMEM. */
int x509_load_csr(const char *name, const unsigned char *buf, size_t len,
    gnutls_x509_crq_t *out, struct hsmca_error *err) HSMCA_MUST_CHECK;

/* Load the first certificate of buf (PEM or DER, at most X509_MAX_INPUT
 * bytes).  *out is new (gnutls_x509_crt_deinit it).  HSMCA_E_PARSE naming
 * what was found instead. */
int x509_load_crt(const char *name, const unsigned char *buf, size_t len,
    gnutls_x509_crt_t *out, struct hsmca_error *err) HSMCA_MUST_CHECK;

/* Load every certificate of a chain file (PEM with one or more
 * certificates, or one DER certificate).  *out is a malloc'ed array of *n
 * new certificates: free with x509_crt_list_free().  HSMCA_E_PARSE when
 * there is none or one is malformed. */
int x509_load_crt_list(const char *name, const unsigned char *buf,
    size_t len, gnutls_x509_crt_t **out, size_t *n, struct hsmca_error *err)
	HSMCA_MUST_CHECK;
void x509_crt_list_free(gnutls_x509_crt_t *list, size_t n);

/* Load a CRL (PEM or DER, at most X509_MAX_CRL bytes).  *out is new (gnutls_x509_crl_deinit it). */
int x509_load_crl(const char *name, const unsigned char *buf, size_t len,
    gnutls_x509_crl_t *out, struct hsmca_error *err) HSMCA_MUST_CHECK;

/* Subject / issuer of a certificate, and subject of a request, as plain
 * data (caller-owned *out, free with dn_clear()).  HSMCA_E_PARSE for a
 * multi-valued RDN or a value that is not a UTF8/Printable/IA5/T61 string. */
int x509_crt_subject(gnutls_x509_crt_t crt, struct hsmca_dn *out,
    struct hsmca_error *err) HSMCA_MUST_CHECK;
int x509_crt_issuer(gnutls_x509_crt_t crt, struct hsmca_dn *out,
    struct hsmca_error *err) HSMCA_MUST_CHECK;
int x509_csr_subject(gnutls_x509_crq_t csr, struct hsmca_dn *out,
    struct hsmca_error *err) HSMCA_MUST_CHECK;

/* RFC 5280 method (1) key identifier of pub: SHA-1 of the subjectPublicKey
 * bits, written to id[20].  Returns 0 or HSMCA_E_CRYPTO. */
int x509_key_id(gnutls_pubkey_t pub, unsigned char id[20],
    struct hsmca_error *err) HSMCA_MUST_CHECK;

/* Everything one certificate is built from.  Borrowed pointers only. */
struct hsmca_issue {
	const struct hsmca_profile *profile;
	gnutls_x509_crq_t csr;         /* the request, already verified; or NULL */
	const char *subject;           /* DN text: --subject override, or the
	                                * subject when there is no csr */
	gnutls_pubkey_t pubkey;        /* subject key when there is no csr */
	const struct hsmca_gn_list *san;   /* --san: replaces the CSR's SAN */
	gnutls_x509_crt_t issuer;      /* NULL: self-signed */
	gnutls_pubkey_t issuer_pubkey; /* unused today: the AKI comes from the
	                                * issuer certificate's SKI, and
	                                * x509_sign_cert() checks the key */
	const unsigned char *serial;   /* the serial's octets (20 normally) */
	size_t serial_len;
	time_t now;
	unsigned days;                 /* 0: profile->days */
	time_t not_before;             /* 0: now - X509_BACKDATE */
	time_t not_after;              /* 0: notBefore (not_before, or now
	                                * when it is 0) + days */
	gnutls_x509_crt_t renew_of;    /* a certificate being renewed: the
	                                * subject (unless subject is given),
	                                * public key and subjectAltName are
	                                * its; csr is NULL; or NULL */
};

/* Build the to-be-signed certificate (version 3, unsigned) from in.
 * The subject is in->subject or the CSR's, passed through the profile's DN
 * policy against the issuer's subject (dropped fields become warnings in
 * w).  Extensions come ONLY from the profile, plus the subjectAltName: the
 * profile's fixed names, then in->san or (when profile->san_from_csr) the
 * CSR's, each name checked against profile->san_types.  The CSR's other
 * extensions (CA:TRUE, keyUsage...) are never copied.  On success *out is
 * new (gnutls_x509_crt_deinit it).  Errors: HSMCA_E_POLICY (DN policy, a
 * SAN type the profile does not allow, a required SAN missing, Netscape
 * extensions without allow_netscape, AKI keyid:always with an issuer lacking
 * an SKI), HSMCA_E_PARSE (bad subject text, bad IP address), HSMCA_E_USAGE
 * (no validity: neither days nor profile->days), HSMCA_E_CRYPTO. */
int x509_build_cert(const struct hsmca_issue *in, gnutls_x509_crt_t *out,
    struct hsmca_warnings *w, struct hsmca_error *err) HSMCA_MUST_CHECK;

/* Sign tbs with key (the issuer's private key; issuer NULL = self-signed)
 * using hash ("sha256", "sha384", "sha512"; ignored for Ed25519; NULL means
 * sha256).  Before signing, checks that key's public half equals the public
 * key of issuer (or of tbs itself when self-signed): signing with a key that
 * does not match the CA certificate is refused with HSMCA_E_VERIFY.  May
 * touch the token.  Returns 0, HSMCA_E_USAGE (unknown hash), HSMCA_E_VERIFY
 * or HSMCA_E_CRYPTO. */
int x509_sign_cert(gnutls_x509_crt_t tbs, gnutls_x509_crt_t issuer,
    gnutls_privkey_t key, const char *hash, struct hsmca_error *err)
	HSMCA_MUST_CHECK;

/* Flags of x509_sign_cert_pub(). */
#define X509_SIGN_RSA_PSS 1u    /* an RSA key signs RSASSA-PSS (RFC 4055:
                                 * MGF1 with the same hash, salt as long as
                                 * the hash); the token needs
                                 * CKM_RSA_PKCS_PSS */

/* x509_sign_cert() with the signing key's public half given (key_pub, as
 * token_open_key() returned it; NULL: read it from key), which spares a
 * token round trip per certificate in a batch, and flags (X509_SIGN_*).
 * X509_SIGN_RSA_PSS with a key that is not RSA is HSMCA_E_USAGE; a token
 * that cannot sign RSASSA-PSS fails the signature (HSMCA_E_CRYPTO). */
int x509_sign_cert_pub(gnutls_x509_crt_t tbs, gnutls_x509_crt_t issuer,
    gnutls_privkey_t key, gnutls_pubkey_t key_pub, const char *hash,
    unsigned flags, struct hsmca_error *err) HSMCA_MUST_CHECK;

/* A copy of c in *out, through its DER: for another thread (GnuTLS objects
 * are not shared between threads).  Returns 0 or a GnuTLS error (< 0),
 * *out NULL. */
int x509_crt_dup(gnutls_x509_crt_t c, gnutls_x509_crt_t *out)
	HSMCA_MUST_CHECK;

/* Check crt's signature with the public key of issuer (crt itself when
 * issuer is NULL) over the exact TBSCertificate bytes, and that crt's
 * issuer name equals issuer's subject.  Returns 0 or HSMCA_E_VERIFY. */
int x509_verify_signed(gnutls_x509_crt_t crt, gnutls_x509_crt_t issuer,
    struct hsmca_error *err) HSMCA_MUST_CHECK;

/* Build and sign a PKCS#10 request for `hsmca req`: subject DN text, the
 * SAN list (may be NULL), signed by key (pub is its public half) with hash
 * (NULL: sha256).  The request's own signature is verified before return.
 * *pem_out is gnutls-allocated (gnutls_free(pem_out->data)).  May touch the
 * token.  Errors: HSMCA_E_PARSE (subject, SAN), HSMCA_E_USAGE (hash),
 * HSMCA_E_CRYPTO, HSMCA_E_VERIFY. */
int x509_build_csr(gnutls_privkey_t key, gnutls_pubkey_t pub,
    const char *subject, const struct hsmca_gn_list *sans, const char *hash,
    gnutls_datum_t *pem_out, struct hsmca_error *err) HSMCA_MUST_CHECK;

/* What index.txt needs: the serial as upper-case hex without a sign octet
 * (malloc'ed), notAfter, and the subject in OpenSSL's one-line form
 * (malloc'ed).  Outputs are written only on success. */
int x509_db_fields(gnutls_x509_crt_t crt, char **serial_hex_upper,
    time_t *not_after, char **subject_oneline, struct hsmca_error *err)
	HSMCA_MUST_CHECK;

/* PEM of crt into *out (gnutls-allocated: gnutls_free(out->data)). */
int x509_export_pem(gnutls_x509_crt_t crt, gnutls_datum_t *out,
    struct hsmca_error *err) HSMCA_MUST_CHECK;

/* The GnuTLS digest for "sha256"/"sha384"/"sha512" (case-insensitive;
 * NULL gives sha256), or GNUTLS_DIG_UNKNOWN. */
gnutls_digest_algorithm_t x509_hash(const char *hash);

#endif /* HSMCA_X509BUILD_H */
