/* see hsmca/secret.h */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include "hsmca/secret.h"

int
secret_new(size_t cap, struct hsmca_secret **out)
{
	struct hsmca_secret *s;

	if (cap < 2)
		return HSMCA_E_INTERNAL;
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return HSMCA_E_NOMEM;
	s->buf = calloc(1, cap);
	if (s->buf == NULL) {
		free(s);
		return HSMCA_E_NOMEM;
	}
	s->cap = cap;
	/* Best effort: RLIMIT_MEMLOCK may be tiny for unprivileged users; the
	 * process is non-dumpable either way. */
	(void)mlock(s->buf, cap);
	(void)madvise((void *)((unsigned long)s->buf & ~4095UL), 4096,
	    MADV_DONTDUMP);
	*out = s;
	return 0;
}

void
secret_free(struct hsmca_secret *s)
{
	if (s == NULL)
		return;
	explicit_bzero(s->buf, s->cap);
	(void)munlock(s->buf, s->cap);
	free(s->buf);
	explicit_bzero(s, sizeof(*s));
	free(s);
}

void
secret_harden_process(void)
{
	struct rlimit none = { 0, 0 };

	(void)setrlimit(RLIMIT_CORE, &none);
	(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}
