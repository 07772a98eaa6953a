/* orchestrator/cli/cmd_up.c — `herd up`: apply, then wait. */
#include "orchestrator/cli/cmd.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/duration.h"
#include "common/log.h"
#include "common/num.h"
#include "orchestrator/run/apply.h"
#include "orchestrator/cli/cmd_wait.h"
#include "orchestrator/cli/fleetload.h"

const char cmd_up_help[] =
	"usage: herd up [-j N] [--restart] [--for STAGE] [--timeout DUR]\n"
	"\n"
	"Apply the fleet file, then wait until every VM is ready.  A kickstart\n"
	"VM powers off when its installer is done: up then applies again,\n"
	"which boots its disk, and waits again.\n"
	"\n"
	"  -j, --jobs N    parallel VM operations and SSH sessions (default 8)\n"
	"  --restart       power-cycle running VMs whose cpus, memory or seed changed\n"
	"  --for STAGE     running, ip, ssh or cloud-init (default cloud-init)\n"
	"  --timeout DUR   how long to wait after apply (default 10m)\n";

/* Did a kickstart installer finish (the plan boots a disk)?  Asked after
 * a wait that failed: an installer's poweroff ends the wait. */
static bool installs_finished(const struct herd_opts *opts)
{
	const struct handle_opts ho = fleetload_opts(opts, "up");
	struct herd_err err = HERD_ERR_INIT;
	struct handle s;
	bool done;

	done = handle_open(&s, &ho, HANDLE_SEEDS | HANDLE_PLAN, &err) == 0 &&
	       s.plan.count[PLAN_INSTALLED] > 0;
	handle_close(&s);
	return done;
}

static int apply_then_wait(const struct herd_opts *opts, int apply_argc,
			   char **apply_argv, const struct wait_args *w)
{
	int rc;

	optind = 0;	/* apply parses its own argv with getopt */
	rc = cmd_apply(opts, apply_argc, apply_argv);
	/* apply's summary is on stdout, wait's progress on stderr: in a log
	 * file (stdout fully buffered) the summary came after all of wait's. */
	fflush(stdout);
	return rc != EXIT_OK ? rc : cmd_wait_run(opts, w);
}

static const struct option longopts[] = {
	{ "jobs", required_argument, NULL, 'j' },
	{ "restart", no_argument, NULL, 'R' },
	{ "for", required_argument, NULL, 'F' },
	{ "timeout", required_argument, NULL, 'T' },
	{ NULL, 0, NULL, 0 },
};

const struct cmd_optspec cmd_up_opts = { "+j:", longopts };

int cmd_up_parse(int argc, char **argv, struct up_args *u)
{
	struct herd_err err = HERD_ERR_INIT;
	long jobs = 0;
	int c, n = 1;

	memset(u, 0, sizeof *u);
	cmd_wait_args_init(&u->w);
	while ((c = getopt_long(argc, argv, cmd_up_opts.shortopts, longopts, NULL)) != -1) {
		switch (c) {
		case 'j':	/* a repeated option: the last one counts */
			if (num_parse(optarg, 1, APPLY_MAX_JOBS, &jobs) < 0) {
				herd_errf(&err, HERD_E_USAGE, "up: -j \"%s\": expected 1..%d",
					  optarg, APPLY_MAX_JOBS);
				goto bad;
			}
			u->w.jobs = (int)jobs;
			break;
		case 'R': u->restart = true; break;
		case 'F':
			if (track_stage_parse(optarg, &u->w.stage, &err) != 0)
				goto bad;
			break;
		case 'T':
			if (duration_parse(optarg, &u->w.timeout_ms, &err) != 0)
				goto bad;
			break;
		default:
			return -1;
		}
	}
	if (optind != argc)
		return -1;
	/* apply's argv, each option at most once: "apply -j N --restart" */
	u->apply_argv[0] = "apply";
	if (jobs > 0) {
		snprintf(u->jobs, sizeof u->jobs, "%ld", jobs);
		u->apply_argv[n++] = "-j";
		u->apply_argv[n++] = u->jobs;
	}
	if (u->restart)
		u->apply_argv[n++] = "--restart";
	u->apply_argv[n] = NULL;
	u->apply_argc = n;
	return 0;
bad:
	log_err(&err);
	return -1;
}

int cmd_up(const struct herd_opts *opts, int argc, char **argv)
{
	struct up_args u;
	int rc;

	if (cmd_up_parse(argc, argv, &u) < 0) {
		cmd_print_usage("up", 1);
		return EXIT_USAGE;
	}
	rc = apply_then_wait(opts, u.apply_argc, u.apply_argv, &u.w);
	/* Installers finish one by one, and each poweroff ends a wait: go on
	 * while the plan has disks to boot (each VM installs once). */
	while (rc == EXIT_FAIL && installs_finished(opts)) {
		log_info("up: kickstart installs finished; booting their disks");
		rc = apply_then_wait(opts, u.apply_argc, u.apply_argv, &u.w);
	}
	return rc;
}
