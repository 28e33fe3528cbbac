/* hsmca audit verify: check the CA directory's audit log (hash chain,
 * sequence) and that it and the database tell the same story. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "hsmca/audit.h"
#include "hsmca/cmd.h"

enum { O_CA = 1 };

static const struct cli_opt opts[] = {
	{ "ca", true, O_CA, "DIR", "the CA directory" },
	{ NULL, false, 0, NULL, NULL },
};

static const struct cli_desc desc = {
	"audit", "verify --ca DIR",
	"Verify the audit log: its hash chain, and every index.txt entry and "
	"newcerts/ file against it.", opts,
};

int
cmd_audit(const struct hsmca_ctx *ctx, int argc, char **argv)
{
	struct hsmca_audit_report rep;
	struct hsmca_error err = { 0 };
	const char *dir = NULL, *arg;
	struct cli_parser p;
	int c;

	cli_parser_init(&p, &desc, argc, argv);
	while ((c = cli_next(&p, &arg)) > 0)
		if (c == O_CA)
			dir = arg;
	if (c == CLI_HELP)
		return HSMCA_EXIT_OK;
	if (c == CLI_ERROR)
		return HSMCA_EXIT_USAGE;
	if (p.optind + 1 != argc || strcmp(argv[p.optind], "verify") != 0)
		return cli_usage_error(&desc, "the only action is 'verify'");
	if (dir == NULL)
		return cli_usage_error(&desc, "--ca is required");
	if (audit_verify(dir, &rep, &err) != 0)
		return cli_fail(&err);
	if (ctx->verbosity >= 0)
		printf("%s/%s: OK: %lu records; %lu certificates, %lu "
		    "revocations, %lu CRLs, %lu abandoned operations%s\n",
		    dir, AUDIT_LOG, rep.lines, rep.issued, rep.revoked, rep.crls,
		    rep.abandoned, rep.pending ? "; unfinished operations "
		    "(settled by the next command that writes)" : "");
	return HSMCA_EXIT_OK;
}
