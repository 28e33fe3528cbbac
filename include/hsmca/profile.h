/* hsmca — certificate profiles: plain C data parsed from an INI file.
 *
 * A profile says what one kind of certificate gets: validity, hash, DN
 * policy, extensions (in OpenSSL's x509v3_config value syntax), SAN rules and
 * the key types it accepts.  The parser is strict: an unknown section, key,
 * extension or value, a duplicate key, or garbage is an error that names
 * "file:line".  This module depends on libc (and ini.c) only: names are
 * mapped to dotted OIDs here, and x509build.c turns this data into GnuTLS
 * calls.  The format is documented in hsmca-profile(5).
 *
 *   [profile]  description, days, hash, rsa_pss, key_types, san_from_csr,
 *              san_required, san_types, allow_netscape, rsa_key_encipherment
 *   [policy]   <DN attribute long name> = match | supplied | optional
 *   [extensions]  basicConstraints, keyUsage, extendedKeyUsage,
 *              subjectKeyIdentifier, authorityKeyIdentifier, subjectAltName,
 *              nameConstraints, crlDistributionPoints, authorityInfoAccess,
 *              certificatePolicies, nsCertType, nsComment
 */
#ifndef HSMCA_PROFILE_H
#define HSMCA_PROFILE_H

#include <stdbool.h>
#include <stddef.h>

#include "hsmca/err.h"

/* Key usage bits (RFC 5280 §4.2.1.3 names, x509v3_config spelling). */
enum hsmca_ku {
	HSMCA_KU_DIGITAL_SIGNATURE = 1 << 0,   /* digitalSignature */
	HSMCA_KU_NON_REPUDIATION = 1 << 1,     /* nonRepudiation */
	HSMCA_KU_KEY_ENCIPHERMENT = 1 << 2,    /* keyEncipherment */
	HSMCA_KU_DATA_ENCIPHERMENT = 1 << 3,   /* dataEncipherment */
	HSMCA_KU_KEY_AGREEMENT = 1 << 4,       /* keyAgreement */
	HSMCA_KU_KEY_CERT_SIGN = 1 << 5,       /* keyCertSign */
	HSMCA_KU_CRL_SIGN = 1 << 6,            /* cRLSign */
	HSMCA_KU_ENCIPHER_ONLY = 1 << 7,       /* encipherOnly */
	HSMCA_KU_DECIPHER_ONLY = 1 << 8,       /* decipherOnly */
};

/* Key types a profile accepts (key_types = ec:secp256r1, rsa:2048, ...). */
enum hsmca_key_kind {
	HSMCA_KT_EC_P256 = 1 << 0,
	HSMCA_KT_EC_P384 = 1 << 1,
	HSMCA_KT_EC_P521 = 1 << 2,
	HSMCA_KT_RSA = 1 << 3,         /* with rsa_min_bits */
	HSMCA_KT_ED25519 = 1 << 4,
};

/* What the DN policy says of one attribute (openssl ca's POLICY FORMAT). */
enum hsmca_policy_kind {
	HSMCA_POLICY_OPTIONAL = 1,     /* kept if present */
	HSMCA_POLICY_SUPPLIED,         /* must be present */
	HSMCA_POLICY_MATCH,            /* must equal the issuer's value */
};

struct hsmca_policy_rule {
	char *name;                    /* as written: "countryName" */
	char *oid;                     /* "2.5.4.6" */
	enum hsmca_policy_kind kind;
};

/* SAN / name-constraint / AIA / CRLDP general names. */
enum hsmca_gn_type {
	HSMCA_GN_DNS = 1,              /* DNS:example.com */
	HSMCA_GN_IP,                   /* IP:10.0.0.1, or IP:10.0.0.0/255.0.0.0 in nameConstraints */
	HSMCA_GN_EMAIL,                /* email:a@b */
	HSMCA_GN_URI,                  /* URI:https://... */
	HSMCA_GN_DIRNAME,              /* dirName: not supported in profiles yet */
};

struct hsmca_general_name {
	enum hsmca_gn_type type;
	char *value;                   /* text as written after "TYPE:" */
};

struct hsmca_gn_list {
	struct hsmca_general_name *items;
	size_t n;
};

/* Bits of san_types = dns, ip, email, uri. */
enum hsmca_san_kind {
	HSMCA_SAN_DNS = 1 << 0,
	HSMCA_SAN_IP = 1 << 1,
	HSMCA_SAN_EMAIL = 1 << 2,
	HSMCA_SAN_URI = 1 << 3,
};

struct hsmca_policy_info {
	char *oid;                     /* "2.23.140.1.2.1" */
	char *cps_uri;                 /* NULL, or from "OID;CPS:URI" */
};

/* The extensions section.  Each "present" says the key was in the profile;
 * "critical" is the x509v3_config "critical," prefix. */
struct hsmca_extensions {
	struct {
		bool present, critical;
		bool ca;
		int pathlen;               /* -1: no pathLenConstraint */
	} basic_constraints;
	struct {
		bool present, critical;
		unsigned bits;             /* enum hsmca_ku */
	} key_usage;
	struct {
		bool present, critical;
		char **oids;               /* serverAuth -> 1.3.6.1.5.5.7.3.1 */
		size_t n;
	} ext_key_usage;
	bool ski;                      /* subjectKeyIdentifier = hash */
	struct {
		bool present;
		bool keyid;                /* keyid or keyid:always */
		bool always;               /* keyid:always: fail if issuer has no SKI */
	} aki;                         /* "issuer" (without :always) is accepted and
	                                * unused: keyid is always available */
	struct {
		bool present, critical;
		struct hsmca_gn_list names;   /* fixed SAN entries from the profile */
	} san;
	struct {
		bool present, critical;
		struct hsmca_gn_list permitted;   /* permitted;DNS:.example.com */
		struct hsmca_gn_list excluded;    /* excluded;IP:10.0.0.0/255.0.0.0 */
	} name_constraints;
	struct {
		bool present;
		struct hsmca_gn_list uris;       /* URI:http://... */
	} crl_dp;
	struct {
		bool present;
		struct hsmca_gn_list ocsp;       /* OCSP;URI:http://... */
		struct hsmca_gn_list ca_issuers; /* caIssuers;URI:http://... */
	} aia;
	struct {
		bool present, critical;
		struct hsmca_policy_info *items;
		size_t n;
	} policies;
	struct {
		bool present;
		unsigned bits;             /* client=0x80 server=0x40 email=0x20 objsign=0x10 sslCA=0x04 emailCA=0x02 objCA=0x01 */
	} ns_cert_type;
	char *ns_comment;              /* NULL when absent */
};

struct hsmca_profile {
	char *path;                    /* where it was loaded from (messages) */
	char *description;             /* NULL when absent */
	unsigned days;                 /* 0: not given */
	char *hash;                    /* "sha256" | "sha384" | "sha512"; NULL: not given */
	bool rsa_pss_given;            /* rsa_pss = yes|no was given */
	bool rsa_pss;                  /* an RSA issuer signs RSASSA-PSS */
	unsigned key_types;            /* enum hsmca_key_kind; 0: not given (any) */
	unsigned rsa_min_bits;         /* from rsa:N in key_types; default 2048 */
	bool san_from_csr;             /* take the CSR's SAN (filtered by san_types) */
	bool san_required;             /* refuse a certificate without SAN */
	unsigned san_types;            /* enum hsmca_san_kind; 0 with san_from_csr: all */
	bool allow_netscape;           /* the profile insists on nsCertType/nsComment */
	bool rsa_key_encipherment;     /* rsa_key_encipherment = yes: add
	                                * keyEncipherment to keyUsage when the
	                                * subject key is RSA (never for EC or
	                                * Ed25519); needs a keyUsage extension */
	bool has_policy;               /* a [policy] section was given */
	struct hsmca_policy_rule *policy;
	size_t n_policy;
	struct hsmca_extensions ext;
};

/* Parse a profile from buf (len bytes, need not be NUL-terminated); name is
 * the file name used in messages.  On success returns 0 and stores a new
 * profile in *out (free with profile_free()).  On failure returns a negative
 * HSMCA_E_* (HSMCA_E_PARSE for the content) with err naming "name:line". */
int profile_parse(const char *name, const char *buf, size_t len,
    struct hsmca_profile **out, struct hsmca_error *err) HSMCA_MUST_CHECK;

/* Find and load a profile.  spec is a path (contains '/' or ends in
 * ".profile"), or a name looked up as NAME.profile in, in order:
 * ca_dir/profiles (when ca_dir is non-NULL), /etc/hsmca/profiles, then the
 * installed /usr/share/hsmca/profiles (HSMCA_PROFILE_PATH, a colon list,
 * replaces the two system directories: tests use it).  Files larger than
 * 64 KiB are refused.  Returns 0 and *out, or HSMCA_E_NOTFOUND naming every
 * place looked, or a parse error. */
int profile_load(const char *spec, const char *ca_dir,
    struct hsmca_profile **out, struct hsmca_error *err) HSMCA_MUST_CHECK;

/* Parse one x509v3_config extension value, e.g. ("keyUsage",
 * "critical, digitalSignature, cRLSign") into ext.  Used by profile_parse()
 * and exposed for tests and fuzzing.  Returns 0 or HSMCA_E_PARSE with err
 * describing the bad token (without file:line). */
int profile_parse_extension(const char *key, const char *value,
    struct hsmca_extensions *ext, struct hsmca_error *err) HSMCA_MUST_CHECK;

/* Parse "dns:NAME", "ip:ADDR", "email:ADDR", "uri:URI" (case-insensitive
 * type, as --san takes it and x509v3 writes DNS:/IP:/email:/URI:) into gn
 * (value malloc'ed).  Returns 0 or HSMCA_E_PARSE. */
int profile_parse_general_name(const char *text,
    struct hsmca_general_name *gn, struct hsmca_error *err) HSMCA_MUST_CHECK;

void profile_free(struct hsmca_profile *p);
void profile_extensions_clear(struct hsmca_extensions *ext);
void profile_gn_list_clear(struct hsmca_gn_list *l);

#endif /* HSMCA_PROFILE_H */
