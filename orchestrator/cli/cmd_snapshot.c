/* orchestrator/cli/cmd_snapshot.c — `herd snapshot` and `herd revert`:
 * fleet-wide internal snapshots, so a classroom resets in one command. */
#include "orchestrator/cli/cmd.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/num.h"
#include "common/mem.h"
#include "orchestrator/cli/fleetload.h"
#include "orchestrator/virt/virt_snap.h"
#include "orchestrator/run/workers.h"

const char cmd_snapshot_help[] =
	"usage: herd snapshot NAME [--vm V]... [-g GROUP] [-j N]\n"
	"       herd snapshot --list [--vm V]...\n"
	"       herd snapshot --delete NAME [--vm V]...\n"
	"\n"
	"Take (or list, or delete) a snapshot of every VM of the fleet, or of\n"
	"the chosen ones, all under one name.\n"
	"\n"
	"  --vm V          only this VM (repeatable)\n"
	"  -g, --group G   only the VMs of group G\n"
	"  -j, --jobs N    VMs at once (default 8)\n";

const char cmd_revert_help[] =
	"usage: herd revert NAME [--vm V]... [-g GROUP] [-j N]\n"
	"\n"
	"Revert every VM of the fleet (or the chosen ones) to snapshot NAME.\n"
	"\n"
	"  --vm V          only this VM (repeatable)\n"
	"  -g, --group G   only the VMs of group G\n"
	"  -j, --jobs N    VMs at once (default 8)\n";

enum snap_op { SNAP_CREATE, SNAP_REVERT, SNAP_DELETE, SNAP_LIST };

struct snap_run {
	struct handle *a;
	struct handle_sel sel;
	enum snap_op op;
	const char *name;
	struct herd_err *errs;		/* one per selected VM */
	int *deleted;			/* SNAP_DELETE: the VM had the snapshot */
	char ***lists;			/* SNAP_LIST: names per VM */
	size_t *counts;
};

static void one(void *ud, size_t i)
{
	struct snap_run *r = ud;
	const char *dom = r->a->fleet->vms[r->sel.idx[i]].domain;
	const char *fl = r->a->fleet->name;
	struct herd_err *err = &r->errs[i];
	struct virt *v = r->a->virt;

	switch (r->op) {
	case SNAP_CREATE: virt_snap_create(v, fl, dom, r->name, err); break;
	case SNAP_REVERT: virt_snap_revert(v, fl, dom, r->name, err); break;
	case SNAP_DELETE: virt_snap_delete(v, fl, dom, r->name, &r->deleted[i], err); break;
	case SNAP_LIST: virt_snap_list(v, fl, dom, &r->lists[i], &r->counts[i], err); break;
	}
}

static int report(struct snap_run *r)
{
	static const char *const done[] = { "snapshot", "reverted", "deleted", "" };
	size_t i, j, bad = 0, had = 0;

	for (i = 0; i < r->sel.n; i++) {
		const char *vm = r->a->fleet->vms[r->sel.idx[i]].name;
		if (r->errs[i].code != HERD_OK) {
			log_error("%s: %s", vm, r->errs[i].msg);
			bad++;
		} else if (r->op == SNAP_DELETE && !r->deleted[i]) {
			log_info("%s: no snapshot %s", vm, r->name);
		} else if (r->op == SNAP_LIST) {
			for (j = 0; j < r->counts[i]; j++)
				printf("%s\t%s\n", vm, r->lists[i][j]);
		} else {
			log_info("%s: %s %s", vm, done[r->op], r->name);
			had++;
		}
	}
	if (bad)
		log_error("%zu of %zu VMs failed", bad, r->sel.n);
	/* Deleting twice is fine VM by VM, but a name no VM has is most
	 * likely a typo. */
	if (!bad && r->op == SNAP_DELETE && had == 0 && r->sel.n > 0) {
		log_error("no VM has snapshot %s (see herd snapshot --list)", r->name);
		bad = 1;
	}
	return bad ? EXIT_FAIL : EXIT_OK;
}

static int run(const struct herd_opts *opts, enum snap_op op, const char *name,
	       const char **vms, size_t n_vms, const char *group, int jobs)
{
	struct herd_err err = HERD_ERR_INIT;
	struct snap_run r;
	struct handle a;
	size_t i, j;
	int rc = fleetload_open(&a, opts, "snapshot", HANDLE_VIRT);

	if (rc != EXIT_OK)
		return rc;
	memset(&r, 0, sizeof r);
	r.a = &a;
	r.op = op;
	r.name = name;
	if (handle_select(&a, vms, n_vms, group, &r.sel, &err) != 0) {
		log_err(&err);
		handle_close(&a);
		return EXIT_USAGE;
	}
	r.errs = xcalloc(r.sel.n + 1, sizeof *r.errs);
	r.lists = xcalloc(r.sel.n + 1, sizeof *r.lists);
	r.counts = xcalloc(r.sel.n + 1, sizeof *r.counts);
	r.deleted = xcalloc(r.sel.n + 1, sizeof *r.deleted);
	workers_run(r.sel.n, jobs, one, &r);
	rc = report(&r);
	for (i = 0; i < r.sel.n; i++) {
		for (j = 0; j < r.counts[i]; j++)
			free(r.lists[i][j]);
		free(r.lists[i]);
	}
	free(r.lists);
	free(r.counts);
	free(r.deleted);
	free(r.errs);
	handle_sel_release(&r.sel);
	handle_close(&a);
	return rc;
}

static const struct option longopts[] = {
	{ "vm", required_argument, NULL, 'm' },
	{ "group", required_argument, NULL, 'g' },
	{ "jobs", required_argument, NULL, 'j' },
	{ "list", no_argument, NULL, 'L' },
	{ "delete", required_argument, NULL, 'D' },
	{ NULL, 0, NULL, 0 },
};

const struct cmd_optspec cmd_snapshot_opts = { "g:j:", longopts };

/* Shared by both verbs: --vm, -g, -j, and (snapshot only) --list and
 * --delete. */
static int snap_main(const struct herd_opts *opts, int argc, char **argv,
		     int is_revert)
{
	enum snap_op op = is_revert ? SNAP_REVERT : SNAP_CREATE;
	const char **vms = NULL, *group = NULL, *name = NULL;
	size_t n_vms = 0;
	int c, jobs = 8, rc = EXIT_USAGE;
	long n;

	/* No "+": options may follow NAME (herd snapshot s1 --vm web-1).
	 * optind 0 makes glibc re-read that, main's "+" parse set ordering. */
	optind = 0;
	while ((c = getopt_long(argc, argv, cmd_snapshot_opts.shortopts, longopts, NULL)) != -1) {
		switch (c) {
		case 'm':
			vms = xrealloc(vms, (n_vms + 1) * sizeof *vms);
			vms[n_vms++] = optarg;
			break;
		case 'g': group = optarg; break;
		case 'j':
			if (num_parse(optarg, 1, CMD_MAX_JOBS, &n) < 0) {
				log_error("%s: -j \"%s\": expected 1..%d", argv[0], optarg,
					  CMD_MAX_JOBS);
				goto usage;
			}
			jobs = (int)n;
			break;
		case 'L': if (is_revert) goto usage; op = SNAP_LIST; break;
		case 'D': if (is_revert) goto usage; op = SNAP_DELETE; name = optarg; break;
		default: goto usage;
		}
	}
	if (op == SNAP_CREATE || op == SNAP_REVERT) {
		if (optind + 1 != argc)
			goto usage;
		name = argv[optind];
	} else if (optind != argc) {
		goto usage;
	}
	rc = run(opts, op, name, vms, n_vms, group, jobs);
	free(vms);
	return rc;
usage:
	free(vms);
	cmd_print_usage(is_revert ? "revert" : "snapshot", 1);
	return rc;
}

int cmd_snapshot(const struct herd_opts *opts, int argc, char **argv)
{
	return snap_main(opts, argc, argv, 0);
}

int cmd_revert(const struct herd_opts *opts, int argc, char **argv)
{
	return snap_main(opts, argc, argv, 1);
}
