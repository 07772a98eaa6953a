#include "plans/expand_addr.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hash.h"
#include "common/mem.h"
#include "plans/strset.h"

/* How addresses are chosen, so that re-applying gives the same ones and a
 * growing fleet moves nobody:
 *
 *  - A nat or isolated network's pool is gateway+1 .. dhcp_first-1: the
 *    gateway is the first host and the top quarter is the DHCP range for
 *    unknown MACs (check_networks.c), so a VM never gets either.  With
 *    dhcp: {start, end} the pool is every host but the gateway and that
 *    range.  A fixed `ip:` may lie in the top quarter: the range then
 *    shrinks to its longest run without fixed addresses, which must keep
 *    DHCP_MIN_ROOM addresses (or all of a smaller top quarter).
 *  - NICs are served in a fixed order: fixed `ip:` addresses; pins (what a
 *    VM has in libvirt now); vms: entries by name; group members by
 *    (index, group name).  Adding student-41 appends to that order, after
 *    every existing student and the teacher, so nobody else moves.
 *  - Each NIC takes the slot a hash of (fleet, vm, network) prefers, or
 *    the next free one (linear probing).  So a new VM or group mostly
 *    lands where nobody is; only when it takes the preferred slot of a VM
 *    later in the order can that VM move, which pins prevent.
 *  - MACs: 52:54:00 (QEMU's prefix) + 24 bits of a hash of (fleet, vm,
 *    network), probed the same way, unique within the fleet.
 */

struct pool {
	uint32_t base, size;	/* first address and how many herd assigns
				 * from; size 0: no IPs */
	uint32_t span;		/* addresses the bitmap covers: base up to the
				 * broadcast address (fixed ones may be in the
				 * default DHCP range, past size) */
	uint32_t free0;		/* of size, not the DHCP range's */
	uint8_t *used;		/* bitmap of span bits */
	size_t need;		/* NICs on the network */
};

struct alloc {
	struct fleet *f;
	struct fleet_diags *d;
	struct pool *pools;	/* [f->n_networks] */
	uint32_t *macs;		/* open addressing: 24-bit MAC suffix + 1, 0 empty */
	size_t mac_cap;
};

static bool bit(const struct pool *p, uint32_t i)
{
	return p->used[i / 8] & (1u << (i % 8));
}

static void set_bit(struct pool *p, uint32_t i)
{
	p->used[i / 8] |= (uint8_t)(1u << (i % 8));
}

/* FNV-1a over kind/fleet/vm/net, then a 64-bit finaliser (FNV's low bits
 * are weak, and the slot is taken modulo the pool size). */
static uint64_t addr_hash(const char *kind, const struct fleet *f,
			  const char *vm, const char *net)
{
	const char *parts[4] = { kind, f->name ? f->name : "", vm, net };
	uint64_t h = HASH_FNV_SEED;
	size_t i;

	for (i = 0; i < 4; i++)
		h = hash_fnv1a(parts[i], strlen(parts[i]) + 1, h);
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return h;
}

static size_t net_index(const struct fleet *f, const struct fleet_network *n)
{
	return (size_t)(n - f->networks);
}

/* Find v's slot in the MAC set: its own, or the empty one to fill. */
static uint32_t *mac_slot(struct alloc *a, uint32_t v)
{
	size_t i = (v * 2654435761u) & (a->mac_cap - 1);

	while (a->macs[i] != 0 && a->macs[i] != v + 1)
		i = (i + 1) & (a->mac_cap - 1);
	return &a->macs[i];
}

static bool mac_take(struct alloc *a, uint32_t v, uint8_t mac[6])
{
	uint32_t *s = mac_slot(a, v);

	if (*s != 0)
		return false;
	*s = v + 1;
	mac[0] = 0x52;
	mac[1] = 0x54;
	mac[2] = 0x00;
	mac[3] = (uint8_t)(v >> 16);
	mac[4] = (uint8_t)(v >> 8);
	mac[5] = (uint8_t)v;
	return true;
}

static void assign_nic(struct alloc *a, const struct fleet_vm *vm, size_t j)
{
	const struct fleet_network *net = vm->spec->networks[j];
	struct pool *p = &a->pools[net_index(a->f, net)];
	struct fleet_nic *nic = &vm->nics[j];
	uint32_t v, slot;

	if (nic->mac[0] == 0) {
		v = (uint32_t)addr_hash("mac", a->f, vm->name, net->name) & 0xffffff;
		while (!mac_take(a, v, nic->mac))
			v = (v + 1) & 0xffffff;
	}
	if (p->size == 0 || nic->ip != 0)
		return;
	slot = (uint32_t)(addr_hash("ip", a->f, vm->name, net->name) % p->size);
	while (bit(p, slot))
		slot = slot + 1 == p->size ? 0 : slot + 1;
	set_bit(p, slot);
	nic->ip = p->base + slot;
}

static void take_pin(struct alloc *a, const struct strset *names,
		     const struct expand_pin *pin)
{
	static const uint8_t zero[6];
	const struct fleet_vm *vm;
	struct pool *p;
	size_t i, j;

	if (!strset_find(names, pin->vm, strlen(pin->vm), &i))
		return;
	vm = &a->f->vms[i];
	for (j = 0; j < vm->spec->n_networks; j++)
		if (strcmp(vm->spec->networks[j]->name, pin->network) == 0)
			break;
	if (j == vm->spec->n_networks)
		return;
	p = &a->pools[net_index(a->f, vm->spec->networks[j])];
	if (memcmp(pin->mac, zero, 6) != 0 && vm->nics[j].mac[0] == 0 &&
	    memcmp(pin->mac, "\x52\x54\x00", 3) == 0)
		mac_take(a, (uint32_t)pin->mac[3] << 16 | (uint32_t)pin->mac[4] << 8 |
			 pin->mac[5], vm->nics[j].mac);
	if (p->size != 0 && vm->nics[j].ip == 0 && pin->ip >= p->base &&
	    pin->ip - p->base < p->size && !bit(p, pin->ip - p->base)) {
		set_bit(p, pin->ip - p->base);
		vm->nics[j].ip = pin->ip;
	}
}

static void take_pins(struct alloc *a, const struct expand_pin *pins, size_t n)
{
	struct strset *names;
	size_t i;

	if (n == 0)
		return;
	names = strset_new(a->f->n_vms);
	for (i = 0; i < a->f->n_vms; i++)
		strset_add(names, a->f->vms[i].name, strlen(a->f->vms[i].name), i, NULL);
	for (i = 0; i < n; i++)
		take_pin(a, names, &pins[i]);
	strset_free(names);
}

static int by_vm_name(const void *x, const void *y)
{
	return strcmp((*(const struct fleet_vm *const *)x)->name,
		      (*(const struct fleet_vm *const *)y)->name);
}

static int by_group_name(const void *x, const void *y)
{
	return strcmp((*(const struct fleet_group *const *)x)->name,
		      (*(const struct fleet_group *const *)y)->name);
}

/* Serve vms: entries by name, then group members by (index, group name).
 * Group g's members sit in f->vms after the vms: entries and the members
 * of the groups before g, in index order (expand.c lays them out so). */
static void assign_in_order(struct alloc *a)
{
	struct fleet *f = a->f;
	const struct fleet_vm **ex = xcalloc(f->n_explicit + 1, sizeof *ex);
	const struct fleet_group **gs = xcalloc(f->n_groups + 1, sizeof *gs);
	size_t *start = xcalloc(f->n_groups + 1, sizeof *start);
	size_t i, j, g, at = f->n_explicit;
	unsigned idx, max = 0;

	for (i = 0; i < f->n_explicit; i++)
		ex[i] = &f->vms[i];
	qsort(ex, f->n_explicit, sizeof *ex, by_vm_name);
	for (i = 0; i < f->n_explicit; i++)
		for (j = 0; j < ex[i]->spec->n_networks; j++)
			assign_nic(a, ex[i], j);
	for (g = 0; g < f->n_groups; g++) {
		start[g] = at;
		at += f->groups[g].count;
		gs[g] = &f->groups[g];
		max = f->groups[g].count > max ? f->groups[g].count : max;
	}
	qsort(gs, f->n_groups, sizeof *gs, by_group_name);
	for (idx = 1; idx <= max; idx++) {
		for (g = 0; g < f->n_groups; g++) {
			const struct fleet_vm *vm;
			if (idx > gs[g]->count)
				continue;
			vm = &f->vms[start[gs[g] - f->groups] + idx - 1];
			for (j = 0; j < vm->spec->n_networks; j++)
				assign_nic(a, vm, j);
		}
	}
	free(ex);
	free(gs);
	free(start);
}

#define DHCP_MIN_ROOM 16	/* addresses a shrunk default range keeps */

static uint32_t pool_size(unsigned prefix)
{
	uint32_t size = 1u << (32 - prefix);

	return size - size / 4 - 2;
}

static int too_small(struct alloc *a, const struct fleet_network *n, const struct pool *p)
{
	char net[16], lo[16], hi[16];
	unsigned fit = n->prefix;

	while (fit > 8 && pool_size(fit) < p->need)
		fit--;
	fleet_ip_str(n->addr, net);
	fleet_ip_str(p->base, lo);
	fleet_ip_str(p->base + p->size - 1, hi);
	fleet_diag_add(a->d, n->pos.file, n->pos.line, n->pos.col,
		       "network '%s': %s/%u has %u addresses for VMs (%s to %s%s) "
		       "but %zu VMs need one (use a /%u or larger)", n->name, net,
		       n->prefix, p->free0, lo, hi, n->dhcp_range_set ?
		       ", less the DHCP range" : "", p->need, fit);
	return -1;
}

/* The pool of network n; the default DHCP range is restored first (this
 * may run again on the same fleet, with pins). */
static void pool_init(struct fleet_network *n, struct pool *p)
{
	uint32_t i;

	if (n->mode == FLEET_NET_BRIDGE || n->gateway == 0)
		return;	/* a bridge, or a network in error (never laid out) */
	p->base = n->gateway + 1;
	p->span = n->addr + (uint32_t)((1ull << (32 - n->prefix)) - 1) - p->base;
	p->used = xcalloc(p->span / 8 + 1, 1);
	n->dhcp_shrunk = false;
	if (!n->dhcp_range_set) {
		n->dhcp_first = n->dhcp_default_first;
		n->dhcp_last = n->dhcp_default_last;
		p->size = p->free0 = n->dhcp_first - p->base;
		return;
	}
	p->size = p->span;
	for (i = n->dhcp_first - p->base; i <= n->dhcp_last - p->base; i++)
		set_bit(p, i);
	p->free0 = p->size - (n->dhcp_last - n->dhcp_first + 1);
}

static int pools_init(struct alloc *a)
{
	struct fleet *f = a->f;
	size_t i, j, nics = 0;
	int rc = 0;

	for (i = 0; i < f->n_networks; i++)
		pool_init(&f->networks[i], &a->pools[i]);
	for (i = 0; i < f->n_vms; i++) {
		for (j = 0; j < f->vms[i].spec->n_networks; j++)
			a->pools[net_index(f, f->vms[i].spec->networks[j])].need++;
		nics += f->vms[i].spec->n_networks;
	}
	for (i = 0; i < f->n_networks; i++)
		if (a->pools[i].size != 0 && a->pools[i].need > a->pools[i].free0)
			rc = too_small(a, &f->networks[i], &a->pools[i]);
	if (nics > (1u << 23))	/* half the MAC space: probing stays short */
		return fleet_diag_add(a->d, f->file, 0, 0, "%zu network interfaces "
				      "are more than herd can give MACs to", nics), -1;
	a->mac_cap = 64;
	while (a->mac_cap < 2 * nics + 64)
		a->mac_cap *= 2;
	a->macs = xcalloc(a->mac_cap, sizeof *a->macs);
	return rc;
}

static const char *owner_of(const struct fleet *f, uint32_t ip, size_t self)
{
	size_t i;

	for (i = 0; i < f->n_explicit; i++)
		if (i != self && f->vms[i].nics[0].ip == ip)
			return f->vms[i].name;
	return "?";
}

/* A fixed `ip:` of vms entry i: inside its primary network's pool, once. */
static int fixed_one(struct alloc *a, size_t i, const struct ynode *at)
{
	struct fleet_vm *vm = &a->f->vms[i];
	const struct fleet_network *n = vm->spec->networks[0];
	struct pool *p = &a->pools[net_index(a->f, n)];
	uint32_t ip = vm->nics[0].ip, size = 1u << (32 - (n->prefix ? n->prefix : 32));
	char s[16], net[16], lo[16], hi[16], d1[16], d2[16];

	vm->nics[0].ip = 0;
	fleet_ip_str(ip, s);
	if (n->mode != FLEET_NET_BRIDGE && n->gateway == 0)
		return -1;	/* the network is in error: reported there */
	if (p->size == 0)
		return fleet_diag_at(a->d, at, "vm '%s': ip needs a nat or isolated "
				     "network first in networks ('%s' is a bridge)",
				     vm->name, n->name), -1;
	fleet_ip_str(n->addr, net);
	fleet_ip_str(p->base, lo);
	fleet_ip_str(p->base + p->size - 1, hi);
	fleet_ip_str(n->dhcp_first, d1);
	fleet_ip_str(n->dhcp_last, d2);
	if (ip < n->addr || ip - n->addr >= size)
		fleet_diag_at(a->d, at, "vm '%s': ip %s is outside network '%s' "
			      "(%s/%u; use %s to %s)", vm->name, s, n->name, net,
			      n->prefix, lo, hi);
	else if (ip == n->gateway)
		fleet_diag_at(a->d, at, "vm '%s': ip %s is the gateway of network "
			      "'%s' (use %s to %s)", vm->name, s, n->name, lo, hi);
	else if (ip == n->addr || ip == n->addr + size - 1)
		fleet_diag_at(a->d, at, "vm '%s': ip %s is the %s address of network "
			      "'%s' (use %s to %s)", vm->name, s, ip == n->addr ?
			      "network" : "broadcast", n->name, lo, hi);
	else if (n->dhcp_range_set && ip >= n->dhcp_first && ip <= n->dhcp_last)
		fleet_diag_at(a->d, at, "vm '%s': ip %s is in the DHCP range of "
			      "network '%s' (dhcp: %s to %s, for unknown machines; "
			      "use another address or change the range)", vm->name, s,
			      n->name, d1, d2);
	else if (bit(p, ip - p->base))
		fleet_diag_at(a->d, at, "vm '%s': ip %s is also the address of vm "
			      "'%s' (give each VM its own)", vm->name, s,
			      owner_of(a->f, ip, i));
	else {
		set_bit(p, ip - p->base);
		vm->nics[0].ip = ip;
		return 0;
	}
	return -1;
}

/* The first vms: entry with a fixed address in [first, last] of n. */
static size_t first_fixed_in(const struct alloc *a, const struct fleet_network *n,
			     const struct ynode *const *fixed_at, uint32_t first,
			     uint32_t last)
{
	size_t i;

	for (i = 0; i < a->f->n_explicit; i++) {
		const struct fleet_vm *vm = &a->f->vms[i];
		if (fixed_at[i] != NULL && vm->spec->networks[0] == n &&
		    vm->nics[0].ip >= first && vm->nics[0].ip <= last)
			return i;
	}
	return a->f->n_explicit;
}

/* Fixed addresses in network ni's default DHCP range (the top quarter):
 * the range becomes its longest run without them, as long as that keeps
 * DHCP_MIN_ROOM addresses (or the whole top quarter, when smaller). */
static int shrink_range(struct alloc *a, size_t ni, const struct ynode *const *fixed_at)
{
	struct fleet_network *n = &a->f->networks[ni];
	const struct pool *p = &a->pools[ni];
	uint32_t lo = n->dhcp_default_first - p->base, hi = n->dhcp_default_last - p->base;
	uint32_t i, run = 0, best = 0, end = 0, all = hi - lo + 1;
	uint32_t min = all < DHCP_MIN_ROOM ? all : DHCP_MIN_ROOM;
	char s[16], d1[16], d2[16], p1[16], p2[16];
	size_t vm;

	for (i = lo; i <= hi; i++) {
		run = bit(p, i) ? 0 : run + 1;
		if (run > best) {
			best = run;
			end = i;
		}
	}
	if (best == all)
		return 0;	/* no fixed address there */
	if (best >= min) {
		n->dhcp_first = p->base + end - best + 1;
		n->dhcp_last = p->base + end;
		n->dhcp_shrunk = true;
		return 0;
	}
	vm = first_fixed_in(a, n, fixed_at, n->dhcp_default_first, n->dhcp_default_last);
	if (vm == a->f->n_explicit)
		return -1;	/* cannot be: only fixed addresses are there */
	fleet_ip_str(a->f->vms[vm].nics[0].ip, s);
	fleet_ip_str(n->dhcp_default_first, d1);
	fleet_ip_str(n->dhcp_default_last, d2);
	fleet_ip_str(p->base, p1);
	fleet_ip_str(p->base + p->size - 1, p2);
	fleet_diag_at(a->d, fixed_at[vm], "vm '%s': ip %s is in the DHCP range of "
		      "network '%s' (%s to %s), and with the fixed addresses there "
		      "DHCP would keep %u addresses in a row, fewer than %u (use %s "
		      "to %s, or set dhcp: {start: ADDRESS, end: ADDRESS})",
		      a->f->vms[vm].name, s, n->name, d1, d2, best, min, p1, p2);
	return -1;
}

int expand_addr_assign(struct fleet *f, const struct ynode *const *fixed_at,
		       const struct expand_pin *pins, size_t n_pins,
		       struct fleet_diags *d)
{
	struct alloc a = { f, d, NULL, NULL, 0 };
	size_t i;
	int rc = -1;

	a.pools = xcalloc(f->n_networks + 1, sizeof *a.pools);
	if (pools_init(&a) < 0)
		goto out;
	for (i = 0; fixed_at != NULL && i < f->n_explicit; i++)
		if (fixed_at[i] != NULL && fixed_one(&a, i, fixed_at[i]) < 0)
			rc = -2;
	for (i = 0; fixed_at != NULL && i < f->n_networks; i++)
		if (a.pools[i].size != 0 && !f->networks[i].dhcp_range_set &&
		    shrink_range(&a, i, fixed_at) < 0)
			rc = -2;
	if (rc == -2)
		goto out;
	take_pins(&a, pins, n_pins);
	assign_in_order(&a);
	rc = 0;
out:
	for (i = 0; i < f->n_networks; i++)
		free(a.pools[i].used);
	free(a.pools);
	free(a.macs);
	return rc < 0 ? -1 : 0;
}
