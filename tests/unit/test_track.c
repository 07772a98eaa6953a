/* tests/unit/test_track.c — readiness stages on libvirt's test:///default
 * driver: stage words; waiting for running and ip (the DHCP reservation
 * is the address); a missing domain; a paused domain destroyed during a
 * wait is reported at once through lifecycle events; a timeout.
 *
 * Only the running and ip stages are followed here: the planned addresses
 * are never contacted (the ssh stage is tested in the integration suites,
 * inside a network namespace).  test:///default's state is shared by the
 * connections of one process, so a second, plain libvirt connection plays
 * the part of someone running virsh. */
#include "testutil.h"

#include <libvirt/libvirt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "orchestrator/run/apply.h"
#include "orchestrator/run/track.h"
#include "orchestrator/virt/virt.h"
#include "plans/plan.h"

#define N_VMS 4		/* the last one is never applied */

static struct fleet_network net;
static const struct fleet_network *nets[1] = { &net };
static struct fleet_spec spec;
static struct fleet_vm vms[N_VMS];
static struct fleet_nic nics[N_VMS];
static char names[N_VMS][16], doms[N_VMS][24];
static struct fleet fleet;
static char dir[64];

static void fleet_build(void)
{
	size_t i;

	net.name = "net";
	net.mode = FLEET_NET_NAT;
	net.addr = 0x0a2b0000;		/* 10.43.0.0/24 */
	net.prefix = 24;
	net.gateway = 0x0a2b0001;
	net.dhcp_first = 0x0a2b00c0;
	net.dhcp_last = 0x0a2b00fe;
	spec.cpus = 1;
	spec.memory = 64ull << 20;
	spec.disk = 16ull << 20;
	spec.bootstrap = FLEET_BOOT_NONE;
	spec.networks = nets;
	spec.n_networks = 1;
	for (i = 0; i < N_VMS; i++) {
		snprintf(names[i], sizeof names[i], "v%zu", i + 1);
		snprintf(doms[i], sizeof doms[i], "trk-v%zu", i + 1);
		nics[i].mac[0] = 0x52;
		nics[i].mac[1] = 0x54;
		nics[i].mac[5] = (uint8_t)(i + 1);
		nics[i].ip = 0x0a2b000a + (uint32_t)i;	/* 10.43.0.10 + i */
		vms[i].name = names[i];
		vms[i].domain = doms[i];
		vms[i].group = "v";
		vms[i].index = (unsigned)i + 1;
		vms[i].spec = &spec;
		vms[i].nics = &nics[i];
	}
	fleet.name = "trk";
	fleet.accel = FLEET_ACCEL_QEMU;
	fleet.networks = &net;
	fleet.n_networks = 1;
	fleet.vms = vms;
	fleet.n_vms = N_VMS - 1;
}

static struct virt *v;
static struct handle acc;
static virConnectPtr other;	/* "virsh" */

static int setup(void **state)
{
	struct herd_err err = HERD_ERR_INIT;
	struct apply_opts o = { 2, false, "/nonexistent/herd-test", NULL, NULL, NULL, NULL };
	struct plan_observed obs;
	struct apply_report rep;
	struct plan p;
	int rc;

	(void)state;
	snprintf(dir, sizeof dir, "/tmp/herd-track-XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	fleet_build();
	/* Events need the loop registered before the connection opens. */
	if (virt_events_init(&err) != 0 || (v = virt_open("test:///default", &err)) == NULL) {
		fprintf(stderr, "%s\n", err.msg);
		return -1;
	}
	memset(&obs, 0, sizeof obs);
	if (virt_observe(v, fleet.name, &obs, &err) != 0)
		return -1;
	plan_build(&fleet, NULL, &obs, &p);
	plan_observed_release(&obs);
	rc = apply_run(v, &fleet, &p, &o, &rep, &err);
	if (rc != 0)
		fprintf(stderr, "apply: %s\n", err.msg);
	apply_report_release(&rep);
	plan_release(&p);
	fleet.n_vms = N_VMS;
	acc.fleet = &fleet;
	acc.state_dir = dir;
	acc.virt = v;
	other = virConnectOpen("test:///default");
	return rc == 0 && other != NULL ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	if (other)
		virConnectClose(other);
	virt_close(v);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Follow VM idx (0-based) to target; returns how many did not make it. */
static size_t follow(size_t idx, enum track_stage target, int timeout_ms,
		     struct track_vm *t)
{
	struct track_opts o = { target, timeout_ms, 4, NULL, NULL };

	track_init(t, &acc, &idx, 1);
	return track_wait(&acc, t, 1, &o);
}

static void test_stage_words(void **state)
{
	struct herd_err err = HERD_ERR_INIT;
	static const char *const words[] = { "running", "ip", "ssh", "cloud-init" };
	enum track_stage st;
	size_t i;

	(void)state;
	for (i = 0; i < 4; i++) {
		assert_int_equal(track_stage_parse(words[i], &st, &err), 0);
		assert_int_equal(st, TRACK_RUNNING + (int)i);
		assert_string_equal(track_stage_str(st), words[i]);
	}
	assert_string_equal(track_stage_str(TRACK_NONE), "-");
	assert_int_equal(track_stage_parse("cloudinit", &st, &err), -1);
	assert_int_equal(err.code, HERD_E_USAGE);
	assert_non_null(strstr(err.msg, "unknown stage 'cloudinit' (use running, ip, ssh or cloud-init)"));
	assert_int_equal(track_stage_parse("", &st, &err), -1);
	assert_int_equal(track_stage_parse("IP", &st, &err), -1);
}

/* All three at once: running, then the address the network reserves. */
static void test_running_and_ip(void **state)
{
	struct track_opts o = { TRACK_IP, 10000, 4, NULL, NULL };
	size_t idx[3] = { 0, 1, 2 }, i;
	struct track_vm t[3];
	char want[16], path[128];
	struct stat sb;

	(void)state;
	track_init(t, &acc, idx, 3);
	assert_int_equal(track_wait(&acc, t, 3, &o), 0);
	for (i = 0; i < 3; i++) {
		snprintf(want, sizeof want, "10.43.0.%zu", 10 + i);
		assert_int_equal(t[i].reached, TRACK_IP);
		assert_int_equal(t[i].state, VIRT_DOM_RUNNING);
		assert_false(t[i].failed);
		assert_string_equal(t[i].ip, want);
		assert_int_equal(t[i].src, VIRT_ADDR_RESERVED);
		assert_true(t[i].since > 0);
		snprintf(path, sizeof path, "%s/stages/%s", dir, t[i].vm->name);
		assert_int_equal(stat(path, &sb), 0);
	}
	/* status's look agrees, with the same "since" */
	track_init(t, &acc, idx, 3);
	track_probe(&acc, t, 3, 2);
	assert_int_equal(t[0].reached, TRACK_IP);
	assert_string_equal(t[0].ip, "10.43.0.10");
}

static void test_missing_domain(void **state)
{
	struct track_vm t;

	(void)state;
	assert_int_equal(follow(3, TRACK_RUNNING, 5000, &t), 1);
	assert_true(t.failed);
	assert_int_equal(t.state, VIRT_DOM_MISSING);
	assert_non_null(strstr(t.why, "domain trk-v4 does not exist (run herd apply)"));
}

static void *destroy_later(void *arg)
{
	virDomainPtr d = arg;

	usleep(250 * 1000);
	virDomainDestroy(d);
	return NULL;
}

/* A paused domain is polled every 0.5 s; destroyed 0.25 s into the wait,
 * it is reported through its lifecycle event, well before the next poll
 * (which would say "domain is shut off" instead). */
static void test_destroy_seen_by_event(void **state)
{
	virDomainPtr d = virDomainLookupByName(other, "trk-v2");
	struct track_vm t;
	pthread_t th;
	double start;
	char path[128];
	struct stat sb;

	(void)state;
	assert_non_null(d);
	assert_int_equal(virDomainSuspend(d), 0);
	assert_int_equal(pthread_create(&th, NULL, destroy_later, d), 0);
	start = now();
	assert_int_equal(follow(1, TRACK_RUNNING, 10000, &t), 1);
	assert_true(now() - start < 0.45);
	pthread_join(th, NULL);
	assert_true(t.failed);
	assert_true(t.stopped);
	assert_string_equal(t.why, "domain shut off while waiting for running");
	/* its stage times start afresh at the next start */
	snprintf(path, sizeof path, "%s/stages/v2", dir);
	assert_int_equal(stat(path, &sb), -1);
	assert_int_equal(virDomainCreate(d), 0);
	virDomainFree(d);
}

static void test_timeout(void **state)
{
	virDomainPtr d = virDomainLookupByName(other, "trk-v3");
	struct track_vm t;
	double start, took;

	(void)state;
	assert_non_null(d);
	assert_int_equal(virDomainSuspend(d), 0);
	start = now();
	assert_int_equal(follow(2, TRACK_RUNNING, 700, &t), 1);
	took = now() - start;
	assert_true(took >= 0.69 && took < 1.5);
	assert_true(t.failed);
	assert_false(t.stopped);
	assert_int_equal(t.state, VIRT_DOM_PAUSED);
	assert_non_null(strstr(t.why, "timed out waiting for running after 1s"));
	assert_int_equal(virDomainResume(d), 0);
	virDomainFree(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stage_words),
		cmocka_unit_test(test_running_and_ip),
		cmocka_unit_test(test_missing_domain),
		cmocka_unit_test(test_destroy_seen_by_event),
		cmocka_unit_test(test_timeout),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
