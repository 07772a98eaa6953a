/* templates/mustache_parse.h — the Mustache parser behind mustache.c.
 *
 * Internal to templates/: callers use mustache_render() (mustache.h).
 * A template parses into a flat array of nodes; a section's body is the
 * nodes between it and its `end` index, so rendering needs no tree and
 * parsing needs no recursion.  Comments and delimiter changes leave no
 * node; standalone-line whitespace is already cut out of the TEXT nodes.
 */
#ifndef HERD_MUSTACHE_PARSE_H
#define HERD_MUSTACHE_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

enum mustache_kind {
	MUSTACHE_TEXT,		/* literal text */
	MUSTACHE_VAR,		/* {{x}} {{{x}}} {{&x}} */
	MUSTACHE_SECTION,	/* {{#x}} ... {{/x}} */
	MUSTACHE_INVERTED,	/* {{^x}} ... {{/x}} */
	MUSTACHE_PARTIAL,	/* {{>x}} */
};

struct mustache_node {
	enum mustache_kind kind;
	size_t off, len;	/* TEXT: the text; others: the name (trimmed) */
	size_t tag;		/* offset of the tag's opening delimiter */
	size_t ind_off, ind_len;	/* PARTIAL: indentation when standalone */
	size_t end;		/* SECTION, INVERTED: index of the node after
				 * the body (the body is this+1 .. end-1) */
};

struct mustache_tmpl {
	const char *text;	/* borrowed, or == owned */
	size_t len;
	char *owned;		/* freed by mustache_parse_release (may be NULL) */
	const char *file;	/* for errors; borrowed */
	uint32_t line, col;	/* position of text[0] in file */
	size_t indent;		/* bytes put before every line (indented
				 * partial), taken off columns in errors */
	struct mustache_node *nodes;
	size_t n, cap;
};

/* Parse t->text[0..t->len) into t->nodes; the caller has set text, len,
 * file, line, col, indent (and owned).  Returns 0, or -1 with err set to
 * "FILE:LINE:COL: ..." (unclosed tag or section, mismatched close, bad
 * name or delimiters, nesting over MUSTACHE_MAX_NEST).  Release t either
 * way. */
int mustache_parse(struct mustache_tmpl *t, struct herd_err *err);

/* Free the nodes and the owned text; t may be NULL. */
void mustache_parse_release(struct mustache_tmpl *t);

/* Set err (HERD_E_CONFIG) to "FILE:LINE:COL: <fmt...>" for byte off of
 * t's text and return -1. */
int mustache_parse_errf(const struct mustache_tmpl *t, size_t off,
			struct herd_err *err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif
