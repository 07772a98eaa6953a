#include "orchestrator/reach/inventory.h"

#include <string.h>

#include "common/jsonw.h"

static const struct {
	const char *name;
	enum inventory_format fmt;
} formats[] = {
	{ "ansible", INVENTORY_ANSIBLE },
	{ "hosts", INVENTORY_HOSTS },
	{ "json", INVENTORY_JSON },
	{ "ssh-config", INVENTORY_SSH_CONFIG },
};

int inventory_format_parse(const char *s, enum inventory_format *fmt,
			   struct herd_err *err)
{
	size_t i;

	for (i = 0; i < sizeof formats / sizeof formats[0]; i++) {
		if (strcmp(s, formats[i].name) == 0) {
			*fmt = formats[i].fmt;
			return 0;
		}
	}
	return herd_errf(err, HERD_E_USAGE,
			 "unknown inventory format '%s' (use ansible, ssh-config, hosts or json)",
			 s);
}

/* The address herd reaches vm i at: the planned one on the primary
 * network, else the observed one, else NULL.  ipbuf holds the text. */
static const char *vm_addr(const struct fleet *f, size_t i,
			   const char *const *addrs, char ipbuf[16])
{
	const struct fleet_vm *vm = &f->vms[i];

	if (vm->spec->n_networks > 0 && vm->nics[0].ip != 0) {
		fleet_ip_str(vm->nics[0].ip, ipbuf);
		return ipbuf;
	}
	return addrs != NULL ? addrs[i] : NULL;
}

static void ansible_host(struct buf *out, const struct fleet *f, size_t i,
			 const char *const *addrs)
{
	char ip[16];
	const char *a = vm_addr(f, i, addrs, ip);

	buf_adds(out, f->vms[i].name);
	if (a != NULL)
		buf_addf(out, " ansible_host=%s", a);
	buf_addc(out, '\n');
}

/* Ansible wants group names that are identifiers: web-tier -> web_tier. */
static void ansible_group(struct buf *out, const char *name)
{
	const char *p;

	buf_adds(out, "\n[");
	for (p = name; *p; p++)
		buf_addc(out, *p == '-' ? '_' : *p);
	buf_adds(out, "]\n");
}

/* One INI section per herd group (hosts of vms: go to Ansible's implicit
 * "ungrouped"); connection settings in [all:vars]. */
static void write_ansible(const struct fleet *f, const struct inventory_paths *p,
			  const char *const *addrs, struct buf *out)
{
	size_t g, i;

	buf_addf(out, "# herd fleet %s\n[all:vars]\n", f->name);
	buf_addf(out, "ansible_user=%s\n", f->ssh.user);
	buf_addf(out, "ansible_ssh_private_key_file=%s\n", p->private_key);
	buf_addf(out, "ansible_ssh_common_args='-o UserKnownHostsFile=%s -o StrictHostKeyChecking=yes -o IdentitiesOnly=yes'\n",
		 p->known_hosts);
	if (f->n_explicit > 0) {
		buf_adds(out, "\n[ungrouped]\n");
		for (i = 0; i < f->n_explicit; i++)
			ansible_host(out, f, i, addrs);
	}
	for (g = 0; g < f->n_groups; g++) {
		ansible_group(out, f->groups[g].name);
		for (i = f->n_explicit; i < f->n_vms; i++)
			if (strcmp(f->vms[i].group, f->groups[g].name) == 0)
				ansible_host(out, f, i, addrs);
	}
}

/* HostKeyAlias makes ssh look the host key up by VM name, the name herd
 * writes in known_hosts, whatever address the VM has. */
static void write_ssh_config(const struct fleet *f, const struct inventory_paths *p,
			     const char *const *addrs, struct buf *out)
{
	char ip[16];
	size_t i;

	buf_addf(out, "# herd fleet %s\n", f->name);
	for (i = 0; i < f->n_vms; i++) {
		const char *a = vm_addr(f, i, addrs, ip);
		buf_addf(out, "Host %s\n", f->vms[i].name);
		buf_addf(out, "  HostName %s\n", a ? a : f->vms[i].name);
		buf_addf(out, "  User %s\n", f->ssh.user);
		buf_addf(out, "  IdentityFile %s\n  IdentitiesOnly yes\n", p->private_key);
		buf_addf(out, "  UserKnownHostsFile %s\n  StrictHostKeyChecking yes\n",
			 p->known_hosts);
		buf_addf(out, "  HostKeyAlias %s\n", f->vms[i].name);
	}
}

static void write_hosts(const struct fleet *f, const char *const *addrs,
			struct buf *out)
{
	char ip[16];
	size_t i;

	buf_addf(out, "# herd fleet %s\n", f->name);
	for (i = 0; i < f->n_vms; i++) {
		const char *a = vm_addr(f, i, addrs, ip);
		if (a != NULL)
			buf_addf(out, "%s\t%s\n", a, f->vms[i].name);
	}
}

static void json_vm(const struct fleet *f, size_t i, const char *const *addrs,
		    struct buf *out)
{
	const struct fleet_vm *vm = &f->vms[i];
	char ip[16], mac[18];

	buf_adds(out, "    {");
	jsonw_key(out, "name");
	jsonw_str(out, vm->name);
	buf_adds(out, ", ");
	jsonw_key(out, "domain");
	jsonw_str(out, vm->domain);
	buf_adds(out, ", ");
	jsonw_key(out, "group");
	jsonw_str(out, vm->group);
	buf_addf(out, ", \"index\": %u, ", vm->index);
	jsonw_key(out, "ip");
	jsonw_str(out, vm_addr(f, i, addrs, ip));
	buf_adds(out, ", ");
	jsonw_key(out, "mac");
	if (vm->spec->n_networks > 0) {
		fleet_mac_str(vm->nics[0].mac, mac);
		jsonw_str(out, mac);
	} else {
		jsonw_str(out, NULL);
	}
	buf_adds(out, "}");
}

static void write_json(const struct fleet *f, const struct inventory_paths *p,
		       const char *const *addrs, struct buf *out)
{
	size_t i;

	buf_adds(out, "{\n  ");
	jsonw_key(out, "fleet");
	jsonw_str(out, f->name);
	buf_adds(out, ",\n  ");
	jsonw_key(out, "user");
	jsonw_str(out, f->ssh.user);
	buf_adds(out, ",\n  ");
	jsonw_key(out, "private_key");
	jsonw_str(out, p->private_key);
	buf_adds(out, ",\n  ");
	jsonw_key(out, "known_hosts");
	jsonw_str(out, p->known_hosts);
	buf_adds(out, ",\n  \"vms\": [\n");
	for (i = 0; i < f->n_vms; i++) {
		json_vm(f, i, addrs, out);
		buf_adds(out, i + 1 < f->n_vms ? ",\n" : "\n");
	}
	buf_adds(out, "  ]\n}\n");
}

void inventory_write(const struct fleet *f, enum inventory_format fmt,
		     const struct inventory_paths *paths,
		     const char *const *addrs, struct buf *out)
{
	switch (fmt) {
	case INVENTORY_ANSIBLE:
		write_ansible(f, paths, addrs, out);
		break;
	case INVENTORY_SSH_CONFIG:
		write_ssh_config(f, paths, addrs, out);
		break;
	case INVENTORY_HOSTS:
		write_hosts(f, addrs, out);
		break;
	case INVENTORY_JSON:
		write_json(f, paths, addrs, out);
		break;
	}
}
