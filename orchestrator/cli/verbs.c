/* orchestrator/cli/verbs.c — the verb table and the help shared by verbs. */
#include "orchestrator/cli/verbs.h"

#include <stdio.h>
#include <string.h>

/* Each cmd_<verb>.c defines its help text: the usage line, a blank line,
 * a sentence, then its options. */
extern const char cmd_apply_help[];
extern const char cmd_destroy_help[];
extern const char cmd_exec_help[];
extern const char cmd_image_help[];
extern const char cmd_inventory_help[];
extern const char cmd_plan_help[];
extern const char cmd_render_help[];
extern const char cmd_revert_help[];
extern const char cmd_seed_help[];
extern const char cmd_snapshot_help[];
extern const char cmd_ssh_help[];
extern const char cmd_status_help[];
extern const char cmd_up_help[];
extern const char cmd_validate_help[];
extern const char cmd_wait_help[];
extern const struct cmd_optspec cmd_apply_opts, cmd_exec_opts, cmd_image_opts,
	cmd_inventory_opts, cmd_plan_opts, cmd_render_opts, cmd_seed_opts,
	cmd_snapshot_opts, cmd_status_opts, cmd_up_opts, cmd_wait_opts;

const struct verb verbs_table[] = {
	{ "apply", cmd_apply, "make libvirt match the fleet file (or a saved plan)", cmd_apply_help,
	  &cmd_apply_opts },
	{ "destroy", cmd_destroy, "remove every object this fleet owns, and nothing else", cmd_destroy_help,
	  NULL },
	{ "exec", cmd_exec, "run a command on many VMs in parallel", cmd_exec_help,
	  &cmd_exec_opts },
	{ "image", cmd_image, "manage the base-image cache (pull, list, rm)", cmd_image_help,
	  &cmd_image_opts },
	{ "inventory", cmd_inventory, "print the fleet for other tools", cmd_inventory_help,
	  &cmd_inventory_opts },
	{ "plan", cmd_plan, "compare the file with libvirt and print the actions", cmd_plan_help,
	  &cmd_plan_opts },
	{ "render", cmd_render, "print what goes into a VM's seed", cmd_render_help,
	  &cmd_render_opts },
	{ "revert", cmd_revert, "revert VMs to a fleet snapshot", cmd_revert_help,
	  &cmd_snapshot_opts },
	{ "seed", cmd_seed, "write a VM's seed ISO (or a cloud-localds drop-in)", cmd_seed_help,
	  &cmd_seed_opts },
	{ "snapshot", cmd_snapshot, "take, list or delete fleet-wide snapshots", cmd_snapshot_help,
	  &cmd_snapshot_opts },
	{ "ssh", cmd_ssh, "log in to a VM with the fleet key, host key verified", cmd_ssh_help,
	  NULL },
	{ "status", cmd_status, "show each VM's state, address and readiness", cmd_status_help,
	  &cmd_status_opts },
	{ "up", cmd_up, "apply, then wait until every VM is ready", cmd_up_help,
	  &cmd_up_opts },
	{ "validate", cmd_validate, "check the fleet file; no side effects", cmd_validate_help,
	  NULL },
	{ "wait", cmd_wait, "block until VMs reach a readiness stage", cmd_wait_help,
	  &cmd_wait_opts },
	{ NULL, NULL, NULL, NULL, NULL },
};

const struct verb *verbs_find(const char *name)
{
	const struct verb *v;

	for (v = verbs_table; v->name != NULL; v++)
		if (strcmp(v->name, name) == 0)
			return v;
	return NULL;
}

int cmd_wants_help(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			return 0;
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
			return 1;
	}
	return 0;
}

void cmd_print_usage(const char *verb, int to_stderr)
{
	const struct verb *v = verbs_find(verb);

	if (v != NULL)
		fputs(v->help, to_stderr ? stderr : stdout);
}
