/* tests/unit/test_iso.c — seed/iso: read images back with libarchive's
 * reader, check labels, bytes, modes, and byte-identical output. */
#include "testutil.h"

#include <archive.h>
#include <archive_entry.h>
#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "seed/iso.h"

static const char binary[] = { 0, 1, 2, (char)0xff, '\n', 0 };

static const struct iso_file nocloud[] = {
	{ "user-data", "#cloud-config\nhostname: web-1\n", 30 },
	{ "meta-data", "instance-id: lab-web-1-abc\nlocal-hostname: web-1\n", 49 },
	{ "network-config", "version: 2\nethernets: {}\n", 25 },
	{ "vendor-data", binary, sizeof binary },
	{ "empty", "", 0 },
};
#define NOCLOUD_N (sizeof nocloud / sizeof nocloud[0])

/* Read every entry of an image and check it against files[0..n). */
static void assert_contents(const char *img, size_t len,
			    const struct iso_file *files, size_t n)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	size_t seen = 0, i;
	int found;

	assert_non_null(a);
	assert_int_equal(archive_read_support_format_iso9660(a), ARCHIVE_OK);
	assert_int_equal(archive_read_open_memory(a, img, len), ARCHIVE_OK);
	while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
		const char *name = archive_entry_pathname(e);
		char data[4096];
		la_ssize_t got;

		if (archive_entry_filetype(e) == AE_IFDIR)
			continue;
		found = 0;
		for (i = 0; i < n; i++) {
			if (strcmp(files[i].name, name) != 0)
				continue;
			found = 1;
			assert_int_equal(archive_entry_size(e), files[i].len);
			assert_int_equal(archive_entry_perm(e), 0644);
			assert_int_equal(archive_entry_mtime(e), ISO_FIXED_TIME);
			got = archive_read_data(a, data, sizeof data);
			assert_int_equal(got, files[i].len);
			assert_memory_equal(data, files[i].data, files[i].len);
		}
		if (!found)
			fail_msg("unexpected entry %s", name);
		seen++;
	}
	assert_int_equal(seen, n);
	archive_read_free(a);
}

/* The Joliet descriptor (sector 17) carries the label as written, in
 * UCS-2BE; it is the one blkid reports.  The primary one has it upper-cased. */
static void assert_label(const char *img, size_t len, const char *label)
{
	const unsigned char *pvd = (const unsigned char *)img + 16 * 2048;
	const unsigned char *svd = (const unsigned char *)img + 17 * 2048;
	size_t i, n = strlen(label);

	assert_true(len > 18 * 2048);
	assert_int_equal(pvd[0], 1);
	for (i = 0; i < n; i++)
		assert_int_equal(pvd[40 + i], (unsigned char)toupper((unsigned char)label[i]));
	assert_int_equal(pvd[40 + n], ' ');
	assert_int_equal(svd[0], 2);
	assert_memory_equal(svd + 88, "%/E", 3);	/* Joliet UCS-2 level 3 */
	for (i = 0; i < n; i++) {
		assert_int_equal(svd[40 + 2 * i], 0);
		assert_int_equal(svd[41 + 2 * i], (unsigned char)label[i]);
	}
	/* Volume creation date: the fixed time in UTC, not the clock's. */
	assert_memory_equal(pvd + 813, "2000010100000000", 16);
	assert_int_equal(pvd[813 + 16], 0);
}

static void test_roundtrip(void **state)
{
	struct herd_err err = HERD_ERR_INIT;
	char *img = NULL;
	size_t len = 0;

	(void)state;
	assert_int_equal(iso_write_mem(ISO_LABEL_NOCLOUD, nocloud, NOCLOUD_N, &img, &len, &err), 0);
	assert_int_equal(len % 2048, 0);
	assert_label(img, len, "cidata");
	assert_contents(img, len, nocloud, NOCLOUD_N);
	free(img);
}

static void test_kickstart_label(void **state)
{
	static const struct iso_file ks[] = { { "ks.cfg", "text\nreboot\n", 12 } };
	struct herd_err err = HERD_ERR_INIT;
	char *img = NULL;
	size_t len = 0;

	(void)state;
	assert_int_equal(iso_write_mem(ISO_LABEL_KICKSTART, ks, 1, &img, &len, &err), 0);
	assert_label(img, len, "OEMDRV");
	assert_contents(img, len, ks, 1);
	free(img);
}

static char *build_in_tz(const char *tz, size_t *len)
{
	struct herd_err err = HERD_ERR_INIT;
	char *img = NULL;

	setenv("TZ", tz, 1);
	tzset();
	assert_int_equal(iso_write_mem(ISO_LABEL_NOCLOUD, nocloud, NOCLOUD_N, &img, len, &err), 0);
	return img;
}

/* libarchive stamps the clock's time and the local zone into the image; a
 * second later and eleven and a half zones away it must not show. */
static void test_deterministic(void **state)
{
	const char *old = getenv("TZ");
	char *saved = old ? strdup(old) : NULL;
	size_t la = 0, lb = 0;
	char *a, *b;

	(void)state;
	a = build_in_tz("Asia/Kolkata", &la);
	sleep(1);
	b = build_in_tz("America/St_Johns", &lb);
	assert_int_equal(la, lb);
	assert_memory_equal(a, b, la);
	free(a);
	free(b);
	if (saved)
		setenv("TZ", saved, 1);
	else
		unsetenv("TZ");
	tzset();
	free(saved);
}

static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	assert_non_null(d);
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

static void test_write_file(void **state)
{
	struct herd_err err = HERD_ERR_INIT;
	char dir[] = "/tmp/herd-test-iso-XXXXXX";
	char path[128], *img = NULL, *mem = NULL;
	size_t len = 0, mlen = 0;
	struct stat st;
	FILE *f;
	mode_t old;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/seed.iso", dir);
	f = fopen(path, "w");		/* an old file is replaced */
	assert_non_null(f);
	fputs("old", f);
	fclose(f);
	/* A seed holds the VM's SSH host private key: 0600, whatever the
	 * umask (it was 0644). */
	old = umask(0);
	assert_int_equal(iso_write_file(path, "cidata", nocloud, NOCLOUD_N, &err), 0);
	umask(old);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(count_entries(dir), 1);	/* no temporary left */
	img = malloc((size_t)st.st_size);
	f = fopen(path, "r");
	assert_int_equal(fread(img, 1, (size_t)st.st_size, f), (size_t)st.st_size);
	fclose(f);
	len = (size_t)st.st_size;
	assert_int_equal(iso_write_mem("cidata", nocloud, NOCLOUD_N, &mem, &mlen, &err), 0);
	assert_int_equal(len, mlen);
	assert_memory_equal(img, mem, len);
	unlink(path);
	rmdir(dir);
	free(img);
	free(mem);
}

static void test_write_file_error(void **state)
{
	struct herd_err err = HERD_ERR_INIT;

	(void)state;
	assert_int_equal(iso_write_file("/nonexistent-dir/x/seed.iso", "cidata",
					nocloud, 1, &err), -1);
	assert_int_equal(err.code, HERD_E_IO);
	assert_non_null(strstr(err.msg, "/nonexistent-dir/x"));
}

static void test_bad_input(void **state)
{
	static const struct iso_file dup[] = { { "a", "1", 1 }, { "a", "2", 1 } };
	static const struct iso_file slash[] = { { "dir/a", "1", 1 } };
	static const struct iso_file dots[] = { { "..", "1", 1 } };
	struct herd_err err = HERD_ERR_INIT;
	char *img = (char *)"untouched";
	size_t len = 1;

	(void)state;
	assert_int_equal(iso_write_mem("bad label", nocloud, 1, &img, &len, &err), -1);
	assert_int_equal(err.code, HERD_E_USAGE);
	assert_null(img);
	assert_int_equal(iso_write_mem("a-label-that-is-longer-than-32-chars", nocloud, 1, &img, &len, &err), -1);
	assert_int_equal(iso_write_mem("cidata", dup, 2, &img, &len, &err), -1);
	assert_non_null(strstr(err.msg, "given twice"));
	assert_int_equal(iso_write_mem("cidata", slash, 1, &img, &len, &err), -1);
	assert_int_equal(iso_write_mem("cidata", dots, 1, &img, &len, &err), -1);
	assert_int_equal(err.code, HERD_E_USAGE);
}

static void test_large_file(void **state)
{
	struct herd_err err = HERD_ERR_INIT;
	struct iso_file big = { "user-data", NULL, 3000 };
	char *data = malloc(big.len), *img = NULL;
	size_t i, len = 0;

	(void)state;
	for (i = 0; i < big.len; i++)	/* crosses a sector boundary */
		data[i] = (char)('a' + i % 26);
	big.data = data;
	assert_int_equal(iso_write_mem("cidata", &big, 1, &img, &len, &err), 0);
	assert_contents(img, len, &big, 1);
	free(img);
	free(data);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_kickstart_label),
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_write_file),
		cmocka_unit_test(test_write_file_error),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_large_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
