/* PLACEHOLDER: replaced by the helper who owns this command. */
#include "config.h"

#include <stdio.h>

#include "hsmca/cmd.h"

int
cmd_list_tokens(const struct hsmca_ctx *ctx, int argc, char **argv)
{
	(void)ctx; (void)argc; (void)argv;
	fprintf(stderr, "hsmca: list-tokens: placeholder\n");
	return HSMCA_EXIT_FAIL;
}
