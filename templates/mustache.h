/* templates/mustache.h — a Mustache renderer (https://mustache.github.io/
 * mustache.5.html and the Mustache spec), with two deliberate differences:
 *
 *  - {{x}} inserts the value as it is: there is no HTML here, so {{x}},
 *    {{{x}}} and {{&x}} are the same.
 *  - a variable that does not exist is an error naming it and its
 *    FILE:LINE:COL, because a typo must not become an empty hostname.
 *    (A section over a missing name is an error too; an inverted section
 *    {{^x}} over a missing name renders, so templates can test presence.)
 *
 * The context is a YAML node tree (plans/ynode.h): maps are objects,
 * sequences are lists, scalars are strings.  Falsey: a missing value in an
 * inverted section, an empty list, and the plain scalars false, no, null,
 * ~ and the empty string.
 */
#ifndef HERD_MUSTACHE_H
#define HERD_MUSTACHE_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/err.h"
#include "plans/ynode.h"

/* Load partial `name`: return its text in a new string (caller frees) and
 * set *file to a name for error messages (borrowed for the render), or
 * return NULL with err set. */
typedef char *(*mustache_partial_fn)(void *ctx, const char *name,
				     const char **file, struct herd_err *err);

struct mustache_src {
	const char *file;	/* names the template in errors */
	uint32_t line, col;	/* where its first byte is in that file (1, 1 for a whole file) */
	mustache_partial_fn partial;	/* NULL: partials are an error */
	void *partial_ctx;
};

/* Render tmpl[0..len) with context ctx (a MAP; may be NULL) and append the
 * result to out.  Returns 0, or -1 with err->msg "FILE:LINE:COL: ..." (for
 * an unknown variable: "FILE:LINE:COL: unknown variable 'hostnme'"); out
 * may then hold a partial result.  Partials nest at most 32 deep. */
int mustache_render(const char *tmpl, size_t len, const struct ynode *ctx,
		    const struct mustache_src *src, struct buf *out,
		    struct herd_err *err);

#endif
