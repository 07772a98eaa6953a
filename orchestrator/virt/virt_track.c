/* orchestrator/virt/virt_track.c — lifecycle events, domain state, addresses. */
#include "orchestrator/virt/virt_track.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/mem.h"
#include "orchestrator/virt/virt_int.h"

static const char *const state_names[] = {
	[VIRT_DOM_MISSING] = "missing",	[VIRT_DOM_RUNNING] = "running",
	[VIRT_DOM_PAUSED] = "paused",	[VIRT_DOM_SHUTOFF] = "shut off",
	[VIRT_DOM_CRASHED] = "crashed",	[VIRT_DOM_OTHER] = "other",
};

const char *virt_dom_state_str(enum virt_dom_state st)
{
	return state_names[st];
}

const char *virt_addr_src_str(enum virt_addr_src src)
{
	static const char *const names[] = { "-", "reserved", "lease", "agent", "arp" };

	return names[src];
}

static enum virt_dom_state from_libvirt(int st)
{
	switch (st) {
	case VIR_DOMAIN_RUNNING: return VIRT_DOM_RUNNING;
	case VIR_DOMAIN_PAUSED: return VIRT_DOM_PAUSED;
	case VIR_DOMAIN_SHUTOFF: return VIRT_DOM_SHUTOFF;
	case VIR_DOMAIN_CRASHED: return VIRT_DOM_CRASHED;
	default: return VIRT_DOM_OTHER;
	}
}

/* ---- the event loop thread ---- */

static pthread_once_t events_once = PTHREAD_ONCE_INIT;
static int events_rc = -1;

static void *event_loop(void *arg)
{
	(void)arg;
	for (;;)
		if (virEventRunDefaultImpl() < 0)
			break;
	return NULL;
}

static void events_start(void)
{
	pthread_t t;

	if (virt_ck(virEventRegisterDefaultImpl()) < 0)
		return;
	if (pthread_create(&t, NULL, event_loop, NULL) != 0)
		return;
	pthread_detach(t);
	events_rc = 0;
}

int virt_events_init(struct herd_err *err)
{
	virt_quiet_once();
	pthread_once(&events_once, events_start);
	if (events_rc != 0)
		return virt_fail(err, "start libvirt's event loop");
	return 0;
}

/* ---- lifecycle events ---- */

struct watch {
	virt_lifecycle_fn fn;
	void *ud;
};

static const char *event_word(int event)
{
	static const char *const words[] = {
		"defined", "undefined", "started", "suspended", "resumed",
		"stopped", "shutdown", "pmsuspended", "crashed",
	};

	if (event >= 0 && (size_t)event < sizeof words / sizeof words[0])
		return words[event];
	return "changed";
}

static int on_lifecycle(virConnectPtr conn, virDomainPtr dom, int event,
			int detail, void *opaque)
{
	struct watch *w = opaque;
	int st = VIR_DOMAIN_NOSTATE, reason = 0;
	enum virt_dom_state now;

	(void)conn;
	(void)detail;
	if (event == VIR_DOMAIN_EVENT_UNDEFINED)
		now = VIRT_DOM_MISSING;
	else if (event == VIR_DOMAIN_EVENT_CRASHED)
		now = VIRT_DOM_CRASHED;
	else if (virDomainGetState(dom, &st, &reason, 0) == 0)
		now = from_libvirt(st);
	else
		now = VIRT_DOM_OTHER;
	w->fn(w->ud, virDomainGetName(dom), now, event_word(event));
	return 0;
}

int virt_lifecycle_watch(struct virt *v, virt_lifecycle_fn fn, void *ud,
			 int *id, struct herd_err *err)
{
	struct watch *w = xmalloc(sizeof *w);

	w->fn = fn;
	w->ud = ud;
	*id = virt_ck(virConnectDomainEventRegisterAny(v->conn, NULL,
					       VIR_DOMAIN_EVENT_ID_LIFECYCLE,
					       VIR_DOMAIN_EVENT_CALLBACK(on_lifecycle),
					       w, free));
	if (*id < 0) {
		free(w);
		return virt_fail(err, "watch domain events");
	}
	return 0;
}

void virt_lifecycle_unwatch(struct virt *v, int id)
{
	if (id >= 0)
		virConnectDomainEventDeregisterAny(v->conn, id);
}

/* ---- state ---- */

int virt_dom_state(struct virt *v, const char *name, enum virt_dom_state *st,
		   struct herd_err *err)
{
	virDomainPtr dom = virt_ckp(virDomainLookupByName(v->conn, name));
	int state = 0, reason = 0, rc = -1;

	if (dom == NULL) {
		if (virt_last_code() == VIR_ERR_NO_DOMAIN) {
			virt_forget();
			*st = VIRT_DOM_MISSING;
			return 0;
		}
		return virt_fail(err, "domain %s", name);
	}
	if (virt_ck(virDomainGetState(dom, &state, &reason, 0)) < 0) {
		virt_fail(err, "state of domain %s", name);
		goto out;
	}
	*st = from_libvirt(state);
	rc = 0;
out:
	virDomainFree(dom);
	return rc;
}

/* ---- addresses ---- */

int virt_addr_parse(const char *raw, char out[64])
{
	struct in_addr a;

	out[0] = '\0';
	if (raw == NULL || inet_pton(AF_INET, raw, &a) != 1)
		return 0;
	return inet_ntop(AF_INET, &a, out, 64) != NULL;
}

/* The ip='' of the <host mac=''> entry for mac in the network's XML.  Each
 * entry is copied with its closing '>': virt_xml_attr() needs one to know
 * where the tag ends. */
static int addr_reserved(virNetworkPtr net, const char *mac, char *ip)
{
	char *xml = virNetworkGetXMLDesc(net, 0), *p, *end, *tag, *attr;
	int found = 0;

	if (xml == NULL)
		return -1;
	for (p = strstr(xml, "<host "); p != NULL && !found; p = strstr(p + 1, "<host ")) {
		end = strchr(p, '>');
		if (end == NULL)
			break;
		tag = xstrndup(p, (size_t)(end - p) + 1);
		if (strcasestr(tag, mac) != NULL &&
		    (attr = virt_xml_attr(tag, "ip")) != NULL) {
			found = virt_addr_parse(attr, ip);
			free(attr);
		}
		free(tag);
	}
	free(xml);
	return found;
}

static int addr_lease(virNetworkPtr net, const char *mac, char *ip)
{
	virNetworkDHCPLeasePtr *leases = NULL;
	int n = virNetworkGetDHCPLeases(net, mac, &leases, 0), i, found = 0;

	if (n < 0)
		return -1;
	for (i = 0; i < n; i++) {
		if (!found && leases[i]->type == VIR_IP_ADDR_TYPE_IPV4)
			found = virt_addr_parse(leases[i]->ipaddr, ip);
		virNetworkDHCPLeaseFree(leases[i]);
	}
	free(leases);
	return found;
}

/* The IPv4 address libvirt's source (agent, ARP) reports for mac: 1 found,
 * 0 not (yet), -1 the source failed. */
static int addr_from(virDomainPtr dom, unsigned source, const char *mac, char *ip)
{
	virDomainInterfacePtr *ifs = NULL;
	int n, i, found = 0;
	unsigned j;

	n = virDomainInterfaceAddresses(dom, &ifs, source, 0);
	if (n < 0)
		return -1;
	for (i = 0; i < n; i++) {
		if (!found && ifs[i]->hwaddr && strcasecmp(ifs[i]->hwaddr, mac) == 0)
			for (j = 0; j < ifs[i]->naddrs && !found; j++)
				if (ifs[i]->addrs[j].type == VIR_IP_ADDR_TYPE_IPV4)
					found = virt_addr_parse(ifs[i]->addrs[j].addr, ip);
		virDomainInterfaceFree(ifs[i]);
	}
	free(ifs);
	return found;
}

/* The daemon is on this machine (no host in the URI: "qemu:///system"),
 * so its ARP table is ours. */
static bool is_local(const struct virt *v)
{
	const char *p = v->uri ? strstr(v->uri, "://") : NULL;

	return p != NULL && p[3] == '/';
}

/* The host's ARP table, read by hand: libvirt's own reader
 * (VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_ARP) fails with "wrong nlmsg len"
 * on Debian 12's libvirt 9.0, and /proc/net/arp is one line per entry:
 * "IP HW-type Flags HW-address Mask Device".  Complete entries only
 * (flag ATF_COM, 0x2).  1 found, 0 not. */
static int addr_host_arp(const char *mac, char *ip)
{
	FILE *f = fopen("/proc/net/arp", "r");
	char line[256], a[64], hw[32];
	unsigned type, flags;
	int found = 0;

	if (f == NULL)
		return 0;
	if (fgets(line, sizeof line, f) == NULL) {	/* the header */
		fclose(f);
		return 0;
	}
	while (!found && fgets(line, sizeof line, f) != NULL)
		if (sscanf(line, "%63s %x %x %31s", a, &type, &flags, hw) == 4 &&
		    (flags & 0x2) && strcasecmp(hw, mac) == 0)
			found = virt_addr_parse(a, ip);
	fclose(f);
	return found;
}

/* What the guest agent, else the ARP table, says of a running domain.
 * The agent is optional in a guest, and the ARP table knows only who
 * talked to the host: their silence is "no address yet", not an error,
 * so their failures are not reported.  A stopped domain has no address,
 * whatever the ARP table still remembers. */
static enum virt_addr_src addr_of_running(struct virt *v, virDomainPtr dom,
					  const char *mac, char *ip)
{
	if (virDomainIsActive(dom) != 1)
		return VIRT_ADDR_NONE;
	if (addr_from(dom, VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_AGENT, mac, ip) == 1)
		return VIRT_ADDR_AGENT;
	if (addr_from(dom, VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_ARP, mac, ip) == 1 ||
	    (is_local(v) && addr_host_arp(mac, ip) == 1))
		return VIRT_ADDR_ARP;
	return VIRT_ADDR_NONE;
}

int virt_dom_addr(struct virt *v, const char *domain, const char *network,
		  const char *mac, char *ip, enum virt_addr_src *src,
		  struct herd_err *err)
{
	virNetworkPtr net = NULL;
	virDomainPtr dom = NULL;

	(void)err;
	ip[0] = '\0';
	*src = VIRT_ADDR_NONE;
	if (network != NULL && (net = virNetworkLookupByName(v->conn, network))) {
		if (addr_reserved(net, mac, ip) == 1)
			*src = VIRT_ADDR_RESERVED;
		else if (addr_lease(net, mac, ip) == 1)
			*src = VIRT_ADDR_LEASE;
		virNetworkFree(net);
	}
	if (*src == VIRT_ADDR_NONE && (dom = virDomainLookupByName(v->conn, domain)) != NULL) {
		*src = addr_of_running(v, dom, mac, ip);
		virDomainFree(dom);
	}
	return 0;
}
