/* see hsmca/stripe.h */
#include "config.h"

#include <pthread.h>
#include <stdbool.h>
#include <unistd.h>

#include "hsmca/stripe.h"

struct stripe_arg {
	void (*fn)(void *arg, size_t t);
	void *arg;
	size_t t;
};

static void *
stripe_thread(void *p)
{
	struct stripe_arg *a = p;

	a->fn(a->arg, a->t);
	return NULL;
}

void
stripe_run(size_t n, void (*fn)(void *arg, size_t t), void *arg)
{
	struct stripe_arg a[STRIPE_MAX];
	pthread_t th[STRIPE_MAX];
	bool started[STRIPE_MAX] = { false };
	size_t t;

	if (n > STRIPE_MAX)
		n = STRIPE_MAX;
	for (t = 1; t < n; t++) {
		a[t] = (struct stripe_arg){ fn, arg, t };
		started[t] = pthread_create(&th[t], NULL, stripe_thread,
		    &a[t]) == 0;
	}
	if (n > 0)
		fn(arg, 0);
	for (t = 1; t < n; t++) {
		if (started[t])
			pthread_join(th[t], NULL);
		else
			fn(arg, t);     /* no thread: do its share here */
	}
}

size_t
stripe_workers(size_t n_jobs, size_t min_jobs, size_t max)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	size_t n;

	if (n_jobs < min_jobs || cpus < 2)
		return 1;
	n = (size_t)cpus;
	if (n > max)
		n = max;
	return n > STRIPE_MAX ? STRIPE_MAX : n;
}
