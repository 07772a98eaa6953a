/* orchestrator/cmd_revert.c — `herd revert`: revert VMs to a fleet snapshot. */
#include "orchestrator/cmd.h"

#include "common/log.h"

const char cmd_revert_help[] =
	"usage: herd revert NAME [--vm V...]\n"
	"\n"
	"Revert VMs to a fleet snapshot.\n";

int cmd_revert(const struct herd_opts *opts, int argc, char **argv)
{
	(void)opts;
	(void)argc;
	(void)argv;
	log_error("revert: not implemented yet");
	return EXIT_FAIL;
}
