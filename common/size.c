#include "size.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct unit {
	const char *name;
	unsigned shift;
};

/* Binary units accepted, largest first for formatting. */
static const struct unit units[] = {
	{ "TiB", 40 }, { "GiB", 30 }, { "MiB", 20 }, { "KiB", 10 }, { "B", 0 },
};

/* Suffixes people type that mean a binary unit here; mapped to the hint. */
static const struct { const char *typed; const char *use; } hints[] = {
	{ "T", "TiB" }, { "TB", "TiB" }, { "G", "GiB" }, { "GB", "GiB" },
	{ "M", "MiB" }, { "MB", "MiB" }, { "K", "KiB" }, { "KB", "KiB" },
	{ "Ti", "TiB" }, { "Gi", "GiB" }, { "Mi", "MiB" }, { "Ki", "KiB" },
};

static int bad(const char *s, const char *num, const char *use,
	       struct herd_err *err)
{
	if (use)
		return herd_errf(err, HERD_E_CONFIG,
				 "\"%s\" is not a size (use %.*s%s)", s,
				 (int)strcspn(num, " \tKMGTBkmgtib"), num, use);
	return herd_errf(err, HERD_E_CONFIG,
			 "\"%s\" is not a size (use a number with KiB, MiB, GiB or TiB, like 2GiB)",
			 s);
}

int size_parse(const char *s, uint64_t *bytes, struct herd_err *err)
{
	const char *p = s, *suffix;
	char *end;
	unsigned long long v;
	size_t i;

	while (isspace((unsigned char)*p))
		p++;
	if (!isdigit((unsigned char)*p))
		return bad(s, p, NULL, err);
	errno = 0;
	v = strtoull(p, &end, 10);
	if (errno == ERANGE)
		return bad(s, p, NULL, err);
	suffix = end;
	while (*suffix == ' ')
		suffix++;
	for (i = 0; i < sizeof units / sizeof units[0]; i++) {
		if (strcmp(suffix, units[i].name) != 0)
			continue;
		if (v > (UINT64_MAX >> units[i].shift))
			return herd_errf(err, HERD_E_CONFIG,
					 "\"%s\" is too large", s);
		*bytes = (uint64_t)v << units[i].shift;
		return 0;
	}
	if (*suffix == '\0') {
		*bytes = v;
		return 0;
	}
	for (i = 0; i < sizeof hints / sizeof hints[0]; i++)
		if (strcasecmp(suffix, hints[i].typed) == 0 ||
		    strcasecmp(suffix, hints[i].use) == 0)
			return bad(s, p, hints[i].use, err);
	return bad(s, p, NULL, err);
}

void size_format(uint64_t bytes, char *out, size_t outlen)
{
	size_t i;

	for (i = 0; i + 1 < sizeof units / sizeof units[0]; i++) {
		uint64_t unit = (uint64_t)1 << units[i].shift;
		if (bytes != 0 && bytes % unit == 0) {
			snprintf(out, outlen, "%" PRIu64 "%s", bytes / unit,
				 units[i].name);
			return;
		}
	}
	snprintf(out, outlen, "%" PRIu64, bytes);
}
