/* orchestrator/cli/cmd_ssh.c — `herd ssh NAME [-- CMD]`: log in with the fleet
 * key, the guest's host key verified against the one herd made. */
#include "orchestrator/cli/cmd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/log.h"
#include "orchestrator/cli/fleetload.h"
#include "orchestrator/reach/sshc.h"

const char cmd_ssh_help[] =
	"usage: herd ssh NAME [-- CMD [ARG...]]\n"
	"\n"
	"Log in to a VM with the fleet key, its host key verified (no trust on\n"
	"first use).  With a command, run it and exit with its status.\n";

static void print_line(void *ud, int is_stderr, const char *line, size_t len)
{
	(void)ud;
	fwrite(line, 1, len, is_stderr ? stderr : stdout);
	fputc('\n', is_stderr ? stderr : stdout);
}

static int run(struct handle *a, const struct fleet_vm *vm, const char *cmd)
{
	struct herd_err err = HERD_ERR_INIT;
	struct handle_target_hold hold = { NULL, NULL };
	struct sshc_target tg;
	struct sshc_exit ex = { -1, "" };
	struct sshc *c = NULL;
	char ip[64];
	int rc = EXIT_FAIL;

	if (handle_vm_addr(a, vm, ip, NULL, &err) != 0 ||
	    handle_target(a, vm, ip, &tg, &hold, &err) != 0)
		goto fail;
	c = sshc_connect(&tg, 10000, NULL, &err);
	if (c == NULL)
		goto fail;
	if (cmd != NULL && sshc_exec(c, cmd, print_line, NULL, &ex, &err) != 0)
		goto fail;
	if (cmd == NULL && sshc_interactive(c, NULL, isatty(STDIN_FILENO), &ex, &err) != 0)
		goto fail;
	rc = ex.status >= 0 ? ex.status : 255;
	if (ex.signal[0])
		log_error("%s: remote command killed by signal %s", vm->name, ex.signal);
	goto out;
fail:
	log_err(&err);
out:
	sshc_free(c);
	handle_target_release(&hold);
	return rc;
}

int cmd_ssh(const struct herd_opts *opts, int argc, char **argv)
{
	const struct fleet_vm *vm;
	struct handle a;
	struct buf cmd;
	int i, rc;

	if (argc < 2 || (argc > 2 && strcmp(argv[2], "--") != 0) || argc == 3) {
		cmd_print_usage("ssh", 1);
		return EXIT_USAGE;
	}
	rc = fleetload_open(&a, opts, "ssh", HANDLE_KEYS);
	if (rc != EXIT_OK)
		return rc;
	vm = fleet_find_vm(a.fleet, argv[1]);
	if (vm == NULL) {
		log_error("no VM '%s' in fleet %s (see herd status)", argv[1], a.fleet->name);
		handle_close(&a);
		return EXIT_USAGE;
	}
	/* Like ssh(1): the words after -- form one command line for the
	 * remote shell. */
	buf_init(&cmd);
	for (i = 3; i < argc; i++) {
		if (i > 3)
			buf_addc(&cmd, ' ');
		buf_adds(&cmd, argv[i]);
	}
	rc = run(&a, vm, argc > 3 ? buf_str(&cmd) : NULL);
	buf_release(&cmd);
	handle_close(&a);
	return rc;
}
