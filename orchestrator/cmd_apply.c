/* orchestrator/cmd_apply.c — `herd apply`: make libvirt match the fleet file (or a saved plan). */
#include "orchestrator/cmd.h"

#include "common/log.h"

const char cmd_apply_help[] =
	"usage: herd apply [-j N] [--restart] [plan.json]\n"
	"\n"
	"Make libvirt match the fleet file (or a saved plan).\n";

int cmd_apply(const struct herd_opts *opts, int argc, char **argv)
{
	(void)opts;
	(void)argc;
	(void)argv;
	log_error("apply: not implemented yet");
	return EXIT_FAIL;
}
