/* hsmca list-certs: the CA database, read under a shared lock. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "hsmca/cmd.h"
#include "hsmca/db.h"

enum { OPT_CA = 1, OPT_JSON, OPT_STATUS, OPT_EXPIRING };

static const struct cli_opt opts[] = {
	{ "ca", true, OPT_CA, "DIR", "the CA directory (index.txt)" },
	{ "json", false, OPT_JSON, NULL, "print a JSON array" },
	{ "status", true, OPT_STATUS, "V|R|E",
	    "only valid, revoked or expired certificates" },
	{ "expiring", true, OPT_EXPIRING, "DAYS",
	    "only valid certificates whose notAfter is within DAYS from now" },
	{ NULL, false, 0, NULL, NULL },
};

static const struct cli_desc desc = {
	"list-certs", "--ca DIR [--json] [--status V|R|E] [--expiring DAYS]",
	"List the certificates in a CA directory's database: serial, status "
	"(E when past its expiry), expiry, revocation date and reason, subject.",
	opts,
};

struct list_opts {
	const char *ca;
	bool json;
	char status;            /* 0: all */
	bool expiring;          /* --expiring: V entries expiring by until */
	unsigned long days;
};

/* Status as of now: a V entry past its expiry is shown as E, as
 * `openssl ca -updatedb` would mark it. */
static char
effective_status(const struct hsmca_db_entry *e, time_t now)
{
	time_t exp;

	if (e->status == 'V' && db_parse_time(e->expiry, &exp) == 0 &&
	    exp <= now)
		return 'E';
	return e->status;
}

/* "YYYY-MM-DDTHH:MM:SSZ" for an index time (the text itself if odd). */
static void
iso_time(const char *index_time, char out[32])
{
	struct tm tm;
	time_t t;

	if (index_time == NULL || db_parse_time(index_time, &t) < 0 ||
	    gmtime_r(&t, &tm) == NULL) {
		snprintf(out, 32, "%s", index_time ? index_time : "-");
		return;
	}
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Is e (with status st now) one the options select? */
static bool
selected(const struct hsmca_db_entry *e, char st, const struct list_opts *o,
    time_t now)
{
	time_t exp;

	if (o->status != 0 && o->status != st)
		return false;
	if (!o->expiring)
		return true;
	return st == 'V' && db_parse_time(e->expiry, &exp) == 0 &&
	    exp <= now + (time_t)o->days * 86400;
}

static json_object *
entry_json(const struct hsmca_db_entry *e, char status)
{
	json_object *o = json_object_new_object();
	char exp[32], rev[32];
	char st[2] = { status, '\0' };

	iso_time(e->expiry, exp);
	json_object_object_add(o, "serial", json_object_new_string(e->serial));
	json_object_object_add(o, "status", json_object_new_string(st));
	json_object_object_add(o, "expiry", json_object_new_string(exp));
	if (e->revoked != NULL) {
		iso_time(e->revoked, rev);
		json_object_object_add(o, "revoked",
		    json_object_new_string(rev));
	} else {
		json_object_object_add(o, "revoked", NULL);
	}
	json_object_object_add(o, "reason", e->reason ?
	    json_object_new_string(e->reason) : NULL);
	json_object_object_add(o, "subject",
	    json_object_new_string(e->subject));
	json_object_object_add(o, "file", json_object_new_string(e->file));
	return o;
}

static void
print_json(const struct hsmca_db_entry *e, size_t n,
    const struct list_opts *o, time_t now)
{
	json_object *arr = json_object_new_array();
	size_t i;

	for (i = 0; i < n; i++) {
		char st = effective_status(&e[i], now);

		if (selected(&e[i], st, o, now))
			json_object_array_add(arr, entry_json(&e[i], st));
	}
	printf("%s\n", json_object_to_json_string_ext(arr,
	    JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(arr);
}

static void
print_text(const struct hsmca_db_entry *e, size_t n,
    const struct list_opts *o, time_t now)
{
	char exp[32], rev[32];
	size_t i;

	printf("%-40s %-6s %-20s %-20s %-20s %s\n", "SERIAL", "STATUS",
	    "EXPIRES", "REVOKED", "REASON", "SUBJECT");
	for (i = 0; i < n; i++) {
		char st = effective_status(&e[i], now);

		if (!selected(&e[i], st, o, now))
			continue;
		iso_time(e[i].expiry, exp);
		iso_time(e[i].revoked, rev);
		printf("%-40s %-6c %-20s %-20s %-20s %s\n", e[i].serial, st,
		    exp, rev, e[i].reason ? e[i].reason : "-", e[i].subject);
	}
}

static int
parse_opts(int argc, char **argv, struct list_opts *o)
{
	struct cli_parser p;
	const char *arg;
	int c;

	cli_parser_init(&p, &desc, argc, argv);
	while ((c = cli_next(&p, &arg)) > 0) {
		if (c == OPT_CA) {
			o->ca = arg;
		} else if (c == OPT_JSON) {
			o->json = true;
		} else if (c == OPT_STATUS) {
			if (strlen(arg) != 1 || strchr("VRE", arg[0]) == NULL)
				return cli_usage_error(&desc,
				    "--status must be V, R or E, not '%s'",
				    arg);
			o->status = arg[0];
		} else if (c == OPT_EXPIRING) {
			struct hsmca_error err = { 0 };

			if (cli_parse_uint("--expiring", arg, 0, 36500,
			    &o->days, &err) != 0) {
				err.code = HSMCA_E_USAGE;
				return cli_fail(&err);
			}
			o->expiring = true;
		}
	}
	if (c == CLI_HELP)
		return -1;
	if (c == CLI_ERROR)
		return HSMCA_EXIT_USAGE;
	if (p.optind < argc)
		return cli_usage_error(&desc, "unexpected argument '%s'",
		    argv[p.optind]);
	if (o->ca == NULL)
		return cli_usage_error(&desc, "--ca DIR is required");
	if (o->expiring && o->status != 0 && o->status != 'V')
		return cli_usage_error(&desc, "--expiring lists valid "
		    "certificates only: not with --status %c", o->status);
	return 0;
}

int
cmd_list_certs(const struct hsmca_ctx *ctx, int argc, char **argv)
{
	struct hsmca_error err = { 0 };
	struct list_opts o = { 0 };
	const struct hsmca_db_entry *e;
	struct hsmca_db *db = NULL;
	size_t n;
	int r;

	r = parse_opts(argc, argv, &o);
	if (r != 0)
		return r < 0 ? HSMCA_EXIT_OK : r;
	if (db_open(o.ca, DB_READ, DB_LOCK_TIMEOUT_DEFAULT, &db, &err) < 0 ||
	    db_load(db, &err) < 0) {
		db_close(db);
		return cli_fail(&err);
	}
	e = db_entries(db, &n);
	if (o.json)
		print_json(e, n, &o, ctx->now());
	else
		print_text(e, n, &o, ctx->now());
	db_close(db);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		hsmca_error_set(&err, HSMCA_E_IO, "standard output: write error");
		return cli_fail(&err);
	}
	return HSMCA_EXIT_OK;
}
