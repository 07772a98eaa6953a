/* orchestrator/run/workers.h — run fn(ud, i) for i in [0, n) on at most `jobs`
 * threads (a bounded pool), and wait for all.  fn must be thread-safe
 * for distinct i.  If threads cannot be made, the work runs in the calling
 * thread. */
#ifndef HERD_WORKERS_H
#define HERD_WORKERS_H

#include <stddef.h>

void workers_run(size_t n, int jobs, void (*fn)(void *ud, size_t i), void *ud);

#endif
