/* orchestrator/cli/cmd_apply.c — `herd apply`: make libvirt match the file. */
#include "orchestrator/cli/cmd.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/log.h"
#include "common/num.h"
#include "common/mem.h"
#include "orchestrator/cli/fleetload.h"
#include "orchestrator/run/apply.h"
#include "plans/plan_format.h"

const char cmd_apply_help[] =
	"usage: herd apply [-j N] [--restart] [--verify] [plan.json]\n"
	"\n"
	"Make libvirt match the fleet file: create, update, recreate, start and\n"
	"delete VMs (and the fleet's pool and networks) in parallel.  Safe to run\n"
	"again at any time: an interrupted apply is finished by the next one.\n"
	"With a plan saved by `herd plan -o`, refuse it if libvirt or the file\n"
	"changed since.\n"
	"\n"
	"options:\n"
	"  -j, --jobs N   VMs worked on at once (default 8, at most 64)\n"
	"      --restart  power-cycle running VMs whose cpus, memory or seed changed\n"
	"      --verify   afterwards, observe libvirt again and fail unless the\n"
	"                 plan is empty (also the way to apply on test:///default,\n"
	"                 whose state lives only as long as one connection)\n"
	"\n"
	"The pools herd-<fleet> and herd--images are folders under $HERD_POOL_DIR\n"
	"on the libvirt host, else /var/lib/herd for a system daemon, else the\n"
	"state folder's .pools.\n";

#define PLAN_FILE_MAX (64u << 20)

static const char *const done_verb[PLAN_KIND_COUNT] = {
	[PLAN_DELETE] = "deleted", [PLAN_VOL_DELETE] = "deleted volume",
	[PLAN_NET_DELETE] = "deleted network", [PLAN_RECREATE] = "recreated",
	[PLAN_CREATE] = "created", [PLAN_UPDATE] = "updated", [PLAN_RESEED] = "reseeded",
	[PLAN_START] = "started",
	[PLAN_RESTART] = "restarted", [PLAN_INSTALLED] = "booted from its disk",
};

struct ui {
	int tty;
	size_t width;
};

static void on_done(void *ctx, const struct plan_action *a, const struct herd_err *err,
		    size_t done, size_t total)
{
	const struct ui *ui = ctx;
	size_t i, fill;

	if (log_get_level() == LOG_QUIET)
		return;
	if (!ui->tty) {
		if (err != NULL)
			fprintf(stderr, "failed %s: %s\n", a->object, err->msg);
		else if (done_verb[a->kind] != NULL)
			fprintf(stderr, "%s %s\n", done_verb[a->kind], a->object);
		return;
	}
	if (err != NULL)
		fprintf(stderr, "\r\033[Kfailed %s: %s\n", a->object, err->msg);
	fill = total ? done * ui->width / total : ui->width;
	fputs("\r\033[K[", stderr);
	for (i = 0; i < ui->width; i++)
		fputc(i < fill ? '#' : ' ', stderr);
	fprintf(stderr, "] %zu/%zu", done, total);
	if (done == total)
		fputc('\n', stderr);
	fflush(stderr);
}

/* A saved plan: refused unless made for this fleet, this file and the
 * world libvirt shows now. */
static int check_saved(const char *path, const struct handle *s)
{
	char fleet[64], obs[65], des[65], *text = xcalloc(1, PLAN_FILE_MAX + 1);
	struct herd_err err = HERD_ERR_INIT;
	FILE *f = fopen(path, "r");
	int rc = -1;

	if (f == NULL) {
		log_error("apply: cannot read %s", path);
		goto out;
	}
	if (fread(text, 1, PLAN_FILE_MAX, f) == 0 ||
	    plan_format_parse_fp(text, fleet, obs, des, &err) < 0) {
		log_error("apply: %s: %s", path, err.msg[0] ? err.msg : "empty file");
		goto out;
	}
	if (strcmp(fleet, s->fleet->name) != 0)
		log_error("apply: %s is a plan for fleet '%s', not '%s'", path, fleet,
			  s->fleet->name);
	else if (strcmp(des, s->plan.desired_fp) != 0)
		log_error("apply: %s is stale: the fleet file changed since the plan was "
			  "made (run herd plan again)", path);
	else if (strcmp(obs, s->plan.observed_fp) != 0)
		log_error("apply: %s is stale: libvirt changed since the plan was made "
			  "(run herd plan again)", path);
	else
		rc = 0;
out:
	if (f != NULL)
		fclose(f);
	free(text);
	return rc;
}

static void print_summary(const struct handle *s, const struct apply_report *rep,
			  bool restart)
{
	const struct plan *p = &s->plan;
	size_t i, ok[PLAN_KIND_COUNT] = { 0 };

	for (i = 0; i < p->n; i++) {
		const struct plan_action *a = &p->acts[i];

		if (rep->results[i].code != HERD_OK) {
			log_error("apply: %s: %s", a->object, rep->results[i].msg);
			continue;
		}
		ok[a->kind]++;
		if (plan_kind_restarts(a->kind) && a->restart && !restart)
			log_warn("%s: runs as before until restarted, then with the new %s "
				 "(herd apply --restart)", a->object, a->why);
	}
	if (rep->n_uploaded > 0)
		printf("Uploaded %zu base image%s into herd--images.\n", rep->n_uploaded,
		       rep->n_uploaded == 1 ? "" : "s");
	printf("Apply: %zu created, %zu updated, %zu recreated, %zu deleted, %zu failed.\n",
	       ok[PLAN_CREATE],
	       ok[PLAN_UPDATE] + ok[PLAN_RESEED] + ok[PLAN_INSTALLED] + ok[PLAN_START] +
	       (restart ? ok[PLAN_RESTART] : 0),
	       ok[PLAN_RECREATE],
	       ok[PLAN_DELETE] + ok[PLAN_VOL_DELETE] + ok[PLAN_NET_DELETE], rep->n_failed);
}

static void warn_restarts(const struct plan *p)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		if (p->acts[i].kind == PLAN_RESTART)
			log_warn("%s: %s (herd apply --restart)", p->acts[i].object,
				 p->acts[i].why);
}

/* --verify: observe again; the plan must now be empty. */
static int verify(struct handle *s, bool restart)
{
	struct herd_err err = HERD_ERR_INIT;
	struct buf b;
	int rc = EXIT_OK;

	if (handle_replan(s, &err) < 0) {
		log_err(&err);
		return EXIT_FAIL;
	}
	buf_init(&b);
	plan_format_summary(&s->plan, &b);
	printf("Verify: %s\n", buf_str(&b));
	if (!plan_is_empty(&s->plan, restart)) {
		log_error("apply: libvirt does not match the file after apply");
		rc = EXIT_FAIL;
	}
	buf_release(&b);
	return rc;
}

struct args {
	int jobs;
	bool restart, verify;
	const char *plan_file;
};

static const struct option longopts[] = {
	{ "jobs", required_argument, NULL, 'j' },
	{ "restart", no_argument, NULL, 'r' },
	{ "verify", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

const struct cmd_optspec cmd_apply_opts = { "j:", longopts };

static int parse_args(int argc, char **argv, struct args *a)
{
	long n;
	int c;

	memset(a, 0, sizeof *a);
	a->jobs = APPLY_DEFAULT_JOBS;
	while ((c = getopt_long(argc, argv, cmd_apply_opts.shortopts, longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			if (num_parse(optarg, 1, APPLY_MAX_JOBS, &n) < 0) {
				log_error("apply: -j \"%s\": expected 1..%d", optarg, APPLY_MAX_JOBS);
				return -1;
			}
			a->jobs = (int)n;
			break;
		case 'r': a->restart = true; break;
		case 'V': a->verify = true; break;
		default: return -1;
		}
	}
	if (argc - optind > 1)
		return -1;
	a->plan_file = optind < argc ? argv[optind] : NULL;
	return 0;
}

static int run(struct handle *s, const struct args *a)
{
	struct ui ui = { isatty(STDERR_FILENO), 40 };
	struct apply_opts o = { a->jobs, a->restart, s->pool_base, NULL, s->seeds,
				on_done, &ui };
	struct herd_err err = HERD_ERR_INIT;
	struct apply_report rep;
	struct buf b;
	int rc;

	if (a->plan_file != NULL && check_saved(a->plan_file, s) < 0)
		return EXIT_FAIL;
	if (plan_is_empty(&s->plan, a->restart)) {
		printf("Nothing to do: %zu unchanged.\n", s->plan.count[PLAN_UNCHANGED]);
		warn_restarts(&s->plan);
		return a->verify ? verify(s, a->restart) : EXIT_OK;
	}
	buf_init(&b);
	plan_format_text(&s->plan, false, &b);
	fputs(buf_str(&b), stdout);
	fflush(stdout);
	buf_release(&b);
	rc = apply_run(s->virt, s->fleet, &s->plan, &o, &rep, &err) == 0 ? EXIT_OK : EXIT_FAIL;
	print_summary(s, &rep, a->restart);
	apply_report_release(&rep);
	if (rc == EXIT_OK && a->verify)
		rc = verify(s, a->restart);
	return rc;
}

int cmd_apply(const struct herd_opts *opts, int argc, char **argv)
{
	struct handle s;
	struct args a;
	int rc;

	if (parse_args(argc, argv, &a) < 0) {
		cmd_print_usage("apply", 1);
		return EXIT_USAGE;
	}
	rc = fleetload_open(&s, opts, "apply", HANDLE_LOCK | HANDLE_SEEDS | HANDLE_PLAN);
	if (rc != EXIT_OK)
		return rc;
	rc = run(&s, &a);
	handle_close(&s);
	return rc;
}
