/* orchestrator/reach/linesplit.c — cut two byte streams (stdout, stderr) into lines. */
#include "orchestrator/reach/linesplit.h"

#include <string.h>

void linesplit_init(struct linesplit *ls, size_t max, linesplit_fn fn, void *ud)
{
	for (int i = 0; i <= 1; i++) {
		buf_init(&ls->part[i]);
		ls->cut[i] = false;
	}
	ls->max = max;
	ls->fn = fn;
	ls->ud = ud;
}

/* Append p[0..n) to the partial line, passing on full pieces. */
static void add(struct linesplit *ls, int stream, const char *p, size_t n)
{
	struct buf *b = &ls->part[stream];
	size_t room;

	while (n > 0) {
		room = ls->max - b->len;
		room = room < n ? room : n;
		buf_add(b, p, room);
		p += room;
		n -= room;
		if (b->len == ls->max) {
			ls->fn(ls->ud, stream, b->data, b->len);
			buf_reset(b);
			ls->cut[stream] = true;
		} else {
			ls->cut[stream] = false;
		}
	}
}

void linesplit_feed(struct linesplit *ls, int stream, const char *p, size_t n)
{
	struct buf *b = &ls->part[stream];
	const char *nl;

	while ((nl = memchr(p, '\n', n)) != NULL) {
		add(ls, stream, p, (size_t)(nl - p));
		/* A newline right after a full piece ends that piece; it is
		 * not an extra empty line. */
		if (b->len > 0 || !ls->cut[stream])
			ls->fn(ls->ud, stream, buf_str(b), b->len);
		buf_reset(b);
		ls->cut[stream] = false;
		n -= (size_t)(nl - p) + 1;
		p = nl + 1;
	}
	add(ls, stream, p, n);
}

void linesplit_finish(struct linesplit *ls)
{
	for (int i = 0; i <= 1; i++) {
		if (ls->part[i].len > 0)
			ls->fn(ls->ud, i, ls->part[i].data, ls->part[i].len);
		buf_release(&ls->part[i]);
	}
}
