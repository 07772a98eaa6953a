/* plans/expand_addr.h — a MAC for every NIC, an IP for every NIC on a nat
 * or isolated network: deterministic, unique, stable when a group grows.
 *
 * The rule (see expand_addr.c): fixed addresses first, then pinned ones
 * (what libvirt already has), then vms: entries by name, then group
 * members by (index, group name); each takes the slot its hash prefers,
 * or the next free one.
 */
#ifndef HERD_EXPAND_ADDR_H
#define HERD_EXPAND_ADDR_H

#include <stddef.h>
#include <stdint.h>

#include "plans/fleet.h"

/* An address a VM already has (read from libvirt by the caller), to keep:
 * ip 0 or an all-zero mac means "none".  Pins that no longer fit (the VM
 * or network is gone, the address is outside the pool or taken by a fixed
 * one) are ignored. */
struct expand_pin {
	const char *vm;		/* VM name */
	const char *network;	/* network name */
	uint8_t mac[6];
	uint32_t ip;
};

/* Assign f->vms[*].nics.  Before the call, nics[0].ip holds a fixed
 * address (0: none) for vms whose fixed_at[i] (the `ip:` value, for error
 * positions; fixed_at may be NULL when none is fixed) is set.  Fixed
 * addresses in a network's default DHCP range make the range smaller
 * (dhcp_first/last, dhcp_shrunk).  Errors: a fixed address outside its
 * network, on the gateway, in a dhcp: {start, end} range, or twice; fixed
 * addresses that leave the default range too small; a network with more
 * NICs than addresses.  Returns 0 or -1. */
int expand_addr_assign(struct fleet *f, const struct ynode *const *fixed_at,
		       const struct expand_pin *pins, size_t n_pins,
		       struct fleet_diags *d);

#endif
