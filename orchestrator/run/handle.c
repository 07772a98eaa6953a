/* orchestrator/run/handle.c — the fleet handle: file, state, lock,
 * connection, keys, seeds, plan, and the fleet as the verbs that reach
 * VMs see it (selection, addresses, SSH targets). */
#include "orchestrator/run/handle.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/mem.h"
#include "orchestrator/run/apply.h"
#include "orchestrator/run/fleetlock.h"
#include "orchestrator/run/state.h"
#include "orchestrator/virt/virt.h"
#include "orchestrator/virt/virt_track.h"
#include "plans/plan.h"
#include "seed/keys.h"

/* Each flag with the steps it needs. */
static unsigned implied(unsigned f)
{
	if (f & HANDLE_PLAN)
		f |= HANDLE_OBSERVE;
	if (f & (HANDLE_OBSERVE | HANDLE_LOCK | HANDLE_EVENTS))
		f |= HANDLE_VIRT;
	if (f & (HANDLE_KEYS | HANDLE_SEEDS))
		f |= HANDLE_STATE;
	return f;
}

static int open_virt(struct handle *h, unsigned flags, struct herd_err *err)
{
	if ((flags & HANDLE_EVENTS) && virt_events_init(err) != 0)
		return -1;
	h->virt = virt_open(virt_pick_uri(h->opts.connect, h->fleet->libvirt_uri), err);
	return h->virt ? 0 : -1;
}

int handle_connect(struct handle *h, struct herd_err *err)
{
	return h->virt ? 0 : open_virt(h, HANDLE_VIRT, err);
}

/* Keys and seeds write into the state folder: it is made for them. */
static int open_state(struct handle *h, unsigned flags, struct herd_err *err)
{
	h->state_dir = (flags & (HANDLE_KEYS | HANDLE_SEEDS))
		? state_fleet_dir_ensure(h->opts.state_root, h->fleet->name, err)
		: state_fleet_dir(h->opts.state_root, h->fleet->name, err);
	if (h->state_dir == NULL)
		return -1;
	h->key_path = xasprintf("%s/id_ed25519", h->state_dir);
	h->known_hosts = xasprintf("%s/known_hosts", h->state_dir);
	return 0;
}

/* HERD_POOL_DIR, else /var/lib/herd for a system daemon, else the state
 * root's .pools folder (not a fleet name: those start with a letter). */
static char *pool_base(const struct handle *h, struct herd_err *err)
{
	const char *env = getenv("HERD_POOL_DIR");

	if (env != NULL && *env == '/')
		return xstrdup(env);
	if (virt_is_system(h->virt))
		return xstrdup("/var/lib/herd");
	return state_fleet_dir(h->opts.state_root, ".pools", err);
}

static int take_lock(struct handle *h, struct herd_err *err)
{
	char *images;

	h->pool_base = pool_base(h, err);
	if (h->pool_base == NULL)
		return -1;
	images = xasprintf("%s/%s", h->pool_base, VIRT_IMAGES_POOL);
	h->lock = fleetlock_take(h->virt, h->fleet->name, images,
				 h->opts.verb ? h->opts.verb : "apply", h->lock_broke, err);
	free(images);
	return h->lock ? 0 : -1;
}

/* Write known_hosts for every VM of the fleet: its name, domain name and
 * planned address with its herd-made host key. */
static int write_known_hosts(struct handle *h, struct herd_err *err)
{
	const struct fleet *f = h->fleet;
	struct keys_known_host *kh = xcalloc(f->n_vms, sizeof *kh);
	struct keys_pair *kp = xcalloc(f->n_vms, sizeof *kp);
	char (*ip)[16] = xcalloc(f->n_vms, sizeof *ip);
	const char **names = xcalloc(3 * f->n_vms, sizeof *names);
	size_t i;
	int rc = -1;

	for (i = 0; i < f->n_vms; i++) {
		const struct fleet_vm *vm = &f->vms[i];
		if (keys_ensure_host_key(h->state_dir, vm->name, &kp[i], err) != 0)
			goto out;
		names[3 * i] = vm->name;
		names[3 * i + 1] = vm->domain;
		kh[i].nhosts = 2;
		if (vm->spec->n_networks > 0 && vm->nics[0].ip != 0) {
			fleet_ip_str(vm->nics[0].ip, ip[i]);
			names[3 * i + 2] = ip[i];
			kh[i].nhosts = 3;
		}
		kh[i].hosts = &names[3 * i];
		kh[i].public_key = kp[i].public_key;
	}
	rc = keys_write_known_hosts(h->known_hosts, kh, f->n_vms, err);
out:
	for (i = 0; i < f->n_vms; i++)
		keys_pair_release(&kp[i]);
	free(kp);
	free(kh);
	free(ip);
	free(names);
	return rc;
}

static int ensure_keys(struct handle *h, struct herd_err *err)
{
	struct keys_pair kp = { 0 };

	if (keys_ensure_fleet_key(h->state_dir, h->fleet->name, &kp, err) != 0)
		return -1;
	keys_pair_release(&kp);
	return write_known_hosts(h, err);
}

static int seed_hashes(struct handle *h, struct herd_err *err)
{
	const struct fleet *f = h->fleet;
	struct bundle b;
	char hex[65];
	size_t i;

	h->seeds = vmseed_new(f, h->state_dir, err);
	if (h->seeds == NULL)
		return -1;
	h->seed_hashes = xcalloc(f->n_vms + 1, sizeof *h->seed_hashes);
	for (i = 0; i < f->n_vms; i++) {
		bundle_init(&b);
		if (vmseed_build(h->seeds, &f->vms[i], &b, err) < 0) {
			bundle_release(&b);
			return herd_errctx(err, "vm '%s': seed", f->vms[i].name);
		}
		apply_seed_hash(&b, hex);
		h->seed_hashes[i] = xstrdup(hex);
		bundle_release(&b);
	}
	return 0;
}

static int observe(struct handle *h, unsigned flags, struct herd_err *err)
{
	plan_release(&h->plan);
	plan_observed_release(&h->obs);
	if (virt_observe(h->virt, h->fleet->name, &h->obs, err) < 0)
		return -1;
	if (flags & HANDLE_PLAN)
		plan_build(h->fleet, (const char *const *)h->seed_hashes, &h->obs, &h->plan);
	return 0;
}

int handle_replan(struct handle *h, struct herd_err *err)
{
	return observe(h, HANDLE_PLAN, err);
}

int handle_open(struct handle *h, const struct handle_opts *opts, unsigned flags,
		struct herd_err *err)
{
	memset(h, 0, sizeof *h);
	h->opts = *opts;
	flags = implied(flags);
	h->fleet = fleet_load_opts(opts->fleet_file,
				   &(struct fleet_opts){ .allow_outside = opts->allow_outside },
				   &h->diags);
	if (h->fleet == NULL)
		return HANDLE_INVALID;
	if (((flags & HANDLE_STATE) && open_state(h, flags, err) != 0) ||
	    ((flags & HANDLE_VIRT) && open_virt(h, flags, err) != 0) ||
	    ((flags & HANDLE_LOCK) && take_lock(h, err) != 0) ||
	    ((flags & HANDLE_KEYS) && ensure_keys(h, err) != 0) ||
	    ((flags & HANDLE_SEEDS) && seed_hashes(h, err) != 0) ||
	    ((flags & HANDLE_OBSERVE) && observe(h, flags, err) != 0))
		return -1;
	return 0;
}

void handle_close(struct handle *h)
{
	size_t i;

	plan_release(&h->plan);
	plan_observed_release(&h->obs);
	if (h->seed_hashes != NULL)
		for (i = 0; i < h->fleet->n_vms; i++)
			free(h->seed_hashes[i]);
	free(h->seed_hashes);
	vmseed_free(h->seeds);
	fleetlock_release(h->lock);	/* before the connection it uses */
	if (h->virt)
		virt_close(h->virt);
	fleet_free(h->fleet);
	free(h->state_dir);
	free(h->key_path);
	free(h->known_hosts);
	free(h->pool_base);
	memset(h, 0, sizeof *h);
}

static bool has_group(const struct fleet *f, const char *g)
{
	size_t i;

	for (i = 0; i < f->n_groups; i++)
		if (strcmp(f->groups[i].name, g) == 0)
			return true;
	return false;
}

char *handle_primary_net(const struct handle *h, const struct fleet_vm *vm)
{
	const struct fleet_network *n;

	if (vm->spec->n_networks == 0)
		return NULL;
	n = vm->spec->networks[0];
	return n->mode == FLEET_NET_BRIDGE ? NULL : plan_net_name(h->fleet->name, n->name);
}

int handle_vm_addr(struct handle *h, const struct fleet_vm *vm, char *ip,
		   enum virt_addr_src *src, struct herd_err *err)
{
	enum virt_addr_src dummy;
	char mac[18], *net;
	int rc;

	if (src == NULL)
		src = &dummy;
	ip[0] = '\0';
	*src = VIRT_ADDR_NONE;
	if (vm->spec->n_networks == 0)
		return 0;
	if (vm->nics[0].ip != 0) {
		fleet_ip_str(vm->nics[0].ip, ip);
		*src = VIRT_ADDR_RESERVED;
		return 0;
	}
	if (handle_connect(h, err) != 0)
		return -1;
	fleet_mac_str(vm->nics[0].mac, mac);
	net = handle_primary_net(h, vm);
	rc = virt_dom_addr(h->virt, vm->domain, net, mac, ip, src, err);
	free(net);
	return rc;
}

static bool wanted(const struct fleet_vm *vm, const char *const *names,
		   size_t n_names, const char *group)
{
	size_t i;

	if (n_names == 0 && group == NULL)
		return true;
	if (group != NULL && vm->group != NULL && strcmp(vm->group, group) == 0)
		return true;
	for (i = 0; i < n_names; i++)
		if (strcmp(vm->name, names[i]) == 0)
			return true;
	return false;
}

int handle_select(const struct handle *h, const char *const *names, size_t n_names,
		  const char *group, struct handle_sel *sel, struct herd_err *err)
{
	const struct fleet *f = h->fleet;
	size_t i;

	sel->idx = NULL;
	sel->n = 0;
	for (i = 0; i < n_names; i++)
		if (fleet_find_vm(f, names[i]) == NULL)
			return herd_errf(err, HERD_E_USAGE,
					 "no VM '%s' in fleet %s (see herd status)",
					 names[i], f->name);
	if (group != NULL && !has_group(f, group))
		return herd_errf(err, HERD_E_USAGE, "no group '%s' in fleet %s",
				 group, f->name);
	sel->idx = xcalloc(f->n_vms, sizeof *sel->idx);
	for (i = 0; i < f->n_vms; i++)
		if (wanted(&f->vms[i], names, n_names, group))
			sel->idx[sel->n++] = i;
	return 0;
}

void handle_sel_release(struct handle_sel *sel)
{
	free(sel->idx);
	sel->idx = NULL;
	sel->n = 0;
}

int handle_target(struct handle *h, const struct fleet_vm *vm, const char *addr,
		  struct sshc_target *t, struct handle_target_hold *hold,
		  struct herd_err *err)
{
	struct keys_pair kp = { 0 };
	char ip[16];

	memset(hold, 0, sizeof *hold);
	if ((addr == NULL || *addr == '\0') && vm->spec->n_networks > 0 &&
	    vm->nics[0].ip != 0) {
		fleet_ip_str(vm->nics[0].ip, ip);
		addr = ip;
	}
	if (addr == NULL || *addr == '\0')
		return herd_errf(err, HERD_E_NET, "vm '%s': no address known yet "
				 "(herd status shows whether it runs)", vm->name);
	if (keys_ensure_host_key(h->state_dir, vm->name, &kp, err) != 0)
		return herd_errctx(err, "vm '%s'", vm->name);
	hold->host = xstrdup(addr);
	hold->host_key = kp.public_key;
	kp.public_key = NULL;
	keys_pair_release(&kp);
	memset(t, 0, sizeof *t);
	t->name = vm->name;
	t->host = hold->host;
	t->port = 22;
	t->user = h->fleet->ssh.user;
	t->key_path = h->key_path;
	t->known_hosts = h->known_hosts;
	t->host_key = hold->host_key;
	return 0;
}

void handle_target_release(struct handle_target_hold *hold)
{
	free(hold->host);
	free(hold->host_key);
	memset(hold, 0, sizeof *hold);
}
