/* hsmca — fuzz target: the INI lexer under profiles and hsmca.conf
 * (ini_parse), and the lookups made on what it returns. */
#include "config.h"

#include <stdlib.h>

#include "hsmca/ini.h"
#include "fuzz-common.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hsmca_error err = { 0 };
	struct hsmca_ini ini = { 0 };
	const struct hsmca_ini_entry *e;
	size_t i;
	int r;

	r = ini_parse("fuzz.ini", (const char *)data, size, &ini, &err);
	fz_check_error(r, &err);
	if (r != 0) {
		/* The contract: nothing to clear after a failure. */
		if (ini.entries != NULL || ini.n != 0 || ini.name != NULL)
			abort();
		return 0;
	}
	for (i = 0; i < ini.n; i++) {
		e = &ini.entries[i];
		if (e->section == NULL || (e->key == NULL) != (e->value == NULL))
			abort();
		if (e->key != NULL && ini_find(&ini, e->section, e->key) != e)
			abort();
		if (ini_find_section(&ini, e->section) == NULL)
			abort();
	}
	ini_clear(&ini);
	ini_clear(&ini);
	return 0;
}
