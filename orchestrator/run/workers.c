#include "orchestrator/run/workers.h"

#include <pthread.h>
#include <stdlib.h>

#include "common/mem.h"

struct pool {
	size_t n, next;
	void (*fn)(void *ud, size_t i);
	void *ud;
	pthread_mutex_t mu;
};

static void *worker(void *arg)
{
	struct pool *p = arg;
	size_t i;

	for (;;) {
		pthread_mutex_lock(&p->mu);
		i = p->next++;
		pthread_mutex_unlock(&p->mu);
		if (i >= p->n)
			return NULL;
		p->fn(p->ud, i);
	}
}

void workers_run(size_t n, int jobs, void (*fn)(void *ud, size_t i), void *ud)
{
	struct pool p = { n, 0, fn, ud, PTHREAD_MUTEX_INITIALIZER };
	size_t nth = jobs > 0 ? (size_t)jobs : 8, i;
	pthread_t *th;

	if (nth > n)
		nth = n;
	th = xcalloc(nth ? nth : 1, sizeof *th);
	for (i = 0; i < nth; i++)
		if (pthread_create(&th[i], NULL, worker, &p) != 0)
			break;
	nth = i;
	if (nth == 0)
		worker(&p);
	for (i = 0; i < nth; i++)
		pthread_join(th[i], NULL);
	free(th);
	pthread_mutex_destroy(&p.mu);
}
