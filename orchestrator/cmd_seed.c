/* orchestrator/cmd_seed.c — `herd seed`: write a VM's seed ISO (or a cloud-localds drop-in). */
#include "orchestrator/cmd.h"

#include "common/log.h"

const char cmd_seed_help[] =
	"usage: herd seed NAME -o FILE | seed --user-data F --meta-data F [--network-config F] [--vendor-data F] -o FILE\n"
	"\n"
	"Write a VM's seed ISO (or a cloud-localds drop-in).\n";

int cmd_seed(const struct herd_opts *opts, int argc, char **argv)
{
	(void)opts;
	(void)argc;
	(void)argv;
	log_error("seed: not implemented yet");
	return EXIT_FAIL;
}
