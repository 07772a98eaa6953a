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
 *
 * More choices where the spec leaves room or herd differs:
 *  - A scalar inserts its text exactly as the YAML wrote it (1.210 stays
 *    "1.210"); a plain null scalar (null, ~, empty) inserts nothing.
 *    Inserting a list or a mapping is an error ("'x' is a list").
 *  - False also in the case variants False, FALSE, No, NO; a quoted
 *    "false" is a true string.  An empty mapping is true (spec: hashes
 *    are truthy).
 *  - Dotted names: a.b.c looks up `a` through the context stack, then b and
 *    c inside it only; if any part is missing it is an unknown variable.
 *    A leading dot (.name) looks in the innermost context only.
 *  - A partial that cannot be loaded is an error (the spec would insert
 *    nothing).  A standalone partial's indentation is put before each of
 *    its lines before it is parsed (spec), so an inserted value's own
 *    newlines are not indented.
 *  - Lambdas are not supported (a YAML tree has no code); neither are the
 *    optional inheritance ({{<parent}} {{$block}}) and dynamic-name
 *    ({{>*x}}) extensions: such tags are read as ordinary names.
 *  - Errors name FILE:LINE:COL of the tag's opening delimiter.  LINE is
 *    src->line plus the newlines before the tag; COL is src->col plus the
 *    offset on the template's first line, and 1-based from the line start
 *    on later lines (columns count bytes).
 *
 * The limits below keep a hostile template from exhausting memory or time;
 * going over one is an error that names the limit.
 */
#ifndef HERD_MUSTACHE_H
#define HERD_MUSTACHE_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/err.h"
#include "plans/ynode.h"

/* Limits (see above). */
#define MUSTACHE_MAX_OUTPUT	(16u << 20)	/* bytes appended by one render */
#define MUSTACHE_MAX_NEST	64	/* sections and partials nested, in a
					 * template and while rendering */
#define MUSTACHE_MAX_PARTIAL_DEPTH 32	/* partials inside partials */
#define MUSTACHE_MAX_STEPS	(1ul << 22)	/* texts and tags visited by one
						 * render (lists in lists...) */
#define MUSTACHE_MAX_PARTIAL_BYTES (4u << 20)	/* partial text loaded by one
						 * render, indentation included */
#define MUSTACHE_MAX_DELIM	16	/* bytes of a {{=<% %>=}} delimiter */

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
 * result to out (src may be NULL: "template" at 1:1, no partials).  Returns 0, or -1 with err->msg "FILE:LINE:COL: ..." (for
 * an unknown variable: "FILE:LINE:COL: unknown variable 'hostnme'"); out
 * may then hold a partial result.  Partials nest at most
 * MUSTACHE_MAX_PARTIAL_DEPTH (32) deep.  Partials are loaded through
 * src->partial once per (name, indentation) per render; a failed load is
 * reported as "FILE:LINE:COL: partial 'x': <the callback's message>". */
int mustache_render(const char *tmpl, size_t len, const struct ynode *ctx,
		    const struct mustache_src *src, struct buf *out,
		    struct herd_err *err);

#endif
