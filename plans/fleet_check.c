#include "plans/fleet_check.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/mem.h"
#include "plans/check.h"
#include "plans/check_images.h"
#include "plans/check_networks.h"
#include "plans/check_vms.h"
#include "plans/sshkey.h"

#define TOP CHECK_AT_TOP
#define KEYFILE_MAX (1u << 20)	/* an authorized_keys file larger than this is refused */

/* The top level, read; sections are checked after it in an order that
 * lets references resolve (images and networks before the VMs). */
struct top {
	const char *name, *libvirt;
	int accel;
	unsigned version;
	const struct ynode *images, *networks, *ssh, *defaults, *groups, *vms;
};

struct ssh_in {
	const char *user;
	const char **keys;
	size_t n_keys;
};

static const char *const accel_words[] = { "auto", "kvm", "qemu", NULL };

static int check_fleet_name(struct check_ctx *c, const struct check_field *fl,
			    const struct ynode *val, void *dst)
{
	if (check_scalar(c, fl->key, val) < 0)
		return -1;
	if (!check_chars(val->str, "a-z", "a-z0-9-", 31))
		return check_errf(c, val, "fleet name \"%s\" is not valid (use a "
				  "lower-case letter, then up to 30 lower-case "
				  "letters, digits or '-')", val->str);
	/* "--" joins the fleet to its members in libvirt names: the first
	 * "--" of a name must end the fleet part */
	if (strstr(val->str, FLEET_SEP) != NULL || val->str[val->len - 1] == '-')
		return check_errf(c, val, "fleet name \"%s\" may not hold \"--\" nor "
				  "end with '-' (herd joins the fleet's name to its "
				  "VMs' and networks' with \"--\")", val->str);
	if (fleet_name_reserved(val->str))
		return check_errf(c, val, "fleet name \"%s\" is reserved (an older "
				  "herd's shared image pool is herd-%s; choose another "
				  "name)", val->str, val->str);
	*(const char **)((char *)dst + fl->off) = val->str;
	return 0;
}

static int check_version(struct check_ctx *c, const struct check_field *fl,
			 const struct ynode *val, void *dst)
{
	(void)dst;
	if (check_scalar(c, fl->key, val) < 0)
		return -1;
	if (strcmp(val->str, "1") != 0)
		return check_errf(c, val, "version %s is not supported (this herd "
				  "reads version 1)", val->str);
	return 0;
}

static int check_user(struct check_ctx *c, const struct check_field *fl,
		      const struct ynode *val, void *dst)
{
	if (check_scalar(c, fl->key, val) < 0)
		return -1;
	if (!check_chars(val->str, "a-z_", "a-z0-9_-", 32))
		return check_errf(c, val, "user \"%s\" is not a valid login name "
				  "(use lower-case letters, digits, '-' or '_', at "
				  "most 32)", val->str);
	*(const char **)((char *)dst + fl->off) = val->str;
	return 0;
}

static void add_key(struct check_ctx *c, const char *line, size_t len,
		    const char ***keys, size_t *n, size_t *cap)
{
	*keys = xgrow(*keys, cap, *n + 1, sizeof **keys);
	(*keys)[(*n)++] = yarena_strdup(c->f->arena, line, len);
}

/* Append the key lines of buf[0..len), read from the file item it names
 * (blank and # lines skipped); every other line must be one public key.
 * Messages never quote the file: it may be something else than keys. */
static int file_keys(struct check_ctx *c, const struct ynode *it, const char *buf,
		     size_t len, const char ***keys, size_t *n, size_t *cap)
{
	size_t before = *n, at, end, start, stop;
	unsigned lineno = 0;
	char why[200];

	for (at = 0; at < len; at = end + 1) {
		lineno++;
		for (end = at; end < len && buf[end] != '\n'; end++)
			;
		for (start = at; start < end && (buf[start] == ' ' || buf[start] == '\t'); start++)
			;
		stop = end > start && buf[end - 1] == '\r' ? end - 1 : end;
		if (start == stop || buf[start] == '#')
			continue;
		if (sshkey_check(buf + start, stop - start, why, sizeof why) < 0)
			return check_errf(c, it, "authorized_keys %s: line %u: %s%s", it->str,
					  lineno, why, stop - start >= 10 &&
					  memcmp(buf + start, "-----BEGIN", 10) == 0 ?
					  " (a private key? give the .pub file)" : "");
		add_key(c, buf + start, stop - start, keys, n, cap);
	}
	return *n > before ? 0 : check_errf(c, it, "authorized_keys %s has no keys", it->str);
}

/* Append the key lines of file abs. */
static int read_keys(struct check_ctx *c, const struct ynode *it, const char *abs,
		     const char ***keys, size_t *n, size_t *cap)
{
	FILE *fp = fopen(abs, "r");
	char *buf = NULL;
	size_t len;
	int rc = -1;

	if (fp == NULL) {
		check_errf(c, it, "authorized_keys %s: %s (looked for %s)", it->str,
			   errno == ENOENT ? "no such file" : strerror(errno), abs);
		goto out;
	}
	buf = xmalloc(KEYFILE_MAX + 1);
	len = fread(buf, 1, KEYFILE_MAX + 1, fp);
	if (len > KEYFILE_MAX || ferror(fp)) {
		check_errf(c, it, "authorized_keys %s: %s", it->str,
			   len > KEYFILE_MAX ? "larger than 1MiB" : "cannot read");
		goto out;
	}
	rc = file_keys(c, it, buf, len, keys, n, cap);
out:
	free(buf);
	if (fp != NULL)
		fclose(fp);
	return rc;
}

/* A list of literal public keys ("ssh-ed25519 AAAA...") or files. */
static int check_keys(struct check_ctx *c, const struct check_field *fl,
		      const struct ynode *val, void *dst)
{
	const char **keys = NULL, *abs;
	size_t i, n = 0, cap = 0;
	char why[200];
	int rc = 0;

	if (val->kind != YNODE_SEQ)
		return check_errf(c, val, "%s must be a list (write [KEY or PATH])",
				  fl->key);
	for (i = 0; i < val->n; i++) {
		const struct ynode *it = val->kids[i];
		if (check_scalar(c, "a key", it) < 0) {
			rc = -1;
		} else if (sshkey_is_literal(it->str)) {
			if (sshkey_check(it->str, it->len, why, sizeof why) < 0)
				rc = check_errf(c, it, "authorized key %zu: %s", i + 1, why);
			else
				add_key(c, it->str, it->len, &keys, &n, &cap);
		} else if ((abs = check_file(c, it, fl->key, true)) == NULL ||
			   read_keys(c, it, abs, &keys, &n, &cap) < 0) {
			rc = -1;
		}
	}
	*(const char ***)((char *)dst + fl->off) = yarena_alloc(c->f->arena, (n + 1) * sizeof *keys);
	if (n)
		memcpy(*(const char ***)((char *)dst + fl->off), keys, n * sizeof *keys);
	*(size_t *)((char *)dst + fl->off2) = n;
	free(keys);
	return rc;
}

static const struct check_field ssh_fields[] = {
	{ .key = "authorized_keys", .fn = check_keys, .flags = CHECK_AT_ANY,
	  .off = offsetof(struct ssh_in, keys), .off2 = offsetof(struct ssh_in, n_keys) },
	{ .key = "user", .fn = check_user, .flags = CHECK_AT_ANY,
	  .off = offsetof(struct ssh_in, user) },
};
static const struct check_table ssh_table = CHECK_TABLE(ssh_fields);

#define TOPMAP(k) { .key = #k, .fn = check_mapping, .flags = TOP, \
		    .off = offsetof(struct top, k) }
static const struct check_field top_fields[] = {
	{ .key = "accel", .fn = check_word, .flags = TOP,
	  .off = offsetof(struct top, accel), .arg = accel_words },
	TOPMAP(defaults),
	{ .key = "fleet", .fn = check_fleet_name, .flags = TOP | CHECK_REQUIRED,
	  .off = offsetof(struct top, name), .example = "fleet: NAME at the top" },
	TOPMAP(groups),
	TOPMAP(images),
	{ .key = "libvirt", .fn = check_uri, .flags = TOP,
	  .off = offsetof(struct top, libvirt) },
	TOPMAP(networks),
	TOPMAP(ssh),
	{ .key = "version", .fn = check_version, .flags = TOP },
	TOPMAP(vms),
};
static const struct check_table top_table = CHECK_TABLE(top_fields);

static void check_ssh(struct check_ctx *c, const struct ynode *ssh)
{
	struct ssh_in s = { NULL, NULL, 0 };

	c->what = "ssh";
	c->where = CHECK_AT_ANY;
	check_map(c, ssh, &ssh_table, &s);
	c->what = NULL;
	c->where = TOP;
	c->f->ssh.user = s.user != NULL ? s.user : "herd";
	c->f->ssh.authorized_keys = s.keys;
	c->f->ssh.n_authorized_keys = s.n_keys;
}

int fleet_check(struct fleet *f, struct fleet_diags *d)
{
	struct check_ctx c = { .f = f, .d = d, .where = TOP };
	struct top t;

	memset(&t, 0, sizeof t);
	check_map(&c, f->root, &top_table, &t);
	f->name = t.name;
	f->libvirt_uri = t.libvirt;
	f->accel = (enum fleet_accel)t.accel;
	check_images(&c, t.images);
	check_networks(&c, t.networks);
	check_ssh(&c, t.ssh);
	check_vms(&c, t.defaults, t.groups, t.vms);
	return c.errors == 0 ? 0 : -1;
}
