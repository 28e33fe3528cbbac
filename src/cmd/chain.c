/* hsmca chain: the CA's certificate followed by its issuers up to the root
 * (the seed article's chain.crt), each link checked before it is written. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "hsmca/ca.h"
#include "hsmca/cmd.h"
#include "hsmca/x509build.h"
#include "cmd-util.h"

enum { O_CA = 1, O_OUT };

static const struct cli_opt opts[] = {
	{ "ca", true, O_CA, "DIR", "the CA directory" },
	{ "out", true, O_OUT, "FILE", "write the chain here (default stdout)" },
	{ NULL, false, 0, NULL, NULL },
};

static const struct cli_desc desc = {
	"chain", "--ca DIR [--out FILE]",
	"Write the CA's certificate and its issuers up to the root.", opts,
};

static int
run(const char *dir, const char *out, struct hsmca_error *err)
{
	struct hsmca_ca *ca = NULL;
	gnutls_x509_crt_t child;
	char *buf = NULL;
	size_t len = 0, i;
	FILE *f = NULL;
	int r;

	if ((r = ca_open(dir, CA_NEED_CERT, NULL, &ca, err)) != 0)
		goto out;
	child = ca->cert;
	for (i = 0; i < ca->n_chain; i++) {
		if ((r = x509_verify_signed(child, ca->chain[i], err)) != 0) {
			hsmca_error_prefix(err, "%s/%s: link %zu", dir,
			    ca->conf->chain, i + 1);
			goto out;
		}
		child = ca->chain[i];
	}
	if ((f = open_memstream(&buf, &len)) == NULL) {
		r = hsmca_error_set(err, HSMCA_E_NOMEM, "out of memory");
		goto out;
	}
	r = cmd_print_cert(f, ca->cert, err);
	for (i = 0; r == 0 && i < ca->n_chain; i++)
		r = cmd_print_cert(f, ca->chain[i], err);
	fclose(f);
	if (r == 0)
		r = cmd_write_file(out ? out : "-", buf, len, CMD_OUT_COPY, err);
out:
	free(buf);
	ca_close(ca);
	return r;
}

int
cmd_chain(const struct hsmca_ctx *ctx, int argc, char **argv)
{
	struct hsmca_error err = { 0 };
	const char *dir = NULL, *out = NULL, *arg;
	struct cli_parser p;
	int c;

	(void)ctx;
	cli_parser_init(&p, &desc, argc, argv);
	while ((c = cli_next(&p, &arg)) > 0) {
		if (c == O_CA)
			dir = arg;
		else if (c == O_OUT)
			out = arg;
	}
	if (c == CLI_HELP)
		return HSMCA_EXIT_OK;
	if (c == CLI_ERROR)
		return HSMCA_EXIT_USAGE;
	if (p.optind != argc || dir == NULL)
		return cli_usage_error(&desc, "--ca is required");
	return run(dir, out, &err) == 0 ? HSMCA_EXIT_OK : cli_fail(&err);
}
