/* orchestrator/cmd_exec.c — `herd exec`: run a command on many VMs in parallel. */
#include "orchestrator/cmd.h"

#include "common/log.h"

const char cmd_exec_help[] =
	"usage: herd exec [-g GROUP | --vm NAME...] [-j N] -- CMD\n"
	"\n"
	"Run a command on many VMs in parallel.\n";

int cmd_exec(const struct herd_opts *opts, int argc, char **argv)
{
	(void)opts;
	(void)argc;
	(void)argv;
	log_error("exec: not implemented yet");
	return EXIT_FAIL;
}
