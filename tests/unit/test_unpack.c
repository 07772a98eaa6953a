/* tests/unit/test_unpack.c — the follow-a-growing-file reader: compression
 * sniffing, decompression of local files made by the real xz, gzip, zstd
 * and bzip2 tools, hashing of the chosen bytes, corrupt input, and input
 * that arrives in pieces while the reader runs. */
#include "testutil.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/hash.h"
#include "common/mem.h"
#include "orchestrator/image/unpack.h"

#define DATA_LEN (3 * 1024 * 1024 + 4321)

static char dir[] = "/tmp/herd-test-unpack.XXXXXX";
static unsigned char *data;

static char *path(const char *name)
{
	return xasprintf("%s/%s", dir, name);
}

static void write_file(const char *p, const void *b, size_t n)
{
	FILE *f = fopen(p, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(b, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
}

static unsigned char *read_file(const char *p, size_t *n)
{
	struct stat st;
	unsigned char *b;
	FILE *f = fopen(p, "rb");

	assert_non_null(f);
	assert_int_equal(fstat(fileno(f), &st), 0);
	b = xmalloc((size_t)st.st_size + 1);
	*n = fread(b, 1, (size_t)st.st_size, f);
	fclose(f);
	return b;
}

static int setup(void **state)
{
	size_t i;
	uint32_t x = 12345;

	(void)state;
	assert_non_null(mkdtemp(dir));
	data = xmalloc(DATA_LEN);
	/* Half noise, half zeros: exercises both writes and holes. */
	for (i = 0; i < DATA_LEN; i++) {
		x = x * 1103515245u + 12345u;
		data[i] = i < DATA_LEN / 2 ? (unsigned char)(x >> 16) : 0;
	}
	return 0;
}

static int teardown(void **state)
{
	char *cmd = xasprintf("rm -rf %s", dir);

	(void)state;
	assert_int_equal(system(cmd), 0);
	free(cmd);
	free(data);
	return 0;
}

static void test_sniff(void **state)
{
	(void)state;
	assert_int_equal(unpack_sniff((const unsigned char *)"\x1f\x8b\x08", 3), UNPACK_GZIP);
	assert_int_equal(unpack_sniff((const unsigned char *)"BZh9", 4), UNPACK_BZIP2);
	assert_int_equal(unpack_sniff((const unsigned char *)"\xfd" "7zXZ\0", 6), UNPACK_XZ);
	assert_int_equal(unpack_sniff((const unsigned char *)"\x28\xb5\x2f\xfd", 4), UNPACK_ZSTD);
	assert_int_equal(unpack_sniff((const unsigned char *)"QFI\xfb", 4), UNPACK_NONE);
	/* A truncated magic is not the format. */
	assert_int_equal(unpack_sniff((const unsigned char *)"\xfd" "7zX", 4), UNPACK_NONE);
	assert_int_equal(unpack_sniff(NULL, 0), UNPACK_NONE);
	assert_string_equal(unpack_comp_name(UNPACK_ZSTD), "zstd");
}

/* Compress the test data with tool into NAME, unpack it, check bytes and
 * both kinds of checksum. */
static void roundtrip(const char *tool, enum unpack_comp want)
{
	char *raw = path("data.raw"), *comp = path("data.c"), *out = path("data.out");
	char *cmd = xasprintf("%s -c %s > %s", tool, raw, comp);
	char expect[HASH_HEX_MAX], file_hex[HASH_HEX_MAX];
	struct unpack_opts uo = { HASH_SHA256, 1, out, 0, 0 };
	struct unpack_result res;
	struct herd_err err = HERD_ERR_INIT;
	struct unpack *u;
	unsigned char *c, *got;
	size_t clen, glen;
	int mode, hash_output;

	write_file(raw, data, DATA_LEN);
	assert_int_equal(system(cmd), 0);
	c = read_file(comp, &clen);
	hash_sha256_hex(data, DATA_LEN, expect);
	hash_sha256_hex(c, clen, file_hex);
	for (mode = 0; mode < 4; mode++) {	/* hash output or input, mapped or copied */
		uo.hash_output = hash_output = mode & 1;
		uo.own_input = mode >> 1;
		u = unpack_start(comp, &uo, &err);
		assert_non_null(u);
		assert_int_equal(unpack_feed(u, clen, &err), 0);
		assert_int_equal(unpack_finish(u, 1, &res, &err), 0);
		assert_int_equal(res.comp, want);
		assert_int_equal(res.in_bytes, clen);
		assert_int_equal(res.out_bytes, DATA_LEN);
		assert_string_equal(res.hex, hash_output ? expect : file_hex);
		assert_memory_equal(res.head, data, UNPACK_HEAD_MAX);
		got = read_file(out, &glen);
		assert_int_equal(glen, DATA_LEN);
		assert_memory_equal(got, data, DATA_LEN);
		free(got);
	}
	free(c);
	free(cmd);
	free(raw);
	free(comp);
	free(out);
}

static void test_xz(void **state) { (void)state; roundtrip("xz -0", UNPACK_XZ); }
static void test_gzip(void **state) { (void)state; roundtrip("gzip -1", UNPACK_GZIP); }
static void test_zstd(void **state) { (void)state; roundtrip("zstd -q -1", UNPACK_ZSTD); }
static void test_bzip2(void **state) { (void)state; roundtrip("bzip2 -1", UNPACK_BZIP2); }

/* Larger than one mapped block (4 MiB), so both ways of reading cross
 * block boundaries. */
static void test_plain_is_hashed_not_copied(void **state)
{
	char *raw = path("plain.raw"), *out = path("plain.out");
	struct unpack_opts uo = { HASH_SHA512, 0, out, 0, 0 };
	struct unpack_result res;
	struct herd_err err = HERD_ERR_INIT;
	struct hash *h = hash_new(HASH_SHA512);
	char expect[HASH_HEX_MAX];
	struct unpack *u;
	FILE *f;
	int i;

	(void)state;
	f = fopen(raw, "w");
	assert_non_null(f);
	for (i = 0; i < 3; i++) {
		assert_int_equal(fwrite(data, 1, DATA_LEN, f), DATA_LEN);
		hash_update(h, data, DATA_LEN);
	}
	assert_int_equal(fclose(f), 0);
	hash_final_hex(h, expect);
	hash_free(h);
	for (uo.own_input = 0; uo.own_input < 2; uo.own_input++) {
		u = unpack_start(raw, &uo, &err);
		assert_non_null(u);
		unpack_feed(u, 3 * DATA_LEN, &err);
		assert_int_equal(unpack_finish(u, 1, &res, &err), 0);
		assert_int_equal(res.comp, UNPACK_NONE);
		assert_string_equal(res.hex, expect);
		assert_int_equal(res.out_bytes, 3 * DATA_LEN);
		assert_memory_equal(res.head, data, UNPACK_HEAD_MAX);
		assert_int_equal(access(out, F_OK), -1);	/* nothing written */
	}
	free(raw);
	free(out);
}

/* The writer appends in pieces and publishes each; the reader follows. */
static void test_growing_input(void **state)
{
	char *raw = path("grow.raw"), *comp = path("grow.xz"), *out = path("grow.out");
	char *cmd = xasprintf("xz -0 -c %s > %s", raw, comp);
	char *part = path("grow.part");
	struct unpack_opts uo = { HASH_SHA256, 1, out, 0, 1 };	/* mapped, as a download is */
	struct unpack_result res;
	struct herd_err err = HERD_ERR_INIT;
	char expect[HASH_HEX_MAX];
	unsigned char *c;
	size_t clen, off = 0, step;
	struct unpack *u;
	int fd;

	(void)state;
	write_file(raw, data, DATA_LEN);
	assert_int_equal(system(cmd), 0);
	c = read_file(comp, &clen);
	fd = open(part, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	u = unpack_start(part, &uo, &err);
	assert_non_null(u);
	for (step = 1; off < clen; step = step * 3 + 7) {	/* 1, 10, 37, ... bytes */
		size_t n = clen - off < step ? clen - off : step;

		assert_int_equal(write(fd, c + off, n), (ssize_t)n);
		off += n;
		assert_int_equal(unpack_feed(u, off, &err), 0);
	}
	close(fd);
	assert_int_equal(unpack_finish(u, 1, &res, &err), 0);
	hash_sha256_hex(data, DATA_LEN, expect);
	assert_string_equal(res.hex, expect);
	assert_int_equal(res.out_bytes, DATA_LEN);
	free(c);
	free(cmd);
	free(raw);
	free(comp);
	free(out);
	free(part);
}

static void test_corrupt_and_truncated(void **state)
{
	char *raw = path("bad.raw"), *comp = path("bad.gz"), *out = path("bad.out");
	char *cmd = xasprintf("gzip -1 -c %s > %s", raw, comp);
	struct unpack_opts uo = { HASH_SHA256, 1, out, 0, 0 };
	struct herd_err err = HERD_ERR_INIT;
	struct unpack *u;
	unsigned char *c;
	size_t clen;

	(void)state;
	write_file(raw, data, DATA_LEN);
	assert_int_equal(system(cmd), 0);
	c = read_file(comp, &clen);
	write_file(comp, c, clen / 2);		/* truncated stream */
	u = unpack_start(comp, &uo, &err);
	unpack_feed(u, clen / 2, &err);
	assert_int_equal(unpack_finish(u, 1, NULL, &err), -1);
	assert_int_equal(err.code, HERD_E_ARCHIVE);
	assert_non_null(strstr(err.msg, "gzip data is corrupt or truncated"));
	/* Garbage inside an xz stream (which carries checks: libarchive's
	 * gzip reader does not verify the CRC, the image checksum does). */
	free(c);
	free(cmd);
	cmd = xasprintf("xz -0 -c %s > %s", raw, comp);
	assert_int_equal(system(cmd), 0);
	c = read_file(comp, &clen);
	memset(c + 100, 0x55, 4096);
	write_file(comp, c, clen);
	herd_err_clear(&err);
	u = unpack_start(comp, &uo, &err);
	unpack_feed(u, clen, &err);
	assert_int_equal(unpack_finish(u, 1, NULL, &err), -1);
	assert_int_equal(err.code, HERD_E_ARCHIVE);
	free(c);
	free(cmd);
	free(raw);
	free(comp);
	free(out);
}

static void test_abandon_and_limits(void **state)
{
	char *raw = path("lim.raw"), *comp = path("lim.xz"), *out = path("lim.out");
	char *cmd = xasprintf("xz -0 -c %s > %s", raw, comp);
	struct unpack_opts uo = { HASH_SHA256, 1, out, 1024 * 1024, 1 };
	struct herd_err err = HERD_ERR_INIT;
	struct unpack *u;
	struct stat st;

	(void)state;
	write_file(raw, data, DATA_LEN);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(stat(comp, &st), 0);
	/* Abandoned while waiting for more input: returns, no error. */
	u = unpack_start(comp, &uo, &err);
	unpack_feed(u, 3, &err);
	assert_int_equal(unpack_finish(u, 0, NULL, &err), -1);
	assert_int_equal(err.code, HERD_OK);
	/* Output over max_output: a decompression bomb is refused. */
	u = unpack_start(comp, &uo, &err);
	unpack_feed(u, (uint64_t)st.st_size, &err);
	assert_int_equal(unpack_finish(u, 1, NULL, &err), -1);
	assert_non_null(strstr(err.msg, "exceeds the size limit"));
	/* A missing input is an error at once. */
	assert_null(unpack_start("/nonexistent/x", &uo, &err));
	assert_int_equal(err.code, HERD_E_IO);
	free(cmd);
	free(raw);
	free(comp);
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sniff),
		cmocka_unit_test(test_xz),
		cmocka_unit_test(test_gzip),
		cmocka_unit_test(test_zstd),
		cmocka_unit_test(test_bzip2),
		cmocka_unit_test(test_plain_is_hashed_not_copied),
		cmocka_unit_test(test_growing_input),
		cmocka_unit_test(test_corrupt_and_truncated),
		cmocka_unit_test(test_abandon_and_limits),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
