#include "templates/context.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/mem.h"

/* Strings herd makes are marked quoted, so that a VM called "no" or an
 * empty group is text to mustache, not a YAML boolean. */
static void put(struct yarena *a, struct ynode *m, const char *k, const char *v)
{
	ynode_map_put_str(a, m, k, v, true);
}

/* Plain true/false: the values mustache sections test. */
static void put_bool(struct yarena *a, struct ynode *m, const char *k, bool v)
{
	ynode_map_put_str(a, m, k, v ? "true" : "false", false);
}

void context_netmask_str(unsigned prefix, char out[16])
{
	uint32_t mask = prefix == 0 ? 0 : prefix >= 32 ? 0xffffffffu
			: ~((1u << (32 - prefix)) - 1);

	fleet_ip_str(mask, out);
}

static bool nic_dhcp(const struct fleet_network *net, const struct fleet_nic *nic)
{
	return net->mode == FLEET_NET_BRIDGE || net->dhcp || nic->ip == 0;
}

/* The address of a NIC as text, "" when DHCP gives it. */
static void nic_ip_str(const struct fleet_network *net, const struct fleet_nic *nic,
		       char out[16])
{
	if (nic_dhcp(net, nic))
		out[0] = '\0';
	else
		fleet_ip_str(nic->ip, out);
}

void context_fleet_init(struct context_fleet *cf, struct yarena *a,
			const struct fleet *f, const char *fleet_pubkey)
{
	struct ynode *all = ynode_new_seq(a, NULL), *keys = ynode_new_seq(a, NULL);
	const struct fleet_vm **order = xcalloc(f->n_vms + 1, sizeof *order);
	char ip[16];
	size_t i;

	fleet_file_order(f, order);
	for (i = 0; i < f->n_vms; i++) {
		const struct fleet_vm *vm = order[i];
		struct ynode *m = ynode_new_map(a, NULL);

		put(a, m, "name", vm->name);
		ip[0] = '\0';
		if (vm->spec->n_networks > 0)
			nic_ip_str(vm->spec->networks[0], &vm->nics[0], ip);
		put(a, m, "ip", ip);
		ynode_seq_push(a, all, m);
	}
	free(order);
	if (fleet_pubkey != NULL)
		ynode_seq_push(a, keys, ynode_new_scalar(a, fleet_pubkey, true, NULL));
	for (i = 0; i < f->ssh.n_authorized_keys; i++)
		ynode_seq_push(a, keys, ynode_new_scalar(a, f->ssh.authorized_keys[i],
							 true, NULL));
	cf->fleet = f;
	cf->all = all;
	cf->keys = keys;
}

/* One entry of nics: everything a network-config or kickstart needs. */
static struct ynode *nic_map(struct yarena *a, const struct fleet_network *net,
			     const struct fleet_nic *nic, size_t i)
{
	struct ynode *m = ynode_new_map(a, NULL);
	bool dhcp = nic_dhcp(net, nic);
	char s[32];

	snprintf(s, sizeof s, "eth%zu", i);
	put(a, m, "id", s);
	put(a, m, "network", net->name);
	fleet_mac_str(nic->mac, s);
	put(a, m, "mac", s);
	nic_ip_str(net, nic, s);
	put(a, m, "ip", s);
	snprintf(s, sizeof s, "%u", net->prefix);
	put(a, m, "prefix", dhcp ? "" : s);
	context_netmask_str(net->prefix, s);
	put(a, m, "netmask", dhcp ? "" : s);
	s[0] = '\0';
	if (!dhcp && net->gateway != 0)
		fleet_ip_str(net->gateway, s);
	put(a, m, "gateway", s);
	put_bool(a, m, "dhcp", dhcp);
	put_bool(a, m, "primary", i == 0);
	return m;
}

/* index zero-padded to the width of the group's count, n unpadded. */
static void put_index(struct yarena *a, struct ynode *m, const struct fleet *f,
		      const struct fleet_vm *vm)
{
	unsigned count = vm->index;
	char s[32];
	size_t i;
	int width = 1;

	for (i = 0; vm->group != NULL && i < f->n_groups; i++)
		if (strcmp(f->groups[i].name, vm->group) == 0)
			count = f->groups[i].count;
	for (; count >= 10; count /= 10)
		width++;
	snprintf(s, sizeof s, "%0*u", width, vm->index);
	put(a, m, "index", s);
	snprintf(s, sizeof s, "%u", vm->index);
	put(a, m, "n", s);
}

/* The primary network's keys, copied from nics[0] ("" without networks). */
static void put_primary(struct yarena *a, struct ynode *m, const struct ynode *nics)
{
	static const char *const keys[] = { "ip", "prefix", "netmask", "gateway", "mac" };
	const struct ynode *nic0 = nics->n > 0 ? nics->kids[0] : NULL;
	const struct ynode *dhcp = ynode_get(nic0, "dhcp");
	size_t i;

	for (i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		const struct ynode *v = ynode_get(nic0, keys[i]);
		put(a, m, keys[i], v ? v->str : "");
	}
	put_bool(a, m, "dhcp", dhcp == NULL || strcmp(dhcp->str, "true") == 0);
}

struct ynode *context_vm(struct yarena *a, const struct context_fleet *cf,
			 const struct fleet_vm *vm)
{
	const struct fleet *f = cf->fleet;
	struct ynode *m = ynode_new_map(a, NULL), *nics = ynode_new_seq(a, NULL);
	size_t i;

	for (i = 0; i < vm->spec->n_networks; i++)
		ynode_seq_push(a, nics, nic_map(a, vm->spec->networks[i], &vm->nics[i], i));
	put(a, m, "name", vm->name);
	put(a, m, "hostname", vm->name);
	put(a, m, "domain", vm->domain);
	put(a, m, "fleet", f->name);
	put(a, m, "group", vm->group ? vm->group : "");
	put_index(a, m, f, vm);
	put_primary(a, m, nics);
	put(a, m, "user", f->ssh.user ? f->ssh.user : "herd");
	ynode_map_put(a, m, ynode_new_scalar(a, "vars", false, NULL),
		      vm->spec->vars ? (struct ynode *)vm->spec->vars
				     : ynode_new_map(a, NULL));
	ynode_map_put(a, m, ynode_new_scalar(a, "ssh_authorized_keys", false, NULL),
		      (struct ynode *)cf->keys);
	ynode_map_put(a, m, ynode_new_scalar(a, "nics", false, NULL), nics);
	ynode_map_put(a, m, ynode_new_scalar(a, "all", false, NULL),
		      (struct ynode *)cf->all);
	return m;
}
