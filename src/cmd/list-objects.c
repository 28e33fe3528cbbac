/* hsmca list-objects [URI] [--login] [--json] [--all]: the objects of one
 * token or of all. */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "hsmca/cli.h"
#include "hsmca/cmd.h"
#include "hsmca/print.h"
#include "hsmca/token.h"
#include "cmd-util.h"

enum { OPT_JSON = 1, OPT_ALL, OPT_LOGIN };

static const struct cli_opt opts[] = {
	{ "login", false, OPT_LOGIN, NULL,
	    "log in first, to list private objects too" },
	{ "json", false, OPT_JSON, NULL, "print JSON instead of text" },
	{ "all", false, OPT_ALL, NULL,
	    "without URI: include the p11-kit trust module's objects" },
	{ NULL, false, 0, NULL, NULL },
};

static const struct cli_desc desc = {
	"list-objects", "[URI] [--login] [--json] [--all]",
	"List the objects of the tokens URI matches (every token without "
	"URI): full URI, class, label, ID, key type and flags.",
	opts,
};

struct lo_opts {
	const char *uri;
	bool json, all, login;
};

/* Options may stand before or after the URI. */
static int
parse(int argc, char **argv, struct lo_opts *o)
{
	struct cli_parser p;
	const char *arg;
	int c;

	for (;;) {
		cli_parser_init(&p, &desc, argc, argv);
		while ((c = cli_next(&p, &arg)) > 0) {
			if (c == OPT_JSON)
				o->json = true;
			else if (c == OPT_ALL)
				o->all = true;
			else if (c == OPT_LOGIN)
				o->login = true;
		}
		if (c == CLI_HELP)
			return HSMCA_EXIT_OK;
		if (c == CLI_ERROR)
			return HSMCA_EXIT_USAGE;
		if (p.optind >= argc)
			return -1;
		if (o->uri != NULL)
			return cli_usage_error(&desc, "one URI only ('%s' is "
			    "extra)", argv[p.optind]);
		o->uri = argv[p.optind];
		/* the URI becomes argv[0] of the rest */
		argc -= p.optind;
		argv += p.optind;
	}
}

int
cmd_list_objects(const struct hsmca_ctx *ctx, int argc, char **argv)
{
	struct hsmca_warnings w = { NULL, 0 };
	struct hsmca_error err = { 0 };
	struct hsmca_object_list list = { NULL, 0, 0, 0 };
	struct hsmca_token *t = NULL;
	struct lo_opts o = { NULL, false, false, false };
	int rc;

	if ((rc = parse(argc, argv, &o)) >= 0)
		return rc;
	if (o.uri != NULL && cmd_check_uri(o.uri, &err) != 0)
		return cli_fail(&err);
	if (token_session_open(cli_module(ctx), ctx->pin_file, &t, &w, &err) != 0 ||
	    token_list_objects(t, o.uri, o.login, o.all, &list, &err) != 0) {
		cli_print_warnings(ctx, &w);
		rc = cli_fail(&err);
		goto out;
	}
	cli_print_warnings(ctx, &w);
	rc = o.json ? print_objects_json(stdout, &list) :
	    print_objects_text(stdout, &list);
	if (rc != 0) {
		hsmca_error_set(&err, rc, "writing the listing failed");
		rc = cli_fail(&err);
		goto out;
	}
	if (list.hidden_tokens > 0)
		cli_info(ctx, "note: objects of %zu p11-kit trust module "
		    "token(s) not listed (--all or a URI lists them)",
		    list.hidden_tokens);
	if (list.uninit_tokens > 0)
		cli_info(ctx, "note: %zu token(s) not initialised (or without "
		    "a user PIN) skipped", list.uninit_tokens);
	if (!o.login)
		cli_debug(ctx, "private objects are listed only with --login");
	rc = HSMCA_EXIT_OK;
out:
	token_objects_clear(&list);
	token_close(t);
	hsmca_warnings_clear(&w);
	return rc;
}
