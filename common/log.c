#include "log.h"

#include <stdarg.h>
#include <stdio.h>

static enum log_level level = LOG_NORMAL;

void log_set_level(enum log_level l)
{
	level = l;
}

enum log_level log_get_level(void)
{
	return level;
}

static void emit(const char *prefix, const char *fmt, va_list ap)
{
	/* One write per line, so lines from parallel workers do not interleave. */
	char line[4096];
	int n = vsnprintf(line, sizeof line, fmt, ap);

	if (n < 0)
		return;
	flockfile(stderr);
	fprintf(stderr, "%s%s\n", prefix, line);
	funlockfile(stderr);
}

void log_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit("herd: ", fmt, ap);
	va_end(ap);
}

void log_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit("herd: warning: ", fmt, ap);
	va_end(ap);
}

void log_info(const char *fmt, ...)
{
	va_list ap;

	if (level < LOG_NORMAL)
		return;
	va_start(ap, fmt);
	emit("", fmt, ap);
	va_end(ap);
}

void log_debug(const char *fmt, ...)
{
	va_list ap;

	if (level < LOG_VERBOSE)
		return;
	va_start(ap, fmt);
	emit("herd: debug: ", fmt, ap);
	va_end(ap);
}

void log_err(const struct herd_err *err)
{
	log_error("%s", err->msg[0] ? err->msg : "unknown error");
}
