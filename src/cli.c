/* see hsmca/cli.h */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hsmca/cli.h"

#define CLI_MAX_OPTS 48

void
cli_parser_init(struct cli_parser *p, const struct cli_desc *desc, int argc,
    char **argv)
{
	memset(p, 0, sizeof(*p));
	p->desc = desc;
	p->argc = argc;
	p->argv = argv;
	p->optind = 1;
}

static size_t
build_longopts(const struct cli_desc *desc, struct option *lo, size_t max)
{
	size_t n = 0;
	const struct cli_opt *o;

	for (o = desc->opts; o != NULL && o->name != NULL && n + 2 < max; o++) {
		lo[n].name = o->name;
		lo[n].has_arg = o->has_arg ? required_argument : no_argument;
		lo[n].flag = NULL;
		lo[n].val = o->id;
		n++;
	}
	lo[n].name = "help";
	lo[n].has_arg = no_argument;
	lo[n].flag = NULL;
	lo[n].val = 'h';
	n++;
	memset(&lo[n], 0, sizeof(lo[n]));
	return n;
}

int
cli_next(struct cli_parser *p, const char **arg)
{
	struct option lo[CLI_MAX_OPTS];
	int c;

	build_longopts(p->desc, lo, CLI_MAX_OPTS);
	if (!p->started) {
		optind = 0;     /* GNU: full reset of getopt's state */
		p->started = true;
	}
	opterr = 0;
	c = getopt_long(p->argc, p->argv, ":h", lo, NULL);
	*arg = optarg;
	p->optind = optind;
	if (c == -1)
		return CLI_END;
	if (c == 'h') {
		cli_usage(p->desc, stdout);
		return CLI_HELP;
	}
	if (c == '?') {
		cli_usage_error(p->desc, "unknown option '%s'",
		    p->argv[optind - 1]);
		return CLI_ERROR;
	}
	if (c == ':') {
		cli_usage_error(p->desc, "option '%s' needs an argument",
		    p->argv[optind - 1]);
		return CLI_ERROR;
	}
	return c;
}

int
cli_parse_all(const struct cli_desc *desc, int argc, char **argv,
    cli_opt_fn fn, void *opts)
{
	struct hsmca_error err = { 0 };
	struct cli_parser p;
	const char *arg;
	int c;

	cli_parser_init(&p, desc, argc, argv);
	while ((c = cli_next(&p, &arg)) > 0)
		if (fn(opts, c, arg, &err) != 0) {
			err.code = HSMCA_E_USAGE;
			return cli_fail(&err);
		}
	if (c == CLI_HELP)
		return -1;
	if (c == CLI_ERROR)
		return HSMCA_EXIT_USAGE;
	if (p.optind != argc)
		return cli_usage_error(desc, "unexpected argument '%s'",
		    argv[p.optind]);
	return 0;
}

void
cli_usage(const struct cli_desc *desc, FILE *f)
{
	const struct cli_opt *o;
	char left[64];

	fprintf(f, "usage: hsmca %s %s\n\n%s\n\noptions:\n", desc->name,
	    desc->synopsis, desc->summary);
	for (o = desc->opts; o != NULL && o->name != NULL; o++) {
		snprintf(left, sizeof(left), "--%s%s%s", o->name,
		    o->has_arg ? " " : "", o->has_arg ? o->argname : "");
		fprintf(f, "  %-24s %s\n", left, o->help);
	}
	fprintf(f, "  %-24s %s\n", "--help", "show this help");
	fprintf(f, "\nglobal options: --module PATH, --pin-file FILE, --yes, "
	    "-v, -q (see hsmca(1))\n");
}

int
cli_usage_error(const struct cli_desc *desc, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "hsmca: %s: ", desc->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see 'hsmca %s --help')\n", desc->name);
	return HSMCA_EXIT_USAGE;
}

int
cli_exit_status(int code)
{
	if (code == 0)
		return HSMCA_EXIT_OK;
	if (code == HSMCA_E_USAGE)
		return HSMCA_EXIT_USAGE;
	return HSMCA_EXIT_FAIL;
}

int
cli_fail(const struct hsmca_error *err)
{
	if (err->code == 0) {
		fprintf(stderr, "hsmca: internal error: failure without "
		    "a message\n");
		return HSMCA_EXIT_FAIL;
	}
	fprintf(stderr, "hsmca: %s\n", err->msg);
	return cli_exit_status(err->code);
}

static void vmsg(const char *prefix, const char *fmt, va_list ap)
	HSMCA_PRINTF(2, 0);

static void
vmsg(const char *prefix, const char *fmt, va_list ap)
{
	fprintf(stderr, "hsmca: %s", prefix);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void
cli_print_warnings(const struct hsmca_ctx *ctx, struct hsmca_warnings *w)
{
	size_t i;

	if (ctx->verbosity >= 0)
		for (i = 0; i < w->n; i++)
			fprintf(stderr, "hsmca: warning: %s\n", w->msgs[i]);
	hsmca_warnings_clear(w);
}

void
cli_warn(const struct hsmca_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	if (ctx->verbosity < 0)
		return;
	va_start(ap, fmt);
	vmsg("warning: ", fmt, ap);
	va_end(ap);
}

void
cli_info(const struct hsmca_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	if (ctx->verbosity < 0)
		return;
	va_start(ap, fmt);
	vmsg("", fmt, ap);
	va_end(ap);
}

void
cli_debug(const struct hsmca_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	if (ctx->verbosity < 1)
		return;
	va_start(ap, fmt);
	vmsg("debug: ", fmt, ap);
	va_end(ap);
}

bool
cli_confirm(const struct hsmca_ctx *ctx, const char *question,
    struct hsmca_error *err)
{
	char answer[16];
	FILE *tty;
	bool yes;

	if (ctx->yes)
		return true;
	if (!isatty(STDIN_FILENO)) {
		hsmca_error_set(err, HSMCA_E_REFUSED, "%s: not on a terminal; "
		    "pass --yes to confirm", question);
		return false;
	}
	tty = fopen("/dev/tty", "r+");
	if (tty == NULL) {
		hsmca_error_set(err, HSMCA_E_REFUSED, "%s: cannot open "
		    "/dev/tty; pass --yes to confirm", question);
		return false;
	}
	fprintf(tty, "%s [y/N] ", question);
	fflush(tty);
	yes = fgets(answer, sizeof(answer), tty) != NULL &&
	    (strcmp(answer, "y\n") == 0 || strcmp(answer, "yes\n") == 0 ||
	    strcmp(answer, "Y\n") == 0);
	fclose(tty);
	if (!yes)
		hsmca_error_set(err, HSMCA_E_REFUSED, "%s: declined", question);
	return yes;
}

int
cli_parse_uint(const char *name, const char *text, unsigned long min,
    unsigned long max, unsigned long *out, struct hsmca_error *err)
{
	unsigned long v;
	char *end;

	errno = 0;
	if (text == NULL || *text < '0' || *text > '9')
		goto bad;
	v = strtoul(text, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		goto bad;
	*out = v;
	return 0;
bad:
	return hsmca_error_set(err, HSMCA_E_USAGE, "%s: '%s' is not a whole "
	    "number from %lu to %lu", name, text ? text : "", min, max);
}

const char *
cli_module(const struct hsmca_ctx *ctx)
{
	return ctx->module != NULL ? ctx->module : ctx->module_env;
}

int
cli_parse_hash(const char *name, const char *text, const char **out,
    struct hsmca_error *err)
{
	static const char *const hashes[] = { "sha256", "sha384", "sha512" };
	size_t i;

	for (i = 0; i < sizeof(hashes) / sizeof(hashes[0]); i++)
		if (strcmp(text, hashes[i]) == 0) {
			*out = hashes[i];
			return 0;
		}
	return hsmca_error_set(err, HSMCA_E_USAGE, "%s: unknown hash '%s' "
	    "(sha256, sha384 or sha512)", name, text);
}

/* Exactly n decimal digits at s, as a number; -1 otherwise. */
static int
digits(const char *s, int n)
{
	int v = 0, i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* "YYYY-MM-DDTHH:MM:SS" then "Z" or "+HH:MM"/"-HH:MM": RFC 3339's
 * date-time without fractions of a second.  Returns the offset from UTC in
 * seconds through *off, or -1 when text is not one. */
static int
rfc3339_fields(const char *s, struct tm *tm, long *off)
{
	int sign;

	if (strlen(s) < 20 || s[4] != '-' || s[7] != '-' ||
	    (s[10] != 'T' && s[10] != 't') || s[13] != ':' || s[16] != ':')
		return -1;
	memset(tm, 0, sizeof(*tm));
	tm->tm_year = digits(s, 4) - 1900;
	tm->tm_mon = digits(s + 5, 2) - 1;
	tm->tm_mday = digits(s + 8, 2);
	tm->tm_hour = digits(s + 11, 2);
	tm->tm_min = digits(s + 14, 2);
	tm->tm_sec = digits(s + 17, 2);
	if (tm->tm_year < 0 || tm->tm_mon < 0 || tm->tm_mon > 11 ||
	    tm->tm_mday < 1 || tm->tm_mday > 31 || tm->tm_hour < 0 ||
	    tm->tm_hour > 23 || tm->tm_min < 0 || tm->tm_min > 59 ||
	    tm->tm_sec < 0 || tm->tm_sec > 59)
		return -1;
	s += 19;
	if ((s[0] == 'Z' || s[0] == 'z') && s[1] == '\0') {
		*off = 0;
		return 0;
	}
	if ((s[0] != '+' && s[0] != '-') || strlen(s) != 6 || s[3] != ':' ||
	    digits(s + 1, 2) < 0 || digits(s + 1, 2) > 23 ||
	    digits(s + 4, 2) < 0 || digits(s + 4, 2) > 59)
		return -1;
	sign = s[0] == '-' ? -1 : 1;
	*off = sign * (digits(s + 1, 2) * 3600L + digits(s + 4, 2) * 60L);
	return 0;
}

int
cli_parse_time(const char *name, const char *text, time_t *out,
    struct hsmca_error *err)
{
	struct tm tm, given;
	time_t t;
	long off;

	if (rfc3339_fields(text, &tm, &off) != 0)
		goto bad;
	given = tm;
	t = timegm(&tm);
	/* timegm() normalises 2027-02-30 to March 2nd: refuse it instead */
	if (t == (time_t)-1 || tm.tm_mday != given.tm_mday ||
	    tm.tm_mon != given.tm_mon)
		goto bad;
	*out = t - off;
	return 0;
bad:
	return hsmca_error_set(err, HSMCA_E_USAGE, "%s: '%s' is not an RFC "
	    "3339 time such as 2027-01-15T00:00:00Z", name, text);
}
