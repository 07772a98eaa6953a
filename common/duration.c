#include "duration.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>

int duration_parse(const char *s, long *ms, struct herd_err *err)
{
	const char *p = s;
	long total = 0;

	if (*p == '\0')
		goto bad;
	while (*p) {
		char *end;
		long v, unit;
		if (!isdigit((unsigned char)*p))
			goto bad;
		errno = 0;
		v = strtol(p, &end, 10);
		switch (*end) {
		case 'h': unit = 3600000; end++; break;
		case 'm': unit = 60000; end++; break;
		case 's': unit = 1000; end++; break;
		case '\0': unit = 1000; break;
		default: goto bad;
		}
		/* checked before adding: the sum can never wrap */
		if (errno != 0 || v > DURATION_MAX_MS / unit ||
		    total > DURATION_MAX_MS - v * unit)
			return herd_errf(err, HERD_E_USAGE, "\"%s\" is too long (at most %ldh)",
					 s, DURATION_MAX_MS / 3600000);
		total += v * unit;
		p = end;
	}
	*ms = total;
	return 0;
bad:
	return herd_errf(err, HERD_E_USAGE,
			 "\"%s\" is not a duration (use 90s, 10m or 1h)", s);
}
