/* orchestrator/cli/cmd_wait.c — `herd wait`: block until VMs reach a stage. */
#include "orchestrator/cli/cmd.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/duration.h"
#include "common/log.h"
#include "common/num.h"
#include "common/mem.h"
#include "orchestrator/cli/fleetload.h"
#include "orchestrator/cli/cmd_wait.h"
#include "orchestrator/run/track.h"

const char cmd_wait_help[] =
	"usage: herd wait [--for STAGE] [--timeout DUR] [--vm NAME]... [-g GROUP] [-j N]\n"
	"\n"
	"Block until every VM (or the chosen ones) reaches a readiness stage.\n"
	"\n"
	"  --for STAGE     running, ip, ssh or cloud-init (default cloud-init)\n"
	"  --timeout DUR   give up after DUR (90s, 10m, 1h; default 10m)\n"
	"  --vm NAME       only this VM (repeatable)\n"
	"  -g, --group G   only the VMs of group G\n"
	"  -j, --jobs N    follow at most N VMs at once (SSH sessions; default 16)\n"
	"\n"
	"A VM that crashes or stops fails at once.  Exit 1 names the VMs that\n"
	"did not make it.\n";

static void on_change(void *ud, const struct track_vm *t)
{
	(void)ud;
	if (t->failed) {
		log_error("%s: failed at %s: %s", t->vm->name,
			  track_stage_str((enum track_stage)(t->reached + 1)), t->why);
		return;
	}
	if (t->warning)
		log_warn("%s: %s", t->vm->name, t->why);
	if (t->reached == TRACK_IP)
		log_info("%s: ip %s (%s) %.1fs", t->vm->name, t->ip,
			 virt_addr_src_str(t->src), t->elapsed);
	else
		log_info("%s: %s %.1fs", t->vm->name, track_stage_str(t->reached),
			 t->elapsed);
}

static const struct option longopts[] = {
	{ "for", required_argument, NULL, 'F' },
	{ "timeout", required_argument, NULL, 'T' },
	{ "vm", required_argument, NULL, 'm' },
	{ "group", required_argument, NULL, 'g' },
	{ "jobs", required_argument, NULL, 'j' },
	{ NULL, 0, NULL, 0 },
};

const struct cmd_optspec cmd_wait_opts = { "+g:j:", longopts };

int cmd_wait_parse(int argc, char **argv, struct wait_args *w)
{
	struct herd_err err = HERD_ERR_INIT;
	long n;
	int c;

	while ((c = getopt_long(argc, argv, cmd_wait_opts.shortopts, longopts, NULL)) != -1) {
		switch (c) {
		case 'F':
			if (track_stage_parse(optarg, &w->stage, &err) != 0)
				goto bad;
			break;
		case 'T':
			if (duration_parse(optarg, &w->timeout_ms, &err) != 0)
				goto bad;
			break;
		case 'm':
			w->vms = xrealloc(w->vms, (w->n_vms + 1) * sizeof *w->vms);
			w->vms[w->n_vms++] = optarg;
			break;
		case 'g': w->group = optarg; break;
		case 'j':
			if (num_parse(optarg, 1, CMD_MAX_JOBS, &n) < 0) {
				herd_errf(&err, HERD_E_USAGE, "wait: -j \"%s\": expected 1..%d",
					  optarg, CMD_MAX_JOBS);
				goto bad;
			}
			w->jobs = (int)n;
			break;
		default: return -1;
		}
	}
	return 0;
bad:
	log_err(&err);
	return -1;
}

void cmd_wait_args_init(struct wait_args *w)
{
	memset(w, 0, sizeof *w);
	w->stage = TRACK_CLOUD_INIT;
	w->timeout_ms = 600000;
	w->jobs = 16;
}

int cmd_wait_run(const struct herd_opts *opts, const struct wait_args *w)
{
	struct herd_err err = HERD_ERR_INIT;
	struct handle a;
	struct handle_sel sel = { NULL, 0 };
	struct track_vm *t = NULL;
	struct track_opts to = { w->stage, (int)w->timeout_ms, w->jobs, on_change, NULL };
	size_t bad, i;
	int rc = fleetload_open(&a, opts, "wait", HANDLE_EVENTS | HANDLE_KEYS);

	if (rc != EXIT_OK)
		return rc;
	if (handle_select(&a, (const char *const *)w->vms, w->n_vms, w->group, &sel, &err) != 0) {
		log_err(&err);
		rc = EXIT_USAGE;
		goto out;
	}
	t = xcalloc(sel.n ? sel.n : 1, sizeof *t);
	track_init(t, &a, sel.idx, sel.n);
	bad = track_wait(&a, t, sel.n, &to);
	if (bad == 0) {
		log_info("ready: %zu VM%s at stage %s", sel.n, sel.n == 1 ? "" : "s",
			 track_stage_str(w->stage));
		goto out;
	}
	rc = EXIT_FAIL;
	log_error("%zu of %zu VMs did not reach %s:", bad, sel.n, track_stage_str(w->stage));
	for (i = 0; i < sel.n; i++)
		if (t[i].failed || t[i].reached < w->stage)
			log_error("  %s: %s", t[i].vm->name,
				  t[i].why[0] ? t[i].why : "not ready");
out:
	free(t);
	handle_sel_release(&sel);
	handle_close(&a);
	return rc;
}

int cmd_wait(const struct herd_opts *opts, int argc, char **argv)
{
	struct wait_args w;
	int rc;

	cmd_wait_args_init(&w);
	if (cmd_wait_parse(argc, argv, &w) != 0 || optind != argc) {
		cmd_print_usage("wait", 1);
		free(w.vms);
		return EXIT_USAGE;
	}
	rc = cmd_wait_run(opts, &w);
	free(w.vms);
	return rc;
}
