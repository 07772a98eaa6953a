/* tests/unit/test_state.c — run/state: where the state folder is (never
 * under /tmp for want of HOME), and whose it must be. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "orchestrator/run/state.h"

static char tmpdir[64];

static int setup(void **state)
{
	(void)state;
	strcpy(tmpdir, "/tmp/herd-test-state-XXXXXX");
	return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static void test_root_order(void **state)
{
	struct herd_err err = HERD_ERR_INIT;
	char *d;

	(void)state;
	setenv("HOME", "/home/u", 1);
	setenv("XDG_STATE_HOME", "/x/state", 1);
	d = state_fleet_dir("/opt/st", "lab", &err);
	assert_string_equal(d, "/opt/st/lab");
	free(d);
	d = state_fleet_dir(NULL, "lab", &err);
	assert_string_equal(d, "/x/state/herd/lab");
	free(d);
	setenv("XDG_STATE_HOME", "relative", 1);	/* ignored, as the spec says */
	d = state_fleet_dir(NULL, "lab", &err);
	assert_string_equal(d, "/home/u/.local/state/herd/lab");
	free(d);
}

/* No HOME and no XDG_STATE_HOME: an error naming the way out, never a
 * folder under /tmp that another user could have made first. */
static void test_no_home(void **state)
{
	struct herd_err err = HERD_ERR_INIT;

	(void)state;
	unsetenv("HOME");
	unsetenv("XDG_STATE_HOME");
	assert_null(state_fleet_dir(NULL, "lab", &err));
	assert_int_equal(err.code, HERD_E_STATE);
	assert_non_null(strstr(err.msg, "--state-dir"));
	assert_non_null(strstr(err.msg, "XDG_STATE_HOME"));
	herd_err_clear(&err);
	setenv("HOME", "", 1);
	assert_null(state_fleet_dir_ensure(NULL, "lab", &err));
	assert_non_null(strstr(err.msg, "HOME is not set"));
}

static void test_ensure_mode(void **state)
{
	struct herd_err err = HERD_ERR_INIT;
	struct stat st;
	char root[128], *d;

	(void)state;
	snprintf(root, sizeof root, "%s/a/b", tmpdir);
	d = state_fleet_dir_ensure(root, "lab", &err);
	assert_non_null(d);
	assert_int_equal(stat(d, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	free(d);
}

/* A folder that is not this user's, or not a folder, is refused. */
static void test_owner(void **state)
{
	struct herd_err err = HERD_ERR_INIT;
	char root[128], path[160];
	FILE *f;

	(void)state;
	snprintf(root, sizeof root, "%s/own", tmpdir);
	snprintf(path, sizeof path, "%s/file", root);
	assert_int_equal(mkdir(root, 0700), 0);
	f = fopen(path, "w");
	assert_non_null(f);
	fclose(f);
	assert_null(state_fleet_dir(root, "file", &err));
	assert_non_null(strstr(err.msg, "is not a folder"));
	if (geteuid() != 0)
		skip();		/* giving a folder away needs root */
	snprintf(path, sizeof path, "%s/other", root);
	assert_int_equal(mkdir(path, 0700), 0);
	assert_int_equal(chown(path, 1, 1), 0);
	herd_err_clear(&err);
	assert_null(state_fleet_dir(root, "other", &err));
	assert_int_equal(err.code, HERD_E_STATE);
	assert_non_null(strstr(err.msg, "belongs to uid 1"));
	herd_err_clear(&err);
	assert_null(state_fleet_dir_ensure(root, "other", &err));
	assert_non_null(strstr(err.msg, "belongs to uid 1"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_root_order),
		cmocka_unit_test(test_no_home),
		cmocka_unit_test(test_ensure_mode),
		cmocka_unit_test(test_owner),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
