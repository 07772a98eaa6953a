/* common/err.h — errors are values.
 *
 * A function that can fail returns -1 (or NULL) and fills the caller's
 * struct herd_err.  Only orchestrator/cli/ prints them.
 */
#ifndef HERD_ERR_H
#define HERD_ERR_H

enum herd_errcode {
	HERD_OK,
	HERD_E_USAGE,
	HERD_E_CONFIG,
	HERD_E_IO,
	HERD_E_VIRT,
	HERD_E_NET,
	HERD_E_SSH,
	HERD_E_ARCHIVE,
	HERD_E_STATE,
};

struct herd_err {
	enum herd_errcode code;
	int sys_errno;		/* 0 unless a system call failed */
	char msg[512];		/* "context: context: cause" */
};

#define HERD_ERR_INIT { HERD_OK, 0, "" }

/* Record an error (replacing any earlier one) and return -1, so a leaf can
 * write `return herd_errf(err, HERD_E_IO, "open %s: %s", p, strerror(e));`.
 * err may be NULL (the error is then dropped). */
int herd_errf(struct herd_err *err, enum herd_errcode code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Like herd_errf, with sys_errno set to errnum and ": strerror(errnum)"
 * appended to the message. */
int herd_errno(struct herd_err *err, enum herd_errcode code, int errnum,
	       const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Prefix context to an error already recorded ("ctx: old message") and
 * return -1.  The code and errno stay as the leaf set them. */
int herd_errctx(struct herd_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Clear an error back to HERD_OK. */
void herd_err_clear(struct herd_err *err);

#endif
