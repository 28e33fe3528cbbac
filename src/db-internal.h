/* Internals shared by db.c (directory, index, revoke) and db-files.c
 * (newcerts, serial, crlnumber); not part of the public contract in
 * hsmca/db.h. */
#ifndef HSMCA_DB_INTERNAL_H
#define HSMCA_DB_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "hsmca/db.h"

/* Largest serial, crlnumber or index.txt.attr file read. */
#define SMALL_FILE_MAX 4096

struct hsmca_db {
	char *dir;
	char *index_path;
	int flags;
	int lock_fd;
	bool unique_subject;
	size_t repaired;
	/* What db_load() read: the raw bytes and, per entry, where its line
	 * starts and ends in raw (without '\n') and its line number. */
	bool loaded;
	char *raw;
	size_t raw_len;
	size_t lines;          /* lines consumed from raw so far */
	struct hsmca_db_entry *entries;
	size_t *off, *len;
	unsigned long *lineno;
	size_t n, cap;
	size_t *by_serial;     /* entry indices sorted by serial */
	char **reserved;       /* serials taken in this run */
	size_t n_reserved;
	char **unsynced;       /* newcerts files written, not yet durable */
	size_t n_unsynced;
};

/* "DIR/name", malloc'ed; NULL when out of memory. */
char *db_path_in(const struct hsmca_db *db, const char *name);

/* Set err to HSMCA_E_NOMEM "out of memory" and return it. */
int db_nomem(struct hsmca_error *err);

/* 1 to 128 upper-case hex digits and nothing else. */
bool db_valid_hex(const char *hex);

/* 0 when db was opened DB_WRITE, else HSMCA_E_INTERNAL naming what. */
int db_need_write(const struct hsmca_db *db, const char *what,
    struct hsmca_error *err);

#endif /* HSMCA_DB_INTERNAL_H */
