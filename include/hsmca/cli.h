/* hsmca — the command layer: context, dispatch rows, option tables, and the
 * only code besides main.c that prints to stdout or stderr.
 *
 * Every command is "int cmd_<name>(const struct hsmca_ctx *, int argc,
 * char **argv)", with argv[0] the command name and the global options
 * already removed, and returns an exit status: 0 done, 1 the operation
 * failed, 2 usage error.  Errors are printed once, as "hsmca: <message>".
 */
#ifndef HSMCA_CLI_H
#define HSMCA_CLI_H

#include <stdbool.h>
#include <stdio.h>
#include <time.h>

#include "hsmca/err.h"

enum {
	HSMCA_EXIT_OK = 0,
	HSMCA_EXIT_FAIL = 1,
	HSMCA_EXIT_USAGE = 2,
};

/* What the global options said; read-only for commands.  No globals: main.c
 * fills one of these on its stack and passes it down. */
struct hsmca_ctx {
	const char *module;     /* --module PATH-or-NAME, or NULL */
	const char *module_env; /* $HSMCA_MODULE (not empty), or NULL */
	const char *pin_file;   /* --pin-file FILE, or NULL */
	int verbosity;          /* -1 with -q, 0 by default, +1 per -v */
	bool yes;               /* --yes: answer yes to confirmations */
	time_t (*now)(void);    /* the clock; time(NULL) in production */
};

/* The module a command without a CA directory loads: --module, else
 * $HSMCA_MODULE, else NULL (p11-kit's registry).  A CA directory's own
 * module comes between the two (ca_login()). */
const char *cli_module(const struct hsmca_ctx *ctx);

typedef int (*hsmca_cmd_fn)(const struct hsmca_ctx *ctx, int argc, char **argv);

/* One option of a command: long name, whether it takes an argument, the id
 * cli_next() returns for it (> 0), the argument's name and one line of help.
 * A table ends with a row whose name is NULL. */
struct cli_opt {
	const char *name;
	bool has_arg;
	int id;
	const char *argname;
	const char *help;
};

/* A command's description: used for --help and error messages. */
struct cli_desc {
	const char *name;       /* "keygen" */
	const char *synopsis;   /* "--token URI --label L [--type T] [--id HEX]" */
	const char *summary;    /* one line */
	const struct cli_opt *opts;
};

enum {
	CLI_END = 0,            /* no more options: operands start at p->optind */
	CLI_HELP = -1,          /* --help was given and printed: exit 0 */
	CLI_ERROR = -2,         /* bad option, message printed: exit 2 */
};

struct cli_parser {
	const struct cli_desc *desc;
	int argc;
	char **argv;
	int optind;             /* after CLI_END: index of the first operand */
	bool started;
};

/* Start parsing argv (argv[0] is the command name). */
void cli_parser_init(struct cli_parser *p, const struct cli_desc *desc,
    int argc, char **argv);

/* Next option: returns its id (> 0) and sets *arg (NULL for flags), or one
 * of CLI_END, CLI_HELP, CLI_ERROR.  --help is handled here. */
int cli_next(struct cli_parser *p, const char **arg);

/* Takes one option (id > 0, arg NULL for a flag) into a command's options;
 * returns 0, or non-zero with err set (reported as a usage error). */
typedef int (*cli_opt_fn)(void *opts, int id, const char *arg,
    struct hsmca_error *err);

/* Parse every option of argv with fn, for a command without operands.
 * Returns 0 to go on, -1 after --help (printed), or the exit status of a
 * usage error (printed: a bad option or value, or an operand). */
int cli_parse_all(const struct cli_desc *desc, int argc, char **argv,
    cli_opt_fn fn, void *opts);

/* Print the command's usage and option table to f. */
void cli_usage(const struct cli_desc *desc, FILE *f);

/* Report a usage problem for the command ("hsmca: keygen: ...") on stderr
 * and return HSMCA_EXIT_USAGE. */
int cli_usage_error(const struct cli_desc *desc, const char *fmt, ...)
	HSMCA_PRINTF(2, 3);

/* Print err as "hsmca: <msg>" and return the exit status for its code
 * (2 for HSMCA_E_USAGE, 1 otherwise). */
int cli_fail(const struct hsmca_error *err);

/* Exit status for an HSMCA_E_* code (0 for 0). */
int cli_exit_status(int code);

/* "hsmca: warning: <msg>" for each collected warning unless -q; clears w. */
void cli_print_warnings(const struct hsmca_ctx *ctx, struct hsmca_warnings *w);

/* Messages on stderr: warnings (not with -q), information (not with -q) and
 * debugging (only with -v). */
void cli_warn(const struct hsmca_ctx *ctx, const char *fmt, ...)
	HSMCA_PRINTF(2, 3);
void cli_info(const struct hsmca_ctx *ctx, const char *fmt, ...)
	HSMCA_PRINTF(2, 3);
void cli_debug(const struct hsmca_ctx *ctx, const char *fmt, ...)
	HSMCA_PRINTF(2, 3);

/* Ask "question [y/N] " on the terminal.  With --yes: true without asking.
 * Off a terminal without --yes: false, and err says to pass --yes.
 * Returns true only for an explicit yes. */
bool cli_confirm(const struct hsmca_ctx *ctx, const char *question,
    struct hsmca_error *err);

/* Parse a decimal count in [min, max] given to option name; on failure sets
 * err (HSMCA_E_USAGE) naming the option. */
int cli_parse_uint(const char *name, const char *text, unsigned long min,
    unsigned long max, unsigned long *out, struct hsmca_error *err);

/* Check a --hash value given to option name: "sha256", "sha384" or
 * "sha512" (as selfsign, req, sign, renew and gencrl take it).  *out is a
 * static string.  HSMCA_E_USAGE naming the option otherwise. */
int cli_parse_hash(const char *name, const char *text, const char **out,
    struct hsmca_error *err);

/* Parse an RFC 3339 date-time given to option name ("2027-01-15T00:00:00Z",
 * or with an offset, "2027-01-15T01:00:00+01:00"; no fractions of a second)
 * into *out (UTC).  HSMCA_E_USAGE naming the option otherwise. */
int cli_parse_time(const char *name, const char *text, time_t *out,
    struct hsmca_error *err);

#endif /* HSMCA_CLI_H */
