/* tests/unit/test_fleetlock.c — the fleet lock's policy (the holder record,
 * what is stale) and the lock volume on libvirt's test:///default driver.
 * Two herd processes on a real daemon: tests/integration/42-lock.sh. */
#include "testutil.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "orchestrator/run/fleetlock.h"
#include "orchestrator/virt/virt.h"
#include "orchestrator/virt/virt_lock.h"
#include "orchestrator/virt/virt_pool.h"

static void test_format_parse(void **state)
{
	struct fleetlock_holder a, b;
	char *text;

	(void)state;
	fleetlock_self(&a, "apply");
	assert_true(a.pid == (long)getpid());
	assert_true(a.start > 0);
	assert_true(a.boot[0] != '\0');
	snprintf(a.user, sizeof a.user, "bad name\nverb x");	/* one word each */
	text = fleetlock_format(&a);
	assert_int_equal(strncmp(text, "herd-lock 1\n", 12), 0);
	assert_int_equal(fleetlock_parse(text, &b), 0);
	assert_string_equal(b.user, "bad?name?verb?x");
	assert_string_equal(b.verb, "apply");
	assert_string_equal(b.host, a.host);
	assert_string_equal(b.boot, a.boot);
	assert_string_equal(b.pidns, a.pidns);
	assert_true(b.pid == a.pid && b.uid == a.uid && b.start == a.start &&
		    b.since == a.since);
	free(text);
	assert_int_equal(fleetlock_parse("", &b), -1);		/* being written */
	assert_int_equal(fleetlock_parse("herd-lock 1\nuser x\n", &b), -1);
	assert_int_equal(fleetlock_parse("hello\npid 1\n", &b), -1);
}

/* A PID that no process has: a child that has been reaped. */
static long dead_pid(void)
{
	pid_t p = fork();

	if (p == 0)
		_exit(0);
	waitpid(p, NULL, 0);
	return (long)p;
}

static void test_judge(void **state)
{
	struct fleetlock_holder self, h;
	char who[512];

	(void)state;
	fleetlock_self(&self, "apply");
	h = self;
	assert_int_equal(fleetlock_judge(&h, &self), FLEETLOCK_LIVE);
	h.pid = dead_pid();
	assert_int_equal(fleetlock_judge(&h, &self), FLEETLOCK_STALE);
	h = self;
	h.start = self.start + 1;	/* the PID now names another process */
	assert_int_equal(fleetlock_judge(&h, &self), FLEETLOCK_STALE);
	h = self;
	snprintf(h.boot, sizeof h.boot, "another-boot");	/* rebooted since */
	assert_int_equal(fleetlock_judge(&h, &self), FLEETLOCK_STALE);
	h = self;
	h.pid = dead_pid();
	snprintf(h.host, sizeof h.host, "elsewhere");	/* cannot be judged */
	assert_int_equal(fleetlock_judge(&h, &self), FLEETLOCK_FOREIGN);
	h = self;
	h.pid = dead_pid();
	snprintf(h.machine, sizeof h.machine, "another-machine");
	assert_int_equal(fleetlock_judge(&h, &self), FLEETLOCK_FOREIGN);
	h = self;
	h.pid = dead_pid();
	snprintf(h.pidns, sizeof h.pidns, "pid:[1]");	/* another container */
	assert_int_equal(fleetlock_judge(&h, &self), FLEETLOCK_FOREIGN);
	h = self;
	h.since = 86400;
	fleetlock_describe(&h, who, sizeof who);
	assert_non_null(strstr(who, "herd apply by "));
	assert_non_null(strstr(who, "since 1970-01-02 00:00:00 UTC"));
}

/* The volume on the test driver: a name is created once; the test driver
 * keeps no text. */
static void test_volume(void **state)
{
	struct herd_err err = HERD_ERR_INIT;
	struct fleetlock *l, *l2;
	struct virt *v;
	char *text = NULL, broke[512];

	(void)state;
	v = virt_open("test:///default", &err);
	assert_non_null(v);
	assert_int_equal(virt_pool_ensure(v, NULL, VIRT_IMAGES_POOL, "/nonexistent/herd-images",
					  &err), 0);
	assert_int_equal(virt_lock_read(v, VIRT_IMAGES_POOL, "x.lock", &text, &err), 1);
	assert_int_equal(virt_lock_create(v, VIRT_IMAGES_POOL, "x.lock", "a", &err), 0);
	assert_int_equal(virt_lock_create(v, VIRT_IMAGES_POOL, "x.lock", "b", &err), 1);
	assert_int_equal(virt_lock_read(v, VIRT_IMAGES_POOL, "x.lock", &text, &err), 0);
	assert_string_equal(text, "");
	free(text);
	assert_int_equal(virt_vol_delete(v, NULL, VIRT_IMAGES_POOL, "x.lock", &err), 0);
	assert_int_equal(virt_lock_create(v, VIRT_IMAGES_POOL, "x.lock", "c", &err), 0);
	assert_int_equal(virt_vol_delete(v, NULL, VIRT_IMAGES_POOL, "x.lock", &err), 0);

	l = fleetlock_take(v, "lab", "/nonexistent/herd-images", "apply", broke, &err);
	assert_non_null(l);
	assert_string_equal(broke, "");
	fleetlock_release(l);
	l2 = fleetlock_take(v, "lab", "/nonexistent/herd-images", "apply", broke, &err);
	assert_non_null(l2);		/* released: free again */
	fleetlock_release(l2);
	virt_close(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_parse),
		cmocka_unit_test(test_judge),
		cmocka_unit_test(test_volume),
	};

	signal(SIGCHLD, SIG_DFL);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
