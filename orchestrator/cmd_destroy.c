/* orchestrator/cmd_destroy.c — `herd destroy`: remove every object this fleet owns, and nothing else. */
#include "orchestrator/cmd.h"

#include "common/log.h"

const char cmd_destroy_help[] =
	"usage: herd destroy [-j N]\n"
	"\n"
	"Remove every object this fleet owns, and nothing else.\n";

int cmd_destroy(const struct herd_opts *opts, int argc, char **argv)
{
	(void)opts;
	(void)argc;
	(void)argv;
	log_error("destroy: not implemented yet");
	return EXIT_FAIL;
}
