/* orchestrator/virt/virt_track.h — watching domains: lifecycle events from
 * libvirt's event loop, domain state, and guest addresses.
 *
 * Events need libvirt's default event loop registered BEFORE the
 * connection is opened: call virt_events_init() first, then virt_open().
 * The loop runs in one background thread for the life of the process;
 * lifecycle callbacks run in that thread.
 */
#ifndef HERD_VIRT_TRACK_H
#define HERD_VIRT_TRACK_H

#include "common/err.h"
#include "orchestrator/virt/virt.h"

enum virt_dom_state {
	VIRT_DOM_MISSING,	/* no such domain */
	VIRT_DOM_RUNNING,
	VIRT_DOM_PAUSED,
	VIRT_DOM_SHUTOFF,
	VIRT_DOM_CRASHED,
	VIRT_DOM_OTHER,		/* blocked, shutting down, suspended, ... */
};

/* "running", "shut off", ...; static storage. */
const char *virt_dom_state_str(enum virt_dom_state st);

/* Register libvirt's default event loop and start its thread, once per
 * process.  Returns 0, or -1 with err. */
int virt_events_init(struct herd_err *err);

/* Called from the event thread for every lifecycle event of any domain on
 * the connection: the domain's name, its state now, and libvirt's event
 * (started, stopped, crashed, ...) as a word. */
typedef void (*virt_lifecycle_fn)(void *ud, const char *domain,
				  enum virt_dom_state now, const char *event);

/* Start delivering lifecycle events to fn(ud, ...); *id identifies the
 * registration for virt_lifecycle_unwatch().  Returns 0 or -1 with err. */
int virt_lifecycle_watch(struct virt *v, virt_lifecycle_fn fn, void *ud,
			 int *id, struct herd_err *err);
void virt_lifecycle_unwatch(struct virt *v, int id);

/* The state of domain `name` (VIRT_DOM_MISSING when it does not exist).
 * Returns 0, or -1 with err for other failures. */
int virt_dom_state(struct virt *v, const char *name, enum virt_dom_state *st,
		   struct herd_err *err);

enum virt_addr_src {
	VIRT_ADDR_NONE, VIRT_ADDR_RESERVED, VIRT_ADDR_LEASE, VIRT_ADDR_AGENT, VIRT_ADDR_ARP
};

/* "reserved", "lease", "agent", "arp", "-"; static storage. */
const char *virt_addr_src_str(enum virt_addr_src src);

/* 1 when raw is an IPv4 address (inet_pton), written in its canonical
 * dotted form into out (size 64); 0 (out "") for anything else: what a
 * guest agent, a lease or the ARP table reports is parsed, never copied,
 * so a guest cannot smuggle text ("10.0.0.5\n  ProxyCommand ...") into
 * ssh-config or inventory output. */
int virt_addr_parse(const char *raw, char out[64]);

/* The IPv4 address of the NIC with MAC `mac` (lower-case "52:54:00:..")
 * of domain `domain` on libvirt network `network` (may be NULL for a host
 * bridge): the network's DHCP reservation for the MAC first, then its
 * DHCP leases, then, while the domain runs, the guest agent, then the
 * host's ARP table (libvirt's reader, else /proc/net/arp when the daemon
 * is local), which knows a guest on a host bridge once it has talked to
 * the host.  Every answer goes through virt_addr_parse(): one that is not
 * an address counts as no answer.  Writes the address into ip (size
 * 64) and its source into *src (VIRT_ADDR_NONE and "" when none is known
 * yet, which is not an error).  Returns 0, or -1 with err. */
int virt_dom_addr(struct virt *v, const char *domain, const char *network,
		  const char *mac, char *ip, enum virt_addr_src *src,
		  struct herd_err *err);

#endif
