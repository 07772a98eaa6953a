/* orchestrator/virt/virt_net.h — libvirt networks herd makes for a fleet.
 *
 * A nat or isolated network of the file becomes herd-<fleet>--<net>, tagged
 * with <herd:net fleet=... name=.../> in its <metadata>, holding the CIDR's
 * first address as the host side, a DHCP range for unknown MACs and one
 * <host mac ip name/> per VM.  Bridge networks are the host's own bridges:
 * herd creates nothing for them.
 *
 * Returns 0, or -1 with err (HERD_E_VIRT, naming the network).
 */
#ifndef HERD_VIRT_NET_H
#define HERD_VIRT_NET_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "orchestrator/virt/virt.h"
#include "plans/fleet.h"

struct virt_dhcp_host {
	uint8_t mac[6];
	uint32_t ip;		/* host order */
	const char *name;	/* borrowed */
};

/* Make sure net (not a bridge) exists as `name`, active and autostarted,
 * with a DHCP host entry for each of hosts[n] (entries added live and to
 * the config when the network already exists).  Idempotent.  An existing
 * network of that name that is not fleet's (no herd tag, or another
 * fleet's) is never adopted: HERD_E_STATE naming it and its owner. */
int virt_net_ensure(struct virt *v, const char *fleet, const char *name,
		    const struct fleet_network *net, const struct virt_dhcp_host *hosts,
		    size_t n, struct herd_err *err);

/* Stop and undefine fleet's network `name`; a missing one is success, one
 * that is not fleet's is refused (HERD_E_STATE). */
int virt_net_remove(struct virt *v, const char *fleet, const char *name,
		    struct herd_err *err);

/* "10.42.0.7" / "52:54:00:12:34:56" into out. */
void virt_ip_str(uint32_t ip, char out[16]);
void virt_mac_str(const uint8_t mac[6], char out[18]);

#endif
