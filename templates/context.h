/* templates/context.h — the mustache context of one VM, as a ynode MAP.
 *
 * Keys (all scalars are strings unless noted):
 *   name, hostname   the VM's name ("web-01")
 *   domain           the libvirt domain ("lab--web-01")
 *   fleet            the fleet's name
 *   group            the group's name, "" for an entry of vms:
 *   index            1-based index zero-padded to the width of the group's
 *                    count ("07" of 40); "0" for an entry of vms:
 *   n                the same index unpadded ("7")
 *   ip, prefix, netmask, gateway, mac
 *                    the primary network: "10.42.0.7", "24",
 *                    "255.255.255.0", "10.42.0.1", "52:54:00:..";
 *                    ip/prefix/netmask/gateway are "" where the address
 *                    comes from DHCP (bridge networks, dhcp: true)
 *   dhcp             plain true/false: the primary address is DHCP's
 *   user             the login user (ssh.user)
 *   vars             the merged vars map (an empty map when none)
 *   ssh_authorized_keys  list: the fleet key first, then ssh.authorized_keys
 *   nics             list, one map per network, in order: id ("eth0"),
 *                    network, mac, ip, prefix, netmask, gateway, and plain
 *                    true/false dhcp and primary
 *   all              list of {name, ip} for every VM of the fleet, in the
 *                    order the file writes them (fleet_file_order)
 *
 * `all` and `ssh_authorized_keys` are built once per fleet (context_fleet)
 * and shared by every VM's map: the tree is a DAG, never modify it.
 */
#ifndef HERD_CONTEXT_H
#define HERD_CONTEXT_H

#include "plans/fleet.h"
#include "plans/ynode.h"

/* What every VM's context shares; nodes live in the arena given to
 * context_fleet_init and are borrowed as long as it lives. */
struct context_fleet {
	const struct fleet *fleet;	/* borrowed */
	const struct ynode *all;	/* SEQ of {name, ip} */
	const struct ynode *keys;	/* SEQ of authorized key lines */
};

/* Build the shared part for fleet f in arena a.  fleet_pubkey (may be
 * NULL: left out) is the fleet key's public line, listed first in
 * ssh_authorized_keys.  Cannot fail. */
void context_fleet_init(struct context_fleet *cf, struct yarena *a,
			const struct fleet *f, const char *fleet_pubkey);

/* The context MAP of vm (a VM of cf->fleet), allocated in a (which may be
 * a per-VM arena: the map points into cf's arena, so that one must
 * outlive a).  The caller may add keys to the returned map with
 * ynode_map_put*.  Cannot fail. */
struct ynode *context_vm(struct yarena *a, const struct context_fleet *cf,
			 const struct fleet_vm *vm);

/* Dotted netmask of a prefix length (0..32) into out[16]. */
void context_netmask_str(unsigned prefix, char out[16]);

#endif
