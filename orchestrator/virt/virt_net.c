/* orchestrator/virt/virt_net.c — networks: define, DHCP hosts, remove. */
#include "orchestrator/virt/virt_net.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/buf.h"
#include "common/mem.h"
#include "orchestrator/virt/virt_int.h"
#include "orchestrator/virt/virt_own.h"
#include "plans/plan.h"

void virt_ip_str(uint32_t ip, char out[16])
{
	snprintf(out, 16, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 255, (ip >> 8) & 255,
		 ip & 255);
}

void virt_mac_str(const uint8_t m[6], char out[18])
{
	snprintf(out, 18, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4],
		 m[5]);
}

char *virt_net_xml(virNetworkPtr nw)
{
	char *x = virNetworkGetXMLDesc(nw, VIR_NETWORK_XML_INACTIVE);

	return x ? x : virNetworkGetXMLDesc(nw, 0);
}

/* <host mac='..' name='..' ip='..'/> in libvirt's own attribute order, so
 * a dumped network can be searched for it. */
static void host_xml(struct buf *x, const struct virt_dhcp_host *h)
{
	char mac[18], ip[16];

	virt_mac_str(h->mac, mac);
	virt_ip_str(h->ip, ip);
	buf_addf(x, "<host mac='%s' name='", mac);
	virt_xml_esc(x, h->name);
	buf_addf(x, "' ip='%s'/>", ip);
}

static char *net_xml(const char *fleet, const char *name, const struct fleet_network *net,
		     const struct virt_dhcp_host *hosts, size_t n)
{
	char gw[16], lo[16], hi[16], hash[PLAN_FIELD_HEX + 1];
	struct buf x;
	size_t i;

	virt_ip_str(net->gateway, gw);
	virt_ip_str(net->dhcp_first, lo);
	virt_ip_str(net->dhcp_last, hi);
	buf_init(&x);
	buf_adds(&x, "<network><name>");
	virt_xml_esc(&x, name);
	buf_addf(&x, "</name><metadata><%s:net xmlns:%s=\"%s\" fleet=\"", VIRT_XMLNS_PREFIX,
		 VIRT_XMLNS_PREFIX, VIRT_XMLNS);
	virt_xml_esc(&x, fleet);
	buf_adds(&x, "\" name=\"");
	virt_xml_esc(&x, net->name);
	plan_net_hash(net, hash);
	buf_addf(&x, "\" hash=\"%s\"/></metadata>", hash);
	if (net->mode == FLEET_NET_NAT)
		buf_adds(&x, "<forward mode='nat'/>");
	buf_addf(&x, "<ip address='%s' prefix='%u'><dhcp><range start='%s' end='%s'/>",
		 gw, net->prefix, lo, hi);
	for (i = 0; i < n; i++)
		if (hosts[i].ip != 0)
			host_xml(&x, &hosts[i]);
	buf_adds(&x, "</dhcp></ip></network>");
	return buf_take(&x, NULL);
}

/* Delete every <host> entry of the network's XML `have` that shares the
 * MAC, name or address of h: dnsmasq refuses duplicates, and a VM renamed
 * or re-addressed leaves its old entry behind. */
static void drop_conflicts(virNetworkPtr nw, const char *have,
			   const struct virt_dhcp_host *h, unsigned flags)
{
	char mac[18], ip[16], *m, *n, *a, *one;
	const char *p = have, *e;

	virt_mac_str(h->mac, mac);
	virt_ip_str(h->ip, ip);
	while ((p = strstr(p, "<host ")) != NULL) {
		e = strstr(p, "/>");
		if (e == NULL)
			break;
		one = xstrndup(p, (size_t)(e - p) + 2);
		m = virt_xml_attr(one, "mac");
		n = virt_xml_attr(one, "name");
		a = virt_xml_attr(one, "ip");
		if ((m && strcasecmp(m, mac) == 0) || (n && strcmp(n, h->name) == 0) ||
		    (a && strcmp(a, ip) == 0))
			virNetworkUpdate(nw, VIR_NETWORK_UPDATE_COMMAND_DELETE,
					 VIR_NETWORK_SECTION_IP_DHCP_HOST, -1, one, flags);
		free(m);
		free(n);
		free(a);
		free(one);
		p = e;
	}
}

/* Add the hosts the network lacks (dropping entries they clash with). */
static int add_missing_hosts(virNetworkPtr nw, const char *name,
			     const struct virt_dhcp_host *hosts, size_t n,
			     struct herd_err *err)
{
	unsigned flags = VIR_NETWORK_UPDATE_AFFECT_CONFIG;
	char *have = virt_ckp(virt_net_xml(nw));
	struct buf x;
	size_t i;
	int rc = 0;

	if (have == NULL)
		return virt_fail(err, "network %s: read", name);
	if (virNetworkIsActive(nw) == 1)
		flags |= VIR_NETWORK_UPDATE_AFFECT_LIVE;
	buf_init(&x);
	for (i = 0; i < n && rc == 0; i++) {
		if (hosts[i].ip == 0)
			continue;
		buf_reset(&x);
		host_xml(&x, &hosts[i]);
		if (strstr(have, buf_str(&x)) != NULL)
			continue;
		drop_conflicts(nw, have, &hosts[i], flags);
		if (virt_ck(virNetworkUpdate(nw, VIR_NETWORK_UPDATE_COMMAND_ADD_LAST,
					     VIR_NETWORK_SECTION_IP_DHCP_HOST, -1, buf_str(&x),
					     flags)) < 0)
			rc = virt_fail(err, "network %s: add host %s", name, hosts[i].name);
	}
	buf_release(&x);
	free(have);
	return rc;
}

int virt_net_ensure(struct virt *v, const char *fleet, const char *name,
		    const struct fleet_network *net, const struct virt_dhcp_host *hosts,
		    size_t n, struct herd_err *err)
{
	virNetworkPtr nw = virt_ckp(virNetworkLookupByName(v->conn, name));
	char *xml = NULL;
	int rc = -1;

	if (nw == NULL && virt_last_code() != VIR_ERR_NO_NETWORK) {
		virt_fail(err, "network %s", name);
		goto out;
	}
	if (nw == NULL) {
		virt_forget();
		xml = net_xml(fleet, name, net, hosts, n);
		nw = virt_ckp(virNetworkDefineXML(v->conn, xml));
		if (nw == NULL) {
			virt_fail(err, "define network %s", name);
			goto out;
		}
	} else if (virt_net_check(nw, fleet, name, err) < 0 ||
		   add_missing_hosts(nw, name, hosts, n, err) < 0) {
		goto out;
	}
	if (virNetworkIsActive(nw) != 1 && virt_ck(virNetworkCreate(nw)) < 0) {
		virt_fail(err, "start network %s", name);
		goto out;
	}
	if (virt_ck(virNetworkSetAutostart(nw, 1)) < 0) {
		virt_fail(err, "network %s: autostart", name);
		goto out;
	}
	rc = 0;
out:
	if (nw != NULL)
		virNetworkFree(nw);
	free(xml);
	return rc;
}

int virt_net_remove(struct virt *v, const char *fleet, const char *name,
		    struct herd_err *err)
{
	virNetworkPtr nw = virt_ckp(virNetworkLookupByName(v->conn, name));
	int rc = 0;

	if (nw == NULL) {
		if (virt_last_code() == VIR_ERR_NO_NETWORK) {
			virt_forget();
			return 0;
		}
		return virt_fail(err, "network %s", name);
	}
	if (virt_net_check(nw, fleet, name, err) < 0)
		rc = -1;
	else if (virNetworkIsActive(nw) == 1 && virt_ck(virNetworkDestroy(nw)) < 0)
		rc = virt_fail(err, "stop network %s", name);
	else if (virNetworkIsPersistent(nw) == 1 && virt_ck(virNetworkUndefine(nw)) < 0)
		rc = virt_fail(err, "undefine network %s", name);
	virNetworkFree(nw);
	return rc;
}
