/* hsmca — fuzz target: DIR/hsmca.conf (cadir_parse), read by every command
 * that opens a CA directory. */
#include "config.h"

#include <stdlib.h>

#include "hsmca/cadir.h"
#include "fuzz-common.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hsmca_error err = { 0 };
	struct hsmca_cadir *ca = NULL;
	char *path;
	int r;

	r = cadir_parse("/srv/ca", (const char *)data, size, &ca, &err);
	fz_check_error(r, &err);
	if (r == 0) {
		if (ca == NULL || ca->key_uri == NULL || ca->cert == NULL)
			abort();
		path = cadir_path(ca, ca->cert);
		free(path);
		if (ca->chain != NULL) {
			path = cadir_path(ca, ca->chain);
			free(path);
		}
	}
	cadir_free(ca);
	return 0;
}
