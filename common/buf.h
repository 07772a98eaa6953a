/* common/buf.h — a growable byte buffer, always NUL-terminated.
 *
 * struct buf is embedded by value: buf_init() before use, buf_release()
 * after.  buf_take() hands the bytes to the caller (free() them) and leaves
 * the buffer empty and reusable.
 */
#ifndef HERD_BUF_H
#define HERD_BUF_H

#include <stddef.h>

struct buf {
	char *data;		/* NUL-terminated; NULL until the first append */
	size_t len;
	size_t cap;
};

void buf_init(struct buf *b);
void buf_release(struct buf *b);
void buf_reset(struct buf *b);			/* len = 0, keeps memory */
void buf_add(struct buf *b, const void *p, size_t n);
void buf_adds(struct buf *b, const char *s);
void buf_addc(struct buf *b, char c);
void buf_addf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* The contents as a string ("" when empty); borrowed until the next change. */
const char *buf_str(const struct buf *b);
/* Hand the contents (never NULL) to the caller; the buffer becomes empty. */
char *buf_take(struct buf *b, size_t *len);

#endif
