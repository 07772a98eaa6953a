#include "plans/check_vms.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/mem.h"
#include "plans/namepat.h"

#define LAYER CHECK_AT_LAYER
#define OFF(field) offsetof(struct check_layer, spec.field)
#define MiB (1LL << 20)
#define GiB (1LL << 30)
#define TiB (1LL << 40)

static const char *const clone_words[] = { "linked", "full", NULL };
static const char *const boot_words[] = { "nocloud", "kickstart", "none", NULL };

/* The names of images (or networks), for "did you mean" and lists. */
static const char **names_of(const struct fleet *f, bool images, size_t *n)
{
	size_t i, cnt = images ? f->n_images : f->n_networks;
	const char **v = xcalloc(cnt + 1, sizeof *v);

	for (i = 0; i < cnt; i++)
		v[i] = images ? f->images[i].name : f->networks[i].name;
	*n = cnt;
	return v;
}

static int undefined(struct check_ctx *c, const struct ynode *val, bool image)
{
	size_t n;
	const char **names = names_of(c->f, image, &n);
	char hint[300];

	check_suggest(hint, sizeof hint, val->str, names, n, "defined");
	free(names);
	return check_errf(c, val, "%s '%s' is not defined (%s)",
			  image ? "image" : "network", val->str, hint);
}

static int check_image_ref(struct check_ctx *c, const struct check_field *fl,
			   const struct ynode *val, void *dst)
{
	size_t i;

	if (check_scalar(c, fl->key, val) < 0)
		return -1;
	for (i = 0; i < c->f->n_images; i++) {
		if (strcmp(c->f->images[i].name, val->str) == 0) {
			*(const struct fleet_image **)((char *)dst + fl->off) = &c->f->images[i];
			return 0;
		}
	}
	return undefined(c, val, true);
}

static const struct fleet_network *find_net(const struct fleet *f, const char *name)
{
	size_t i;

	for (i = 0; i < f->n_networks; i++)
		if (strcmp(f->networks[i].name, name) == 0)
			return &f->networks[i];
	return NULL;
}

/* A list of network names; the first is primary.  In a merged layer a name
 * listed by both defaults and the group is kept once, at its first place. */
static int check_net_list(struct check_ctx *c, const struct check_field *fl,
			  const struct ynode *val, void *dst)
{
	const struct fleet_network **v;
	size_t i, j, n = 0;
	int rc = 0;

	if (val->kind != YNODE_SEQ)
		return check_errf(c, val, "%s must be a list (write [%s])", fl->key,
				  val->kind == YNODE_SCALAR ? val->str : "NAME");
	v = yarena_alloc(c->f->arena, (val->n + 1) * sizeof *v);
	for (i = 0; i < val->n; i++) {
		const struct ynode *it = val->kids[i];
		const struct fleet_network *net;
		if (check_scalar(c, "a network", it) < 0 ||
		    ((net = find_net(c->f, it->str)) == NULL && undefined(c, it, false) < 0)) {
			rc = -1;
			continue;
		}
		for (j = 0; j < n && v[j] != net; j++)
			;
		if (j < n && !c->merged)
			rc = check_errf(c, it, "network '%s' is listed twice", it->str);
		else if (j == n)
			v[n++] = net;
	}
	*(const struct fleet_network ***)((char *)dst + fl->off) = v;
	*(size_t *)((char *)dst + fl->off2) = n;
	return rc;
}

static int check_pattern(struct check_ctx *c, const struct check_field *fl,
			 const struct ynode *val, void *dst)
{
	const char *bad;
	size_t badlen;
	bool numbered;

	if (check_scalar(c, fl->key, val) < 0)
		return -1;
	if (namepat_check(val->str, &bad, &badlen, &numbered) < 0)
		return check_errf(c, val, "%s \"%s\" uses %.*s (a name may use "
				  "{{index}}, {{n}}, {{group}} and {{fleet}})",
				  fl->key, val->str, (int)badlen, bad);
	*(const char **)((char *)dst + fl->off) = val->str;
	return 0;
}

static const struct check_field install_fields[] = {
	{ .key = "args", .fn = check_string, .flags = LAYER,
	  .off = offsetof(struct fleet_install, args) },
	{ .key = "initrd", .fn = check_path, .flags = LAYER,
	  .off = offsetof(struct fleet_install, initrd) },
	{ .key = "kernel", .fn = check_path, .flags = LAYER,
	  .off = offsetof(struct fleet_install, kernel) },
};
static const struct check_table install_table = CHECK_TABLE(install_fields);

static const struct check_field vm_fields[] = {
	{ .key = "bootstrap", .fn = check_word, .flags = LAYER, .off = OFF(bootstrap),
	  .arg = boot_words },
	{ .key = "clone", .fn = check_word, .flags = LAYER, .off = OFF(clone),
	  .arg = clone_words },
	{ .key = "cloud_config", .fn = check_mapping, .flags = LAYER,
	  .off = OFF(cloud_config) },
	{ .key = "count", .fn = check_uint, .flags = CHECK_AT_GROUP,
	  .off = offsetof(struct check_layer, count), .max = FLEET_MAX_COUNT },
	{ .key = "cpus", .fn = check_uint, .flags = LAYER, .off = OFF(cpus),
	  .min = 1, .max = 512 },
	{ .key = "disk", .fn = check_size, .flags = LAYER, .off = OFF(disk),
	  .min = MiB, .max = 64 * TiB },
	{ .key = "image", .fn = check_image_ref, .flags = LAYER, .off = OFF(image) },
	{ .key = "install", .fn = check_sub, .flags = LAYER, .off = OFF(install),
	  .arg = &install_table },
	{ .key = "ip", .fn = check_ip, .flags = CHECK_AT_VM,
	  .off = offsetof(struct check_layer, ip) },
	{ .key = "kickstart", .fn = check_path, .flags = LAYER, .off = OFF(kickstart) },
	{ .key = "memory", .fn = check_size, .flags = LAYER, .off = OFF(memory),
	  .min = 16 * MiB, .max = 16 * TiB },
	{ .key = "name", .fn = check_pattern, .flags = CHECK_AT_GROUP,
	  .off = offsetof(struct check_layer, name_pattern) },
	{ .key = "networks", .fn = check_net_list, .flags = LAYER,
	  .off = OFF(networks), .off2 = OFF(n_networks) },
	{ .key = "user_data", .fn = check_path, .flags = LAYER, .off = OFF(user_data) },
	{ .key = "vars", .fn = check_mapping, .flags = LAYER, .off = OFF(vars) },
};
static const struct check_table vm_table = CHECK_TABLE(vm_fields);

/* Rules for a group's names: numbered when count > 1, and hostnames. */
static void group_names(struct check_ctx *c, const struct ynode *map,
			struct fleet_group *g)
{
	const struct ynode *at = ynode_get(map, "name");
	const char *bad;
	char name[128];
	size_t badlen, len;
	bool numbered;

	if (at == NULL || ynode_is_null(at))
		at = map;
	if (namepat_check(g->name_pattern, &bad, &badlen, &numbered) < 0)
		return;	/* reported by check_pattern */
	if (g->count > 1 && !numbered) {
		check_errf(c, at, "name \"%s\" has no {{index}}, so its %u VMs "
			   "would share one name (like \"%s-{{index}}\")",
			   g->name_pattern, g->count, g->name);
		return;
	}
	len = namepat_render(name, sizeof name, g->name_pattern, c->f->name,
			     g->name, g->count ? g->count : 1, namepat_width(g->count));
	if (len >= sizeof name || !check_hostname(name))
		check_errf(c, at, "name \"%s\" gives \"%s\", which is not a valid "
			   "hostname (use lower-case letters, digits and '-', at "
			   "most 63)", g->name_pattern, name);
}

static void check_group(struct check_ctx *c, const struct ynode *key,
			const struct ynode *map, struct fleet_group *g)
{
	struct check_layer l = { .count = 1 };
	size_t before = c->errors;

	g->name = key->str;
	g->pos = (struct fleet_pos){ key->file, key->line, key->col };
	if (!check_chars(key->str, "a-z", "a-z0-9_-", 31))
		check_errf(c, key, "the name is not valid (use a lower-case letter, "
			   "then letters, digits, '-' or '_', at most 31)");
	if (ynode_is_null(map))
		map = NULL;
	check_map(c, map, &vm_table, &l);
	g->count = l.count;
	g->name_pattern = l.name_pattern;
	if (g->name_pattern == NULL) {
		char *s = xasprintf("%s-{{index}}", key->str);
		g->name_pattern = yarena_strdup(c->f->arena, s, strlen(s));
		free(s);
	}
	if (c->errors == before)
		group_names(c, map != NULL ? map : key, g);
}

static void each_entry(struct check_ctx *c, const struct ynode *map,
		       unsigned where)
{
	struct fleet *f = c->f;
	char what[128];
	size_t i;

	if (map == NULL || ynode_is_null(map))
		return;
	c->where = where;
	if (where == CHECK_AT_GROUP) {
		f->groups = yarena_alloc(f->arena, map->n * sizeof *f->groups);
		f->n_groups = map->n;
	}
	for (i = 0; i < map->n; i++) {
		const struct ynode *key = ynode_key(map, i), *val = ynode_val(map, i);
		struct check_layer l;
		snprintf(what, sizeof what, "%s '%s'",
			 where == CHECK_AT_GROUP ? "group" : "vm", key->str);
		c->what = what;
		if (where == CHECK_AT_GROUP) {
			check_group(c, key, val, &f->groups[i]);
			continue;
		}
		if (!check_hostname(key->str))
			check_errf(c, key, "the name is not a valid hostname (use "
				   "lower-case letters, digits and '-', at most 63)");
		memset(&l, 0, sizeof l);
		check_map(c, ynode_is_null(val) ? NULL : val, &vm_table, &l);
	}
}

int check_vms(struct check_ctx *c, const struct ynode *defaults,
	      const struct ynode *groups, const struct ynode *vms)
{
	struct check_layer l;
	size_t before = c->errors;
	unsigned where = c->where;

	memset(&l, 0, sizeof l);
	c->what = "defaults";
	c->where = CHECK_AT_DEFAULTS;
	if (defaults != NULL && !ynode_is_null(defaults))
		check_map(c, defaults, &vm_table, &l);
	each_entry(c, groups, CHECK_AT_GROUP);
	each_entry(c, vms, CHECK_AT_VM);
	c->what = NULL;
	c->where = where;
	return c->errors == before ? 0 : -1;
}

/* "set image: to one of: a, b" or, when there is none, how to add one. */
static void how_to_set(char *out, size_t outlen, const struct fleet *f, bool images)
{
	size_t n, i, used;
	const char **names = names_of(f, images, &n);

	if (n == 0)
		snprintf(out, outlen, "add one under %s: and set %s", images ?
			 "images" : "networks", images ? "image: NAME" : "networks: [NAME]");
	else {
		used = (size_t)snprintf(out, outlen, "set %s to one of: ", images ?
					"image:" : "networks: [NAME]");
		for (i = 0; i < n && used < outlen; i++)
			used += (size_t)snprintf(out + used, outlen - used, "%s%s",
						 i ? ", " : "", names[i]);
	}
	free(names);
}

/* A key of merged that only kickstart uses, set on a VM that is not. */
static void not_kickstart(struct check_ctx *c, const struct ynode *merged,
			  const char *key, enum fleet_bootstrap b)
{
	const struct ynode *v = ynode_get(merged, key);

	if (v != NULL && !ynode_is_null(v))
		check_errf(c, v, "%s is only used with bootstrap kickstart (this "
			   "VM's bootstrap is %s; set bootstrap: kickstart or "
			   "%s: ~)", key, boot_words[b], key);
}

static void cross_check(struct check_ctx *c, const struct ynode *merged,
			const struct ynode *entry, const struct fleet_spec *s)
{
	char names[300];

	if (s->image == NULL && s->bootstrap == FLEET_BOOT_NOCLOUD) {
		how_to_set(names, sizeof names, c->f, true);
		check_errf(c, entry, "has no image (%s)", names);
	}
	if (s->n_networks == 0) {
		how_to_set(names, sizeof names, c->f, false);
		check_errf(c, entry, "has no networks (%s)", names);
	}
	if (s->bootstrap != FLEET_BOOT_KICKSTART) {
		not_kickstart(c, merged, "kickstart", s->bootstrap);
		not_kickstart(c, merged, "install", s->bootstrap);
		return;
	}
	if (s->install.kernel == NULL || s->install.initrd == NULL)
		check_errf(c, entry, "bootstrap kickstart needs the installer: "
			   "install: {kernel: PATH, initrd: PATH}");
	if (ynode_get(merged, "user_data") && !ynode_is_null(ynode_get(merged, "user_data")))
		check_errf(c, ynode_get(merged, "user_data"), "user_data is not "
			   "used with bootstrap kickstart (use kickstart: for a "
			   "template, or user_data: ~)");
}

int check_vms_spec(struct check_ctx *c, const struct ynode *merged,
		   const struct ynode *entry, struct check_layer *out)
{
	size_t before = c->errors;
	unsigned where = c->where;

	memset(out, 0, sizeof *out);
	out->count = 1;
	out->spec.cpus = 1;
	out->spec.memory = 1ULL << 30;
	out->spec.disk = 10ULL << 30;
	out->spec.clone = FLEET_CLONE_LINKED;
	out->spec.bootstrap = FLEET_BOOT_NOCLOUD;
	out->spec.layer = merged;
	out->spec.pos = (struct fleet_pos){ entry->file, entry->line, entry->col };
	c->merged = true;
	c->where = CHECK_AT_ANY;
	if (merged != NULL && ynode_is_null(merged))
		merged = NULL;
	/* Each layer's values were checked as written (check_vms): a merged
	 * layer can only repeat those errors, at the same places, so after
	 * errors they are counted but not reported again. */
	c->quiet = c->d->total > 0;
	if (check_map(c, merged, &vm_table, out) == 0) {
		c->quiet = false;
		cross_check(c, merged, entry, &out->spec);
	}
	c->quiet = false;
	c->merged = false;
	c->where = where;
	return c->errors == before ? 0 : -1;
}
