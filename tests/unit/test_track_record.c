/* tests/unit/test_track_record.c — per-VM stage times in a scratch state
 * folder: kept across calls whatever the order of stages, cleared on
 * stop, and harmless when the folder cannot be written. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "orchestrator/run/track_record.h"

static char dir[64];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof dir, "/tmp/herd-trackrec-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	/* Our own mkdtemp folder, nothing else. */
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void put(const char *vm, const char *text)
{
	char path[160];
	FILE *f;

	snprintf(path, sizeof path, "%s/stages", dir);
	mkdir(path, 0700);
	snprintf(path, sizeof path, "%s/stages/%s", dir, vm);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_new_stage_is_now(void **state)
{
	long before = (long)time(NULL), t;

	(void)state;
	t = track_record_stage(dir, "a", "running");
	assert_true(t >= before && t <= (long)time(NULL));
}

/* A run passes "running" on its way to "ip": neither time moves. */
static void test_times_kept_across_runs(void **state)
{
	(void)state;
	put("b", "running 1000\nip 2000\n");
	assert_int_equal(track_record_stage(dir, "b", "running"), 1000);
	assert_int_equal(track_record_stage(dir, "b", "ip"), 2000);
	assert_int_equal(track_record_stage(dir, "b", "running"), 1000);
	assert_int_equal(track_record_stage(dir, "b", "ip"), 2000);
}

static void test_later_stage_is_added(void **state)
{
	long before = (long)time(NULL), t;

	(void)state;
	put("c", "running 1000\n");
	t = track_record_stage(dir, "c", "ssh");
	assert_true(t >= before);
	assert_int_equal(track_record_stage(dir, "c", "running"), 1000);
	assert_int_equal(track_record_stage(dir, "c", "ssh"), t);
}

static void test_clear_starts_afresh(void **state)
{
	long before = (long)time(NULL);

	(void)state;
	put("d", "running 1000\nip 2000\n");
	track_record_clear(dir, "d");
	assert_true(track_record_stage(dir, "d", "ip") >= before);
	assert_true(track_record_stage(dir, "d", "running") >= before);
	track_record_clear(dir, "d");
	track_record_clear(dir, "d");	/* twice, and nothing there: fine */
}

/* Garbage lines are skipped, good ones still count. */
static void test_damaged_record(void **state)
{
	long before = (long)time(NULL);

	(void)state;
	put("e", "nonsense\nrunning -5\n\nip 3000 extra\n");
	assert_int_equal(track_record_stage(dir, "e", "ip"), 3000);
	assert_true(track_record_stage(dir, "e", "running") >= before);
	assert_int_equal(track_record_stage(dir, "e", "ip"), 3000);
}

/* A state "folder" that is a file: no record, but a time all the same. */
static void test_unwritable_folder(void **state)
{
	char file[96];
	long before = (long)time(NULL);
	FILE *f;

	(void)state;
	snprintf(file, sizeof file, "%s/plain-file", dir);
	f = fopen(file, "w");
	assert_non_null(f);
	fclose(f);
	assert_true(track_record_stage(file, "f", "running") >= before);
	track_record_clear(file, "f");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_stage_is_now),
		cmocka_unit_test(test_times_kept_across_runs),
		cmocka_unit_test(test_later_stage_is_added),
		cmocka_unit_test(test_clear_starts_afresh),
		cmocka_unit_test(test_damaged_record),
		cmocka_unit_test(test_unwritable_folder),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
