/* plans/fleet_check.h — check every field of a parsed fleet file.
 *
 * Fills the parts of the model that need no expansion: the fleet's name,
 * libvirt URI, accel, images, networks, ssh, and the groups' names, counts
 * and name patterns (their specs are resolved by expand).  Relative paths
 * become absolute against f->dir; files they name must exist (ssh key
 * files are read).  Every error found goes into d.
 */
#ifndef HERD_FLEET_CHECK_H
#define HERD_FLEET_CHECK_H

#include "plans/fleet.h"

/* f->root, f->arena, f->file and f->dir must be set.  Returns 0 when the
 * file is valid so far, -1 with the errors in d.  Everything it allocates
 * lives in f->arena. */
int fleet_check(struct fleet *f, struct fleet_diags *d);

#endif
