/* hsmca revoke: mark a certificate revoked in the CA database, as
 * `openssl ca -revoke [-crl_reason R]` does, under the directory lock. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "hsmca/audit.h"
#include "hsmca/cmd.h"
#include "hsmca/db.h"
#include "hsmca/fileio.h"
#include "hsmca/serial.h"
#include "hsmca/testhook.h"

#define CERT_MAX_BYTES (1024 * 1024)

enum { OPT_CA = 1, OPT_SERIAL, OPT_CERT, OPT_REASON, OPT_DATE };

static const struct cli_opt opts[] = {
	{ "ca", true, OPT_CA, "DIR", "the CA directory (index.txt)" },
	{ "serial", true, OPT_SERIAL, "HEX", "serial number to revoke" },
	{ "cert", true, OPT_CERT, "FILE",
	    "certificate to revoke (PEM or DER)" },
	{ "reason", true, OPT_REASON, "R", "unspecified, keyCompromise, "
	    "CACompromise, affiliationChanged, superseded, "
	    "cessationOfOperation or certificateHold" },
	{ "date", true, OPT_DATE, "TIME",
	    "revocation time YYYYMMDDHHMMSSZ (default: now; not later)" },
	{ NULL, false, 0, NULL, NULL },
};

static const struct cli_desc desc = {
	"revoke", "--ca DIR (--serial HEX | --cert FILE) [--reason R] "
	"[--date TIME]",
	"Mark a certificate revoked in the CA database (index.txt), as openssl "
	"ca -revoke does; gencrl then lists it.",
	opts,
};

struct revoke_opts {
	const char *ca;
	const char *serial;
	const char *cert;
	const char *reason;     /* canonical spelling, or NULL */
	const char *date;
	time_t when;
};

static int
check_opts(const struct hsmca_ctx *ctx, struct revoke_opts *o)
{
	if (o->ca == NULL)
		return cli_usage_error(&desc, "--ca DIR is required");
	if ((o->serial == NULL) == (o->cert == NULL))
		return cli_usage_error(&desc,
		    "give exactly one of --serial and --cert");
	o->when = ctx->now();
	if (o->date != NULL) {
		time_t t;

		if (strlen(o->date) != 15 || db_parse_time(o->date, &t) < 0)
			return cli_usage_error(&desc, "--date '%s': want "
			    "YYYYMMDDHHMMSSZ (UTC)", o->date);
		if (t > o->when)
			return cli_usage_error(&desc, "--date '%s' is in the "
			    "future", o->date);
		o->when = t;
	}
	return 0;
}

static int
parse_opts(const struct hsmca_ctx *ctx, int argc, char **argv,
    struct revoke_opts *o)
{
	struct cli_parser p;
	const char *arg;
	int c;

	cli_parser_init(&p, &desc, argc, argv);
	while ((c = cli_next(&p, &arg)) > 0) {
		if (c == OPT_CA) {
			o->ca = arg;
		} else if (c == OPT_SERIAL) {
			o->serial = arg;
		} else if (c == OPT_CERT) {
			o->cert = arg;
		} else if (c == OPT_DATE) {
			o->date = arg;
		} else if (c == OPT_REASON) {
			o->reason = db_reason_canonical(arg);
			if (o->reason == NULL)
				return cli_usage_error(&desc,
				    "unknown reason '%s'", arg);
		}
	}
	if (c == CLI_HELP)
		return -1;
	if (c == CLI_ERROR)
		return HSMCA_EXIT_USAGE;
	if (p.optind < argc)
		return cli_usage_error(&desc, "unexpected argument '%s'",
		    argv[p.optind]);
	return check_opts(ctx, o);
}

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

/* The certificate's serial in index.txt's form.  When the CA keeps the
 * certificate with that serial in newcerts/, it must be this very one:
 * another CA's certificate can carry the same serial. */
static int
serial_of_cert(const char *ca, const char *path, char **hex,
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

/* The revocation is checked, then recorded in the audit log (the journal:
 * hsmca/audit.h), then made in index.txt; if that fails, the record is
 * abandoned at once. */
static int
audit_then_revoke(const struct hsmca_ctx *ctx, struct hsmca_db *db,
    const char *hex, const struct revoke_opts *o, struct hsmca_error *err)
{
	struct hsmca_audit_rec rec = { .op = "revoke" };
	const struct hsmca_db_entry *e;
	struct hsmca_warnings w = { 0 };
	char stamp[16];
	int r;

	if ((r = db_revoke_check(db, hex, o->reason, &e, err)) < 0)
		return r;
	db_format_time(o->when, stamp);
	rec.serial = hex;
	rec.subject = e->subject;
	rec.expiry = e->expiry;
	rec.reason = o->reason ? db_reason_canonical(o->reason) : NULL;
	rec.revoked = stamp;
	if ((r = audit_append(o->ca, &rec, 1, ctx->now(), err)) < 0)
		return r;
	testhook_point("revoke-after-audit");
	if ((r = db_revoke(db, hex, o->reason, o->when, err)) == 0)
		return audit_mark_settled(o->ca, err);
	if (r < 0) {
		struct hsmca_error e2 = { 0 };

		if (audit_recover(db, ctx->now(), &w, &e2) != 0)
			hsmca_warn(&w, "%s", e2.msg);
		cli_print_warnings(ctx, &w);
	}
	return r;
}

int
cmd_revoke(const struct hsmca_ctx *ctx, int argc, char **argv)
{
	struct hsmca_error err = { 0 };
	struct revoke_opts o = { 0 };
	struct hsmca_warnings w = { 0 };
	struct hsmca_db *db = NULL;
	char *hex = NULL, stamp[16];
	int r;

	r = parse_opts(ctx, argc, argv, &o);
	if (r != 0)
		return r < 0 ? HSMCA_EXIT_OK : r;
	if (o.serial != NULL)
		r = serial_normalize(o.serial, &hex, &err);
	else
		r = serial_of_cert(o.ca, o.cert, &hex, &err);
	if (r < 0)
		goto out;
	r = db_open(o.ca, DB_WRITE, DB_LOCK_TIMEOUT_DEFAULT, &db, &err);
	if (r < 0)
		goto out;
	if (db_repaired(db) > 0)
		cli_warn(ctx, "%s/index.txt: removed a torn last line (%zu "
		    "bytes) left by an interrupted write", o.ca,
		    db_repaired(db));
	r = audit_recover(db, ctx->now(), &w, &err);
	cli_print_warnings(ctx, &w);
	if (r < 0 || (r = audit_then_revoke(ctx, db, hex, &o, &err)) < 0)
		goto out;
	db_format_time(o.when, stamp);
	cli_info(ctx, "revoked %s at %s%s%s", hex, stamp,
	    o.reason ? ", reason " : "", o.reason ? o.reason : "");
out:
	db_close(db);
	free(hex);
	return r < 0 ? cli_fail(&err) : HSMCA_EXIT_OK;
}
