/* orchestrator/cmd_wait.c — `herd wait`: block until VMs reach a readiness stage. */
#include "orchestrator/cmd.h"

#include "common/log.h"

const char cmd_wait_help[] =
	"usage: herd wait [--for running|ip|ssh|cloud-init] [--timeout DUR] [--vm NAME...] [-g GROUP]\n"
	"\n"
	"Block until VMs reach a readiness stage.\n";

int cmd_wait(const struct herd_opts *opts, int argc, char **argv)
{
	(void)opts;
	(void)argc;
	(void)argv;
	log_error("wait: not implemented yet");
	return EXIT_FAIL;
}
