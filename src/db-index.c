/* see hsmca/db.h: index.txt lines, times and revocation reasons (pure
 * functions, no I/O). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hsmca/db.h"

#define INDEX_FIELDS 6

/* OpenSSL's crl_reasons[] (apps/ca.c), in its spelling, with RFC 5280
 * CRLReason codes.  The last three are OpenSSL's extended forms that carry
 * a third value ("keyTime,TIME") and are only read, never written. */
static const struct {
	const char *name;
	int code;
	bool extended;
} reasons[] = {
	{ "unspecified", 0, false },
	{ "keyCompromise", 1, false },
	{ "CACompromise", 2, false },
	{ "affiliationChanged", 3, false },
	{ "superseded", 4, false },
	{ "cessationOfOperation", 5, false },
	{ "certificateHold", 6, false },
	{ "removeFromCRL", 8, false },
	{ "privilegeWithdrawn", 9, false },
	{ "AACompromise", 10, false },
	{ "holdInstruction", 6, true },
	{ "keyTime", 1, true },
	{ "CAkeyTime", 2, true },
};

#define N_REASONS (sizeof(reasons) / sizeof(reasons[0]))

const char *
db_reason_canonical(const char *name)
{
	size_t i;

	if (name == NULL)
		return NULL;
	for (i = 0; i < N_REASONS; i++)
		if (!reasons[i].extended &&
		    strcasecmp(name, reasons[i].name) == 0)
			return reasons[i].name;
	return NULL;
}

/* Index in reasons[] of the first comma-separated word of text, or -1. */
static int
reason_lookup(const char *text)
{
	size_t i, len = strcspn(text, ",");

	for (i = 0; i < N_REASONS; i++)
		if (strlen(reasons[i].name) == len &&
		    strncasecmp(text, reasons[i].name, len) == 0)
			return (int)i;
	return -1;
}

int
db_reason_code(const char *name)
{
	int i;

	if (name == NULL)
		return -1;
	i = reason_lookup(name);
	return i < 0 ? -1 : reasons[i].code;
}

void
db_format_time(time_t t, char buf[16])
{
	char tmp[64];
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL)
		memset(&tm, 0, sizeof(tm));
	/* tmp is larger than any output: gcc cannot see the fields' ranges. */
	if (tm.tm_year >= 50 && tm.tm_year < 150)
		snprintf(tmp, sizeof(tmp), "%02d%02d%02d%02d%02d%02dZ",
		    tm.tm_year % 100, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		    tm.tm_min, tm.tm_sec);
	else
		snprintf(tmp, sizeof(tmp), "%04d%02d%02d%02d%02d%02dZ",
		    (tm.tm_year + 1900) % 10000, tm.tm_mon + 1, tm.tm_mday,
		    tm.tm_hour, tm.tm_min, tm.tm_sec);
	snprintf(buf, 16, "%.15s", tmp);
}

static int
digits(const char *p, size_t n)
{
	int v = 0;

	while (n-- > 0) {
		if (*p < '0' || *p > '9')
			return -1;
		v = v * 10 + (*p++ - '0');
	}
	return v;
}

static bool
leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int
db_parse_time(const char *text, time_t *t)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };
	size_t len = strlen(text);
	struct tm tm = { 0 };
	int year, off;

	if ((len != 13 && len != 15) || text[len - 1] != 'Z')
		return HSMCA_E_PARSE;
	off = len == 13 ? 2 : 4;
	year = digits(text, (size_t)off);
	if (year < 0)
		return HSMCA_E_PARSE;
	if (len == 13)
		year += year < 50 ? 2000 : 1900;
	tm.tm_year = year - 1900;
	tm.tm_mon = digits(text + off, 2) - 1;
	tm.tm_mday = digits(text + off + 2, 2);
	tm.tm_hour = digits(text + off + 4, 2);
	tm.tm_min = digits(text + off + 6, 2);
	tm.tm_sec = digits(text + off + 8, 2);
	if (tm.tm_mon < 0 || tm.tm_mon > 11 || tm.tm_mday < 1 ||
	    tm.tm_hour < 0 || tm.tm_hour > 23 || tm.tm_min < 0 ||
	    tm.tm_min > 59 || tm.tm_sec < 0 || tm.tm_sec > 59)
		return HSMCA_E_PARSE;
	if (tm.tm_mday > mdays[tm.tm_mon] +
	    (tm.tm_mon == 1 && leap(year) ? 1 : 0))
		return HSMCA_E_PARSE;
	*t = timegm(&tm);
	return 0;
}

void
db_entry_clear(struct hsmca_db_entry *e)
{
	if (e == NULL)
		return;
	free(e->expiry);
	free(e->revoked);
	free(e->reason);
	free(e->serial);
	free(e->file);
	free(e->subject);
	memset(e, 0, sizeof(*e));
}

static bool
is_upper_hex(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'A' && *s <= 'F')))
			return false;
	return true;
}

/* Check column 3 of an R line: "TIME[,reason[,value]]". */
static int
check_revocation(const char *name, unsigned long lineno,
    const struct hsmca_db_entry *e, struct hsmca_error *err)
{
	const char *value;
	time_t t;
	int i;

	if (db_parse_time(e->revoked, &t) < 0)
		return hsmca_error_set(err, HSMCA_E_PARSE,
		    "%s:%lu: bad revocation time '%s'", name, lineno,
		    e->revoked);
	if (e->reason == NULL)
		return 0;
	i = reason_lookup(e->reason);
	if (i < 0)
		return hsmca_error_set(err, HSMCA_E_PARSE,
		    "%s:%lu: unknown revocation reason '%s'", name, lineno,
		    e->reason);
	value = strchr(e->reason, ',');
	if (reasons[i].extended != (value != NULL))
		goto bad;
	if (value == NULL)
		return 0;
	value++;
	/* keyTime/CAkeyTime carry a GeneralizedTime, holdInstruction an OID
	 * name or number: one word, no further commas */
	if (*value == '\0' || strchr(value, ',') != NULL)
		goto bad;
	if (reasons[i].code != 6 &&
	    (strlen(value) != 15 || db_parse_time(value, &t) < 0))
		goto bad;
	return 0;
bad:
	return hsmca_error_set(err, HSMCA_E_PARSE,
	    "%s:%lu: malformed revocation reason '%s'", name, lineno,
	    e->reason);
}

/* Field-level checks of a split line. */
static int
check_entry(const char *name, unsigned long lineno,
    const struct hsmca_db_entry *e, const char *status_field,
    struct hsmca_error *err)
{
	time_t t;

	if (strlen(status_field) != 1 || strchr("VRE", e->status) == NULL)
		return hsmca_error_set(err, HSMCA_E_PARSE,
		    "%s:%lu: unknown status '%s' (want V, R or E)", name,
		    lineno, status_field);
	if (db_parse_time(e->expiry, &t) < 0)
		return hsmca_error_set(err, HSMCA_E_PARSE,
		    "%s:%lu: bad expiry time '%s'", name, lineno, e->expiry);
	if (e->status == 'R' && e->revoked == NULL)
		return hsmca_error_set(err, HSMCA_E_PARSE,
		    "%s:%lu: revoked entry without a revocation time", name,
		    lineno);
	if (e->status != 'R' && e->revoked != NULL)
		return hsmca_error_set(err, HSMCA_E_PARSE,
		    "%s:%lu: revocation time on a non-revoked entry", name,
		    lineno);
	if (e->status == 'R' && check_revocation(name, lineno, e, err) < 0)
		return HSMCA_E_PARSE;
	if (!is_upper_hex(e->serial))
		return hsmca_error_set(err, HSMCA_E_PARSE,
		    "%s:%lu: bad serial '%s' (want upper-case hex)", name,
		    lineno, e->serial);
	if (e->file[0] == '\0')
		return hsmca_error_set(err, HSMCA_E_PARSE,
		    "%s:%lu: empty file name field", name, lineno);
	return 0;
}

/* Split column 3 into e->revoked and e->reason. */
static int
split_revocation(const char *col, struct hsmca_db_entry *e)
{
	const char *comma = strchr(col, ',');

	if (*col == '\0')
		return 0;
	e->revoked = comma ? strndup(col, (size_t)(comma - col)) : strdup(col);
	if (e->revoked == NULL)
		return HSMCA_E_NOMEM;
	if (comma != NULL && (e->reason = strdup(comma + 1)) == NULL)
		return HSMCA_E_NOMEM;
	return 0;
}

int
db_parse_line(const char *name, unsigned long lineno, const char *line,
    size_t len, struct hsmca_db_entry *e, struct hsmca_error *err)
{
	char *col[INDEX_FIELDS] = { NULL };
	const char *p = line, *end = line + len, *tab;
	size_t i, k = 0;
	int r;

	memset(e, 0, sizeof(*e));
	for (i = 0; i < len; i++)
		if ((unsigned char)line[i] < 0x20 && line[i] != '\t')
			return hsmca_error_set(err, HSMCA_E_PARSE,
			    "%s:%lu: control character 0x%02x at column %zu",
			    name, lineno, (unsigned)line[i], i + 1);
	for (;;) {
		tab = memchr(p, '\t', (size_t)(end - p));
		if (k < INDEX_FIELDS)
			col[k] = strndup(p, (size_t)((tab ? tab : end) - p));
		if (k < INDEX_FIELDS && col[k] == NULL) {
			r = hsmca_error_set(err, HSMCA_E_NOMEM, "out of memory");
			goto out;
		}
		k++;
		if (tab == NULL)
			break;
		p = tab + 1;
	}
	if (k != INDEX_FIELDS) {
		r = hsmca_error_set(err, HSMCA_E_PARSE,
		    "%s:%lu: expected 6 tab-separated fields, found %zu", name,
		    lineno, k);
		goto out;
	}
	e->status = col[0][0];
	e->expiry = col[1];
	e->serial = col[3];
	e->file = col[4];
	e->subject = col[5];
	col[1] = col[3] = col[4] = col[5] = NULL;
	if (split_revocation(col[2], e) < 0) {
		r = hsmca_error_set(err, HSMCA_E_NOMEM, "out of memory");
		goto out;
	}
	r = check_entry(name, lineno, e, col[0], err);
out:
	for (i = 0; i < INDEX_FIELDS; i++)
		free(col[i]);
	if (r < 0)
		db_entry_clear(e);
	return r;
}

int
db_format_line(const struct hsmca_db_entry *e, char **line, size_t *len,
    struct hsmca_error *err)
{
	int n;

	n = asprintf(line, "%c\t%s\t%s%s%s\t%s\t%s\t%s\n", e->status,
	    e->expiry ? e->expiry : "", e->revoked ? e->revoked : "",
	    e->revoked && e->reason ? "," : "",
	    e->revoked && e->reason ? e->reason : "",
	    e->serial ? e->serial : "", e->file ? e->file : "",
	    e->subject ? e->subject : "");
	if (n < 0) {
		*line = NULL;
		return hsmca_error_set(err, HSMCA_E_NOMEM, "out of memory");
	}
	*len = (size_t)n;
	return 0;
}
