/* orchestrator/image/image.c — checksums, entry names, formats, cache location. */
#include "orchestrator/image/image.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "common/mem.h"

static size_t hex_len(enum hash_algo algo)
{
	return algo == HASH_SHA512 ? 128 : 64;
}

const char *image_algo_name(enum hash_algo algo)
{
	return algo == HASH_SHA512 ? "sha512" : "sha256";
}

int image_sum_parse(enum hash_algo algo, const char *hex, char *out,
		    struct herd_err *err)
{
	size_t i, want = hex_len(algo), n = hex != NULL ? strlen(hex) : 0;

	for (i = 0; i < n; i++)
		if (!isxdigit((unsigned char)hex[i]))
			break;
	if (n != want || i != n)
		return herd_errf(err, HERD_E_USAGE,
				 "%s checksum \"%.140s\" is not %zu hex digits",
				 image_algo_name(algo), hex ? hex : "", want);
	for (i = 0; i < n; i++)
		out[i] = (char)tolower((unsigned char)hex[i]);
	out[n] = '\0';
	return 0;
}

const char *image_sum_of_name(enum image_sum_of sum_of)
{
	return sum_of == IMAGE_SUM_OF_IMAGE ? "image" : "download";
}

int image_sum_of_parse(const char *s, enum image_sum_of *out,
		       struct herd_err *err)
{
	if (strcmp(s, "download") == 0)
		*out = IMAGE_SUM_OF_DOWNLOAD;
	else if (strcmp(s, "image") == 0)
		*out = IMAGE_SUM_OF_IMAGE;
	else
		return herd_errf(err, HERD_E_USAGE,
				 "sha256_of \"%.100s\" is not download or image", s);
	return 0;
}

char *image_entry_name(enum hash_algo algo, const char *hex)
{
	return xasprintf("%s-%s", image_algo_name(algo), hex);
}

int image_entry_name_parse(const char *name, enum hash_algo *algo, char *hex)
{
	enum hash_algo a;
	size_t i, n;

	if (strncmp(name, "sha256-", 7) == 0)
		a = HASH_SHA256;
	else if (strncmp(name, "sha512-", 7) == 0)
		a = HASH_SHA512;
	else
		return 0;
	name += 7;
	n = strlen(name);
	if (n != hex_len(a))
		return 0;
	for (i = 0; i < n; i++)
		if (!isdigit((unsigned char)name[i]) && !(name[i] >= 'a' && name[i] <= 'f'))
			return 0;
	if (algo != NULL)
		*algo = a;
	if (hex != NULL)
		memcpy(hex, name, n + 1);
	return 1;
}

enum image_format image_detect_format(const void *head, size_t n)
{
	/* qcow2 (versions 2 and 3) starts with "QFI\xfb"; there is no
	 * magic for raw, which is everything else. */
	if (n >= 4 && memcmp(head, "QFI\xfb", 4) == 0)
		return IMAGE_FORMAT_QCOW2;
	return IMAGE_FORMAT_RAW;
}

const char *image_format_name(enum image_format format)
{
	return format == IMAGE_FORMAT_QCOW2 ? "qcow2" : "raw";
}

int image_format_parse(const char *s, enum image_format *out)
{
	if (strcmp(s, "qcow2") == 0)
		*out = IMAGE_FORMAT_QCOW2;
	else if (strcmp(s, "raw") == 0)
		*out = IMAGE_FORMAT_RAW;
	else
		return -1;
	return 0;
}

char *image_origin_name(const char *url_or_path, int strip_comp)
{
	static const char *const sufs[] = { ".gz", ".bz2", ".xz", ".zst" };
	const char *s = url_or_path, *end, *slash;
	char *name;
	size_t i, n;

	end = s + strcspn(s, "?#");
	while (end > s && end[-1] == '/')
		end--;
	for (slash = end; slash > s && slash[-1] != '/'; slash--)
		;
	name = xstrndup(slash, (size_t)(end - slash));
	n = strlen(name);
	for (i = 0; strip_comp && i < sizeof sufs / sizeof sufs[0]; i++) {
		size_t k = strlen(sufs[i]);

		if (n > k && strcmp(name + n - k, sufs[i]) == 0) {
			name[n - k] = '\0';
			break;
		}
	}
	if (name[0] == '\0') {
		free(name);
		name = xstrdup("image");
	}
	return name;
}

char *image_cache_default_dir(struct herd_err *err)
{
	const char *v = getenv("HERD_CACHE_DIR");

	if (v != NULL && v[0] != '\0')
		return xstrdup(v);
	v = getenv("XDG_CACHE_HOME");
	/* The XDG spec says a relative value is invalid and to be ignored. */
	if (v != NULL && v[0] == '/')
		return xasprintf("%s/herd/images", v);
	v = getenv("HOME");
	if (v != NULL && v[0] == '/')
		return xasprintf("%s/.cache/herd/images", v);
	herd_errf(err, HERD_E_IO,
		  "no cache directory: set HOME, XDG_CACHE_HOME or HERD_CACHE_DIR");
	return NULL;
}
