/* hsmca — what every libFuzzer target in tests/fuzz shares.
 *
 * Each fuzz-<name>.c defines LLVMFuzzerTestOneInput() (and, when it needs
 * start-up work, LLVMFuzzerInitialize()) and calls one parser of the core
 * library exactly as the commands do.  A target never asserts on a parser's
 * verdict: the oracles are ASan, UBSan and LeakSanitizer, and abort() when a
 * parser breaks its own contract (a failure without a message, or a success
 * that leaves its output empty).
 */
#ifndef HSMCA_FUZZ_COMMON_H
#define HSMCA_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "hsmca/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* A malloc'ed NUL-terminated copy of data[0..size) (embedded NULs stay:
 * C-string parsers see the prefix up to the first one).  Aborts on OOM. */
char *fz_strndup(const uint8_t *data, size_t size);

/* A private directory made once per process (mkdtemp under $TMPDIR or /tmp)
 * and removed with its files at exit.  Aborts when it cannot be made. */
const char *fz_tmpdir(void);

/* dir/name (malloc'ed); aborts on OOM. */
char *fz_path(const char *dir, const char *name);

/* Replace path with exactly size bytes of data (0600).  Aborts on any
 * failure: the harness, not the parser, is broken then. */
void fz_write(const char *path, const uint8_t *data, size_t size);

/* The contract of errors as values: a negative return must carry its code
 * and a non-empty message.  Aborts otherwise. */
void fz_check_error(int r, const struct hsmca_error *err);

/* True when the class of finding "what" (e.g. "uri-empty-segment") is
 * listed in $HSMCA_FUZZ_EXCLUDE (comma-separated): scripts/fuzz sets it from
 * tests/fuzz/known-open while fuzzing, so that an open finding (whose input
 * is in regressions/ and still fails there) does not stop the search for
 * new ones.  Unset, every check is made. */
int fz_excluded(const char *what);

#endif /* HSMCA_FUZZ_COMMON_H */
