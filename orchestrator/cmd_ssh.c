/* orchestrator/cmd_ssh.c — `herd ssh`: log in to a VM with the fleet key, host key verified. */
#include "orchestrator/cmd.h"

#include "common/log.h"

const char cmd_ssh_help[] =
	"usage: herd ssh NAME [-- CMD]\n"
	"\n"
	"Log in to a VM with the fleet key, host key verified.\n";

int cmd_ssh(const struct herd_opts *opts, int argc, char **argv)
{
	(void)opts;
	(void)argc;
	(void)argv;
	log_error("ssh: not implemented yet");
	return EXIT_FAIL;
}
