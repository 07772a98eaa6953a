/* orchestrator/cmd_plan.c — `herd plan`: compare the file with libvirt and print the actions. */
#include "orchestrator/cmd.h"

#include "common/log.h"

const char cmd_plan_help[] =
	"usage: herd plan [--json] [-o plan.json]\n"
	"\n"
	"Compare the file with libvirt and print the actions.\n";

int cmd_plan(const struct herd_opts *opts, int argc, char **argv)
{
	(void)opts;
	(void)argc;
	(void)argv;
	log_error("plan: not implemented yet");
	return EXIT_FAIL;
}
