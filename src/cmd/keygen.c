/* hsmca keygen --token URI --label L [--type T] [--id HEX]: a key pair made
 * on the token; prints the private key's URI. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "hsmca/cli.h"
#include "hsmca/cmd.h"
#include "hsmca/token.h"
#include "cmd-util.h"

enum { OPT_TOKEN = 1, OPT_LABEL, OPT_TYPE, OPT_ID };

static const struct cli_opt opts[] = {
	{ "token", true, OPT_TOKEN, "URI", "the token (one token only)" },
	{ "label", true, OPT_LABEL, "L", "label of the new key (unique)" },
	{ "type", true, OPT_TYPE, "T", "ec:secp384r1 (default), "
	    "ec:secp256r1, ec:secp521r1, rsa:2048|3072|4096, ed25519" },
	{ "id", true, OPT_ID, "HEX", "CKA_ID (default: SHA-1 key identifier "
	    "of the public key)" },
	{ NULL, false, 0, NULL, NULL },
};

static const struct cli_desc desc = {
	"keygen", "--token URI --label L [--type T] [--id HEX]",
	"Generate a key pair on a token: the private key is sensitive, not "
	"extractable and can sign.  Prints the new private key's URI.",
	opts,
};

struct kg_opts {
	const char *token, *label, *type, *id;
};

static int
parse(int argc, char **argv, struct kg_opts *o)
{
	struct cli_parser p;
	const char *arg;
	int c;

	cli_parser_init(&p, &desc, argc, argv);
	while ((c = cli_next(&p, &arg)) > 0) {
		if (c == OPT_TOKEN)
			o->token = arg;
		else if (c == OPT_LABEL)
			o->label = arg;
		else if (c == OPT_TYPE)
			o->type = arg;
		else if (c == OPT_ID)
			o->id = arg;
	}
	if (c == CLI_HELP)
		return HSMCA_EXIT_OK;
	if (c == CLI_ERROR)
		return HSMCA_EXIT_USAGE;
	if (p.optind < argc)
		return cli_usage_error(&desc, "unexpected argument '%s'",
		    argv[p.optind]);
	if (o->token == NULL)
		return cli_usage_error(&desc, "--token URI is required");
	if (o->label == NULL)
		return cli_usage_error(&desc, "--label L is required");
	return -1;
}

int
cmd_keygen(const struct hsmca_ctx *ctx, int argc, char **argv)
{
	struct hsmca_warnings w = { NULL, 0 };
	struct hsmca_error err = { 0 };
	struct hsmca_keytype type;
	struct hsmca_token *t = NULL;
	struct kg_opts o = { NULL, NULL, "ec:secp384r1", NULL };
	unsigned char id[64];
	size_t id_len = 0;
	char *uri = NULL;
	int rc;

	if ((rc = parse(argc, argv, &o)) >= 0)
		return rc;
	if (token_parse_keytype(o.type, &type, &err) != 0 ||
	    (o.id != NULL && token_parse_id(o.id, id, &id_len, &err) != 0) ||
	    cmd_check_uri(o.token, &err) != 0)
		return cli_fail(&err);
	if (token_session_open(cli_module(ctx), ctx->pin_file, &t, &w, &err) != 0 ||
	    token_keygen(t, o.token, o.label, &type, o.id ? id : NULL, id_len,
	    &uri, &err) != 0) {
		cli_print_warnings(ctx, &w);
		rc = cli_fail(&err);
		goto out;
	}
	cli_print_warnings(ctx, &w);
	printf("%s\n", uri);
	rc = fflush(stdout) == 0 ? HSMCA_EXIT_OK : HSMCA_EXIT_FAIL;
out:
	free(uri);
	token_close(t);
	hsmca_warnings_clear(&w);
	return rc;
}
