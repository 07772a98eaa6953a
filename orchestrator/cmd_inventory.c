/* orchestrator/cmd_inventory.c — `herd inventory`: print the fleet for other tools. */
#include "orchestrator/cmd.h"

#include "common/log.h"

const char cmd_inventory_help[] =
	"usage: herd inventory --format ansible|ssh-config|hosts|json\n"
	"\n"
	"Print the fleet for other tools.\n";

int cmd_inventory(const struct herd_opts *opts, int argc, char **argv)
{
	(void)opts;
	(void)argc;
	(void)argv;
	log_error("inventory: not implemented yet");
	return EXIT_FAIL;
}
