/* orchestrator/cli/fleetload.h — load the fleet file for a verb, printing its
 * diagnostics.
 *
 * Every verb that reads the fleet file goes through here, so each prints
 * errors the same way: one "FILE:LINE:COL: message" per line on stderr (as
 * compilers do, so editors can jump to them), at most FLEET_MAX_ERRORS,
 * then "... and N more".
 */
#ifndef HERD_FLEETLOAD_H
#define HERD_FLEETLOAD_H

#include "plans/fleet.h"

/* Load the fleet at path.  Returns it (free with fleet_free), or NULL after
 * printing the diagnostics to stderr: the verb then exits 2. */
struct fleet *fleetload(const char *path);

/* Print d's diagnostics to stderr as described above. */
void fleetload_print(const struct fleet_diags *d);

#endif
