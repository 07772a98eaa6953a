/* tests/unit/test_virt.c — ownership and libvirt's errors, on libvirt's
 * test:///default driver:
 *  - herd never adopts, changes or deletes a network, pool, volume or
 *    domain that is untagged or tagged for another fleet, and says whose
 *    it is;
 *  - a pool is herd's only with its mark; the shared image pool is never
 *    removed, and in a fleet's pool only the volumes herd names go;
 *  - libvirt's error survives the calls made after the failing one;
 *  - addresses from libvirt and guests are parsed, never copied.
 *
 * test:///default's state is shared by the connections of one process: a
 * second, plain libvirt connection plays someone else (virsh, another
 * tool) making objects herd must leave alone. */
#include "testutil.h"

#include <libvirt/libvirt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "orchestrator/virt/virt.h"
#include "orchestrator/virt/virt_domain.h"
#include "orchestrator/virt/virt_int.h"
#include "orchestrator/virt/virt_net.h"
#include "orchestrator/virt/virt_pool.h"
#include "orchestrator/virt/virt_snap.h"
#include "orchestrator/virt/virt_track.h"
#include "plans/fleet.h"

static struct virt *v;
static virConnectPtr other;

static int setup(void **state)
{
	struct herd_err err = HERD_ERR_INIT;

	(void)state;
	v = virt_open("test:///default", &err);
	other = virConnectOpen("test:///default");
	return v != NULL && other != NULL ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	virConnectClose(other);
	virt_close(v);
	return 0;
}

static void has(const char *msg, const char *want)
{
	if (strstr(msg, want) == NULL)
		fail_msg("expected \"%s\" in \"%s\"", want, msg);
}

static void define_net(const char *name, const char *fleet)
{
	char xml[1024];
	virNetworkPtr n;

	snprintf(xml, sizeof xml,
		 "<network><name>%s</name>%s%s%s<ip address='10.9.%d.1' "
		 "prefix='24'/></network>", name,
		 fleet ? "<metadata><herd:net xmlns:herd=\"" VIRT_XMLNS "\" fleet=\"" : "",
		 fleet ? fleet : "", fleet ? "\" name=\"n\" hash=\"x\"/></metadata>" : "",
		 (int)strlen(name));
	n = virNetworkDefineXML(other, xml);
	assert_non_null(n);
	virNetworkFree(n);
}

static int net_exists(const char *name)
{
	virNetworkPtr n = virNetworkLookupByName(other, name);

	if (n != NULL)
		virNetworkFree(n);
	return n != NULL;
}

/* An existing network of the wanted name is adopted only when it is
 * tagged for this fleet (it used to be adopted whatever its tag). */
static void test_network_of_another_is_refused(void **state)
{
	struct herd_err err = HERD_ERR_INIT;
	struct fleet_network net;
	struct virt_dhcp_host h = { { 0x52, 0x54, 0, 1, 2, 3 }, (10u << 24) | 7, "vm" };
	char *xml;
	virNetworkPtr n;

	(void)state;
	memset(&net, 0, sizeof net);
	net.name = "net";
	net.mode = FLEET_NET_NAT;
	net.gateway = (10u << 24) | 1;
	net.prefix = 24;
	net.dhcp_first = (10u << 24) | 200;
	net.dhcp_last = (10u << 24) | 250;
	define_net("herd-o1-net", NULL);
	assert_int_equal(virt_net_ensure(v, "o1", "herd-o1-net", &net, &h, 1, &err), -1);
	assert_int_equal(err.code, HERD_E_STATE);
	has(err.msg, "network herd-o1-net exists and is not fleet 'o1''s (untagged)");
	n = virNetworkLookupByName(other, "herd-o1-net");
	xml = virNetworkGetXMLDesc(n, 0);
	assert_null(strstr(xml, "<host "));	/* nothing was added to it */
	free(xml);
	virNetworkFree(n);
	assert_int_equal(virt_net_remove(v, "o1", "herd-o1-net", &err), -1);
	assert_true(net_exists("herd-o1-net"));

	define_net("herd-o2-net", "other");
	assert_int_equal(virt_net_ensure(v, "o2", "herd-o2-net", &net, &h, 1, &err), -1);
	has(err.msg, "network herd-o2-net exists and is not fleet 'o2''s (tagged for fleet 'other')");
	assert_int_equal(virt_net_remove(v, "o2", "herd-o2-net", &err), -1);
	has(err.msg, "tagged for fleet 'other'");
	assert_true(net_exists("herd-o2-net"));

	/* its own network: made, adopted again, removed */
	assert_int_equal(virt_net_ensure(v, "o3", "herd-o3-net", &net, &h, 1, &err), 0);
	assert_int_equal(virt_net_ensure(v, "o3", "herd-o3-net", &net, &h, 1, &err), 0);
	assert_int_equal(virt_net_remove(v, "o3", "herd-o3-net", &err), 0);
	assert_false(net_exists("herd-o3-net"));
}

static void define_pool(const char *name, const char *source)
{
	char xml[1024];
	virStoragePoolPtr p;

	snprintf(xml, sizeof xml, "<pool type='dir'><name>%s</name>%s<target><path>"
		 "/nonexistent/%s</path></target></pool>", name, source, name);
	p = virStoragePoolDefineXML(other, xml, 0);
	assert_non_null(p);
	assert_int_equal(virStoragePoolCreate(p, 0), 0);
	virStoragePoolFree(p);
}

static int pool_exists(const char *name)
{
	virStoragePoolPtr p = virStoragePoolLookupByName(other, name);

	if (p != NULL)
		virStoragePoolFree(p);
	return p != NULL;
}

static void other_vol(const char *pool, const char *name)
{
	virStoragePoolPtr p = virStoragePoolLookupByName(other, pool);
	char xml[256];
	virStorageVolPtr vol;

	snprintf(xml, sizeof xml, "<volume><name>%s</name><capacity>1024</capacity>"
		 "</volume>", name);
	vol = virStorageVolCreateXML(p, xml, 0);
	assert_non_null(vol);
	virStorageVolFree(vol);
	virStoragePoolFree(p);
}

static int vol_exists(const char *pool, const char *name)
{
	virStoragePoolPtr p = virStoragePoolLookupByName(other, pool);
	virStorageVolPtr vol = virStorageVolLookupByName(p, name);

	if (vol != NULL)
		virStorageVolFree(vol);
	virStoragePoolFree(p);
	return vol != NULL;
}

/* A pool of herd's name is herd's only with its mark, and only the
 * fleet the mark names may use it. */
static void test_unmarked_pool_is_refused(void **state)
{
	struct herd_err err = HERD_ERR_INIT;
	char *path = NULL;
	int removed = 1;

	(void)state;
	define_pool("herd-p1", "");
	other_vol("herd-p1", "p1-a.qcow2");
	assert_int_equal(virt_pool_ensure(v, "p1", "herd-p1", "/x", &err), -1);
	assert_int_equal(err.code, HERD_E_STATE);
	has(err.msg, "pool herd-p1 exists and is not fleet 'p1''s (untagged)");
	assert_int_equal(virt_vol_create_blank(v, "p1", "herd-p1", "p1-b.qcow2", 1024, &path,
					       &err), -1);
	has(err.msg, "pool herd-p1 exists and is not fleet 'p1''s (untagged)");
	assert_int_equal(virt_vol_delete(v, "p1", "herd-p1", "p1-a.qcow2", &err), -1);
	assert_true(vol_exists("herd-p1", "p1-a.qcow2"));
	assert_int_equal(virt_pool_remove(v, "p1", "herd-p1", &removed, &err), -1);
	assert_int_equal(removed, 0);
	assert_true(pool_exists("herd-p1"));

	define_pool("herd-p2", "<source><vendor name='herd'/><product name='fleet=x'/></source>");
	assert_int_equal(virt_pool_ensure(v, "p2", "herd-p2", "/x", &err), -1);
	has(err.msg, "pool herd-p2 exists and is not fleet 'p2''s (tagged for fleet 'x')");
	assert_int_equal(virt_vol_path(v, "p2", "herd-p2", "p2-a.qcow2", &path, &err), -1);
	assert_null(path);
}

/* The shared image pool is only added to: no fleet uses it as its own,
 * and nothing removes it. */
static void test_shared_pool_is_never_removed(void **state)
{
	struct herd_err err = HERD_ERR_INIT;
	int removed = 1;

	(void)state;
	assert_int_equal(virt_pool_ensure(v, NULL, "herd-shared", "/nonexistent/s", &err), 0);
	assert_int_equal(virt_pool_ensure(v, NULL, "herd-shared", "/nonexistent/s", &err), 0);
	assert_int_equal(virt_pool_ensure(v, "s", "herd-shared", "/x", &err), -1);
	has(err.msg, "pool herd-shared exists and is not fleet 's''s (herd's shared image pool)");
	assert_int_equal(virt_pool_remove(v, "s", "herd-shared", &removed, &err), -1);
	assert_int_equal(virt_pool_remove(v, NULL, "herd-shared", &removed, &err), -1);
	has(err.msg, "never removes its shared image pool");
	assert_true(pool_exists("herd-shared"));
	/* and a fleet's pool is not a shared pool */
	assert_int_equal(virt_pool_ensure(v, "q", "herd-q", "/nonexistent/q", &err), 0);
	assert_int_equal(virt_pool_ensure(v, NULL, "herd-q", "/x", &err), -1);
	has(err.msg, "pool herd-q exists and is not herd's shared image pool (tagged for fleet 'q')");
}

/* In its own pool, a fleet deletes the volumes herd names for its VMs
 * and leaves anything else, with the pool around it. */
static void test_only_herd_volumes_are_deleted(void **state)
{
	struct herd_err err = HERD_ERR_INIT;
	char *path = NULL;
	int removed = 1;

	(void)state;
	assert_int_equal(virt_pool_ensure(v, "p3", "herd-p3", "/nonexistent/p3", &err), 0);
	assert_int_equal(virt_vol_create_blank(v, "p3", "herd-p3", "p3-a.qcow2", 1024, &path,
					       &err), 0);
	free(path);
	other_vol("herd-p3", "p3-b-seed.iso");
	other_vol("herd-p3", "p3-b.console.log");
	other_vol("herd-p3", "precious.img");
	other_vol("herd-p3", "other-a.qcow2");
	assert_int_equal(virt_vol_delete(v, "p3", "herd-p3", "precious.img", &err), -1);
	has(err.msg, "volume herd-p3/precious.img is not a name herd gives fleet 'p3''s VMs");
	assert_int_equal(virt_vol_delete(v, "p3", "herd-p3", "other-a.qcow2", &err), -1);
	assert_int_equal(virt_vol_delete(v, "p3", "herd-p3", "p3-a.qcow2", &err), 0);
	assert_false(vol_exists("herd-p3", "p3-a.qcow2"));
	assert_int_equal(virt_pool_remove(v, "p3", "herd-p3", &removed, &err), -1);
	has(err.msg, "pool herd-p3 holds volumes herd did not make (");
	has(err.msg, "precious.img");
	has(err.msg, "other-a.qcow2");
	assert_int_equal(removed, 0);
	assert_true(pool_exists("herd-p3"));
	assert_true(vol_exists("herd-p3", "precious.img"));
	assert_true(vol_exists("herd-p3", "other-a.qcow2"));
	assert_false(vol_exists("herd-p3", "p3-b-seed.iso"));
	assert_false(vol_exists("herd-p3", "p3-b.console.log"));
}

static void define_dom(const char *name, const char *fleet)
{
	char xml[1024];
	virDomainPtr d;

	snprintf(xml, sizeof xml, "<domain type='test'><name>%s</name>%s%s%s"
		 "<memory unit='MiB'>64</memory><os><type>hvm</type></os></domain>", name,
		 fleet ? "<metadata><herd:vm xmlns:herd=\"" VIRT_XMLNS "\" fleet=\"" : "",
		 fleet ? fleet : "", fleet ? "\"/></metadata>" : "");
	d = virDomainDefineXML(other, xml);
	assert_non_null(d);
	virDomainFree(d);
}

static int dom_active(const char *name)
{
	virDomainPtr d = virDomainLookupByName(other, name);
	int a = d ? virDomainIsActive(d) : -1;

	if (d != NULL)
		virDomainFree(d);
	return a;
}

/* start, restart, remove and snapshots refuse a domain that is not the
 * fleet's, as define always did. */
static void test_domain_of_another_is_refused(void **state)
{
	struct herd_err err = HERD_ERR_INIT;
	char **names = NULL;
	size_t n = 0;
	int removed = 1;

	(void)state;
	define_dom("d1-a", NULL);
	define_dom("d1-b", "other");
	assert_int_equal(virt_domain_start(v, "d1", "d1-a", &err), -1);
	has(err.msg, "domain d1-a exists and is not fleet 'd1''s (untagged)");
	assert_int_equal(dom_active("d1-a"), 0);
	assert_int_equal(virt_domain_restart(v, "d1", "d1-b", &err), -1);
	has(err.msg, "domain d1-b exists and is not fleet 'd1''s (tagged for fleet 'other')");
	assert_int_equal(virt_domain_remove(v, "d1", "d1-a", &removed, &err), -1);
	assert_int_equal(removed, 0);
	assert_int_equal(virt_domain_remove(v, "d1", "d1-b", &removed, &err), -1);
	assert_int_equal(dom_active("d1-b"), 0);	/* still there */
	assert_int_equal(virt_snap_create(v, "d1", "d1-b", "s", &err), -1);
	has(err.msg, "tagged for fleet 'other'");
	assert_int_equal(virt_snap_list(v, "d1", "d1-a", &names, &n, &err), -1);
	assert_int_equal(virt_domain_define(v, "d1", "d1-b", "<domain/>", &err), -1);
	has(err.msg, "domain d1-b exists and is not fleet 'd1''s (tagged for fleet 'other')");
	/* the fleet's own */
	define_dom("d2-a", "d2");
	assert_int_equal(virt_domain_start(v, "d2", "d2-a", &err), 0);
	assert_int_equal(dom_active("d2-a"), 1);
	assert_int_equal(virt_domain_remove(v, "d2", "d2-a", &removed, &err), 0);
	assert_int_equal(removed, 1);
	assert_int_equal(dom_active("d2-a"), -1);
}

/* libvirt resets its error at every call, also one that then succeeds:
 * the capture keeps the failing call's. */
static void test_error_survives_later_calls(void **state)
{
	struct herd_err err = HERD_ERR_INIT;
	virDomainPtr d;
	char *uri;

	(void)state;
	d = virt_ckp(virDomainLookupByName(other, "no-such-domain"));
	assert_null(d);
	uri = virConnectGetURI(other);	/* succeeds, and resets libvirt's error */
	free(uri);
	assert_int_equal(virt_last_code(), VIR_ERR_NO_DOMAIN);
	assert_int_equal(virt_fail(&err, "start domain %s", "x"), -1);
	assert_int_equal(err.code, HERD_E_VIRT);
	has(err.msg, "start domain x: Domain not found");
	assert_null(strstr(err.msg, "no error"));
	assert_int_equal(virt_last_code(), 0);	/* reported once */
	/* through herd's own functions: the domain named, and why */
	assert_int_equal(virt_domain_start(v, "f", "no-such-domain", &err), -1);
	has(err.msg, "domain no-such-domain: ");
	has(err.msg, "Domain not found");
}

/* What a guest agent, a lease or the ARP table says is an address only
 * when inet_pton agrees; anything else is dropped, never copied. */
static void test_addresses_are_parsed(void **state)
{
	char ip[64];

	(void)state;
	assert_int_equal(virt_addr_parse("10.0.0.5", ip), 1);
	assert_string_equal(ip, "10.0.0.5");
	assert_int_equal(virt_addr_parse("10.0.0.5\n  ProxyCommand touch /tmp/pwned", ip), 0);
	assert_string_equal(ip, "");
	assert_int_equal(virt_addr_parse("10.0.0.5 ProxyCommand x", ip), 0);
	assert_int_equal(virt_addr_parse("10.0.0.256", ip), 0);
	assert_int_equal(virt_addr_parse("", ip), 0);
	assert_int_equal(virt_addr_parse(NULL, ip), 0);
	assert_int_equal(virt_addr_parse("::1", ip), 0);
	assert_int_equal(virt_addr_parse("010.0.0.5", ip), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_network_of_another_is_refused),
		cmocka_unit_test(test_unmarked_pool_is_refused),
		cmocka_unit_test(test_shared_pool_is_never_removed),
		cmocka_unit_test(test_only_herd_volumes_are_deleted),
		cmocka_unit_test(test_domain_of_another_is_refused),
		cmocka_unit_test(test_error_survives_later_calls),
		cmocka_unit_test(test_addresses_are_parsed),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
