#include "err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static void errv(struct herd_err *err, enum herd_errcode code, int errnum,
		 const char *fmt, va_list ap)
{
	int n;

	err->code = code;
	err->sys_errno = errnum;
	n = vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	if (errnum != 0 && n >= 0 && (size_t)n < sizeof err->msg)
		snprintf(err->msg + n, sizeof err->msg - (size_t)n, ": %s",
			 strerror(errnum));
}

int herd_errf(struct herd_err *err, enum herd_errcode code, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return -1;
	va_start(ap, fmt);
	errv(err, code, 0, fmt, ap);
	va_end(ap);
	return -1;
}

int herd_errno(struct herd_err *err, enum herd_errcode code, int errnum,
	       const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return -1;
	va_start(ap, fmt);
	errv(err, code, errnum, fmt, ap);
	va_end(ap);
	return -1;
}

int herd_errctx(struct herd_err *err, const char *fmt, ...)
{
	char joined[2 * sizeof err->msg];
	va_list ap;
	int n;

	if (err == NULL)
		return -1;
	va_start(ap, fmt);
	n = vsnprintf(joined, sizeof err->msg, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -1;
	if ((size_t)n >= sizeof err->msg)
		n = sizeof err->msg - 1;
	/* joined holds at most 511 + 2 + 511 bytes; truncation to msg is
	 * acceptable, the context comes first. */
	snprintf(joined + n, sizeof joined - (size_t)n, ": %s", err->msg);
	memcpy(err->msg, joined, sizeof err->msg - 1);
	err->msg[sizeof err->msg - 1] = '\0';
	return -1;
}

void herd_err_clear(struct herd_err *err)
{
	if (err == NULL)
		return;
	err->code = HERD_OK;
	err->sys_errno = 0;
	err->msg[0] = '\0';
}
