/* plans/namepat.h — VM name patterns: "web-{{index}}".
 *
 * A pattern may use only {{index}} (zero-padded to the width of the
 * group's count: count 40 gives 01..40, count 3 gives 1..3), {{n}} (the
 * index unpadded), {{group}} and {{fleet}}; spaces inside the braces are
 * allowed ({{ index }}).
 */
#ifndef HERD_NAMEPAT_H
#define HERD_NAMEPAT_H

#include <stdbool.h>
#include <stddef.h>

/* Check pattern.  Returns 0, or -1 with *bad and *badlen on the first
 * placeholder that is not allowed (or an unclosed "{{").  *numbered is
 * set when {{index}} or {{n}} appear (names differ per VM). */
int namepat_check(const char *pattern, const char **bad, size_t *badlen,
		  bool *numbered);

/* Digits of count: the width {{index}} is padded to (at least 1). */
unsigned namepat_width(unsigned count);

/* Render a checked pattern into out (truncated to outlen - 1 bytes).
 * fleet and group may be NULL (rendered empty).  Returns the length the
 * full name has. */
size_t namepat_render(char *out, size_t outlen, const char *pattern,
		      const char *fleet, const char *group, unsigned index,
		      unsigned width);

#endif
