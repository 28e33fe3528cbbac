/* PLACEHOLDER: replaced by the helper who owns this command. */
#include "config.h"

#include <stdio.h>

#include "hsmca/cmd.h"

int
cmd_init(const struct hsmca_ctx *ctx, int argc, char **argv)
{
	(void)ctx; (void)argc; (void)argv;
	fprintf(stderr, "hsmca: init: placeholder\n");
	return HSMCA_EXIT_FAIL;
}
