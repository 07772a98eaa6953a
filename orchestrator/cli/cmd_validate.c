/* orchestrator/cli/cmd_validate.c — `herd validate`: check the fleet file; no side effects. */
#include "orchestrator/cli/cmd.h"

#include <stdio.h>

#include "common/log.h"
#include "orchestrator/cli/fleetload.h"

const char cmd_validate_help[] =
	"usage: herd [-f FILE] validate\n"
	"\n"
	"Parse and check the fleet file and expand its VMs (names, MACs, IPs),\n"
	"without touching libvirt or any file.  Prints a one-line summary and\n"
	"exits 0, or prints each error as FILE:LINE:COL: message (at most 20)\n"
	"on stderr and exits 2.\n";

static const char *plural(size_t n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

int cmd_validate(const struct herd_opts *opts, int argc, char **argv)
{
	struct fleet *f;

	(void)argv;
	if (argc > 1) {
		log_error("validate: unexpected argument '%s'", argv[1]);
		cmd_print_usage("validate", 1);
		return EXIT_USAGE;
	}
	f = fleetload(opts->fleet_file);
	if (f == NULL)
		return EXIT_USAGE;
	printf("ok: %zu %s (%zu %s, %zu %s), %zu %s, %zu %s\n", f->n_vms,
	       plural(f->n_vms, "VM", "VMs"), f->n_groups,
	       plural(f->n_groups, "group", "groups"), f->n_explicit,
	       plural(f->n_explicit, "VM", "VMs"), f->n_networks,
	       plural(f->n_networks, "network", "networks"), f->n_images,
	       plural(f->n_images, "image", "images"));
	fleet_free(f);
	return EXIT_OK;
}
