#include "plans/check_images.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#define ANY CHECK_AT_ANY

static const char *const sum_words[] = { "download", "image", NULL };

static const struct check_field boot_fields[] = {
	{ .key = "cmdline", .fn = check_string, .flags = ANY,
	  .off = offsetof(struct fleet_image, cmdline) },
	{ .key = "initrd", .fn = check_path, .flags = ANY,
	  .off = offsetof(struct fleet_image, initrd) },
	{ .key = "kernel", .fn = check_path, .flags = ANY | CHECK_REQUIRED,
	  .off = offsetof(struct fleet_image, kernel), .example = "kernel: PATH" },
};
static const struct check_table boot_table = CHECK_TABLE(boot_fields);

static const struct check_field image_fields[] = {
	{ .key = "boot", .fn = check_sub, .flags = ANY, .arg = &boot_table },
	{ .key = "path", .fn = check_path, .flags = ANY,
	  .off = offsetof(struct fleet_image, path) },
	{ .key = "sha256", .fn = check_hex, .flags = ANY, .min = 64,
	  .off = offsetof(struct fleet_image, sha256) },
	{ .key = "sha256_of", .fn = check_word, .flags = ANY,
	  .off = offsetof(struct fleet_image, sum_of), .arg = sum_words },
	{ .key = "sha512", .fn = check_hex, .flags = ANY, .min = 128,
	  .off = offsetof(struct fleet_image, sha512) },
	{ .key = "url", .fn = check_url, .flags = ANY,
	  .off = offsetof(struct fleet_image, url) },
};
static const struct check_table image_table = CHECK_TABLE(image_fields);

static bool has(const struct ynode *map, const char *key)
{
	const struct ynode *v = ynode_get(map, key);

	return v != NULL && !ynode_is_null(v);
}

/* Rules between keys: presence is read from the file, not from what was
 * stored, so a missing path file does not also say "needs url or path". */
static void cross_check(struct check_ctx *c, const struct ynode *key,
			const struct ynode *map)
{
	bool url = has(map, "url"), path = has(map, "path");

	if (!url && !path)
		check_errf(c, key, "needs url or path (url: https://... with a "
			   "sha256, or path: ./FILE)");
	else if (url && path)
		check_errf(c, ynode_get_key(map, "path"), "has both url and path "
			   "(use one)");
	else if (url && !has(map, "sha256") && !has(map, "sha512"))
		check_errf(c, ynode_get(map, "url"), "a url needs sha256 or "
			   "sha512 (herd verifies every download)");
	if (has(map, "sha256") && has(map, "sha512"))
		check_errf(c, ynode_get_key(map, "sha512"), "has both sha256 and "
			   "sha512 (use one)");
}

static void check_one(struct check_ctx *c, const struct ynode *key,
		      const struct ynode *map, struct fleet_image *img)
{
	char what[96];

	snprintf(what, sizeof what, "image '%s'", key->str);
	c->what = what;
	img->name = key->str;
	img->pos = (struct fleet_pos){ key->file, key->line, key->col };
	if (!check_chars(key->str, "a-z0-9", "a-z0-9._-", 64))
		check_errf(c, key, "the name is not valid (use lower-case letters, "
			   "digits, '.', '_' or '-', at most 64)");
	if (map->kind != YNODE_MAP && !ynode_is_null(map)) {
		check_errf(c, map, "must be a mapping (url: or path:), not %s",
			   ynode_kind_name(map));
		return;
	}
	check_map(c, map, &image_table, img);
	cross_check(c, key, ynode_is_null(map) ? NULL : map);
}

int check_images(struct check_ctx *c, const struct ynode *images)
{
	struct fleet *f = c->f;
	size_t before = c->errors, i;
	unsigned where = c->where;

	if (images == NULL || ynode_is_null(images))
		return 0;
	f->images = yarena_alloc(f->arena, images->n * sizeof *f->images);
	f->n_images = images->n;
	c->where = CHECK_AT_ANY;
	for (i = 0; i < images->n; i++)
		check_one(c, ynode_key(images, i), ynode_val(images, i), &f->images[i]);
	c->what = NULL;
	c->where = where;
	return c->errors == before ? 0 : -1;
}
