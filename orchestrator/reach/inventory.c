#include "orchestrator/reach/inventory.h"

#include <arpa/inet.h>
#include <string.h>

#include "common/jsonw.h"
#include "orchestrator/reach/cfgquote.h"

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
 * network, else the observed one when it is an address (inet_pton: what
 * libvirt or a guest reported is never copied as text), else NULL.
 * ipbuf holds the text. */
static const char *vm_addr(const struct fleet *f, size_t i,
			   const char *const *addrs, char ipbuf[INET6_ADDRSTRLEN])
{
	const struct fleet_vm *vm = &f->vms[i];
	unsigned char a[sizeof(struct in6_addr)];

	if (vm->spec->n_networks > 0 && vm->nics[0].ip != 0) {
		fleet_ip_str(vm->nics[0].ip, ipbuf);
		return ipbuf;
	}
	if (addrs == NULL || addrs[i] == NULL)
		return NULL;
	if (inet_pton(AF_INET, addrs[i], a) == 1)
		return inet_ntop(AF_INET, a, ipbuf, INET6_ADDRSTRLEN);
	if (inet_pton(AF_INET6, addrs[i], a) == 1)
		return inet_ntop(AF_INET6, a, ipbuf, INET6_ADDRSTRLEN);
	return NULL;
}

/* Names become bare words in every format (Host patterns, INI host
 * lines, hosts files): anything else is refused. */
static int check_names(const struct fleet *f, struct herd_err *err)
{
	size_t i;

	if (cfgquote_check(f->name, "fleet name", err) < 0)
		return -1;
	for (i = 0; i < f->n_vms; i++)
		if (!cfgquote_is_name(f->vms[i].name))
			return herd_errf(err, HERD_E_USAGE, "vm name \"%.80s\" is not a plain "
					 "name: it cannot be written safely", f->vms[i].name);
	for (i = 0; i < f->n_groups; i++)
		if (!cfgquote_is_name(f->groups[i].name))
			return herd_errf(err, HERD_E_USAGE, "group name \"%.80s\" is not a "
					 "plain name: it cannot be written safely",
					 f->groups[i].name);
	return 0;
}

static void ansible_host(struct buf *out, const struct fleet *f, size_t i,
			 const char *const *addrs)
{
	char ip[INET6_ADDRSTRLEN];
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

/* Ansible hands ansible_ssh_private_key_file to ssh as
 * -o IdentityFile="PATH" without escaping anything: a path that would
 * end those quotes or be read as a % token cannot be given to it. */
static int ansible_path_ok(const char *path, const char *what, struct herd_err *err)
{
	if (cfgquote_check(path, what, err) < 0)
		return -1;
	if (path[strcspn(path, "\"\\%")] != '\0')
		return herd_errf(err, HERD_E_USAGE, "%s \"%.80s\" holds '\"', '\\' or '%%', "
				 "which Ansible passes to ssh unescaped", what, path);
	return 0;
}

/* ansible_ssh_common_args: ssh options that Ansible splits like a shell
 * (shlex), each of which ssh reads as a config line: the known_hosts path
 * is quoted for ssh, then the option for the shell, then the whole value
 * for the INI file. */
static int ansible_common_args(struct buf *out, const char *known_hosts,
			       struct herd_err *err)
{
	struct buf opt, args;
	int rc = -1;

	buf_init(&opt);
	buf_init(&args);
	buf_adds(&opt, "UserKnownHostsFile=");
	if (ansible_path_ok(known_hosts, "known_hosts path", err) < 0 ||
	    cfgquote_ssh(&opt, known_hosts, true, "known_hosts path", err) < 0)
		goto out;
	buf_adds(&args, "-o ");
	cfgquote_sh(&args, buf_str(&opt));
	buf_adds(&args, " -o StrictHostKeyChecking=yes -o IdentitiesOnly=yes");
	buf_adds(out, "ansible_ssh_common_args=");
	/* always a quoted literal: it holds blanks */
	if (cfgquote_ini(out, buf_str(&args), "ssh arguments", err) < 0)
		goto out;
	buf_addc(out, '\n');
	rc = 0;
out:
	buf_release(&opt);
	buf_release(&args);
	return rc;
}

/* One INI section per herd group (hosts of vms: go to Ansible's implicit
 * "ungrouped"); connection settings in [all:vars]. */
static int write_ansible(const struct fleet *f, const struct inventory_paths *p,
			 const char *const *addrs, struct buf *out, struct herd_err *err)
{
	size_t g, i;

	buf_addf(out, "# herd fleet %s\n[all:vars]\nansible_user=", f->name);
	if (cfgquote_ini(out, f->ssh.user, "ssh user", err) < 0)
		return -1;
	buf_adds(out, "\nansible_ssh_private_key_file=");
	if (ansible_path_ok(p->private_key, "private key path", err) < 0 ||
	    cfgquote_ini(out, p->private_key, "private key path", err) < 0)
		return -1;
	buf_addc(out, '\n');
	if (ansible_common_args(out, p->known_hosts, err) < 0)
		return -1;
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
	return 0;
}

/* HostKeyAlias makes ssh look the host key up by VM name, the name herd
 * writes in known_hosts, whatever address the VM has. */
static int write_ssh_config(const struct fleet *f, const struct inventory_paths *p,
			    const char *const *addrs, struct buf *out, struct herd_err *err)
{
	char ip[INET6_ADDRSTRLEN];
	size_t i;

	/* the same user and paths for every Host: refused once, up front */
	if (f->ssh.user[strcspn(f->ssh.user, "%")] != '\0')
		return herd_errf(err, HERD_E_USAGE, "ssh user \"%.80s\" holds '%%'",
				 f->ssh.user);
	buf_addf(out, "# herd fleet %s\n", f->name);
	for (i = 0; i < f->n_vms; i++) {
		const char *a = vm_addr(f, i, addrs, ip);

		buf_addf(out, "Host %s\n", f->vms[i].name);
		buf_addf(out, "  HostName %s\n", a ? a : f->vms[i].name);
		buf_adds(out, "  User ");
		if (cfgquote_ssh(out, f->ssh.user, false, "ssh user", err) < 0)
			return -1;
		buf_adds(out, "\n  IdentityFile ");
		if (cfgquote_ssh(out, p->private_key, true, "private key path", err) < 0)
			return -1;
		buf_adds(out, "\n  IdentitiesOnly yes\n  UserKnownHostsFile ");
		if (cfgquote_ssh(out, p->known_hosts, true, "known_hosts path", err) < 0)
			return -1;
		buf_adds(out, "\n  StrictHostKeyChecking yes\n");
		buf_addf(out, "  HostKeyAlias %s\n", f->vms[i].name);
	}
	return 0;
}

static void write_hosts(const struct fleet *f, const char *const *addrs,
			struct buf *out)
{
	char ip[INET6_ADDRSTRLEN];
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
	char ip[INET6_ADDRSTRLEN], mac[18];

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

int inventory_write(const struct fleet *f, enum inventory_format fmt,
		    const struct inventory_paths *paths,
		    const char *const *addrs, struct buf *out, struct herd_err *err)
{
	size_t start = out->len;
	int rc = 0;

	/* JSON escapes anything; the other formats take names as words */
	if (fmt != INVENTORY_JSON && check_names(f, err) < 0)
		return herd_errctx(err, "inventory");
	switch (fmt) {
	case INVENTORY_ANSIBLE:
		rc = write_ansible(f, paths, addrs, out, err);
		break;
	case INVENTORY_SSH_CONFIG:
		rc = write_ssh_config(f, paths, addrs, out, err);
		break;
	case INVENTORY_HOSTS:
		write_hosts(f, addrs, out);
		break;
	case INVENTORY_JSON:
		write_json(f, paths, addrs, out);
		break;
	}
	if (rc < 0) {
		out->len = start;	/* nothing half-written */
		if (out->data != NULL)
			out->data[start] = '\0';
		return herd_errctx(err, "inventory");
	}
	return 0;
}
