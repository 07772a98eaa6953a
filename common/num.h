/* common/num.h — whole numbers from the command line, never wrapped. */
#ifndef HERD_NUM_H
#define HERD_NUM_H

/* Parse s, decimal digits only (no sign, blank or suffix), into *out when
 * min <= value <= max.  A value past what a long holds is out of range,
 * not wrapped.  Returns 0, or -1 (*out untouched). */
int num_parse(const char *s, long min, long max, long *out);

#endif
