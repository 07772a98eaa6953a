/* plans/check_vms.h — VM settings: defaults:, each group, each entry of vms:.
 *
 * A VM's settings are layered: defaults, then its group or vms: entry
 * (maps merge, lists append, scalars override; see ynode_merge).  Each
 * layer is checked as written, so an error in defaults is reported once,
 * where it is; the merged layer is then read into a spec and checked for
 * rules between keys (an image, a network, kickstart's installer).
 */
#ifndef HERD_CHECK_VMS_H
#define HERD_CHECK_VMS_H

#include "plans/check.h"

/* One layer, read. */
struct check_layer {
	struct fleet_spec spec;
	unsigned count;			/* groups: default 1 */
	const char *name_pattern;	/* groups: default "<group>-{{index}}" */
	uint32_t ip;			/* vms: a fixed primary address, or 0 */
};

/* Check defaults, each group and each entry of vms (any may be NULL) and
 * fill c->f->groups (name, count, name_pattern, pos; spec is left for
 * expand).  Returns 0, or -1 after reporting every error. */
int check_vms(struct check_ctx *c, const struct ynode *defaults,
	      const struct ynode *groups, const struct ynode *vms);

/* Read merged (a layer made from checked layers; NULL: empty) into out,
 * with built-in defaults for what it leaves out (1 cpu, 1GiB memory, 10GiB
 * disk, linked clone, nocloud), and check the rules between keys.  Errors
 * are placed at entry (the group's or vm's key) and prefixed with c->what.
 * Allocates in the fleet's arena.  Returns 0 or -1. */
int check_vms_spec(struct check_ctx *c, const struct ynode *merged,
		   const struct ynode *entry, struct check_layer *out);

#endif
