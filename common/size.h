/* common/size.h — sizes with binary units: 512MiB, 2GiB, 1TiB.
 *
 * Decimal units (2GB, 512M) are refused with a hint naming the binary unit,
 * because a VM's memory is always a power-of-two multiple and "GB" is
 * ambiguous.  A bare number is bytes.
 */
#ifndef HERD_SIZE_H
#define HERD_SIZE_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* Parse s into *bytes.  On failure returns -1 with err->msg like
 * `"2GB" is not a size (use 2GiB)` (HERD_E_CONFIG). */
int size_parse(const char *s, uint64_t *bytes, struct herd_err *err);

/* Write the shortest exact form ("2GiB", "1536MiB", "100") into out. */
void size_format(uint64_t bytes, char *out, size_t outlen);

#endif
