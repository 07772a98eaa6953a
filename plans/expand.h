/* plans/expand.h — a checked fleet into its desired VMs.
 *
 * Each group's settings are resolved once (defaults, then the group: maps
 * merge, lists append, scalars override) into one struct fleet_spec that
 * all its VMs share, so a group of 10,000 makes one merged tree, not
 * 10,000.  Each vms: entry gets its own (defaults, then the entry).  Names
 * come from the group's pattern (plans/namepat.h); addresses from
 * plans/expand_addr.h.
 */
#ifndef HERD_EXPAND_H
#define HERD_EXPAND_H

#include "plans/expand_addr.h"
#include "plans/fleet.h"

/* Fill f->vms (vms: entries first in file order, then each group's members
 * in index order, groups in file order), f->n_vms, f->n_explicit and each
 * group's spec, then MACs and IPs.  f must have passed fleet_check.
 * Errors (rules between a layer's keys, more than FLEET_MAX_VMS VMs, a
 * name made twice, fixed addresses, networks too small) go into d.
 * Everything lives in f->arena.  Returns 0 or -1. */
int expand_fleet(struct fleet *f, struct fleet_diags *d);

/* The same, keeping the addresses in pins where they still fit (see
 * struct expand_pin): for a planner that read them from libvirt. */
int expand_fleet_pinned(struct fleet *f, const struct expand_pin *pins,
			size_t n_pins, struct fleet_diags *d);

#endif
