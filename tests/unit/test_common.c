#include "testutil.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/duration.h"
#include "common/num.h"
#include "common/err.h"
#include "common/hash.h"
#include "common/size.h"

static void sizes_parse(void **state)
{
	struct herd_err err = HERD_ERR_INIT;
	uint64_t v = 0;

	(void)state;
	assert_int_equal(size_parse("512MiB", &v, &err), 0);
	assert_true(v == 512ULL << 20);
	assert_int_equal(size_parse("2GiB", &v, &err), 0);
	assert_true(v == 2ULL << 30);
	assert_int_equal(size_parse("1TiB", &v, &err), 0);
	assert_true(v == 1ULL << 40);
	assert_int_equal(size_parse("4096", &v, &err), 0);
	assert_true(v == 4096);
	assert_int_equal(size_parse("2GB", &v, &err), -1);
	assert_string_equal(err.msg, "\"2GB\" is not a size (use 2GiB)");
	assert_int_equal(size_parse("512m", &v, &err), -1);
	assert_string_equal(err.msg, "\"512m\" is not a size (use 512MiB)");
	assert_int_equal(size_parse("lots", &v, &err), -1);
	assert_non_null(strstr(err.msg, "is not a size"));
	assert_int_equal(size_parse("99999999999TiB", &v, &err), -1);
}

static void sizes_format(void **state)
{
	char s[32];

	(void)state;
	size_format(2ULL << 30, s, sizeof s);
	assert_string_equal(s, "2GiB");
	size_format(1536ULL << 20, s, sizeof s);
	assert_string_equal(s, "1536MiB");
	size_format(100, s, sizeof s);
	assert_string_equal(s, "100");
}

static void errors_chain(void **state)
{
	struct herd_err err = HERD_ERR_INIT;

	(void)state;
	assert_int_equal(herd_errf(&err, HERD_E_IO, "open %s", "x"), -1);
	assert_int_equal(herd_errctx(&err, "vm '%s'", "web-1"), -1);
	assert_string_equal(err.msg, "vm 'web-1': open x");
	assert_int_equal(err.code, HERD_E_IO);
	herd_errno(&err, HERD_E_IO, 2, "read %s", "y");
	assert_string_equal(err.msg, "read y: No such file or directory");
	assert_int_equal(err.sys_errno, 2);
}

static void hashes_known(void **state)
{
	char hex[HASH_HEX_MAX];

	(void)state;
	hash_sha256_hex("abc", 3, hex);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	assert_true(hash_fnv1a("a", 1, HASH_FNV_SEED) == 0xaf63dc4c8601ec8cULL);
}

static void buffers_grow(void **state)
{
	struct buf b;
	char *s;
	size_t len, i;

	(void)state;
	buf_init(&b);
	assert_string_equal(buf_str(&b), "");
	for (i = 0; i < 1000; i++)
		buf_addf(&b, "%zu,", i);
	assert_true(b.len > 3000);
	s = buf_take(&b, &len);
	assert_int_equal(strlen(s), len);
	assert_true(strncmp(s, "0,1,2,", 6) == 0);
	free(s);
	assert_null(b.data);
}

static void durations(void **state)
{
	struct herd_err err = HERD_ERR_INIT;
	long ms = 0;

	(void)state;
	assert_int_equal(duration_parse("90s", &ms, &err), 0);
	assert_int_equal(ms, 90000);
	assert_int_equal(duration_parse("10m", &ms, &err), 0);
	assert_int_equal(ms, 600000);
	assert_int_equal(duration_parse("1h30m", &ms, &err), 0);
	assert_int_equal(ms, 5400000);
	assert_int_equal(duration_parse("45", &ms, &err), 0);
	assert_int_equal(ms, 45000);
	assert_int_equal(duration_parse("10 min", &ms, &err), -1);
	assert_string_equal(err.msg, "\"10 min\" is not a duration (use 90s, 10m or 1h)");
	assert_int_equal(duration_parse("", &ms, &err), -1);
}

/* Durations that do not fit are refused, never wrapped: 1000h was
 * 3.6e9 ms, which the wait's int made negative. */
static void durations_overflow(void **state)
{
	struct herd_err err = HERD_ERR_INIT;
	long ms = 7;

	(void)state;
	assert_int_equal(duration_parse("576h", &ms, &err), 0);
	assert_int_equal(ms, DURATION_MAX_MS);
	assert_true(ms <= INT_MAX);
	ms = 7;
	assert_int_equal(duration_parse("1000h", &ms, &err), -1);
	assert_string_equal(err.msg, "\"1000h\" is too long (at most 576h)");
	assert_int_equal(ms, 7);
	assert_int_equal(duration_parse("576h1s", &ms, &err), -1);
	assert_int_equal(duration_parse("99999999999999999999s", &ms, &err), -1);
	assert_int_equal(duration_parse("100000h100000h100000h100000h", &ms, &err), -1);
	assert_int_equal(duration_parse("2147484s", &ms, &err), -1);	/* > INT_MAX ms */
	assert_int_equal(ms, 7);
}

/* Whole numbers: digits only, in range, never wrapped. */
static void numbers(void **state)
{
	long v = 5;

	(void)state;
	assert_int_equal(num_parse("8", 1, 64, &v), 0);
	assert_int_equal(v, 8);
	assert_int_equal(num_parse("0", 1, 64, &v), -1);
	assert_int_equal(num_parse("65", 1, 64, &v), -1);
	assert_int_equal(num_parse("-1", -5, 64, &v), -1);
	assert_int_equal(num_parse(" 8", 1, 64, &v), -1);
	assert_int_equal(num_parse("8x", 1, 64, &v), -1);
	assert_int_equal(num_parse("", 1, 64, &v), -1);
	assert_int_equal(num_parse("99999999999999999999", 1, LONG_MAX, &v), -1);
	assert_int_equal(num_parse("4294967297", 1, 64, &v), -1);	/* (int) would be 1 */
	assert_int_equal(v, 8);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sizes_parse),
		cmocka_unit_test(sizes_format),
		cmocka_unit_test(errors_chain),
		cmocka_unit_test(hashes_known),
		cmocka_unit_test(buffers_grow),
		cmocka_unit_test(durations),
		cmocka_unit_test(durations_overflow),
		cmocka_unit_test(numbers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
