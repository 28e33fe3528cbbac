/* hsmca — crash points for the fault tests (issue 6, "Faults").
 *
 * testhook_point("after-index") marks a place between two durable write
 * steps.  In the shipped binary it compiles to nothing.  In the testable
 * build (tests/meson.build compiles the core again with -DHSMCA_TESTABLE
 * into hsmca-testable, the p11-kit "testable" pattern), the process kills
 * itself with SIGKILL at the point named by $HSMCA_TEST_KILL_AT, as a power
 * cut or kill -9 would, so that the tests can prove that a crash between
 * any two steps loses nothing; $HSMCA_TEST_STOP_AT stops it (SIGSTOP) there
 * so that a test can change the world (pull the token) before SIGCONT.
 *
 * testhook_flag("name") is true in the testable build when $HSMCA_TEST_FLAGS
 * (comma-separated) holds name: it makes hsmca take, against a real token,
 * a path that only some other real token would make it take (e.g. a full
 * key template that tpm2-pkcs11 refuses), so that the path is tested.
 * False, at no cost, in the shipped binary.
 */
#ifndef HSMCA_TESTHOOK_H
#define HSMCA_TESTHOOK_H

#include <stdbool.h>

#ifdef HSMCA_TESTABLE
void testhook_point(const char *name);
bool testhook_flag(const char *name);
#else
#define testhook_point(name) ((void)0)
#define testhook_flag(name) false
#endif

#endif /* HSMCA_TESTHOOK_H */
