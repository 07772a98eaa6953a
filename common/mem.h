/* common/mem.h — allocation that never returns NULL.
 *
 * Allocation failure aborts the program (there is no ENOMEM path in herd).
 * Everything returned belongs to the caller and is released with free().
 */
#ifndef HERD_MEM_H
#define HERD_MEM_H

#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
/* Grow an array of *cap elements of size `size` so that index `need - 1`
 * fits; doubles the capacity. Returns the (possibly moved) array. */
void *xgrow(void *p, size_t *cap, size_t need, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* printf into a new string. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
