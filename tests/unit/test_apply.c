/* tests/unit/test_apply.c — plan and apply on libvirt's test:///default
 * driver: 1,000 VMs created by the worker pool, re-planned to zero
 * changes, then updated, shrunk and re-planned again.
 *
 * test:///default keeps its state in memory per connection, so the whole
 * cycle runs on one connection in this process.  The fleet is built by
 * hand (bootstrap none, blank disks: the test driver cannot take uploads). */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "orchestrator/run/apply.h"
#include "orchestrator/virt/virt.h"
#include "orchestrator/virt/virt_domain.h"
#include "orchestrator/virt/virt_pool.h"
#include "plans/plan.h"

#define N_VMS 1000

struct big {
	struct fleet f;
	struct fleet_network net;
	const struct fleet_network *nets[1];
	struct fleet_spec spec, spec2;
	struct fleet_vm *vms;
	struct fleet_nic *nics;
	char (*names)[32], (*doms)[40];
};

static struct big *big_new(size_t n)
{
	struct big *b = calloc(1, sizeof *b);
	size_t i;

	b->vms = calloc(n, sizeof *b->vms);
	b->nics = calloc(n, sizeof *b->nics);
	b->names = calloc(n, sizeof *b->names);
	b->doms = calloc(n, sizeof *b->doms);
	b->net.name = "labnet";
	b->net.mode = FLEET_NET_NAT;
	b->net.addr = 0x0a2a0000;
	b->net.prefix = 16;
	b->net.gateway = 0x0a2a0001;
	b->net.dhcp_first = 0x0a2ac000;
	b->net.dhcp_last = 0x0a2afffe;
	b->nets[0] = &b->net;
	b->spec.cpus = 1;
	b->spec.memory = 256ull << 20;
	b->spec.disk = 16ull << 20;	/* the test pool holds ~100 GiB */
	b->spec.bootstrap = FLEET_BOOT_NONE;
	b->spec.networks = b->nets;
	b->spec.n_networks = 1;
	b->spec2 = b->spec;
	b->spec2.cpus = 2;
	for (i = 0; i < n; i++) {
		snprintf(b->names[i], sizeof b->names[i], "n-%04zu", i + 1);
		snprintf(b->doms[i], sizeof b->doms[i], "scale-n-%04zu", i + 1);
		b->nics[i].mac[0] = 0x52;
		b->nics[i].mac[4] = (uint8_t)(i >> 8);
		b->nics[i].mac[5] = (uint8_t)i;
		b->nics[i].ip = 0x0a2a0100 + (uint32_t)i;
		b->vms[i].name = b->names[i];
		b->vms[i].domain = b->doms[i];
		b->vms[i].group = "n";
		b->vms[i].index = (unsigned)i + 1;
		b->vms[i].spec = &b->spec;
		b->vms[i].nics = &b->nics[i];
	}
	b->f.name = "scale";
	b->f.accel = FLEET_ACCEL_QEMU;
	b->f.networks = &b->net;
	b->f.n_networks = 1;
	b->f.vms = b->vms;
	b->f.n_vms = n;
	return b;
}

static void big_free(struct big *b)
{
	free(b->vms);
	free(b->nics);
	free(b->names);
	free(b->doms);
	free(b);
}

static void plan_now(struct virt *v, const struct fleet *f, struct plan *p)
{
	struct herd_err err = HERD_ERR_INIT;
	struct plan_observed o;

	memset(&o, 0, sizeof o);
	assert_int_equal(virt_observe(v, f->name, &o, &err), 0);
	plan_build(f, NULL, &o, p);
	plan_observed_release(&o);
}

static void apply_now(struct virt *v, const struct fleet *f, const struct plan *p,
		      int jobs, bool restart)
{
	struct apply_opts o = { jobs, restart, "/nonexistent/herd-test", NULL, NULL, NULL, NULL };
	struct herd_err err = HERD_ERR_INIT;
	struct apply_report rep;
	int rc = apply_run(v, f, p, &o, &rep, &err);

	if (rc != 0)
		fprintf(stderr, "apply: %s\n", err.msg);
	assert_int_equal(rc, 0);
	assert_int_equal(rep.n_failed, 0);
	apply_report_release(&rep);
}

static void test_thousand_vms(void **state)
{
	struct herd_err err = HERD_ERR_INIT;
	struct virt *v = virt_open("test:///default", &err);
	struct big *b = big_new(N_VMS);
	struct plan p;

	(void)state;
	assert_non_null(v);
	plan_now(v, &b->f, &p);
	assert_int_equal(p.count[PLAN_CREATE], N_VMS);
	assert_int_equal(p.count[PLAN_POOL_CREATE], 1);
	assert_int_equal(p.count[PLAN_NET_CREATE], 1);
	apply_now(v, &b->f, &p, 8, false);
	plan_release(&p);

	plan_now(v, &b->f, &p);		/* converged: nothing to do */
	assert_true(plan_is_empty(&p, true));
	assert_int_equal(p.count[PLAN_UNCHANGED], N_VMS);
	plan_release(&p);

	b->vms[0].spec = &b->spec2;	/* one update, ten deletes */
	b->f.n_vms = N_VMS - 10;
	plan_now(v, &b->f, &p);
	assert_int_equal(p.count[PLAN_UPDATE], 1);
	assert_true(p.acts[p.n - 1].kind == PLAN_UNCHANGED);
	assert_int_equal(p.count[PLAN_DELETE], 10);
	apply_now(v, &b->f, &p, 3, true);
	plan_release(&p);

	plan_now(v, &b->f, &p);
	assert_true(plan_is_empty(&p, true));
	assert_int_equal(p.count[PLAN_UNCHANGED], N_VMS - 10);
	plan_release(&p);
	virt_close(v);
	big_free(b);
}

/* A domain with a name like the fleet's but no tag is not the fleet's. */
static void test_untagged_domain_is_ignored(void **state)
{
	struct herd_err err = HERD_ERR_INIT;
	struct virt *v = virt_open("test:///default", &err);
	struct big *b = big_new(2);
	struct plan_hashes h;
	struct virt_nic nic = { { 0x52, 0, 0, 0, 9, 9 }, "default", NULL };
	struct virt_domain_spec d = { "scale-n-0002", "other", "n-0002", NULL, 0, &h,
				      "test", 1, 64 << 20, NULL, NULL, NULL,
				      "/var/lib/x.qcow2", "qcow2", NULL, &nic, 1, NULL, false };
	char *xml;
	struct plan p;

	(void)state;
	memset(&h, 0, sizeof h);
	xml = virt_domain_xml(&d);	/* tagged for fleet "other" */
	assert_int_equal(virt_domain_define(v, "other", "scale-n-0002", xml, &err), 0);
	free(xml);
	plan_now(v, &b->f, &p);
	/* scale-n-0002 belongs to "other": scale plans to create its own */
	assert_int_equal(p.count[PLAN_CREATE], 2);
	assert_int_equal(p.count[PLAN_DELETE], 0);
	/* applying it fails for that VM only: herd takes no one else's domain */
	{
		struct apply_opts o = { 2, false, "/nonexistent", NULL, NULL, NULL, NULL };
		struct apply_report rep;

		assert_int_equal(apply_run(v, &b->f, &p, &o, &rep, &err), -1);
		assert_int_equal(rep.n_failed, 1);
		assert_non_null(strstr(err.msg, "scale-n-0002 exists and is not fleet 'scale''s"));
		apply_report_release(&rep);
	}
	plan_release(&p);
	plan_now(v, &b->f, &p);	/* n-0001 made; n-0002 still to create */
	assert_int_equal(p.count[PLAN_CREATE], 1);
	assert_int_equal(p.count[PLAN_UNCHANGED], 1);
	plan_release(&p);
	virt_close(v);
	big_free(b);
}

static void test_domain_xml_escapes(void **state)
{
	struct plan_hashes h;
	struct virt_nic nic = { { 0x52, 0x54, 0, 1, 2, 3 }, NULL, "br0" };
	struct virt_domain_spec d = { "lab-a", "lab", "a", "g", 3, &h, "qemu", 2, 1ull << 30,
				      "/k", "/i", "console=ttyS0 x=\"<&>\"", "/d.qcow2",
				      "qcow2", "/s.iso", &nic, 1, "/log", false };
	char *xml;

	(void)state;
	memset(&h, 0, sizeof h);
	strcpy(h.spec, "0123456789abcdef");
	xml = virt_domain_xml(&d);
	assert_non_null(strstr(xml, "<cmdline>console=ttyS0 x=&quot;&lt;&amp;&gt;&quot;</cmdline>"));
	assert_non_null(strstr(xml, "spec=\"0123456789abcdef\""));
	assert_non_null(strstr(xml, "<interface type='bridge'><mac address='52:54:00:01:02:03'/>"
				    "<source bridge=\"br0\"/>"));
	assert_non_null(strstr(xml, "<memory unit='KiB'>1048576</memory><vcpu>2</vcpu>"));
	assert_non_null(strstr(xml, "device='cdrom'"));
	assert_non_null(strstr(xml, "<on_reboot>restart</on_reboot>"));
	assert_null(strstr(xml, "phase="));
	free(xml);
	/* An installer's reboot powers off (else it installs again), and the
	 * metadata says so, for the plan that then boots the disk. */
	d.installing = true;
	xml = virt_domain_xml(&d);
	assert_non_null(strstr(xml, "<on_reboot>destroy</on_reboot>"));
	assert_non_null(strstr(xml, " phase=\"install\""));
	free(xml);
}

/* Failing calls say what failed and why, and free what they took (ASan
 * would report a leak). */
static void test_failures(void **state)
{
	struct herd_err err = HERD_ERR_INIT;
	struct virt *v = virt_open("test:///default", &err);
	char *path = NULL;

	(void)state;
	assert_non_null(v);
	assert_int_equal(virt_vol_create_full(v, "f", "nopool", "a", "nopool", "b", 1, &path, &err), -1);
	assert_non_null(strstr(err.msg, "pool nopool: "));
	assert_int_equal(virt_pool_ensure(v, NULL, "p1", "/nonexistent/p1", &err), 0);
	assert_int_equal(virt_vol_create_full(v, "f", "p1", "a", "p1", "missing", 1, &path, &err), -1);
	assert_non_null(strstr(err.msg, "base volume p1/missing: "));
	assert_null(path);
	assert_int_equal(virt_domain_start(v, "f", "nosuch", &err), -1);
	assert_non_null(strstr(err.msg, "domain nosuch: "));
	assert_int_equal(virt_vol_delete(v, NULL, "p1", "missing", &err), 0);	/* nothing to do */
	virt_close(v);
	assert_null(virt_open("nosuchdriver:///x", &err));
	assert_non_null(strstr(err.msg, "connect to nosuchdriver:///x: "));
}

/* A VM whose image cannot be had fails alone, with the image named. */
static void test_bad_image_fails_one_vm(void **state)
{
	struct herd_err err = HERD_ERR_INIT;
	struct virt *v = virt_open("test:///default", &err);
	struct big *b = big_new(3);
	struct fleet_image img = { 0 };
	struct fleet_spec with_image;
	struct apply_opts o = { 2, false, "/nonexistent", NULL, NULL, NULL, NULL };
	struct apply_report rep;
	struct plan p;
	size_t i;

	(void)state;
	img.name = "gone";
	img.path = "/nonexistent/gone.qcow2";
	with_image = b->spec;
	with_image.image = &img;
	b->f.images = &img;
	b->f.n_images = 1;
	b->vms[1].spec = &with_image;
	plan_now(v, &b->f, &p);
	assert_int_equal(apply_run(v, &b->f, &p, &o, &rep, &err), -1);
	assert_int_equal(rep.n_failed, 1);
	for (i = 0; i < p.n; i++)
		if (strcmp(p.acts[i].object, "scale-n-0002") == 0)
			assert_non_null(strstr(rep.results[i].msg, "image 'gone'"));
	apply_report_release(&rep);
	plan_release(&p);
	plan_now(v, &b->f, &p);
	assert_int_equal(p.count[PLAN_CREATE], 1);	/* only the failed one is left */
	plan_release(&p);
	virt_close(v);
	big_free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_domain_xml_escapes),
		cmocka_unit_test(test_untagged_domain_is_ignored),
		cmocka_unit_test(test_failures),
		cmocka_unit_test(test_bad_image_fails_one_vm),
		cmocka_unit_test(test_thousand_vms),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
