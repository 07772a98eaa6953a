#include "orchestrator/cli/fleetload.h"

#include <stdio.h>

void fleetload_print(const struct fleet_diags *d)
{
	char line[1024];
	size_t i;

	for (i = 0; i < d->n; i++) {
		fleet_diag_format(&d->items[i], line, sizeof line);
		fprintf(stderr, "%s\n", line);
	}
	if (d->total > d->n)
		fprintf(stderr, "... and %zu more\n", d->total - d->n);
}

struct fleet *fleetload(const char *path)
{
	struct fleet_diags d;
	struct fleet *f = fleet_load(path, &d);

	if (f == NULL)
		fleetload_print(&d);
	return f;
}
