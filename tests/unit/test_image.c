/* tests/unit/test_image.c — the image cache without a server: checksum
 * parsing, entry names, format detection, origin names, the cache
 * directory, sidecar files, and the cache fed from local files
 * (decompression into an entry, list, find by prefix, record use, rm). */
#include "testutil.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/mem.h"
#include "orchestrator/image/image.h"
#include "orchestrator/image/image_cache.h"
#include "orchestrator/image/image_meta.h"
#include "orchestrator/cli/progress.h"

static char dir[] = "/tmp/herd-test-image.XXXXXX";

static int setup(void **state)
{
	(void)state;
	assert_non_null(mkdtemp(dir));
	return 0;
}

static int teardown(void **state)
{
	char *cmd = xasprintf("rm -rf %s", dir);

	(void)state;
	assert_int_equal(system(cmd), 0);
	free(cmd);
	return 0;
}

static void test_sum_parse(void **state)
{
	char out[HASH_HEX_MAX];
	struct herd_err err = HERD_ERR_INIT;
	char upper[65];

	(void)state;
	memset(upper, 'A', 64);
	upper[64] = '\0';
	assert_int_equal(image_sum_parse(HASH_SHA256, upper, out, &err), 0);
	assert_int_equal(strspn(out, "a"), 64);
	assert_int_equal(image_sum_parse(HASH_SHA512, upper, out, &err), -1);
	assert_non_null(strstr(err.msg, "sha512 checksum"));
	assert_non_null(strstr(err.msg, "is not 128 hex digits"));
	upper[10] = 'g';
	assert_int_equal(image_sum_parse(HASH_SHA256, upper, out, &err), -1);
	assert_int_equal(image_sum_parse(HASH_SHA256, "", out, &err), -1);
	assert_int_equal(err.code, HERD_E_USAGE);
}

static void test_names(void **state)
{
	char hex[HASH_HEX_MAX], sum[129];
	enum hash_algo algo;
	char *name;

	(void)state;
	memset(sum, 'b', 128);
	sum[128] = '\0';
	name = image_entry_name(HASH_SHA512, sum);
	assert_int_equal(strncmp(name, "sha512-bbbb", 11), 0);
	assert_int_equal(image_entry_name_parse(name, &algo, hex), 1);
	assert_int_equal(algo, HASH_SHA512);
	assert_string_equal(hex, sum);
	free(name);
	sum[64] = '\0';
	name = image_entry_name(HASH_SHA256, sum);
	assert_int_equal(image_entry_name_parse(name, &algo, NULL), 1);
	assert_int_equal(algo, HASH_SHA256);
	name[7] = 'B';			/* upper case is never a cache name */
	assert_int_equal(image_entry_name_parse(name, NULL, NULL), 0);
	free(name);
	assert_int_equal(image_entry_name_parse("sha256-abc", NULL, NULL), 0);
	assert_int_equal(image_entry_name_parse(".sha256-x.lock", NULL, NULL), 0);
	assert_int_equal(image_entry_name_parse("md5-00", NULL, NULL), 0);
}

static void test_detect_format(void **state)
{
	static const unsigned char qcow2[] = { 'Q', 'F', 'I', 0xfb, 0, 0, 0, 3 };
	static const unsigned char mbr[512] = { 0xeb, 0x63, 0x90 };

	(void)state;
	assert_int_equal(image_detect_format(qcow2, sizeof qcow2), IMAGE_FORMAT_QCOW2);
	assert_int_equal(image_detect_format(qcow2, 3), IMAGE_FORMAT_RAW);
	assert_int_equal(image_detect_format(mbr, sizeof mbr), IMAGE_FORMAT_RAW);
	assert_int_equal(image_detect_format(NULL, 0), IMAGE_FORMAT_RAW);
	assert_string_equal(image_format_name(IMAGE_FORMAT_QCOW2), "qcow2");
}

static void test_origin_and_dir(void **state)
{
	struct herd_err err = HERD_ERR_INIT;
	char *s;

	(void)state;
	s = image_origin_name("https://h/a/b/debian-12.qcow2.xz?x=1#f", 1);
	assert_string_equal(s, "debian-12.qcow2");
	free(s);
	s = image_origin_name("https://h/a/debian-12.raw.zst", 0);
	assert_string_equal(s, "debian-12.raw.zst");
	free(s);
	s = image_origin_name("https://h/", 1);
	assert_string_equal(s, "h");
	free(s);

	setenv("HERD_CACHE_DIR", "/c/herd", 1);
	s = image_cache_default_dir(&err);
	assert_string_equal(s, "/c/herd");
	free(s);
	unsetenv("HERD_CACHE_DIR");
	setenv("XDG_CACHE_HOME", "/x", 1);
	s = image_cache_default_dir(&err);
	assert_string_equal(s, "/x/herd/images");
	free(s);
	setenv("XDG_CACHE_HOME", "relative", 1);	/* ignored, per XDG */
	setenv("HOME", "/home/u", 1);
	s = image_cache_default_dir(&err);
	assert_string_equal(s, "/home/u/.cache/herd/images");
	free(s);
	unsetenv("XDG_CACHE_HOME");
}

static void test_meta_roundtrip(void **state)
{
	char *p = xasprintf("%s/m.meta", dir);
	struct herd_err err = HERD_ERR_INIT;
	struct image_meta m, r;

	(void)state;
	image_meta_init(&m);
	m.url = xstrdup("http://h/x.img");
	m.origin = xstrdup("x.img");
	m.format = xstrdup("qcow2");
	m.size = 1234567890123ULL;
	assert_int_equal(image_meta_add_fleet(&m, "web"), 1);
	assert_int_equal(image_meta_add_fleet(&m, "lab"), 1);
	assert_int_equal(image_meta_add_fleet(&m, "web"), 0);
	assert_int_equal(image_meta_write(p, &m, &err), 0);
	assert_int_equal(image_meta_read(p, &r, &err), 0);
	assert_string_equal(r.url, "http://h/x.img");
	assert_string_equal(r.format, "qcow2");
	assert_int_equal(r.size, 1234567890123ULL);
	assert_int_equal(r.nfleets, 2);
	assert_string_equal(r.fleets[0], "lab");	/* kept sorted */
	assert_null(r.path);
	image_meta_release(&r);
	free(m.origin);
	m.origin = xstrdup("two\nlines");
	assert_int_equal(image_meta_write(p, &m, &err), -1);
	assert_int_equal(err.code, HERD_E_USAGE);
	image_meta_release(&m);
	unlink(p);
	assert_int_equal(image_meta_read(p, &r, &err), -1);
	assert_int_equal(err.sys_errno, ENOENT);
	free(p);
}

/* A local compressed file enters the cache through the same path as a
 * download: unpack, verify, sidecar, rename. */
static void test_cache_from_local_files(void **state)
{
	char *cache = xasprintf("%s/cache", dir), *raw = xasprintf("%s/img.raw", dir);
	char *cmd = xasprintf("head -c 1048576 /dev/urandom > %s && printf 'QFI\\373' | dd of=%s conv=notrunc status=none && xz -0 -k %s",
			      raw, raw, raw);
	char *xzp = xasprintf("%s.xz", raw), prefix[12];
	struct image_src src = { NULL, xzp, HASH_SHA256, NULL, IMAGE_SUM_OF_DOWNLOAD };
	struct herd_err err = HERD_ERR_INIT;
	struct image_entry e, f, *v;
	size_t n;

	(void)state;
	assert_int_equal(system(cmd), 0);
	assert_int_equal(image_cache_ensure(&src, cache, NULL, &e, &err), 0);
	assert_int_equal(e.cached, 1);
	assert_int_equal(e.format, IMAGE_FORMAT_QCOW2);	/* from the header */
	assert_int_equal(e.size, 1048576);
	assert_string_equal(e.compression, "xz");
	assert_string_equal(e.origin, "img.raw");
	assert_non_null(strstr(e.path, e.name));

	assert_int_equal(image_cache_record_use(cache, e.name, "lab", &err), 0);
	assert_int_equal(image_cache_record_use(cache, e.name, "lab", &err), 0);
	snprintf(prefix, sizeof prefix, "%.8s", e.sum);
	assert_int_equal(image_cache_find(cache, prefix, &f, &err), 0);
	assert_string_equal(f.name, e.name);
	assert_int_equal(f.nfleets, 1);
	assert_string_equal(f.fleets[0], "lab");
	image_entry_release(&f);
	assert_int_equal(image_cache_find(cache, "sha512:0000", &f, &err), -1);
	assert_non_null(strstr(err.msg, "no cached image matches"));

	/* A plain local file is used in place, not copied. */
	src.path = raw;
	assert_int_equal(image_cache_ensure(&src, cache, NULL, &f, &err), 0);
	assert_int_equal(f.cached, 0);
	assert_string_equal(f.path, raw);
	image_entry_release(&f);
	src.sum = e.sum;			/* the wrong sum for this file */
	assert_int_equal(image_cache_ensure(&src, cache, NULL, &f, &err), -1);
	assert_non_null(strstr(err.msg, "mismatch"));

	assert_int_equal(image_cache_list(cache, &v, &n, &err), 0);
	assert_int_equal(n, 1);
	image_entry_release(&v[0]);
	free(v);
	assert_int_equal(image_cache_remove(cache, e.name, &err), 0);
	assert_int_equal(access(e.path, F_OK), -1);
	assert_int_equal(image_cache_list(cache, &v, &n, &err), 0);
	assert_int_equal(n, 0);
	free(v);
	assert_int_equal(image_cache_remove(cache, e.name, &err), -1);
	image_entry_release(&e);
	free(cmd);
	free(xzp);
	free(raw);
	free(cache);
}

/* Overwrite path with zeros, keeping its size (what a power cut can leave
 * of a file renamed into place before its blocks reached the disk). */
static void zero_fill(const char *path)
{
	char *cmd = xasprintf("dd if=/dev/zero of=%s bs=1048576 count=1 conv=notrunc "
			      "status=none", path);

	assert_int_equal(system(cmd), 0);
	free(cmd);
}

static int same_file(const char *a, const char *b)
{
	char *cmd = xasprintf("cmp -s %s %s", a, b);
	int rc = system(cmd);

	free(cmd);
	return rc == 0;
}

/* An entry is accepted only when its sidecar vouches for its bytes: a
 * zero-filled file of the right size, beside a sidecar that says the
 * right size, used to be taken as the image. */
static void test_cache_rejects_zeroed_entry(void **state)
{
	char *cache = xasprintf("%s/cache0", dir), *raw = xasprintf("%s/z.raw", dir);
	char *cmd = xasprintf("head -c 1048576 /dev/urandom > %s && printf 'QFI\\373' | dd of=%s conv=notrunc status=none && gzip -1 -k %s",
			      raw, raw, raw);
	char *gz = xasprintf("%s.gz", raw), *meta = NULL, *text = NULL;
	struct image_src src = { NULL, gz, HASH_SHA256, NULL, IMAGE_SUM_OF_DOWNLOAD };
	struct herd_err err = HERD_ERR_INIT;
	struct image_entry e, f;
	struct stat before, after;
	FILE *fp;

	(void)state;
	assert_int_equal(system(cmd), 0);
	assert_int_equal(image_cache_ensure(&src, cache, NULL, &e, &err), 0);
	assert_true(same_file(e.path, raw));
	meta = xasprintf("%s.meta", e.path);
	fp = fopen(meta, "r");
	assert_non_null(fp);
	text = xcalloc(1, 4096);
	assert_true(fread(text, 1, 4095, fp) > 0);
	fclose(fp);
	assert_non_null(strstr(text, "\ncheck=sha256:"));	/* of the image, not the .gz */
	assert_non_null(strstr(text, "\nverified=1048576 "));

	/* zeros where the image was, the sidecar as it was: a stale stamp,
	 * so the file is hashed, found wrong and made again */
	zero_fill(e.path);
	assert_int_equal(image_cache_ensure(&src, cache, NULL, &f, &err), 0);
	assert_true(same_file(f.path, raw));
	image_entry_release(&f);

	/* a sidecar as older herds wrote it: size only, nothing to check a
	 * decompressed image against: made again */
	fp = fopen(meta, "w");
	assert_non_null(fp);
	fputs("# herd image cache entry\ncompression=gzip\nsum_of=download\nsize=1048576\n", fp);
	fclose(fp);
	zero_fill(e.path);
	assert_int_equal(image_cache_ensure(&src, cache, NULL, &f, &err), 0);
	assert_true(same_file(f.path, raw));
	image_entry_release(&f);

	/* a good file with a stale stamp is hashed once, kept (the same
	 * file, not made again) and stamped anew */
	free(cmd);
	cmd = xasprintf("sed -i 's/^verified=.*/verified=1048576 1.000000000 1/' %s", meta);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(stat(e.path, &before), 0);
	assert_int_equal(image_cache_ensure(&src, cache, NULL, &f, &err), 0);
	assert_int_equal(stat(f.path, &after), 0);
	assert_int_equal(before.st_ino, after.st_ino);
	assert_true(same_file(f.path, raw));
	image_entry_release(&f);
	fp = fopen(meta, "r");
	assert_non_null(fp);
	memset(text, 0, 4096);
	assert_true(fread(text, 1, 4095, fp) > 0);
	fclose(fp);
	assert_null(strstr(text, "verified=1048576 1.000000000 1\n"));
	assert_non_null(strstr(text, "\nverified=1048576 "));
	image_entry_release(&e);
	free(text);
	free(meta);
	free(cmd);
	free(gz);
	free(raw);
	free(cache);
}

static void test_progress_format(void **state)
{
	char b[32];
	char *p = xasprintf("%s/progress.txt", dir), *text;
	FILE *f = fopen(p, "w+");
	struct progress *pr;
	long len;

	(void)state;
	progress_fmt_bytes(812, b, sizeof b);
	assert_string_equal(b, "812 B");
	progress_fmt_bytes(1536, b, sizeof b);
	assert_string_equal(b, "1.50 KiB");
	progress_fmt_bytes(256ULL << 20, b, sizeof b);
	assert_string_equal(b, "256 MiB");
	progress_fmt_eta(7, b, sizeof b);
	assert_string_equal(b, "0:07");
	progress_fmt_eta(3723, b, sizeof b);
	assert_string_equal(b, "1:02:03");
	progress_fmt_eta(-1, b, sizeof b);
	assert_string_equal(b, "--:--");
	/* Plain lines: one per quarter crossed, no bar, no escapes. */
	pr = progress_new(f, "img", 0);
	progress_update(pr, 10, 100, 5);
	progress_update(pr, 30, 100, 5);
	progress_update(pr, 31, 100, 5);
	progress_update(pr, 80, 100, 5);
	progress_done(pr, 1);
	progress_free(pr);
	len = ftell(f);
	text = xcalloc(1, (size_t)len + 1);
	rewind(f);
	assert_int_equal(fread(text, 1, (size_t)len, f), (size_t)len);
	assert_non_null(strstr(text, "img:  30%  30 B / 100 B  5 B/s  ETA 0:14\n"));
	assert_non_null(strstr(text, "img:  80%"));
	assert_null(strstr(text, "31%"));
	assert_null(strchr(text, '\r'));
	fclose(f);
	free(text);
	free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sum_parse),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_detect_format),
		cmocka_unit_test(test_origin_and_dir),
		cmocka_unit_test(test_meta_roundtrip),
		cmocka_unit_test(test_cache_from_local_files),
		cmocka_unit_test(test_cache_rejects_zeroed_entry),
		cmocka_unit_test(test_progress_format),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
