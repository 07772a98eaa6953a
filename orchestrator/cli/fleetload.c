/* orchestrator/cli/fleetload.c — a verb's side of opening the fleet. */
#include "orchestrator/cli/fleetload.h"

#include <stdio.h>

#include "common/log.h"

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

struct handle_opts fleetload_opts(const struct herd_opts *opts, const char *verb)
{
	struct handle_opts ho = { opts->fleet_file, opts->connect, opts->state_dir, verb };

	return ho;
}

int fleetload_open(struct handle *h, const struct herd_opts *opts, const char *verb,
		   unsigned flags)
{
	const struct handle_opts ho = fleetload_opts(opts, verb);
	struct herd_err err = HERD_ERR_INIT;
	int rc = handle_open(h, &ho, flags, &err);

	if (rc == 0) {
		if (h->lock_broke[0] != '\0')
			log_warn("%s: took over the lock of a herd that is gone (%s)", verb,
				 h->lock_broke);
		return EXIT_OK;
	}
	if (rc == HANDLE_INVALID)
		fleetload_print(&h->diags);
	else
		log_err(&err);
	handle_close(h);
	return rc == HANDLE_INVALID ? EXIT_USAGE : EXIT_FAIL;
}
