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

struct fleet_opts fleetload_fleet_opts(const struct herd_opts *opts)
{
	struct fleet_opts o = { .allow_outside = opts->allow_outside != 0 };

	return o;
}

struct fleet *fleetload(const struct herd_opts *opts)
{
	struct fleet_opts o = fleetload_fleet_opts(opts);
	struct fleet_diags d;
	struct fleet *f = fleet_load_opts(opts->fleet_file, &o, &d);

	if (f == NULL)
		fleetload_print(&d);
	return f;
}

struct handle_opts fleetload_opts(const struct herd_opts *opts, const char *verb)
{
	struct handle_opts ho = { opts->fleet_file, opts->connect, opts->state_dir, verb,
				  opts->allow_outside != 0 };

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
