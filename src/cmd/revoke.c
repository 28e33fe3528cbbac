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
#include "cmd-revoke.h"

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
		r = cmd_cert_serial(o.ca, o.cert, &hex, &err);
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
	if (r == 0)
		r = cmd_revoke_serial(db, hex, o.reason, o.when, ctx->now(), &w,
		    &err);
	cli_print_warnings(ctx, &w);
	if (r < 0)
		goto out;
	db_format_time(o.when, stamp);
	cli_info(ctx, "revoked %s at %s%s%s", hex, stamp,
	    o.reason ? ", reason " : "", o.reason ? o.reason : "");
out:
	db_close(db);
	free(hex);
	return r < 0 ? cli_fail(&err) : HSMCA_EXIT_OK;
}
