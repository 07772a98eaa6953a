/* plans/strset.h — a set of borrowed strings (open addressing, FNV-1a).
 *
 * Used where a fleet file can hold many names: duplicate keys in a big
 * mapping, duplicate VM names after expansion.  The set borrows the strings
 * (they must outlive it) and maps each to a caller value (an index).
 */
#ifndef HERD_STRSET_H
#define HERD_STRSET_H

#include <stdbool.h>
#include <stddef.h>

struct strset;

/* A set sized for about `hint` strings (it grows as needed).  Never NULL. */
struct strset *strset_new(size_t hint);
void strset_free(struct strset *s);

/* Add s (len bytes, borrowed) with value v.  Returns true if added; false
 * if s was already there, with *old (may be NULL) set to its value. */
bool strset_add(struct strset *s, const char *str, size_t len, size_t v,
		size_t *old);

/* True when str is in the set; *v (may be NULL) gets its value. */
bool strset_find(const struct strset *s, const char *str, size_t len,
		 size_t *v);

#endif
