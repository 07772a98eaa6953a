/* orchestrator/cli/cmd_inventory.c — `herd inventory`: the fleet for Ansible,
 * ssh, /etc/hosts or anything that reads JSON. */
#include "orchestrator/cli/cmd.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/log.h"
#include "common/mem.h"
#include "orchestrator/cli/fleetload.h"
#include "orchestrator/reach/inventory.h"

const char cmd_inventory_help[] =
	"usage: herd inventory --format ansible|ssh-config|hosts|json\n"
	"\n"
	"Print the fleet for other tools: an Ansible INI inventory (a group per\n"
	"herd group), an ssh_config with a Host per VM, /etc/hosts lines, or\n"
	"JSON.  Key and known_hosts paths are the fleet's own.  A VM on a host\n"
	"bridge has no planned address: libvirt is asked for it (lease, guest\n"
	"agent, the host's ARP table), and it is listed without one if unknown.\n"
	"\n"
	"  --format F      ansible (default), ssh-config, hosts or json\n";

/* Addresses of the VMs without a planned one (host bridges), from libvirt;
 * NULL when every VM has a planned one, so libvirt is not needed at all.
 * Without libvirt, those VMs are listed without an address. */
static char **observed_addrs(struct handle *a)
{
	const struct fleet *f = a->fleet;
	struct herd_err err = HERD_ERR_INIT;
	char **addrs = NULL, ip[64];
	size_t i;

	for (i = 0; i < f->n_vms; i++) {
		const struct fleet_vm *vm = &f->vms[i];

		if (vm->spec->n_networks == 0 || vm->nics[0].ip != 0)
			continue;
		if (handle_vm_addr(a, vm, ip, NULL, &err) != 0) {
			log_warn("inventory: %s; VMs on a host bridge are listed without "
				 "an address", err.msg);
			break;
		}
		if (addrs == NULL)
			addrs = xcalloc(f->n_vms, sizeof *addrs);
		addrs[i] = ip[0] ? xstrdup(ip) : NULL;
	}
	return addrs;
}

static void free_addrs(char **addrs, size_t n)
{
	size_t i;

	for (i = 0; addrs != NULL && i < n; i++)
		free(addrs[i]);
	free(addrs);
}

static const struct option longopts[] = {
	{ "format", required_argument, NULL, 'F' },
	{ NULL, 0, NULL, 0 },
};

const struct cmd_optspec cmd_inventory_opts = { "+", longopts };

int cmd_inventory(const struct herd_opts *opts, int argc, char **argv)
{
	enum inventory_format fmt = INVENTORY_ANSIBLE;
	struct herd_err err = HERD_ERR_INIT;
	struct inventory_paths paths;
	struct handle a;
	struct buf out;
	char **addrs;
	int c, rc;

	while ((c = getopt_long(argc, argv, cmd_inventory_opts.shortopts, longopts, NULL)) != -1) {
		if (c != 'F' || inventory_format_parse(optarg, &fmt, &err) != 0) {
			if (err.msg[0])
				log_err(&err);
			cmd_print_usage("inventory", 1);
			return EXIT_USAGE;
		}
	}
	if (optind != argc) {
		cmd_print_usage("inventory", 1);
		return EXIT_USAGE;
	}
	/* The key and known_hosts the inventory names must exist. */
	rc = fleetload_open(&a, opts, "inventory", HANDLE_KEYS);
	if (rc != EXIT_OK)
		return rc;
	paths.private_key = a.key_path;
	paths.known_hosts = a.known_hosts;
	addrs = observed_addrs(&a);
	buf_init(&out);
	if (inventory_write(a.fleet, fmt, &paths, (const char *const *)addrs, &out, &err) < 0) {
		log_err(&err);
		rc = EXIT_FAIL;
	} else {
		fwrite(out.data, 1, out.len, stdout);
	}
	buf_release(&out);
	free_addrs(addrs, a.fleet->n_vms);
	handle_close(&a);
	return rc;
}
