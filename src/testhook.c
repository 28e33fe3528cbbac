/* see hsmca/testhook.h: only the testable build has crash points. */
#include "config.h"

#include "hsmca/testhook.h"

#ifdef HSMCA_TESTABLE
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void
testhook_point(const char *name)
{
	const char *kill_at = getenv("HSMCA_TEST_KILL_AT");
	const char *stop_at = getenv("HSMCA_TEST_STOP_AT");

	if (stop_at != NULL && strcmp(stop_at, name) == 0)
		kill(getpid(), SIGSTOP);
	if (kill_at != NULL && strcmp(kill_at, name) == 0)
		kill(getpid(), SIGKILL);
}

bool
testhook_flag(const char *name)
{
	const char *flags = getenv("HSMCA_TEST_FLAGS"), *p;
	size_t len = strlen(name);

	for (p = flags; p != NULL && *p != '\0'; p += strcspn(p, ",")) {
		if (*p == ',')
			p++;
		if (strncmp(p, name, len) == 0 && (p[len] == ',' ||
		    p[len] == '\0'))
			return true;
	}
	return false;
}
#else
/* An empty translation unit is not ISO C. */
typedef int testhook_unused;
#endif
