/* see hsmca/audit.h: audit_issue_profile() */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hsmca/audit.h"
#include "audit-int.h"

/* The profile of record o if it issued serial, else NULL. */
static const char *
issued_with(json_object *o, const char *serial)
{
	const char *op = audit_get(o, "op"), *s = audit_get(o, "serial");

	if (op == NULL || s == NULL || strcmp(s, serial) != 0 ||
	    (strcmp(op, "sign") != 0 && strcmp(op, "selfsign") != 0))
		return NULL;
	return audit_get(o, "profile");
}

int
audit_issue_profile(const char *dir, const char *serial, char **profile,
    struct hsmca_error *err)
{
	char *path = audit_path(dir), *text = NULL, *found = NULL;
	unsigned long lineno = 0, seq;
	json_object *o;
	const char *p;
	size_t cap = 0;
	ssize_t len;
	FILE *f;
	int r = 0;

	if (path == NULL)
		return hsmca_error_set(err, HSMCA_E_NOMEM, "out of memory");
	if ((f = fopen(path, "r")) == NULL) {
		r = hsmca_error_set(err, HSMCA_E_NOTFOUND, "%s: cannot read "
		    "the audit log", path);
		goto out;
	}
	while (r == 0 && (len = getline(&text, &cap, f)) > 0) {
		lineno++;
		if (text[len - 1] != '\n')
			break;          /* a torn last line: no record */
		text[len - 1] = '\0';
		if ((r = audit_parse_line(path, lineno, text, &o, &seq,
		    err)) != 0)
			break;
		if ((p = issued_with(o, serial)) != NULL) {
			free(found);
			if ((found = strdup(p)) == NULL)
				r = hsmca_error_set(err, HSMCA_E_NOMEM,
				    "out of memory");
		}
		json_object_put(o);
	}
	fclose(f);
	if (r == 0 && found == NULL)
		r = hsmca_error_set(err, HSMCA_E_NOTFOUND, "%s: no record of "
		    "the profile certificate %s was signed with", path, serial);
	if (r == 0) {
		*profile = found;
		found = NULL;
	}
out:
	free(found);
	free(text);
	free(path);
	return r;
}
