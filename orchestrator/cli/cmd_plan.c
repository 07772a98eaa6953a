/* orchestrator/cli/cmd_plan.c — `herd plan`: compare the file with libvirt and
 * print the actions. */
#include "orchestrator/cli/cmd.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/log.h"
#include "orchestrator/cli/fleetload.h"
#include "plans/plan_format.h"

const char cmd_plan_help[] =
	"usage: herd plan [--json] [-o plan.json] [--all]\n"
	"\n"
	"Compare the file with what libvirt holds for the fleet and print the\n"
	"actions an apply would take: + create, ~ update, -/+ recreate (with the\n"
	"fields that changed), - delete, and a summary line.  Changes nothing in\n"
	"libvirt (the fleet key and host keys are made on first use).\n"
	"\n"
	"options:\n"
	"      --all          also list the unchanged VMs\n"
	"      --json         print the plan as JSON\n"
	"  -o, --output FILE  save the plan (JSON) for `herd apply FILE`, which\n"
	"                     refuses it if libvirt or the file changed meanwhile\n";

/* Write the plan's JSON to path. */
static int save_plan(const char *path, const struct buf *json)
{
	FILE *f = fopen(path, "w");

	if (f == NULL || fwrite(json->data, 1, json->len, f) != json->len) {
		log_error("plan: write %s failed", path);
		if (f != NULL)
			fclose(f);
		return -1;
	}
	if (fclose(f) != 0) {
		log_error("plan: write %s failed", path);
		return -1;
	}
	return 0;
}

static const struct option longopts[] = {
	{ "all", no_argument, NULL, 'a' },
	{ "json", no_argument, NULL, 'j' },
	{ "output", required_argument, NULL, 'o' },
	{ NULL, 0, NULL, 0 },
};

const struct cmd_optspec cmd_plan_opts = { "o:", longopts };

int cmd_plan(const struct herd_opts *opts, int argc, char **argv)
{
	const char *out = NULL;
	int c, json = 0, all = 0, rc;
	struct handle s;
	struct buf b;

	while ((c = getopt_long(argc, argv, cmd_plan_opts.shortopts, longopts, NULL)) != -1) {
		switch (c) {
		case 'a': all = 1; break;
		case 'j': json = 1; break;
		case 'o': out = optarg; break;
		default: cmd_print_usage("plan", 1); return EXIT_USAGE;
		}
	}
	if (optind != argc) {
		cmd_print_usage("plan", 1);
		return EXIT_USAGE;
	}
	rc = fleetload_open(&s, opts, "plan", HANDLE_SEEDS | HANDLE_PLAN);
	if (rc != EXIT_OK)
		return rc;
	buf_init(&b);
	if (json || out != NULL)
		plan_format_json(&s.plan, s.fleet->name, &b);
	if (out != NULL && save_plan(out, &b) < 0)
		rc = EXIT_FAIL;
	if (!json) {
		buf_reset(&b);
		plan_format_text(&s.plan, all, &b);
	}
	fputs(buf_str(&b), stdout);
	if (out != NULL && rc == EXIT_OK)
		log_info("plan saved to %s; run `herd apply %s`", out, out);
	buf_release(&b);
	handle_close(&s);
	return rc;
}
