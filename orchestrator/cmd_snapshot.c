/* orchestrator/cmd_snapshot.c — `herd snapshot`: take, list or delete fleet-wide snapshots. */
#include "orchestrator/cmd.h"

#include "common/log.h"

const char cmd_snapshot_help[] =
	"usage: herd snapshot NAME [--vm V...] | snapshot --list | snapshot --delete NAME\n"
	"\n"
	"Take, list or delete fleet-wide snapshots.\n";

int cmd_snapshot(const struct herd_opts *opts, int argc, char **argv)
{
	(void)opts;
	(void)argc;
	(void)argv;
	log_error("snapshot: not implemented yet");
	return EXIT_FAIL;
}
