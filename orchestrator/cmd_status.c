/* orchestrator/cmd_status.c — `herd status`: show each VM's state, address and readiness. */
#include "orchestrator/cmd.h"

#include "common/log.h"

const char cmd_status_help[] =
	"usage: herd status [--json] [--watch]\n"
	"\n"
	"Show each VM's state, address and readiness.\n";

int cmd_status(const struct herd_opts *opts, int argc, char **argv)
{
	(void)opts;
	(void)argc;
	(void)argv;
	log_error("status: not implemented yet");
	return EXIT_FAIL;
}
