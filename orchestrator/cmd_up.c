/* orchestrator/cmd_up.c — `herd up`: apply, then wait until every VM is ready. */
#include "orchestrator/cmd.h"

#include "common/log.h"

const char cmd_up_help[] =
	"usage: herd up [-j N] [--for STAGE] [--timeout DUR]\n"
	"\n"
	"Apply, then wait until every VM is ready.\n";

int cmd_up(const struct herd_opts *opts, int argc, char **argv)
{
	(void)opts;
	(void)argc;
	(void)argv;
	log_error("up: not implemented yet");
	return EXIT_FAIL;
}
