/* hsmca — the commands.  Each lives in src/cmd/<name>.c; see hsmca/cli.h for
 * the calling convention (argv[0] is the command name; returns 0, 1 or 2). */
#ifndef HSMCA_CMD_H
#define HSMCA_CMD_H

#include "hsmca/cli.h"

int cmd_list_tokens(const struct hsmca_ctx *ctx, int argc, char **argv);
int cmd_list_objects(const struct hsmca_ctx *ctx, int argc, char **argv);
int cmd_keygen(const struct hsmca_ctx *ctx, int argc, char **argv);
int cmd_init(const struct hsmca_ctx *ctx, int argc, char **argv);
int cmd_selfsign(const struct hsmca_ctx *ctx, int argc, char **argv);
int cmd_req(const struct hsmca_ctx *ctx, int argc, char **argv);
int cmd_sign(const struct hsmca_ctx *ctx, int argc, char **argv);
int cmd_renew(const struct hsmca_ctx *ctx, int argc, char **argv);
int cmd_revoke(const struct hsmca_ctx *ctx, int argc, char **argv);
int cmd_gencrl(const struct hsmca_ctx *ctx, int argc, char **argv);
int cmd_list_certs(const struct hsmca_ctx *ctx, int argc, char **argv);
int cmd_chain(const struct hsmca_ctx *ctx, int argc, char **argv);
int cmd_verify(const struct hsmca_ctx *ctx, int argc, char **argv);
int cmd_show(const struct hsmca_ctx *ctx, int argc, char **argv);
int cmd_audit(const struct hsmca_ctx *ctx, int argc, char **argv);

#endif /* HSMCA_CMD_H */
