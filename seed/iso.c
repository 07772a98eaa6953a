/* seed/iso.c — ISO 9660 + Joliet + Rock Ridge seed images via libarchive.
 *
 * libarchive gives every file the times we set, but it stamps the volume
 * descriptors, the root directory and its information block with time(NULL)
 * at close (the "creation" option that would fix it only exists in DEBUG
 * builds), and it writes every date in local time with the zone's offset.
 * So after libarchive has built the image in memory, iso_normalize() walks
 * the volume descriptors and the (flat) root directories and rewrites each
 * of those date fields to ISO_FIXED_TIME in UTC.  It touches dates only.
 */
#include "seed/iso.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/mem.h"
#include "common/fsio.h"

#define SECTOR 2048
#define VD_FIRST 16		/* volume descriptors start at sector 16 */
#define VD_PRIMARY 1
#define VD_SUPPLEMENTARY 2	/* Joliet */
#define VD_TERMINATOR 255
#define VD_ROOT_RECORD 156
#define DR_EXTENT 2		/* directory record: LBA, both-endian */
#define DR_SIZE 10
#define DR_DATE 18		/* 7-byte recording date */
#define DR_FLAGS 25
#define DR_NAME_LEN 32
#define DR_NAME 33
#define DR_FLAG_DIR 0x02

/* Byte offsets of the 17-byte dates in a volume descriptor. */
static const size_t vd_dates[] = { 813, 830, 864 };	/* creation, modification, effective */
#define VD_EXPIRATION 847

static int name_ok(const char *s, size_t max, const char *extra)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > max || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || strchr(extra, c) != NULL))
			return 0;
	}
	return 1;
}

static int check_input(const char *label, const struct iso_file *files,
		       size_t n, struct herd_err *err)
{
	size_t i, j;

	if (label == NULL || !name_ok(label, 32, ""))
		return herd_errf(err, HERD_E_USAGE,
				 "volume label \"%s\" is not 1-32 characters of A-Z a-z 0-9 _",
				 label ? label : "");
	for (i = 0; i < n; i++) {
		if (!name_ok(files[i].name, 64, ".-"))
			return herd_errf(err, HERD_E_USAGE,
					 "file name \"%s\" is not 1-64 characters of A-Z a-z 0-9 . _ -",
					 files[i].name);
		for (j = 0; j < i; j++)
			if (strcmp(files[i].name, files[j].name) == 0)
				return herd_errf(err, HERD_E_USAGE,
						 "file \"%s\" given twice", files[i].name);
	}
	return 0;
}

/* ---- normalisation of the dates libarchive writes ---- */

static void put_date7(unsigned char *p)
{
	time_t t = ISO_FIXED_TIME;
	struct tm tm;

	gmtime_r(&t, &tm);
	p[0] = (unsigned char)tm.tm_year;
	p[1] = (unsigned char)(tm.tm_mon + 1);
	p[2] = (unsigned char)tm.tm_mday;
	p[3] = (unsigned char)tm.tm_hour;
	p[4] = (unsigned char)tm.tm_min;
	p[5] = (unsigned char)tm.tm_sec;
	p[6] = 0;		/* offset from UTC in 15-minute steps */
}

static void put_date17(unsigned char *p)
{
	time_t t = ISO_FIXED_TIME;
	struct tm tm;
	char s[64];

	gmtime_r(&t, &tm);
	snprintf(s, sizeof s, "%04d%02d%02d%02d%02d%02d00", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
	memcpy(p, s, 16);
	p[16] = 0;
}

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

/* Rock Ridge keeps times in the "TF" entry of a record's system use area. */
static void fix_susp(unsigned char *r, size_t len)
{
	size_t nl = r[DR_NAME_LEN];
	size_t su = DR_NAME + nl + (nl % 2 == 0 ? 1 : 0);

	while (su + 4 <= len) {
		unsigned char *e = r + su;
		size_t elen = e[2], stamp, p;
		int bit;

		if (elen < 4 || su + elen > len || memcmp(e, "ST", 2) == 0)
			return;
		if (memcmp(e, "TF", 2) == 0 && elen >= 5) {
			stamp = (e[4] & 0x80) ? 17 : 7;
			p = 5;
			for (bit = 0; bit < 7; bit++) {
				if (!(e[4] & (1u << bit)) || p + stamp > elen)
					continue;
				if (stamp == 7)
					put_date7(e + p);
				else
					put_date17(e + p);
				p += stamp;
			}
		}
		su += elen;
	}
}

/* Fix every record of the directory extent a root record points at.  herd's
 * images are flat: a subdirectory would escape the walk, so it is refused. */
static int fix_root_dir(unsigned char *img, size_t size, const unsigned char *root,
			struct herd_err *err)
{
	size_t pos = (size_t)le32(root + DR_EXTENT) * SECTOR;
	size_t end = pos + le32(root + DR_SIZE);

	if (end > size || end < pos)
		return herd_errf(err, HERD_E_ARCHIVE, "root directory outside the image");
	while (pos < end) {
		unsigned char *r = img + pos;
		size_t len = r[0];

		if (len == 0) {		/* records do not cross sectors */
			pos = (pos / SECTOR + 1) * SECTOR;
			continue;
		}
		if (len < DR_NAME || pos + len > end || (size_t)DR_NAME + r[DR_NAME_LEN] > len)
			return herd_errf(err, HERD_E_ARCHIVE, "bad directory record at %zu", pos);
		if ((r[DR_FLAGS] & DR_FLAG_DIR) && r[DR_NAME_LEN] == 1 && r[DR_NAME] > 1)
			return herd_errf(err, HERD_E_ARCHIVE, "unexpected subdirectory in a seed image");
		put_date7(r + DR_DATE);
		fix_susp(r, len);
		pos += len;
	}
	return 0;
}

/* Replace the ctime() text in libarchive's information block (the sector
 * after the descriptor terminator: "INFO <ctime>libarchive x.y.z ..."). */
static void fix_info_block(unsigned char *img, size_t size, size_t sector)
{
	time_t t = ISO_FIXED_TIME;
	struct tm tm;
	char text[32];
	unsigned char *p = img + sector * SECTOR;

	if ((sector + 1) * SECTOR > size || memcmp(p, "INFO ", 5) != 0)
		return;
	gmtime_r(&t, &tm);
	asctime_r(&tm, text);	/* fixed English names, 24 chars + "\n" */
	memcpy(p + 5, text, 24);
}

static int iso_normalize(unsigned char *img, size_t size, struct herd_err *err)
{
	size_t s, i;

	for (s = VD_FIRST; (s + 1) * SECTOR <= size; s++) {
		unsigned char *vd = img + s * SECTOR;

		if (memcmp(vd + 1, "CD001", 5) != 0)
			break;
		if (vd[0] == VD_TERMINATOR) {
			fix_info_block(img, size, s + 1);
			return 0;
		}
		if (vd[0] != VD_PRIMARY && vd[0] != VD_SUPPLEMENTARY)
			continue;
		for (i = 0; i < sizeof vd_dates / sizeof vd_dates[0]; i++)
			put_date17(vd + vd_dates[i]);
		memset(vd + VD_EXPIRATION, '0', 16);
		vd[VD_EXPIRATION + 16] = 0;
		put_date7(vd + VD_ROOT_RECORD + DR_DATE);
		if (fix_root_dir(img, size, vd + VD_ROOT_RECORD, err) != 0)
			return -1;
	}
	return herd_errf(err, HERD_E_ARCHIVE, "no volume descriptor terminator in the image");
}

/* ---- building with libarchive ---- */

struct sink {
	struct buf b;
};

static la_ssize_t sink_write(struct archive *a, void *ctx, const void *p, size_t n)
{
	struct sink *s = ctx;

	if (s->b.len + n > ISO_MAX_SIZE) {
		archive_set_error(a, EFBIG, "image larger than %zu bytes", ISO_MAX_SIZE);
		return -1;
	}
	buf_add(&s->b, p, n);
	return (la_ssize_t)n;
}

static int la_fail(struct archive *a, const char *what, struct herd_err *err)
{
	const char *msg = archive_error_string(a);

	return herd_errf(err, HERD_E_ARCHIVE, "%s: %s", what, msg ? msg : "libarchive error");
}

static int set_options(struct archive *a, const char *label, struct herd_err *err)
{
	/* joliet for Windows-style readers, strict Rock Ridge so the modes and
	 * owners we set are the ones recorded, no 300 KB tail padding (it
	 * worked around read-ahead bugs of old IDE CD-ROM drivers). */
	static const struct { const char *key, *value; } opts[] = {
		{ "joliet", "1" },
		{ "rockridge", "strict" },
		{ "pad", NULL },
	};
	size_t i;

	if (archive_write_set_format_option(a, "iso9660", "volume-id", label) != ARCHIVE_OK)
		return la_fail(a, "set volume-id", err);
	for (i = 0; i < sizeof opts / sizeof opts[0]; i++)
		if (archive_write_set_format_option(a, "iso9660", opts[i].key,
						    opts[i].value) != ARCHIVE_OK)
			return la_fail(a, opts[i].key, err);
	return 0;
}

static int add_file(struct archive *a, const struct iso_file *f, struct herd_err *err)
{
	struct archive_entry *e = archive_entry_new();
	int rc = -1;

	if (e == NULL)
		abort();	/* allocation failure, as xmalloc */
	archive_entry_set_pathname(e, f->name);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_uid(e, 0);
	archive_entry_set_gid(e, 0);
	archive_entry_set_size(e, (la_int64_t)f->len);
	archive_entry_set_mtime(e, ISO_FIXED_TIME, 0);
	archive_entry_set_atime(e, ISO_FIXED_TIME, 0);
	archive_entry_set_ctime(e, ISO_FIXED_TIME, 0);
	if (archive_write_header(a, e) != ARCHIVE_OK) {
		herd_errf(err, HERD_E_ARCHIVE, "add %s: %s", f->name, archive_error_string(a));
		goto out;
	}
	if (f->len > 0 && archive_write_data(a, f->data, f->len) != (la_ssize_t)f->len) {
		herd_errf(err, HERD_E_ARCHIVE, "write %s: %s", f->name, archive_error_string(a));
		goto out;
	}
	rc = 0;
out:
	archive_entry_free(e);
	return rc;
}

int iso_write_mem(const char *label, const struct iso_file *files, size_t n,
		  char **out, size_t *out_len, struct herd_err *err)
{
	struct archive *a = NULL;
	struct sink sink;
	size_t i;
	int rc = -1;

	*out = NULL;
	*out_len = 0;
	buf_init(&sink.b);
	if (check_input(label, files, n, err) != 0)
		goto out;
	a = archive_write_new();
	if (a == NULL)
		abort();
	if (archive_write_set_format_iso9660(a) != ARCHIVE_OK) {
		la_fail(a, "iso9660 format", err);
		goto out;
	}
	if (set_options(a, label, err) != 0)
		goto out;
	if (archive_write_open(a, &sink, NULL, sink_write, NULL) != ARCHIVE_OK) {
		la_fail(a, "open image", err);
		goto out;
	}
	for (i = 0; i < n; i++)
		if (add_file(a, &files[i], err) != 0)
			goto out;
	if (archive_write_close(a) != ARCHIVE_OK) {
		la_fail(a, "finish image", err);
		goto out;
	}
	if (sink.b.len == 0 || sink.b.len % SECTOR != 0) {
		herd_errf(err, HERD_E_ARCHIVE, "libarchive wrote %zu bytes, not whole sectors",
			  sink.b.len);
		goto out;
	}
	if (iso_normalize((unsigned char *)sink.b.data, sink.b.len, err) != 0)
		goto out;
	*out = buf_take(&sink.b, out_len);
	rc = 0;
out:
	if (a != NULL)
		archive_write_free(a);
	buf_release(&sink.b);
	return rc;
}

int iso_write_file(const char *path, const char *label,
		   const struct iso_file *files, size_t n, struct herd_err *err)
{
	char *img = NULL;
	size_t len = 0;
	int rc = -1;

	if (iso_write_mem(label, files, n, &img, &len, err) != 0)
		goto out;
	if (fsio_write_atomic(path, img, len, 0600, FSIO_REPLACE, err) != 0)
		goto out;
	rc = 0;
out:
	free(img);
	return rc;
}
