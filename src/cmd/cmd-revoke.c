/* see cmd-revoke.h */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "hsmca/audit.h"
#include "hsmca/fileio.h"
#include "hsmca/serial.h"
#include "hsmca/testhook.h"
#include "cmd-revoke.h"

#define CERT_MAX_BYTES (1024 * 1024)

/* Import a PEM or DER certificate from a file. */
static int
load_cert(const char *path, gnutls_x509_crt_t *crt, struct hsmca_error *err)
{
	gnutls_datum_t d;
	char *buf = NULL;
	size_t len;
	int r;

	*crt = NULL;
	if ((r = fileio_read(path, CERT_MAX_BYTES, &buf, &len, err)) < 0)
		return r;
	d.data = (unsigned char *)buf;
	d.size = (unsigned)len;
	if (gnutls_x509_crt_init(crt) < 0) {
		r = hsmca_error_set(err, HSMCA_E_NOMEM, "out of memory");
		goto out;
	}
	if (gnutls_x509_crt_import(*crt, &d, GNUTLS_X509_FMT_PEM) < 0 &&
	    (r = gnutls_x509_crt_import(*crt, &d, GNUTLS_X509_FMT_DER)) < 0) {
		r = hsmca_error_set(err, HSMCA_E_PARSE,
		    "%s: not a certificate (%s)", path, gnutls_strerror(r));
		goto out;
	}
	r = 0;
out:
	if (r < 0 && *crt != NULL) {
		gnutls_x509_crt_deinit(*crt);
		*crt = NULL;
	}
	free(buf);
	return r;
}

/* see cmd-revoke.h */
int
cmd_cert_serial(const char *ca, const char *path, char **hex,
    struct hsmca_error *err)
{
	gnutls_x509_crt_t crt = NULL, ours = NULL;
	gnutls_datum_t a = { NULL, 0 }, b = { NULL, 0 };
	unsigned char ser[64];
	size_t sl = sizeof(ser);
	char *kept = NULL;
	int r;

	*hex = NULL;
	if ((r = load_cert(path, &crt, err)) < 0)
		return r;
	if (gnutls_x509_crt_get_serial(crt, ser, &sl) < 0) {
		r = hsmca_error_set(err, HSMCA_E_PARSE,
		    "%s: cannot read the serial number", path);
		goto out;
	}
	if ((r = serial_to_hex(ser, sl, hex, err)) < 0) {
		hsmca_error_prefix(err, "%s", path);
		goto out;
	}
	if (asprintf(&kept, "%s/newcerts/%s.pem", ca, *hex) < 0) {
		kept = NULL;
		r = hsmca_error_set(err, HSMCA_E_NOMEM, "out of memory");
		goto out;
	}
	if ((r = fileio_exists(kept, err)) <= 0 ||
	    (r = load_cert(kept, &ours, err)) < 0)
		goto out;
	if (gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_DER, &a) < 0 ||
	    gnutls_x509_crt_export2(ours, GNUTLS_X509_FMT_DER, &b) < 0 ||
	    a.size != b.size || memcmp(a.data, b.data, a.size) != 0)
		r = hsmca_error_set(err, HSMCA_E_VERIFY, "%s: not the "
		    "certificate %s issued with serial %s (%s differs)", path,
		    ca, *hex, kept);
out:
	gnutls_free(a.data);
	gnutls_free(b.data);
	if (crt != NULL)
		gnutls_x509_crt_deinit(crt);
	if (ours != NULL)
		gnutls_x509_crt_deinit(ours);
	free(kept);
	if (r < 0) {
		free(*hex);
		*hex = NULL;
	}
	return r < 0 ? r : 0;
}

int
cmd_revoke_serial(struct hsmca_db *db, const char *hex, const char *reason,
    time_t when, time_t now, struct hsmca_warnings *w,
    struct hsmca_error *err)
{
	struct hsmca_audit_rec rec = { .op = "revoke" };
	const struct hsmca_db_entry *e;
	struct hsmca_error e2 = { 0 };
	char stamp[16];
	int r;

	if ((r = db_revoke_check(db, hex, reason, &e, err)) < 0)
		return r;
	db_format_time(when, stamp);
	rec.serial = hex;
	rec.subject = e->subject;
	rec.expiry = e->expiry;
	rec.reason = reason ? db_reason_canonical(reason) : NULL;
	rec.revoked = stamp;
	if ((r = audit_append(db_dir(db), &rec, 1, now, err)) < 0)
		return r;
	testhook_point("revoke-after-audit");
	if ((r = db_revoke(db, hex, reason, when, err)) == 0)
		return audit_mark_settled(db_dir(db), err);
	if (r < 0 && audit_recover(db, now, w, &e2) != 0)
		hsmca_warn(w, "%s", e2.msg);
	return r;
}
