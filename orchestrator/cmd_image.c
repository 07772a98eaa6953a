/* orchestrator/cmd_image.c — `herd image`: manage the base-image cache (pull, list, rm). */
#include "orchestrator/cmd.h"

#include "common/log.h"

const char cmd_image_help[] =
	"usage: herd image pull FLEET-OR-URL | image list | image rm NAME-OR-SUM\n"
	"\n"
	"Manage the base-image cache (pull, list, rm).\n";

int cmd_image(const struct herd_opts *opts, int argc, char **argv)
{
	(void)opts;
	(void)argc;
	(void)argv;
	log_error("image: not implemented yet");
	return EXIT_FAIL;
}
