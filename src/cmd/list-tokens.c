/* hsmca list-tokens [--json] [--all]: every token of every loaded module. */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>

#include "hsmca/cli.h"
#include "hsmca/cmd.h"
#include "hsmca/print.h"
#include "hsmca/token.h"

enum { OPT_JSON = 1, OPT_ALL };

static const struct cli_opt opts[] = {
	{ "json", false, OPT_JSON, NULL, "print JSON instead of text" },
	{ "all", false, OPT_ALL, NULL,
	    "also list the p11-kit trust module's token" },
	{ NULL, false, 0, NULL, NULL },
};

static const struct cli_desc desc = {
	"list-tokens", "[--json] [--all]",
	"List every token of every PKCS#11 module (--module PATH: that one "
	"only): URI, label, manufacturer, model, serial, module and flags.",
	opts,
};

int
cmd_list_tokens(const struct hsmca_ctx *ctx, int argc, char **argv)
{
	struct hsmca_warnings w = { NULL, 0 };
	struct hsmca_error err = { 0 };
	struct hsmca_token_list list = { NULL, 0, 0 };
	struct hsmca_token *t = NULL;
	struct cli_parser p;
	const char *arg;
	bool json = false, all = false;
	int c, rc;

	cli_parser_init(&p, &desc, argc, argv);
	while ((c = cli_next(&p, &arg)) > 0) {
		if (c == OPT_JSON)
			json = true;
		else if (c == OPT_ALL)
			all = true;
	}
	if (c == CLI_HELP)
		return HSMCA_EXIT_OK;
	if (c == CLI_ERROR)
		return HSMCA_EXIT_USAGE;
	if (p.optind < argc)
		return cli_usage_error(&desc, "unexpected argument '%s'",
		    argv[p.optind]);
	if (token_session_open(cli_module(ctx), ctx->pin_file, &t, &w, &err) != 0 ||
	    token_list_tokens(t, all, &list, &err) != 0) {
		cli_print_warnings(ctx, &w);
		rc = cli_fail(&err);
		goto out;
	}
	cli_print_warnings(ctx, &w);
	rc = json ? print_tokens_json(stdout, &list) :
	    print_tokens_text(stdout, &list);
	if (rc != 0) {
		hsmca_error_set(&err, rc, "writing the listing failed");
		rc = cli_fail(&err);
		goto out;
	}
	if (list.hidden > 0)
		cli_info(ctx, "note: %zu token(s) of the p11-kit trust module "
		    "not listed (--all lists them)", list.hidden);
	rc = HSMCA_EXIT_OK;
out:
	token_list_clear(&list);
	token_close(t);
	hsmca_warnings_clear(&w);
	return rc;
}
