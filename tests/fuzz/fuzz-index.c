/* hsmca — fuzz target: the CA database files an OpenSSL CA directory may
 * hold.  Each line goes through db_parse_line, db_parse_time and
 * serial_normalize (the parsers themselves); then the whole input is
 * written into a CA directory (made once) as index.txt, as index.txt.attr
 * and as crlnumber in turn, and read back the way the commands do:
 * db_open(DB_WRITE) (torn-tail repair) + db_load, db_open(DB_READ) on the
 * attribute file, db_crlnumber_next. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "hsmca/db.h"
#include "hsmca/serial.h"
#include "fuzz-common.h"

static void
one_line(const char *line, size_t len, unsigned long lineno)
{
	struct hsmca_error err = { 0 };
	struct hsmca_db_entry e;
	char *text, *hex = NULL;
	time_t t;
	int r;

	memset(&e, 0, sizeof(e));
	r = db_parse_line("index.txt", lineno, line, len, &e, &err);
	fz_check_error(r, &err);
	db_entry_clear(&e);
	text = fz_strndup((const uint8_t *)line, len);
	(void)db_parse_time(text, &t);
	err.code = 0;
	r = serial_normalize(text, &hex, &err);
	fz_check_error(r, &err);
	free(hex);
	free(text);
}

static void
each_line(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size, *nl;
	unsigned long lineno = 1;

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		one_line(p, nl ? (size_t)(nl - p) : (size_t)(end - p), lineno++);
		if (nl == NULL)
			break;
		p = nl + 1;
	}
}

static void
open_load(const char *dir, int flags)
{
	struct hsmca_error err = { 0 };
	struct hsmca_db *db = NULL;
	const struct hsmca_db_entry *e;
	size_t n, i;
	char *hex = NULL;
	int r;

	r = db_open(dir, flags, 1, &db, &err);
	fz_check_error(r, &err);
	if (r != 0)
		return;
	r = db_load(db, &err);
	fz_check_error(r, &err);
	if (r == 0) {
		e = db_entries(db, &n);
		for (i = 0; i < n; i++)
			if (db_find_serial(db, e[i].serial) == NULL)
				abort();
	}
	r = db_crlnumber_next(db, &hex, &err);
	fz_check_error(r, &err);
	free(hex);
	db_close(db);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t good_attr[] = "unique_subject = no\n";
	static const uint8_t good_crl[] = "01\n";
	const char *dir = fz_tmpdir();
	char *index = fz_path(dir, "index.txt");
	char *attr = fz_path(dir, "index.txt.attr");
	char *crl = fz_path(dir, "crlnumber");

	each_line(data, size);
	/* index.txt */
	fz_write(index, data, size);
	fz_write(attr, good_attr, sizeof(good_attr) - 1);
	fz_write(crl, good_crl, sizeof(good_crl) - 1);
	open_load(dir, DB_WRITE);
	/* index.txt.attr and crlnumber */
	fz_write(index, NULL, 0);
	fz_write(attr, data, size);
	fz_write(crl, data, size);
	open_load(dir, DB_READ);
	free(index);
	free(attr);
	free(crl);
	return 0;
}
