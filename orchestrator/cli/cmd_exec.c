/* orchestrator/cli/cmd_exec.c — `herd exec`: one command on many VMs at once. */
#include "orchestrator/cli/cmd.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/log.h"
#include "common/num.h"
#include "common/mem.h"
#include "orchestrator/cli/fleetload.h"
#include "orchestrator/reach/execpar.h"

const char cmd_exec_help[] =
	"usage: herd exec [-g GROUP | --vm NAME...] [-j N] -- CMD [ARG...]\n"
	"\n"
	"Run a command on many VMs in parallel; each output line is prefixed\n"
	"with the VM's name, and a summary of exit codes ends the run.\n"
	"\n"
	"  -g, --group G   only the VMs of group G\n"
	"  --vm NAME       only this VM (repeatable)\n"
	"  -j, --jobs N    at most N SSH sessions at once (default 16)\n"
	"\n"
	"Exit 1 if the command failed (or could not run) on any VM.\n";

struct exec_args {
	const char **vms;
	size_t n_vms;
	const char *group;
	int jobs;
};

static const struct option longopts[] = {
	{ "group", required_argument, NULL, 'g' },
	{ "vm", required_argument, NULL, 'm' },
	{ "jobs", required_argument, NULL, 'j' },
	{ NULL, 0, NULL, 0 },
};

const struct cmd_optspec cmd_exec_opts = { "+g:j:", longopts };

static int parse(int argc, char **argv, struct exec_args *x)
{
	long n;
	int c;

	while ((c = getopt_long(argc, argv, cmd_exec_opts.shortopts, longopts, NULL)) != -1) {
		switch (c) {
		case 'g': x->group = optarg; break;
		case 'j':
			if (num_parse(optarg, 1, CMD_MAX_JOBS, &n) < 0) {
				log_error("exec: -j \"%s\": expected 1..%d", optarg, CMD_MAX_JOBS);
				return -1;
			}
			x->jobs = (int)n;
			break;
		case 'm':
			x->vms = xrealloc(x->vms, (x->n_vms + 1) * sizeof *x->vms);
			x->vms[x->n_vms++] = optarg;
			break;
		default: return -1;
		}
	}
	/* getopt has consumed the "--"; a command must follow. */
	return optind < argc && strcmp(argv[optind - 1], "--") == 0 ? 0 : -1;
}

/* SSH targets for the selected VMs that have an address; a VM without
 * one is named and left out (*missing counts them).  Returns how many
 * targets, or -1 after printing a failure that stops everything. */
static ssize_t targets(struct handle *a, const struct handle_sel *sel,
		       struct sshc_target *tg, struct handle_target_hold *hold,
		       size_t *missing)
{
	struct herd_err err = HERD_ERR_INIT;
	size_t i, n = 0;
	char ip[64];

	*missing = 0;
	for (i = 0; i < sel->n; i++) {
		const struct fleet_vm *vm = &a->fleet->vms[sel->idx[i]];

		if (handle_vm_addr(a, vm, ip, NULL, &err) != 0 ||
		    (ip[0] != '\0' && handle_target(a, vm, ip, &tg[n], &hold[n], &err) != 0)) {
			log_err(&err);
			return -1;
		}
		if (ip[0] == '\0') {
			log_error("%s: no address known yet, left out (herd status shows "
				  "whether it runs)", vm->name);
			(*missing)++;
			continue;
		}
		n++;
	}
	return (ssize_t)n;
}

static int run(struct handle *a, const struct handle_sel *sel, const char *cmd,
	       int jobs)
{
	struct sshc_target *tg = xcalloc(sel->n ? sel->n : 1, sizeof *tg);
	struct handle_target_hold *hold = xcalloc(sel->n ? sel->n : 1, sizeof *hold);
	struct execpar_result *res = xcalloc(sel->n ? sel->n : 1, sizeof *res);
	struct execpar_opts eo = { jobs, 10000, NULL, NULL };
	struct buf sum;
	size_t i, failed, missing;
	ssize_t n;
	int rc = EXIT_FAIL;

	buf_init(&sum);
	n = targets(a, sel, tg, hold, &missing);
	if (n < 0)
		goto out;
	failed = execpar_run(tg, (size_t)n, cmd, &eo, res);
	execpar_summary(tg, res, (size_t)n, &sum);
	fputs(buf_str(&sum), stderr);
	rc = failed || missing ? EXIT_FAIL : EXIT_OK;
out:
	for (i = 0; i < sel->n; i++)
		handle_target_release(&hold[i]);
	free(tg);
	free(hold);
	free(res);
	buf_release(&sum);
	return rc;
}

int cmd_exec(const struct herd_opts *opts, int argc, char **argv)
{
	struct exec_args x = { NULL, 0, NULL, 16 };
	struct herd_err err = HERD_ERR_INIT;
	struct handle_sel sel = { NULL, 0 };
	struct handle a;
	struct buf cmd;
	int i, rc;

	if (parse(argc, argv, &x) != 0) {
		cmd_print_usage("exec", 1);
		free(x.vms);
		return EXIT_USAGE;
	}
	buf_init(&cmd);
	for (i = optind; i < argc; i++) {
		if (i > optind)
			buf_addc(&cmd, ' ');
		buf_adds(&cmd, argv[i]);
	}
	rc = fleetload_open(&a, opts, "exec", HANDLE_KEYS);
	if (rc != EXIT_OK)
		goto done;
	if (handle_select(&a, x.vms, x.n_vms, x.group, &sel, &err) != 0) {
		log_err(&err);
		rc = EXIT_USAGE;
	} else {
		rc = run(&a, &sel, buf_str(&cmd), x.jobs);
	}
	handle_sel_release(&sel);
	handle_close(&a);
done:
	buf_release(&cmd);
	free(x.vms);
	return rc;
}
