/* orchestrator/cmd_validate.c — `herd validate`: check the fleet file; no side effects. */
#include "orchestrator/cmd.h"

#include "common/log.h"

const char cmd_validate_help[] =
	"usage: herd validate\n"
	"\n"
	"Check the fleet file; no side effects.\n";

int cmd_validate(const struct herd_opts *opts, int argc, char **argv)
{
	(void)opts;
	(void)argc;
	(void)argv;
	log_error("validate: not implemented yet");
	return EXIT_FAIL;
}
