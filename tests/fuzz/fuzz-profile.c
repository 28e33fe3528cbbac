/* hsmca — fuzz target: the profile parser (profile_parse), which reads
 * profile files a CA operator may have been handed. */
#include "config.h"

#include <stdlib.h>

#include "hsmca/profile.h"
#include "fuzz-common.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hsmca_error err = { 0 };
	struct hsmca_profile *p = NULL;
	int r;

	r = profile_parse("fuzz.profile", (const char *)data, size, &p, &err);
	fz_check_error(r, &err);
	if (r == 0 && p == NULL)
		abort();
	profile_free(p);
	return 0;
}
