/* orchestrator/cli/fleetload.h — open the fleet for a verb, printing what
 * went wrong.
 *
 * Every verb that reads the fleet file goes through here, so each prints
 * errors the same way: one "FILE:LINE:COL: message" per line on stderr (as
 * compilers do, so editors can jump to them), at most FLEET_MAX_ERRORS,
 * then "... and N more".
 */
#ifndef HERD_FLEETLOAD_H
#define HERD_FLEETLOAD_H

#include "orchestrator/cli/cmd.h"
#include "orchestrator/run/handle.h"
#include "plans/fleet.h"

/* Load the fleet file of opts (with its --allow-outside).  Returns it
 * (free with fleet_free), or NULL after printing the diagnostics to
 * stderr: the verb then exits 2. */
struct fleet *fleetload(const struct herd_opts *opts);

/* The loader's options from the global options (--allow-outside). */
struct fleet_opts fleetload_fleet_opts(const struct herd_opts *opts);

/* Print d's diagnostics to stderr as described above. */
void fleetload_print(const struct fleet_diags *d);

/* The handle's options from the global options, for `verb`. */
struct handle_opts fleetload_opts(const struct herd_opts *opts, const char *verb);

/* handle_open() for `verb` with the global options.  Returns EXIT_OK with
 * h open (the verb closes it), or, h closed and the cause printed,
 * EXIT_USAGE (invalid fleet file) or EXIT_FAIL.  A stale fleet lock it
 * broke is mentioned. */
int fleetload_open(struct handle *h, const struct herd_opts *opts, const char *verb,
		   unsigned flags);

#endif
