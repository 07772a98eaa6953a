/* orchestrator/cli/cmd_status.c — `herd status`: each VM's state, address,
 * readiness stage and since when. */
#include "orchestrator/cli/cmd.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/jsonw.h"
#include "common/log.h"
#include "common/mem.h"
#include "orchestrator/cli/fleetload.h"
#include "orchestrator/run/track.h"

const char cmd_status_help[] =
	"usage: herd status [--json] [--watch] [--vm NAME]... [-g GROUP]\n"
	"\n"
	"Show each VM's state, address, readiness stage and since when.\n"
	"\n"
	"  --json          print JSON instead of a table\n"
	"  --watch         redraw every 2 seconds until interrupted\n"
	"  --vm NAME       only this VM (repeatable)\n"
	"  -g, --group G   only the VMs of group G\n";

static void since_str(long since, char *out, size_t n)
{
	long d = (long)time(NULL) - since;

	if (since <= 0)
		snprintf(out, n, "-");
	else if (d < 120)
		snprintf(out, n, "%lds", d);
	else if (d < 7200)
		snprintf(out, n, "%ldm", d / 60);
	else
		snprintf(out, n, "%ldh%02ldm", d / 3600, d / 60 % 60);
}

static void table(const struct track_vm *t, size_t n, struct buf *out)
{
	char since[32];
	size_t i;

	buf_addf(out, "%-20s %-10s %-16s %-11s %s\n", "NAME", "STATE", "IP", "STAGE", "SINCE");
	for (i = 0; i < n; i++) {
		since_str(t[i].since, since, sizeof since);
		buf_addf(out, "%-20s %-10s %-16s %-11s %s%s%s\n", t[i].vm->name,
			 virt_dom_state_str(t[i].state), t[i].ip[0] ? t[i].ip : "-",
			 track_stage_str(t[i].reached), since,
			 t[i].why[0] ? "  " : "", t[i].why);
	}
}

static void json(const struct handle *a, const struct track_vm *t, size_t n,
		 struct buf *out)
{
	size_t i;

	buf_adds(out, "{\n  ");
	jsonw_key(out, "fleet");
	jsonw_str(out, a->fleet->name);
	buf_adds(out, ",\n  \"vms\": [\n");
	for (i = 0; i < n; i++) {
		buf_adds(out, "    {");
		jsonw_key(out, "name");
		jsonw_str(out, t[i].vm->name);
		buf_adds(out, ", ");
		jsonw_key(out, "domain");
		jsonw_str(out, t[i].vm->domain);
		buf_adds(out, ", ");
		jsonw_key(out, "state");
		jsonw_str(out, virt_dom_state_str(t[i].state));
		buf_adds(out, ", ");
		jsonw_key(out, "ip");
		jsonw_str(out, t[i].ip[0] ? t[i].ip : NULL);
		buf_adds(out, ", ");
		jsonw_key(out, "stage");
		jsonw_str(out, t[i].reached ? track_stage_str(t[i].reached) : NULL);
		buf_addf(out, ", \"since\": %ld, ", t[i].since);
		jsonw_key(out, "problem");
		jsonw_str(out, t[i].why[0] ? t[i].why : NULL);
		buf_adds(out, i + 1 < n ? "},\n" : "}\n");
	}
	buf_adds(out, "  ]\n}\n");
}

static volatile sig_atomic_t interrupted;

static void on_sigint(int sig)
{
	(void)sig;
	interrupted = 1;
}

struct status_args {
	int json, watch;
	const char **vms;
	size_t n_vms;
	const char *group;
};

static const struct option longopts[] = {
	{ "json", no_argument, NULL, 'J' },
	{ "watch", no_argument, NULL, 'W' },
	{ "vm", required_argument, NULL, 'm' },
	{ "group", required_argument, NULL, 'g' },
	{ NULL, 0, NULL, 0 },
};

const struct cmd_optspec cmd_status_opts = { "+g:", longopts };

static int parse(int argc, char **argv, struct status_args *s)
{
	int c;

	while ((c = getopt_long(argc, argv, cmd_status_opts.shortopts, longopts, NULL)) != -1) {
		switch (c) {
		case 'J': s->json = 1; break;
		case 'W': s->watch = 1; break;
		case 'm':
			s->vms = xrealloc(s->vms, (s->n_vms + 1) * sizeof *s->vms);
			s->vms[s->n_vms++] = optarg;
			break;
		case 'g': s->group = optarg; break;
		default: return -1;
		}
	}
	return optind == argc ? 0 : -1;
}

/* One look at the fleet, printed.  On a TTY, --watch redraws in place. */
static void show(struct handle *a, const struct handle_sel *sel,
		 const struct status_args *s, struct track_vm *t)
{
	struct buf out;

	buf_init(&out);
	track_init(t, a, sel->idx, sel->n);
	track_probe(a, t, sel->n, 16);
	if (s->watch && isatty(STDOUT_FILENO))
		buf_adds(&out, "\033[H\033[2J");
	if (s->json)
		json(a, t, sel->n, &out);
	else
		table(t, sel->n, &out);
	fwrite(out.data, 1, out.len, stdout);
	fflush(stdout);
	buf_release(&out);
}

int cmd_status(const struct herd_opts *opts, int argc, char **argv)
{
	struct status_args s = { 0, 0, NULL, 0, NULL };
	struct herd_err err = HERD_ERR_INIT;
	struct handle_sel sel = { NULL, 0 };
	struct track_vm *t = NULL;
	struct handle a;
	int rc;

	if (parse(argc, argv, &s) != 0) {
		cmd_print_usage("status", 1);
		free(s.vms);
		return EXIT_USAGE;
	}
	rc = fleetload_open(&a, opts, "status", HANDLE_VIRT | HANDLE_STATE);
	if (rc != EXIT_OK)
		goto done;
	if (handle_select(&a, s.vms, s.n_vms, s.group, &sel, &err) != 0) {
		log_err(&err);
		rc = EXIT_USAGE;
		goto out;
	}
	t = xcalloc(sel.n ? sel.n : 1, sizeof *t);
	signal(SIGINT, on_sigint);
	do {
		show(&a, &sel, &s, t);
		if (s.watch)
			sleep(2);
	} while (s.watch && !interrupted);
out:
	free(t);
	handle_sel_release(&sel);
	handle_close(&a);
done:
	free(s.vms);
	return rc;
}
