/* orchestrator/reach/linesplit.h — cut two byte streams (stdout, stderr) into lines.
 *
 * Remote output arrives in arbitrary chunks; callers such as `herd exec`
 * want whole lines so they can prefix them.  Each stream keeps its partial
 * line until its newline arrives; a line longer than the limit is passed
 * on in pieces of exactly the limit, so memory stays bounded.
 */
#ifndef HERD_LINESPLIT_H
#define HERD_LINESPLIT_H

#include <stdbool.h>
#include <stddef.h>

#include "common/buf.h"

/* Called per line, without its newline; stream is 0 (stdout) or 1. */
typedef void (*linesplit_fn)(void *ud, int stream, const char *line, size_t len);

struct linesplit {
	struct buf part[2];	/* the partial line of each stream */
	bool cut[2];		/* the partial line was just passed on full */
	size_t max;
	linesplit_fn fn;
	void *ud;
};

/* Start splitting; fn(ud, ...) gets each line; max > 0 is the longest
 * piece handed over at once.  Release with linesplit_finish(). */
void linesplit_init(struct linesplit *ls, size_t max, linesplit_fn fn, void *ud);

/* Feed n bytes of stream (0 or 1); calls fn for each line completed. */
void linesplit_feed(struct linesplit *ls, int stream, const char *p, size_t n);

/* Hand over what is left of each stream (a last line without a newline)
 * and free the buffers.  Safe to call twice. */
void linesplit_finish(struct linesplit *ls);

#endif
