/* see hsmca/err.h */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hsmca/err.h"

int
hsmca_error_set(struct hsmca_error *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return code;
	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return code;
}

int
hsmca_error_prefix(struct hsmca_error *err, const char *fmt, ...)
{
	char prefix[HSMCA_ERROR_MSG_MAX];
	char joined[2 * HSMCA_ERROR_MSG_MAX + 2];
	va_list ap;

	if (err == NULL)
		return HSMCA_E_INTERNAL;
	if (err->code == 0)
		return HSMCA_E_INTERNAL;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	snprintf(joined, sizeof(joined), "%s: %s", prefix, err->msg);
	snprintf(err->msg, sizeof(err->msg), "%.*s",
	    (int)(sizeof(err->msg) - 1), joined);
	return err->code;
}

const char *
hsmca_strerror(int code)
{
	static const struct {
		int code;
		const char *text;
	} table[] = {
		{ HSMCA_OK, "success" },
		{ HSMCA_E_NOMEM, "out of memory" },
		{ HSMCA_E_USAGE, "usage error" },
		{ HSMCA_E_IO, "input/output error" },
		{ HSMCA_E_PARSE, "parse error" },
		{ HSMCA_E_TOKEN, "token error" },
		{ HSMCA_E_PIN, "PIN error" },
		{ HSMCA_E_NOTFOUND, "not found" },
		{ HSMCA_E_AMBIGUOUS, "ambiguous" },
		{ HSMCA_E_EXISTS, "already exists" },
		{ HSMCA_E_CRYPTO, "cryptographic operation failed" },
		{ HSMCA_E_POLICY, "refused by policy" },
		{ HSMCA_E_LINT, "refused by lint" },
		{ HSMCA_E_LOCKED, "CA directory locked" },
		{ HSMCA_E_VERIFY, "verification failed" },
		{ HSMCA_E_UNSUPPORTED, "not supported" },
		{ HSMCA_E_REFUSED, "refused" },
		{ HSMCA_E_INTERNAL, "internal error" },
	};
	size_t i;

	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (table[i].code == code)
			return table[i].text;
	return "unknown error";
}

int
hsmca_warn(struct hsmca_warnings *w, const char *fmt, ...)
{
	char buf[HSMCA_ERROR_MSG_MAX];
	char **grown;
	char *copy;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	copy = strdup(buf);
	if (copy == NULL)
		return HSMCA_E_NOMEM;
	grown = realloc(w->msgs, (w->n + 1) * sizeof(*grown));
	if (grown == NULL) {
		free(copy);
		return HSMCA_E_NOMEM;
	}
	grown[w->n++] = copy;
	w->msgs = grown;
	return 0;
}

void
hsmca_warnings_clear(struct hsmca_warnings *w)
{
	size_t i;

	for (i = 0; i < w->n; i++)
		free(w->msgs[i]);
	free(w->msgs);
	w->msgs = NULL;
	w->n = 0;
}
