/* common/duration.h — durations on the command line: 90s, 10m, 1h, 1h30m,
 * or bare seconds. */
#ifndef HERD_DURATION_H
#define HERD_DURATION_H

#include "common/err.h"

/* The longest duration: 576 hours (24 days), so that every duration fits
 * the int milliseconds the waits take. */
#define DURATION_MAX_MS (576L * 3600000L)

/* Parse s into milliseconds.  Returns 0, or -1 with err (HERD_E_USAGE)
 * like `"10 min" is not a duration (use 90s, 10m or 1h)`, or `"1000h" is
 * too long (at most 576h)`: a value past the maximum is refused, never
 * wrapped. */
int duration_parse(const char *s, long *ms, struct herd_err *err);

#endif
