/* common/strdist.h — how far apart two words are, for "did you mean". */
#ifndef HERD_STRDIST_H
#define HERD_STRDIST_H

#include <stddef.h>

#define STRDIST_MAX_LEN 64	/* longer words are "far" */
#define STRDIST_FAR 999

/* Optimal string alignment distance: insertions, deletions, substitutions
 * and a swapped pair of neighbours ("memroy") each count as one edit.
 * STRDIST_FAR when either word is longer than STRDIST_MAX_LEN. */
size_t strdist(const char *a, const char *b);

#endif
