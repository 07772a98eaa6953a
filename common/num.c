/* common/num.c — whole numbers from the command line, never wrapped. */
#include "common/num.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>

int num_parse(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	/* strtol takes blanks and signs and wraps nothing but says ERANGE:
	 * refuse all three, so "-1" or " 8" are not numbers here */
	if (s == NULL || !isdigit((unsigned char)s[0]))
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}
