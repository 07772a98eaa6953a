/* plans/plan.c — desired VMs against an observed snapshot: the actions. */
#include "plans/plan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/hash.h"
#include "common/mem.h"
#include "plans/strset.h"

char *plan_net_name(const char *fleet, const char *net)
{
	return xasprintf(PLAN_NET_PREFIX "%s" FLEET_SEP "%s", fleet, net);
}

char *plan_net_prefix(const char *fleet)
{
	return xasprintf(PLAN_NET_PREFIX "%s-", fleet);
}

char *plan_legacy_domain(const char *fleet, const char *vm)
{
	return xasprintf("%s-%s", fleet, vm);
}

char *plan_legacy_net_name(const char *fleet, const char *net)
{
	return xasprintf(PLAN_NET_PREFIX "%s-%s", fleet, net);
}

char *plan_pool_name(const char *fleet)
{
	return xasprintf("herd-%s", fleet);
}

char *plan_vol_owner(const char *vol)
{
	static const char *const sfx[] = { PLAN_VOL_DISK_SUFFIX, PLAN_VOL_SEED_SUFFIX };
	size_t n = strlen(vol), i, k;

	for (i = 0; i < sizeof sfx / sizeof sfx[0]; i++) {
		k = strlen(sfx[i]);
		if (n > k && strcmp(vol + n - k, sfx[i]) == 0)
			return xstrndup(vol, n - k);
	}
	return NULL;
}

/* ---- the snapshot ---- */

void plan_observed_release(struct plan_observed *o)
{
	size_t i;

	for (i = 0; i < o->n_vms; i++) {
		free(o->vms[i].domain);
		free(o->vms[i].name);
	}
	for (i = 0; i < o->n_nets; i++)
		free(o->nets[i].name);
	for (i = 0; i < o->n_vols; i++)
		free(o->vols[i]);
	free(o->vms);
	free(o->nets);
	free(o->vols);
	memset(o, 0, sizeof *o);
}

struct plan_obs_vm *plan_observed_add_vm(struct plan_observed *o, const char *domain)
{
	struct plan_obs_vm *v;

	/* Capacity is the next power of two: grow when n hits one. */
	if ((o->n_vms & (o->n_vms - 1)) == 0)
		o->vms = xrealloc(o->vms, (o->n_vms ? 2 * o->n_vms : 1) * sizeof *o->vms);
	v = &o->vms[o->n_vms++];
	memset(v, 0, sizeof *v);
	v->domain = xstrdup(domain);
	return v;
}

struct plan_obs_net *plan_observed_add_net(struct plan_observed *o, const char *name,
					   bool active)
{
	struct plan_obs_net *n;

	if ((o->n_nets & (o->n_nets - 1)) == 0)
		o->nets = xrealloc(o->nets, (o->n_nets ? 2 * o->n_nets : 1) * sizeof *o->nets);
	n = &o->nets[o->n_nets++];
	memset(n, 0, sizeof *n);
	n->name = xstrdup(name);
	n->active = active;
	return n;
}

void plan_observed_add_vol(struct plan_observed *o, const char *name)
{
	if ((o->n_vols & (o->n_vols - 1)) == 0)
		o->vols = xrealloc(o->vols, (o->n_vols ? 2 * o->n_vols : 1) * sizeof *o->vols);
	o->vols[o->n_vols++] = xstrdup(name);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* One line per object, sorted, hashed: the order libvirt lists things in
 * must not change the fingerprint. */
void plan_observed_fingerprint(const struct plan_observed *o, char out[65])
{
	size_t n = o->n_vms + o->n_nets + o->n_vols, i, k = 0;
	char **lines = xcalloc(n ? n : 1, sizeof *lines);
	char hex[HASH_HEX_MAX];
	struct hash *h = hash_new(HASH_SHA256);
	char head[32];

	for (i = 0; i < o->n_vms; i++) {
		const struct plan_obs_vm *v = &o->vms[i];
		lines[k++] = xasprintf("vm %s %s %u %llu %d %s %d", v->domain, v->h.spec,
				       v->cpus, (unsigned long long)v->memory, (int)v->state,
				       v->live_seed, (int)v->installing);
	}
	for (i = 0; i < o->n_nets; i++)
		lines[k++] = xasprintf("net %s %d %s", o->nets[i].name, o->nets[i].active,
				       o->nets[i].hash);
	for (i = 0; i < o->n_vols; i++)
		lines[k++] = xasprintf("vol %s", o->vols[i]);
	qsort(lines, n, sizeof *lines, cmp_str);
	snprintf(head, sizeof head, "pool %d %d\n", o->pool, o->pool_active);
	hash_update(h, head, strlen(head));
	for (i = 0; i < n; i++) {
		hash_update(h, lines[i], strlen(lines[i]) + 1);
		free(lines[i]);
	}
	free(lines);
	hash_final_hex(h, hex);
	hash_free(h);
	memcpy(out, hex, 64);
	out[64] = '\0';
}

/* ---- the diff ---- */

struct acts {
	struct plan_action *a;
	size_t n, cap;
};

static struct plan_action *act_add(struct acts *l, enum plan_kind k, const char *object)
{
	struct plan_action *a;

	l->a = xgrow(l->a, &l->cap, l->n + 1, sizeof *l->a);
	a = &l->a[l->n++];
	memset(a, 0, sizeof *a);
	a->kind = k;
	a->object = xstrdup(object);
	return a;
}

static int cmp_vm_domain(const void *a, const void *b)
{
	const struct plan_obs_vm *x = *(const struct plan_obs_vm *const *)a;
	const struct plan_obs_vm *y = *(const struct plan_obs_vm *const *)b;

	return strcmp(x->domain, y->domain);
}

static const struct plan_obs_vm *find_obs(const struct plan_obs_vm **sorted, size_t n,
					  const char *domain)
{
	struct plan_obs_vm key, *kp = &key;
	const struct plan_obs_vm **hit;

	key.domain = (char *)domain;
	hit = bsearch(&kp, sorted, n, sizeof *sorted, cmp_vm_domain);
	return hit ? *hit : NULL;
}

/* Which fields differ; "image, seed" into why. */
static unsigned changed_fields(const struct plan_hashes *want, const struct plan_hashes *have,
			       char *why, size_t whylen)
{
	unsigned bits = 0;
	size_t off = 0;
	int f;

	why[0] = '\0';
	for (f = 0; f < PLAN_F_COUNT; f++) {
		if (strcmp(want->field[f], have->field[f]) == 0)
			continue;
		bits |= 1u << f;
		off += (size_t)snprintf(why + off, off < whylen ? whylen - off : 0, "%s%s",
					off ? ", " : "", plan_field_name((enum plan_field)f));
		if (off >= whylen)
			off = whylen - 1;
	}
	if (bits == 0)		/* same fields, other spec: an older hash scheme */
		snprintf(why, whylen, "spec");
	return bits;
}

/* "cpus 1 -> 2, memory 128MiB -> 160MiB" for what differs; false if
 * nothing does. */
static bool size_why(unsigned have_cpus, uint64_t have_mem, const struct fleet_spec *s,
		     char *why, size_t len)
{
	size_t off = 0;

	why[0] = '\0';
	if (have_cpus != s->cpus)
		off = (size_t)snprintf(why, len, "cpus %u -> %u", have_cpus, s->cpus);
	if (have_mem / 1024 != s->memory / 1024)
		snprintf(why + off, len - off, "%smemory %lluMiB -> %lluMiB", off ? ", " : "",
			 (unsigned long long)(have_mem >> 20),
			 (unsigned long long)(s->memory >> 20));
	return why[0] != '\0';
}

/* Running with another seed than its definition names: reseeded while it
 * ran, and not cold-booted since. */
static bool seed_pending(const struct plan_obs_vm *o)
{
	return o->state != PLAN_DOM_OFF && o->live_seed[0] != '\0' &&
	       strcmp(o->live_seed, o->h.field[PLAN_F_SEED]) != 0;
}

/* Only the seed differs, and a new seed means something to the disk that
 * is there: cloud-init reads it at every boot, while a kickstart file only
 * acts when the installer runs again (so that is a recreate). */
static bool reseed_will_do(const struct fleet_vm *vm, unsigned changed)
{
	return changed == 1u << PLAN_F_SEED && vm->spec->bootstrap != FLEET_BOOT_KICKSTART;
}

/* The spec hash differs: recreate, or reseed when the seed alone does. */
static struct plan_action *diff_changed_spec(const struct fleet_vm *vm,
					     const struct plan_hashes *h,
					     const struct plan_obs_vm *o, struct acts *l)
{
	char why[sizeof l->a->why], size[sizeof l->a->why];
	unsigned changed = changed_fields(h, &o->h, why, sizeof why);
	struct plan_action *a;

	if (!reseed_will_do(vm, changed)) {
		a = act_add(l, PLAN_RECREATE, vm->domain);
		a->changed = changed;
		memcpy(a->why, why, sizeof why);
		return a;
	}
	a = act_add(l, PLAN_RESEED, vm->domain);
	a->changed = changed;
	a->restart = o->state != PLAN_DOM_OFF;
	if (size_why(o->cfg_cpus ? o->cfg_cpus : o->cpus,
		     o->cfg_memory ? o->cfg_memory : o->memory, vm->spec, size, sizeof size))
		snprintf(a->why, sizeof a->why, "seed, %.140s", size);
	else
		snprintf(a->why, sizeof a->why, "seed");
	return a;
}

/* A kickstart VM boots its installer when (re)made; herd never adds the
 * installer's kernel to a VM made without it. */
static bool boots_installer(const struct fleet_vm *vm)
{
	return vm->spec->bootstrap == FLEET_BOOT_KICKSTART && vm->spec->install.kernel != NULL;
}

/* A domain of this fleet under another name than the one wanted now (an
 * older herd's "<fleet>-<vm>"): made again under the new name. */
static struct plan_action *diff_renamed(const struct fleet_vm *vm,
					const struct plan_hashes *h,
					const struct plan_obs_vm *o, struct acts *l)
{
	char why[sizeof l->a->why];
	struct plan_action *a = act_add(l, PLAN_RECREATE, vm->domain);

	a->changed = strcmp(o->h.spec, h->spec) != 0 ?
		     changed_fields(h, &o->h, why, sizeof why) : 0;
	a->old = xstrdup(o->domain);
	snprintf(a->why, sizeof a->why, "renamed: %.60s -> %.60s", o->domain, vm->domain);
	return a;
}

static void diff_vm(const struct fleet_vm *vm, const struct plan_hashes *h,
		    const struct plan_obs_vm *o, bool renamed, struct acts *l)
{
	char why[sizeof l->a->why];
	struct plan_action *a;

	if (o == NULL) {
		a = act_add(l, PLAN_CREATE, vm->domain);
	} else if (renamed) {
		a = diff_renamed(vm, h, o, l);
	} else if (strcmp(o->h.spec, h->spec) != 0) {
		a = diff_changed_spec(vm, h, o, l);
	} else if (o->installing && o->state == PLAN_DOM_OFF) {
		/* its installer powered it off (on_reboot destroy) */
		a = act_add(l, PLAN_INSTALLED, vm->domain);
		snprintf(a->why, sizeof a->why, "installed: boot its disk");
	} else if (size_why(o->cfg_cpus ? o->cfg_cpus : o->cpus,
			    o->cfg_memory ? o->cfg_memory : o->memory, vm->spec, why,
			    sizeof why)) {
		a = act_add(l, PLAN_UPDATE, vm->domain);
		memcpy(a->why, why, sizeof why);
		a->restart = o->state != PLAN_DOM_OFF;
	} else if (o->state != PLAN_DOM_OFF &&
		   (size_why(o->cpus, o->memory, vm->spec, why, sizeof why) || seed_pending(o))) {
		/* defined with the new size or seed, still running with the old */
		a = act_add(l, PLAN_RESTART, vm->domain);
		if (seed_pending(o))
			snprintf(why + strlen(why), sizeof why - strlen(why), "%sseed",
				 why[0] ? ", " : "");
		snprintf(a->why, sizeof a->why, "%.140s pending", why);
		a->restart = true;
	} else if (o->state == PLAN_DOM_OFF) {
		a = act_add(l, PLAN_START, vm->domain);
	} else {
		a = act_add(l, PLAN_UNCHANGED, vm->domain);
	}
	a->vm = vm;
	a->h = *h;
	a->install = boots_installer(vm) &&
		     (a->kind == PLAN_CREATE || a->kind == PLAN_RECREATE ||
		      (o != NULL && o->installing && a->kind != PLAN_INSTALLED));
}

static int cmp_cstr(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static bool in_sorted(const char **sorted, size_t n, const char *s)
{
	return bsearch(&s, sorted, n, sizeof *sorted, cmp_cstr) != NULL;
}

static size_t find_net(const struct plan_observed *obs, const char *name)
{
	size_t j;

	for (j = 0; j < obs->n_nets && strcmp(obs->nets[j].name, name) != 0; j++)
		;
	return j;
}

/* The action for network net, named want; *old gets the older herd's name
 * when the network is found under it (renamed), for the caller to keep
 * out of the deletes. */
static void diff_network(const struct fleet *f, const struct fleet_network *net,
			 const char *want, const struct plan_observed *obs,
			 struct acts *l, char **old)
{
	char hash[PLAN_FIELD_HEX + 1];
	struct plan_action *a = NULL;
	size_t j = find_net(obs, want);

	plan_net_hash(net, hash);
	if (j == obs->n_nets) {
		*old = plan_legacy_net_name(f->name, net->name);
		if (find_net(obs, *old) == obs->n_nets) {
			free(*old);
			*old = NULL;
			a = act_add(l, PLAN_NET_CREATE, want);
		} else {
			a = act_add(l, PLAN_NET_RECREATE, want);
			a->old = xstrdup(*old);
			snprintf(a->why, sizeof a->why, "renamed: %.60s -> %.60s", *old, want);
		}
	} else if (strcmp(obs->nets[j].hash, hash) != 0) {
		a = act_add(l, PLAN_NET_RECREATE, want);
	} else if (!obs->nets[j].active) {
		a = act_add(l, PLAN_NET_START, want);
	}
	if (a != NULL)
		a->net = net;
}

static void diff_networks(const struct fleet *f, const struct plan_observed *obs,
			  struct acts *l)
{
	char **keep = xcalloc(2 * f->n_networks + 1, sizeof *keep);
	size_t i, n = 0;

	for (i = 0; i < f->n_networks; i++) {
		const struct fleet_network *net = &f->networks[i];
		char *old = NULL;

		if (net->mode == FLEET_NET_BRIDGE)
			continue;	/* an existing host bridge: nothing to make */
		keep[n] = plan_net_name(f->name, net->name);
		diff_network(f, net, keep[n++], obs, l, &old);
		if (old != NULL)
			keep[n++] = old;
	}
	qsort(keep, n, sizeof *keep, cmp_cstr);
	for (i = 0; i < obs->n_nets; i++)
		if (!in_sorted((const char **)keep, n, obs->nets[i].name))
			act_add(l, PLAN_NET_DELETE, obs->nets[i].name);
	for (i = 0; i < n; i++)
		free(keep[i]);
	free(keep);
}

/* Volumes in the fleet pool that neither a desired VM nor a tagged domain
 * owns: left behind by an interrupted apply or a removed VM. */
static void diff_volumes(const struct fleet *f, const struct plan_observed *obs,
			 const struct plan_obs_vm **sorted, struct acts *l)
{
	const char **want = xcalloc(f->n_vms + 1, sizeof *want);
	size_t i;

	for (i = 0; i < f->n_vms; i++)
		want[i] = f->vms[i].domain;
	qsort(want, f->n_vms, sizeof *want, cmp_cstr);
	for (i = 0; i < obs->n_vols; i++) {
		char *owner = plan_vol_owner(obs->vols[i]);

		if (owner != NULL && !in_sorted(want, f->n_vms, owner) &&
		    find_obs(sorted, obs->n_vms, owner) == NULL)
			act_add(l, PLAN_VOL_DELETE, obs->vols[i]);
		free(owner);
	}
	free(want);
}

static void desired_fp(const struct fleet *f, const struct plan_action *vmacts,
		       size_t n, char out[65])
{
	struct hash *h = hash_new(HASH_SHA256);
	char hex[HASH_HEX_MAX], line[256];
	size_t i;

	hash_update(h, f->name, strlen(f->name) + 1);
	for (i = 0; i < n; i++) {
		const struct fleet_vm *vm = vmacts[i].vm;
		snprintf(line, sizeof line, "%s %s %u %llu", vm->domain, vmacts[i].h.spec,
			 vm->spec->cpus, (unsigned long long)vm->spec->memory);
		hash_update(h, line, strlen(line) + 1);
	}
	for (i = 0; i < f->n_networks; i++) {
		char nh[PLAN_FIELD_HEX + 1];

		plan_net_hash(&f->networks[i], nh);
		snprintf(line, sizeof line, "net %s %s", f->networks[i].name, nh);
		hash_update(h, line, strlen(line) + 1);
	}
	hash_final_hex(h, hex);
	hash_free(h);
	memcpy(out, hex, 64);
	out[64] = '\0';
}

/* Order by kind, keeping the file's order within a kind. */
static void order_by_kind(struct acts *l, struct plan *p)
{
	size_t i, k, at = 0;

	p->acts = xcalloc(l->n ? l->n : 1, sizeof *p->acts);
	for (k = 0; k < PLAN_KIND_COUNT; k++)
		for (i = 0; i < l->n; i++)
			if (l->a[i].kind == k) {
				p->acts[at++] = l->a[i];
				p->count[k]++;
			}
	p->n = at;
	free(l->a);
}

/* The observed domain of each desired VM: the one with its name, else
 * (renamed[i] set) an unclaimed one of this fleet whose tag names the VM
 * (an older herd's "<fleet>-<vm>").  claimed[k] marks obs->vms[k] taken. */
static void match_vms(const struct fleet *f, const struct plan_observed *obs,
		      const struct plan_obs_vm **sorted, const struct plan_obs_vm **match,
		      bool *renamed, bool *claimed)
{
	struct strset *by_name = strset_new(obs->n_vms);
	size_t i, k;

	for (i = 0; i < f->n_vms; i++) {
		match[i] = find_obs(sorted, obs->n_vms, f->vms[i].domain);
		if (match[i] != NULL)
			claimed[match[i] - obs->vms] = true;
	}
	for (k = 0; k < obs->n_vms; k++)
		if (!claimed[k] && obs->vms[k].name != NULL)
			strset_add(by_name, obs->vms[k].name, strlen(obs->vms[k].name), k, NULL);
	for (i = 0; i < f->n_vms; i++) {
		const char *name = f->vms[i].name;

		if (match[i] != NULL || !strset_find(by_name, name, strlen(name), &k) ||
		    claimed[k])
			continue;
		match[i] = &obs->vms[k];
		renamed[i] = claimed[k] = true;
	}
	strset_free(by_name);
}

void plan_build(const struct fleet *f, const char *const *seed_hashes,
		const struct plan_observed *obs, struct plan *p)
{
	const struct plan_obs_vm **sorted = xcalloc(obs->n_vms + 1, sizeof *sorted);
	const struct plan_obs_vm **match = xcalloc(f->n_vms + 1, sizeof *match);
	bool *renamed = xcalloc(f->n_vms + 1, sizeof *renamed);
	bool *claimed = xcalloc(obs->n_vms + 1, sizeof *claimed);
	struct acts l = { NULL, 0, 0 }, vml = { NULL, 0, 0 };
	struct plan_hashes h;
	size_t i;

	memset(p, 0, sizeof *p);
	for (i = 0; i < obs->n_vms; i++)
		sorted[i] = &obs->vms[i];
	qsort(sorted, obs->n_vms, sizeof *sorted, cmp_vm_domain);
	if (!obs->pool || !obs->pool_active) {
		char *pool = plan_pool_name(f->name);
		act_add(&l, PLAN_POOL_CREATE, pool);
		free(pool);
	}
	diff_networks(f, obs, &l);
	match_vms(f, obs, sorted, match, renamed, claimed);
	for (i = 0; i < obs->n_vms; i++)
		if (!claimed[i])
			act_add(&l, PLAN_DELETE, obs->vms[i].domain);
	diff_volumes(f, obs, sorted, &l);
	for (i = 0; i < f->n_vms; i++) {
		plan_vm_hashes(&f->vms[i], seed_hashes ? seed_hashes[i] : NULL, &h);
		diff_vm(&f->vms[i], &h, match[i], renamed[i], &vml);
	}
	desired_fp(f, vml.a, vml.n, p->desired_fp);
	for (i = 0; i < vml.n; i++) {
		l.a = xgrow(l.a, &l.cap, l.n + 1, sizeof *l.a);
		l.a[l.n++] = vml.a[i];
	}
	free(vml.a);
	order_by_kind(&l, p);
	plan_observed_fingerprint(obs, p->observed_fp);
	free(sorted);
	free(match);
	free(renamed);
	free(claimed);
}

void plan_release(struct plan *p)
{
	size_t i;

	for (i = 0; i < p->n; i++) {
		free(p->acts[i].object);
		free(p->acts[i].old);
	}
	free(p->acts);
	memset(p, 0, sizeof *p);
}

bool plan_kind_restarts(enum plan_kind k)
{
	return k == PLAN_UPDATE || k == PLAN_RESEED || k == PLAN_RESTART;
}

size_t plan_count_updates(const struct plan *p)
{
	return p->count[PLAN_UPDATE] + p->count[PLAN_RESEED] + p->count[PLAN_START] +
	       p->count[PLAN_RESTART] + p->count[PLAN_INSTALLED];
}

bool plan_is_empty(const struct plan *p, bool with_restarts)
{
	return p->count[PLAN_UNCHANGED] + (with_restarts ? 0 : p->count[PLAN_RESTART]) == p->n;
}
