/* hsmca: a certificate authority whose keys never leave a PKCS#11 token.
 *
 * main() hardens the process, takes the global options out of argv (they may
 * stand before or after the command name), finds the command by its exact
 * name and maps its result to the exit status.  It is the only caller of
 * exit(). */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "hsmca/cli.h"
#include "hsmca/cmd.h"
#include "hsmca/secret.h"

static const struct {
	const char *name;
	hsmca_cmd_fn fn;
	const char *summary;
} commands[] = {
	{ "list-tokens", cmd_list_tokens, "list every token of every module" },
	{ "list-objects", cmd_list_objects, "list the objects of a token" },
	{ "keygen", cmd_keygen, "generate a key pair on a token" },
	{ "init", cmd_init, "make or adopt a CA directory" },
	{ "selfsign", cmd_selfsign, "self-sign the CA's certificate" },
	{ "req", cmd_req, "make a PKCS#10 request with a token key" },
	{ "sign", cmd_sign, "issue certificates from requests" },
	{ "renew", cmd_renew, "issue a certificate again, new serial" },
	{ "revoke", cmd_revoke, "revoke a certificate" },
	{ "gencrl", cmd_gencrl, "sign a CRL" },
	{ "list-certs", cmd_list_certs, "list the CA's database" },
	{ "chain", cmd_chain, "write the CA's certificate chain" },
	{ "verify", cmd_verify, "validate a certificate path" },
	{ "show", cmd_show, "print a certificate, request or CRL" },
	{ "audit", cmd_audit, "check the CA's audit log" },
};

static time_t
clock_now(void)
{
	return time(NULL);
}

static void
usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: hsmca [--module PATH] [--pin-file FILE] [--yes] "
	    "[-v|-q] COMMAND [ARGS...]\n\ncommands:\n");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-13s %s\n", commands[i].name,
		    commands[i].summary);
	fprintf(f, "\n'hsmca COMMAND --help' for a command's options; "
	    "hsmca(1) for the rest.\n");
}

/* Is argv[i] a global option?  Returns how many argv slots it uses (1 or 2),
 * 0 if it is not one, -1 if its argument is missing. */
static int
global_option(struct hsmca_ctx *ctx, int argc, char **argv, int i)
{
	static const char *const with_arg[] = { "--module", "--pin-file" };
	const char **slot[] = { &ctx->module, &ctx->pin_file };
	const char *a = argv[i];
	size_t k, len;

	if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) {
		ctx->verbosity++;
		return 1;
	}
	if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) {
		ctx->verbosity = -1;
		return 1;
	}
	if (strcmp(a, "--yes") == 0) {
		ctx->yes = true;
		return 1;
	}
	for (k = 0; k < 2; k++) {
		len = strlen(with_arg[k]);
		if (strncmp(a, with_arg[k], len) != 0)
			continue;
		if (a[len] == '=') {
			*slot[k] = a + len + 1;
			return 1;
		}
		if (a[len] != '\0')
			continue;
		if (i + 1 >= argc)
			return -1;
		*slot[k] = argv[i + 1];
		return 2;
	}
	return 0;
}

/* Remove the global options from argv in place, up to a "--".  Returns the
 * new argc, or -1 after printing a usage error. */
static int
strip_globals(struct hsmca_ctx *ctx, int argc, char **argv)
{
	int i = 1, out = 1, used;

	while (i < argc) {
		if (strcmp(argv[i], "--") == 0) {
			while (i < argc)
				argv[out++] = argv[i++];
			break;
		}
		used = global_option(ctx, argc, argv, i);
		if (used < 0) {
			fprintf(stderr, "hsmca: option '%s' needs an "
			    "argument\n", argv[i]);
			return -1;
		}
		if (used == 0)
			argv[out++] = argv[i++];
		else
			i += used;
	}
	argv[out] = NULL;
	return out;
}

int
main(int argc, char **argv)
{
	struct hsmca_ctx ctx = { .now = clock_now };
	const char *env = getenv("HSMCA_MODULE");
	size_t i;

	secret_harden_process();
	/* The CA directory is private: what hsmca creates without an explicit
	 * mode (directories, lock and log files) is the owner's alone. */
	umask(077);
	ctx.module_env = env != NULL && *env != '\0' ? env : NULL;
	argc = strip_globals(&ctx, argc, argv);
	if (argc < 0)
		return HSMCA_EXIT_USAGE;
	if (argc < 2) {
		usage(stderr);
		return HSMCA_EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return HSMCA_EXIT_OK;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("hsmca %s\n", HSMCA_VERSION);
		return HSMCA_EXIT_OK;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].fn(&ctx, argc - 1, argv + 1);
	fprintf(stderr, "hsmca: unknown command '%s' (see 'hsmca --help')\n",
	    argv[1]);
	return HSMCA_EXIT_USAGE;
}
