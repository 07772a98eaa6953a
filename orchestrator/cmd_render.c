/* orchestrator/cmd_render.c — `herd render`: print what goes into a VM's seed. */
#include "orchestrator/cmd.h"

#include "common/log.h"

const char cmd_render_help[] =
	"usage: herd render NAME\n"
	"\n"
	"Print what goes into a VM's seed.\n";

int cmd_render(const struct herd_opts *opts, int argc, char **argv)
{
	(void)opts;
	(void)argc;
	(void)argv;
	log_error("render: not implemented yet");
	return EXIT_FAIL;
}
