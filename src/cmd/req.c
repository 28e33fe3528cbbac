/* hsmca req: a PKCS#10 request signed by a token key (the seed's
 * "openssl req -new -engine pkcs11 -key ..."). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/gnutls.h>

#include "hsmca/cmd.h"
#include "hsmca/issue.h"
#include "hsmca/profile.h"
#include "hsmca/token.h"
#include "hsmca/x509build.h"
#include "cmd-util.h"

enum { O_KEY = 1, O_SUBJECT, O_PROFILE, O_SAN, O_HASH, O_OUT };

static const struct cli_opt opts[] = {
	{ "key", true, O_KEY, "URI", "the token key to sign the request with" },
	{ "subject", true, O_SUBJECT, "DN", "subject, RFC 4514 or /C=../CN=.." },
	{ "profile", true, O_PROFILE, "P", "take the hash from this profile" },
	{ "san", true, O_SAN, "TYPE:VALUE", "dns:, ip:, email:, uri: (repeatable)" },
	{ "hash", true, O_HASH, "H", "sha256, sha384 or sha512" },
	{ "out", true, O_OUT, "FILE", "write the request here (default stdout)" },
	{ NULL, false, 0, NULL, NULL },
};

static const struct cli_desc desc = {
	"req", "--key URI --subject DN [--profile P] [--san SAN]... [--hash H] "
	"[--out FILE]", "Make a certificate request signed by a token key.", opts,
};

struct req_opts {
	const char *key, *subject, *profile, *hash, *out;
	struct hsmca_gn_list sans;
};

static int
run(const struct hsmca_ctx *ctx, struct req_opts *o, struct hsmca_warnings *w,
    struct hsmca_error *err)
{
	struct hsmca_profile *prof = NULL;
	struct hsmca_token *tok = NULL;
	struct hsmca_key_info info;
	gnutls_privkey_t key = NULL;
	gnutls_pubkey_t pub = NULL;
	gnutls_datum_t pem = { NULL, 0 };
	const char *hash;
	int r;

	if (o->profile != NULL && (r = profile_load(o->profile, NULL, &prof,
	    err)) != 0)
		goto out;
	if ((r = token_session_open(cli_module(ctx), ctx->pin_file, &tok, w,
	    err)) != 0)
		goto out;
	if ((r = token_open_key(tok, o->key, &key, &pub, &info, err)) != 0)
		goto out;
	hash = issue_pick_hash(o->hash, prof ? prof->hash : NULL, info.pk,
	    info.bits);
	if ((r = x509_build_csr(key, pub, o->subject, o->sans.n ? &o->sans :
	    NULL, hash, &pem, err)) != 0)
		goto out;
	r = cmd_write_file(o->out ? o->out : "-", pem.data, pem.size,
	    CMD_OUT_COPY, err);
	if (r == 0 && o->out != NULL)
		cli_info(ctx, "%s: request signed by %s", o->out, info.uri);
out:
	gnutls_free(pem.data);
	if (key != NULL)
		gnutls_privkey_deinit(key);
	if (pub != NULL)
		gnutls_pubkey_deinit(pub);
	token_close(tok);
	profile_free(prof);
	return r;
}

int
cmd_req(const struct hsmca_ctx *ctx, int argc, char **argv)
{
	struct req_opts o = { 0 };
	struct hsmca_warnings w = { 0 };
	struct hsmca_error err = { 0 };
	struct cli_parser p;
	const char *arg;
	int c, r = 0;

	cli_parser_init(&p, &desc, argc, argv);
	while (r == 0 && (c = cli_next(&p, &arg)) > 0) {
		switch (c) {
		case O_KEY: o.key = arg; break;
		case O_SUBJECT:
			o.subject = arg;
			r = cmd_check_subject(arg, &w, &err);
			break;
		case O_PROFILE: o.profile = arg; break;
		case O_HASH:
			r = cli_parse_hash("--hash", arg, &o.hash, &err);
			break;
		case O_OUT: o.out = arg; break;
		case O_SAN: r = cmd_add_san(&o.sans, arg, &err); break;
		}
	}
	if (r != 0) {
		profile_gn_list_clear(&o.sans);
		hsmca_warnings_clear(&w);
		err.code = HSMCA_E_USAGE;
		return cli_fail(&err);
	}
	if (c == CLI_HELP || c == CLI_ERROR) {
		profile_gn_list_clear(&o.sans);
		hsmca_warnings_clear(&w);
		return c == CLI_HELP ? HSMCA_EXIT_OK : HSMCA_EXIT_USAGE;
	}
	if (p.optind != argc || o.key == NULL || o.subject == NULL) {
		profile_gn_list_clear(&o.sans);
		hsmca_warnings_clear(&w);
		return cli_usage_error(&desc, "--key and --subject are required, "
		    "and nothing else");
	}
	if (cmd_check_uri(o.key, &err) != 0) {
		profile_gn_list_clear(&o.sans);
		hsmca_warnings_clear(&w);
		return cli_fail(&err);
	}
	r = run(ctx, &o, &w, &err);
	cli_print_warnings(ctx, &w);
	profile_gn_list_clear(&o.sans);
	return r == 0 ? HSMCA_EXIT_OK : cli_fail(&err);
}
