/* orchestrator/cmd_inventory.c — `herd inventory`: the fleet for Ansible,
 * ssh, /etc/hosts or anything that reads JSON. */
#include "orchestrator/cmd.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "common/buf.h"
#include "common/log.h"
#include "orchestrator/access.h"
#include "orchestrator/inventory.h"

const char cmd_inventory_help[] =
	"usage: herd inventory --format ansible|ssh-config|hosts|json\n"
	"\n"
	"Print the fleet for other tools: an Ansible INI inventory (a group per\n"
	"herd group), an ssh_config with a Host per VM, /etc/hosts lines, or\n"
	"JSON.  Key and known_hosts paths are the fleet's own.\n"
	"\n"
	"  --format F      ansible (default), ssh-config, hosts or json\n";

int cmd_inventory(const struct herd_opts *opts, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, 'F' },
		{ NULL, 0, NULL, 0 },
	};
	enum inventory_format fmt = INVENTORY_ANSIBLE;
	struct herd_err err = HERD_ERR_INIT;
	struct inventory_paths paths;
	struct access a;
	struct buf out;
	int c, rc;

	while ((c = getopt_long(argc, argv, "+", longopts, NULL)) != -1) {
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
	rc = access_open(&a, opts, ACCESS_KEYS);
	if (rc != EXIT_OK)
		return rc;
	paths.private_key = a.key_path;
	paths.known_hosts = a.known_hosts;
	buf_init(&out);
	inventory_write(a.fleet, fmt, &paths, NULL, &out);
	fwrite(out.data, 1, out.len, stdout);
	buf_release(&out);
	access_close(&a);
	return EXIT_OK;
}
