/* hsmca — the workers of a batch: one function run on n threads at once,
 * each told its index, which deals it every n-th job.  Worker 0 runs on the
 * calling thread; a worker whose thread cannot be started runs there too,
 * after the others started, so that the work is always done.  No state of
 * its own.
 */
#ifndef HSMCA_STRIPE_H
#define HSMCA_STRIPE_H

#include <stddef.h>

/* More workers than this are not started (the machine this was measured
 * on has two cores; a batch gains nothing from more threads than cores). */
#define STRIPE_MAX 4

/* Run fn(arg, t) for t in [0, min(n, STRIPE_MAX)), at once, and return
 * when every one has returned.  n == 0 runs nothing. */
void stripe_run(size_t n, void (*fn)(void *arg, size_t t), void *arg);

/* How many workers a batch of n_jobs gets: 1 below min_jobs or on one
 * core, else the online cores, at most max (and STRIPE_MAX). */
size_t stripe_workers(size_t n_jobs, size_t min_jobs, size_t max);

#endif /* HSMCA_STRIPE_H */
