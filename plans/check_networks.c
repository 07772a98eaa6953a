#include "plans/check_networks.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#define ANY CHECK_AT_ANY

static const char *const mode_words[] = { "nat", "isolated", "bridge", NULL };

static int check_ifname(struct check_ctx *c, const struct check_field *fl,
			const struct ynode *val, void *dst)
{
	if (check_scalar(c, fl->key, val) < 0)
		return -1;
	if (!check_chars(val->str, "a-zA-Z0-9", "a-zA-Z0-9_.-", 15))
		return check_errf(c, val, "%s \"%s\" is not an interface name "
				  "(like br0; at most 15 characters)", fl->key, val->str);
	*(const char **)((char *)dst + fl->off) = val->str;
	return 0;
}

/* dhcp: {start, end}: the range libvirt's DHCP hands to unknown machines. */
struct dhcp_range {
	uint32_t start, end;
};

static const struct check_field range_fields[] = {
	{ .key = "end", .fn = check_ip, .flags = ANY | CHECK_REQUIRED,
	  .off = offsetof(struct dhcp_range, end), .example = "end: ADDRESS" },
	{ .key = "start", .fn = check_ip, .flags = ANY | CHECK_REQUIRED,
	  .off = offsetof(struct dhcp_range, start), .example = "start: ADDRESS" },
};
static const struct check_table range_table = CHECK_TABLE(range_fields);

/* dhcp: true/false (guests use DHCP, or herd's static addresses), or
 * {start, end} (the range for unknown machines; guests static). */
static int check_dhcp(struct check_ctx *c, const struct check_field *fl,
		      const struct ynode *val, void *dst)
{
	struct fleet_network *n = dst;
	struct dhcp_range r = { 0, 0 };
	const char *what = c->what;
	char sub[160];
	int rc;

	if (val->kind != YNODE_MAP) {
		if (val->kind == YNODE_SCALAR)
			return check_bool(c, fl, val, dst);
		return check_errf(c, val, "dhcp must be true, false or {start: ADDRESS, "
				  "end: ADDRESS}, not %s", ynode_kind_name(val));
	}
	snprintf(sub, sizeof sub, "%s%sdhcp", what ? what : "", what ? ": " : "");
	c->what = sub;
	rc = check_map(c, val, &range_table, &r);
	c->what = what;
	if (rc < 0)
		return -1;
	n->dhcp_first = r.start;
	n->dhcp_last = r.end;
	n->dhcp_range_set = true;
	return 0;
}

static const struct check_field net_fields[] = {
	{ .key = "bridge", .fn = check_ifname, .flags = ANY,
	  .off = offsetof(struct fleet_network, bridge) },
	{ .key = "cidr", .fn = check_cidr, .flags = ANY, .min = 8, .max = 29,
	  .off = offsetof(struct fleet_network, addr),
	  .off2 = offsetof(struct fleet_network, prefix) },
	{ .key = "dhcp", .fn = check_dhcp, .flags = ANY,
	  .off = offsetof(struct fleet_network, dhcp) },
	{ .key = "mode", .fn = check_word, .flags = ANY,
	  .off = offsetof(struct fleet_network, mode), .arg = mode_words },
};
static const struct check_table net_table = CHECK_TABLE(net_fields);

/* The gateway is the first host (libvirt gives it to the host bridge); the
 * top quarter of the network is the DHCP range for machines herd does not
 * know (a rescue VM, a PXE client), so herd never assigns an address there
 * and both can share the network.  Fixed addresses there make the range
 * smaller (expand_addr.c); dhcp: {start, end} sets it instead. */
static void layout(struct fleet_network *n)
{
	uint32_t size = 1u << (32 - n->prefix);

	n->gateway = n->addr + 1;
	n->dhcp_default_first = n->addr + size - size / 4;
	n->dhcp_default_last = n->addr + size - 2;
	if (!n->dhcp_range_set) {
		n->dhcp_first = n->dhcp_default_first;
		n->dhcp_last = n->dhcp_default_last;
	}
}

/* dhcp: {start, end} inside the network, past the gateway, in order;
 * after an error the network keeps the default range. */
static void check_range(struct check_ctx *c, const struct ynode *map,
			struct fleet_network *n)
{
	size_t before = c->errors;
	const struct ynode *d = ynode_get(map, "dhcp");
	uint32_t size = 1u << (32 - n->prefix);
	char lo[16], hi[16];

	fleet_ip_str(n->gateway + 1, lo);
	fleet_ip_str(n->addr + size - 2, hi);
	if (n->dhcp_first <= n->gateway || n->dhcp_first > n->addr + size - 2 ||
	    n->dhcp_last <= n->gateway || n->dhcp_last > n->addr + size - 2)
		check_errf(c, d, "dhcp: the range must lie in %s to %s (inside the "
			   "network, after its gateway)", lo, hi);
	else if (n->dhcp_first > n->dhcp_last)
		check_errf(c, d, "dhcp: start comes after end");
	if (c->errors != before) {
		n->dhcp_range_set = false;
		layout(n);
	}
}

static void overlaps(struct check_ctx *c, const struct ynode *map, size_t i)
{
	const struct fleet_network *n = &c->f->networks[i];
	uint32_t end = n->addr + ((1u << (32 - n->prefix)) - 1);
	size_t j;

	for (j = 0; j < i; j++) {
		const struct fleet_network *o = &c->f->networks[j];
		uint32_t oend;
		if (o->prefix == 0 || o->mode == FLEET_NET_BRIDGE)
			continue;	/* a bridge, or a cidr with an error */
		oend = o->addr + ((1u << (32 - o->prefix)) - 1);
		if (n->addr <= oend && o->addr <= end) {
			check_errf(c, ynode_get(map, "cidr"), "cidr %s overlaps "
				   "network '%s' (give each network its own range)",
				   ynode_get(map, "cidr")->str, o->name);
			return;
		}
	}
}

static void cross_check(struct check_ctx *c, const struct ynode *key,
			const struct ynode *map, size_t i)
{
	struct fleet_network *n = &c->f->networks[i];
	const struct ynode *cidr = ynode_get(map, "cidr"), *br = ynode_get(map, "bridge");
	bool has_cidr = cidr && !ynode_is_null(cidr), has_br = br && !ynode_is_null(br);

	if (n->mode == FLEET_NET_BRIDGE) {
		n->dhcp = true;
		if (!has_br)
			check_errf(c, key, "mode bridge needs bridge: (the host's "
				   "bridge, like bridge: br0)");
		if (has_cidr)
			check_errf(c, ynode_get_key(map, "cidr"), "cidr is not used "
				   "with mode bridge (guests get addresses from the "
				   "bridge's DHCP)");
		if (n->dhcp_range_set)
			check_errf(c, ynode_get(map, "dhcp"), "a dhcp range is not used "
				   "with mode bridge (the bridge's own DHCP server hands "
				   "out addresses)");
		n->prefix = 0;
		return;
	}
	if (has_br)
		check_errf(c, ynode_get_key(map, "bridge"), "bridge is only for "
			   "mode bridge (this network is %s)", mode_words[n->mode]);
	if (!has_cidr) {
		check_errf(c, key, "needs cidr (like cidr: 10.42.0.0/24)");
		return;
	}
	if (n->prefix == 0)
		return;	/* the cidr had an error */
	layout(n);
	if (n->dhcp_range_set)
		check_range(c, map, n);
	overlaps(c, map, i);
}

static void check_one(struct check_ctx *c, const struct ynode *key,
		      const struct ynode *map, size_t i)
{
	struct fleet_network *n = &c->f->networks[i];
	char what[96];

	snprintf(what, sizeof what, "network '%s'", key->str);
	c->what = what;
	n->name = key->str;
	n->pos = (struct fleet_pos){ key->file, key->line, key->col };
	if (!check_chars(key->str, "a-z", "a-z0-9_-", 31))
		check_errf(c, key, "the name is not valid (use a lower-case letter, "
			   "then letters, digits, '-' or '_', at most 31)");
	if (map->kind != YNODE_MAP && !ynode_is_null(map)) {
		check_errf(c, map, "must be a mapping (mode: and cidr:), not %s",
			   ynode_kind_name(map));
		return;
	}
	if (ynode_is_null(map))
		map = NULL;
	/* Rules between keys only when each key is valid: a misspelt mode
	 * must not also be blamed for a missing cidr. */
	if (check_map(c, map, &net_table, n) == 0)
		cross_check(c, key, map, i);
}

int check_networks(struct check_ctx *c, const struct ynode *networks)
{
	struct fleet *f = c->f;
	size_t before = c->errors, i;
	unsigned where = c->where;

	if (networks == NULL || ynode_is_null(networks))
		return 0;
	f->networks = yarena_alloc(f->arena, networks->n * sizeof *f->networks);
	f->n_networks = networks->n;
	c->where = CHECK_AT_ANY;
	for (i = 0; i < networks->n; i++)
		check_one(c, ynode_key(networks, i), ynode_val(networks, i), i);
	c->what = NULL;
	c->where = where;
	return c->errors == before ? 0 : -1;
}
