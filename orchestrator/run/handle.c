/* orchestrator/run/handle.c — the fleet, its keys and its connection, as the
 * verbs that reach VMs share them. */
#include "orchestrator/run/handle.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/mem.h"
#include "orchestrator/cli/fleetload.h"
#include "orchestrator/run/state.h"
#include "orchestrator/virt/virt.h"
#include "orchestrator/virt/virt_track.h"
#include "plans/plan.h"
#include "seed/keys.h"

static int open_virt(struct access *a, const struct herd_opts *opts,
		     unsigned flags, struct herd_err *err)
{
	if ((flags & ACCESS_EVENTS) && virt_events_init(err) != 0)
		return -1;
	a->virt = virt_open(virt_pick_uri(opts->connect, a->fleet->libvirt_uri), err);
	return a->virt ? 0 : -1;
}

static int ensure_keys(struct access *a, struct herd_err *err)
{
	struct keys_pair kp = { 0 };

	if (keys_ensure_fleet_key(a->state_dir, a->fleet->name, &kp, err) != 0)
		return -1;
	keys_pair_release(&kp);
	return access_write_known_hosts(a, err);
}

int access_open(struct access *a, const struct herd_opts *opts, unsigned flags)
{
	struct herd_err err = HERD_ERR_INIT;

	memset(a, 0, sizeof *a);
	a->fleet = fleetload(opts->fleet_file);
	if (a->fleet == NULL)
		return EXIT_USAGE;
	a->state_dir = state_fleet_dir(opts->state_dir, a->fleet->name);
	a->key_path = xasprintf("%s/id_ed25519", a->state_dir);
	a->known_hosts = xasprintf("%s/known_hosts", a->state_dir);
	if (((flags & ACCESS_KEYS) && ensure_keys(a, &err) != 0) ||
	    ((flags & (ACCESS_VIRT | ACCESS_EVENTS)) &&
	     open_virt(a, opts, flags, &err) != 0)) {
		log_err(&err);
		access_close(a);
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

int access_connect(struct access *a, const struct herd_opts *opts,
		   struct herd_err *err)
{
	return a->virt ? 0 : open_virt(a, opts, ACCESS_VIRT, err);
}

void access_close(struct access *a)
{
	if (a->virt)
		virt_close(a->virt);
	fleet_free(a->fleet);
	free(a->state_dir);
	free(a->key_path);
	free(a->known_hosts);
	memset(a, 0, sizeof *a);
}

int access_write_known_hosts(struct access *a, struct herd_err *err)
{
	const struct fleet *f = a->fleet;
	struct keys_known_host *h = xcalloc(f->n_vms, sizeof *h);
	struct keys_pair *kp = xcalloc(f->n_vms, sizeof *kp);
	char (*ip)[16] = xcalloc(f->n_vms, sizeof *ip);
	const char **names = xcalloc(3 * f->n_vms, sizeof *names);
	size_t i;
	int rc = -1;

	for (i = 0; i < f->n_vms; i++) {
		const struct fleet_vm *vm = &f->vms[i];
		if (keys_ensure_host_key(a->state_dir, vm->name, &kp[i], err) != 0)
			goto out;
		names[3 * i] = vm->name;
		names[3 * i + 1] = vm->domain;
		h[i].nhosts = 2;
		if (vm->spec->n_networks > 0 && vm->nics[0].ip != 0) {
			fleet_ip_str(vm->nics[0].ip, ip[i]);
			names[3 * i + 2] = ip[i];
			h[i].nhosts = 3;
		}
		h[i].hosts = &names[3 * i];
		h[i].public_key = kp[i].public_key;
	}
	rc = keys_write_known_hosts(a->known_hosts, h, f->n_vms, err);
out:
	for (i = 0; i < f->n_vms; i++)
		keys_pair_release(&kp[i]);
	free(kp);
	free(h);
	free(ip);
	free(names);
	return rc;
}

static bool has_group(const struct fleet *f, const char *g)
{
	size_t i;

	for (i = 0; i < f->n_groups; i++)
		if (strcmp(f->groups[i].name, g) == 0)
			return true;
	return false;
}

char *access_primary_net(const struct access *a, const struct fleet_vm *vm)
{
	const struct fleet_network *n;

	if (vm->spec->n_networks == 0)
		return NULL;
	n = vm->spec->networks[0];
	return n->mode == FLEET_NET_BRIDGE ? NULL : plan_net_name(a->fleet->name, n->name);
}

int access_vm_addr(struct access *a, const struct herd_opts *opts,
		   const struct fleet_vm *vm, char *ip, enum virt_addr_src *src,
		   struct herd_err *err)
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
	if (access_connect(a, opts, err) != 0)
		return -1;
	fleet_mac_str(vm->nics[0].mac, mac);
	net = access_primary_net(a, vm);
	rc = virt_dom_addr(a->virt, vm->domain, net, mac, ip, src, err);
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

int access_select(const struct access *a, const char *const *names, size_t n_names,
		  const char *group, struct access_sel *sel, struct herd_err *err)
{
	const struct fleet *f = a->fleet;
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

void access_sel_release(struct access_sel *sel)
{
	free(sel->idx);
	sel->idx = NULL;
	sel->n = 0;
}

int access_target(struct access *a, const struct fleet_vm *vm, const char *addr,
		  struct sshc_target *t, struct access_target_hold *hold,
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
	if (keys_ensure_host_key(a->state_dir, vm->name, &kp, err) != 0)
		return herd_errctx(err, "vm '%s'", vm->name);
	hold->host = xstrdup(addr);
	hold->host_key = kp.public_key;
	kp.public_key = NULL;
	keys_pair_release(&kp);
	memset(t, 0, sizeof *t);
	t->name = vm->name;
	t->host = hold->host;
	t->port = 22;
	t->user = a->fleet->ssh.user;
	t->key_path = a->key_path;
	t->known_hosts = a->known_hosts;
	t->host_key = hold->host_key;
	return 0;
}

void access_target_release(struct access_target_hold *hold)
{
	free(hold->host);
	free(hold->host_key);
	memset(hold, 0, sizeof *hold);
}
