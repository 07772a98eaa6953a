/* plans/plan_hash.h — what changed since a VM or a network was made.
 *
 * Every VM has a spec hash over the fields whose change needs a new disk
 * or seed (image, disk, clone, seed, networks, mac, ip), and one short hash
 * per field; a network has one hash over its definition.  Both go into
 * the objects' metadata in libvirt, so a later plan can say what changed.
 */
#ifndef HERD_PLAN_HASH_H
#define HERD_PLAN_HASH_H

#include "plans/fleet.h"

/* The fields of the spec hash, in metadata and message order. */
enum plan_field {
	PLAN_F_IMAGE,
	PLAN_F_DISK,
	PLAN_F_CLONE,
	PLAN_F_SEED,
	PLAN_F_NETWORKS,
	PLAN_F_MAC,
	PLAN_F_IP,
	PLAN_F_COUNT
};

#define PLAN_FIELD_HEX 8	/* hex digits kept per field hash */
#define PLAN_SPEC_HEX 16	/* hex digits kept of the spec hash */

/* A VM's hashes, as written into its metadata. */
struct plan_hashes {
	char spec[PLAN_SPEC_HEX + 1];
	char field[PLAN_F_COUNT][PLAN_FIELD_HEX + 1];
};

/* Compute vm's hashes; seed_hash is the hash of its seed content (any
 * string, may be NULL when the caller has none, e.g. bootstrap none). */
void plan_vm_hashes(const struct fleet_vm *vm, const char *seed_hash,
		    struct plan_hashes *out);

/* The hash of a network's definition (mode, bridge, CIDR, DHCP range),
 * kept in its tag so a changed network is made again. */
void plan_net_hash(const struct fleet_network *n, char out[PLAN_FIELD_HEX + 1]);

/* Names of fields, "image", "disk", ... */
const char *plan_field_name(enum plan_field f);

#endif
