/* tests/unit/test_fsio.c — seed/fsio: bounded reads, atomic and exclusive
 * writes with exact modes, private directories. */
#include "testutil.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/fsio.h"

static char dir[64];

static int setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/herd-test-fsio-XXXXXX");
	return mkdtemp(dir) == NULL ? -1 : 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static char *in_dir(const char *rel)
{
	static char p[256];

	snprintf(p, sizeof p, "%s/%s", dir, rel);
	return p;
}

static void test_read_limits(void **state)
{
	struct herd_err err = HERD_ERR_INIT;
	char *data = NULL, path[256];
	size_t len = 0;

	(void)state;
	snprintf(path, sizeof path, "%s", in_dir("ten"));
	assert_int_equal(fsio_write_atomic(path, "0123456789", 10, 0644, FSIO_REPLACE, &err), 0);
	assert_int_equal(fsio_read(path, 10, 0, &data, &len, &err), 0);
	assert_int_equal(len, 10);
	assert_string_equal(data, "0123456789");
	free(data);
	assert_int_equal(fsio_read(path, 9, 0, &data, &len, &err), -1);
	assert_null(data);
	assert_non_null(strstr(err.msg, "larger than 9 bytes"));
	assert_int_equal(fsio_read(in_dir("missing"), 9, 0, &data, NULL, &err), -1);
	assert_int_equal(err.sys_errno, ENOENT);
	assert_int_equal(symlink(path, in_dir("link")), 0);
	assert_int_equal(fsio_read(in_dir("link"), 10, 1, &data, NULL, &err), -1);
	assert_int_equal(err.sys_errno, ELOOP);
	assert_int_equal(fsio_read(in_dir("link"), 10, 0, &data, NULL, &err), 0);
	free(data);
}

static void test_write_modes_and_excl(void **state)
{
	struct herd_err err = HERD_ERR_INIT;
	char path[256], *data = NULL;
	struct stat st;
	mode_t old;

	(void)state;
	snprintf(path, sizeof path, "%s", in_dir("f"));
	old = umask(0777);
	assert_int_equal(fsio_write_atomic(path, "a", 1, 0640, FSIO_EXCL | FSIO_SYNC, &err), 0);
	umask(old);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	assert_int_equal(st.st_nlink, 1);	/* the temporary link is gone */
	/* EXCL never replaces; REPLACE does. */
	assert_int_equal(fsio_write_atomic(path, "b", 1, 0600, FSIO_EXCL, &err), 1);
	assert_int_equal(fsio_read(path, 8, 0, &data, NULL, &err), 0);
	assert_string_equal(data, "a");
	free(data);
	assert_int_equal(fsio_write_atomic(path, "c", 1, 0600, FSIO_REPLACE, &err), 0);
	assert_int_equal(fsio_read(path, 8, 0, &data, NULL, &err), 0);
	assert_string_equal(data, "c");
	free(data);
	assert_int_equal(fsio_write_atomic(in_dir("no/such/dir/f"), "x", 1, 0644, 0, &err), -1);
	assert_int_equal(err.code, HERD_E_IO);
}

static void test_mkdirs(void **state)
{
	struct herd_err err = HERD_ERR_INIT;
	char path[256];
	struct stat st;
	mode_t old;

	(void)state;
	snprintf(path, sizeof path, "%s", in_dir("a//b/c/"));
	old = umask(0777);
	assert_int_equal(fsio_mkdirs(path, 0700, &err), 0);
	umask(old);
	assert_int_equal(stat(in_dir("a/b/c"), &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	assert_int_equal(stat(in_dir("a"), &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	assert_int_equal(fsio_mkdirs(path, 0700, &err), 0);	/* again: fine */
	assert_int_equal(fsio_write_atomic(in_dir("file"), "x", 1, 0644, 0, &err), 0);
	snprintf(path, sizeof path, "%s", in_dir("file/sub"));
	assert_int_equal(fsio_mkdirs(path, 0700, &err), -1);
	assert_int_equal(err.code, HERD_E_IO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read_limits),
		cmocka_unit_test(test_write_modes_and_excl),
		cmocka_unit_test(test_mkdirs),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
