#include "duration.h"

#include <ctype.h>
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
		v = strtol(p, &end, 10);
		switch (*end) {
		case 'h': unit = 3600000; end++; break;
		case 'm': unit = 60000; end++; break;
		case 's': unit = 1000; end++; break;
		case '\0': unit = 1000; break;
		default: goto bad;
		}
		if (v > 100000)
			goto bad;
		total += v * unit;
		p = end;
	}
	*ms = total;
	return 0;
bad:
	return herd_errf(err, HERD_E_USAGE,
			 "\"%s\" is not a duration (use 90s, 10m or 1h)", s);
}
