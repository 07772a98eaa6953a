/* orchestrator/cli/main.c — global options, the verb table, exit codes. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "orchestrator/cli/cmd.h"
#include "common/version.h"
#include "orchestrator/cli/globals.h"
#include "orchestrator/cli/verbs.h"

static void usage(FILE *f)
{
	const struct verb *v;

	fputs("usage: herd [global options] VERB [options] [args]\n"
	      "\n"
	      "Turn one YAML fleet file into running, reachable VMs on libvirt.\n"
	      "\n"
	      "global options:\n"
	      "  -f, --file FILE       fleet file (default ./herd.yaml)\n"
	      "  -c, --connect URI     libvirt URI (overrides the file and LIBVIRT_DEFAULT_URI)\n"
	      "  -q, --quiet           only errors\n"
	      "  -v, --verbose         debug messages\n"
	      "      --state-dir DIR   keys, seeds and locks (default $XDG_STATE_HOME/herd)\n"
	      "      --allow-outside   let the fleet file name files outside its folder\n"
	      "                        (absolute, ../, symlinks out, ~/ except key files)\n"
	      "  -h, --help            this help; `herd VERB --help` for a verb\n"
	      "  -V, --version         print the version\n"
	      "-f, -c, -q, -v, --state-dir and --allow-outside may also follow the verb\n"
	      "(herd up -f lab.yaml).\n"
	      "\n"
	      "verbs:\n", f);
	for (v = verbs_table; v->name != NULL; v++)
		fprintf(f, "  %-10s %s\n", v->name, v->summary);
}

int main(int argc, char **argv)
{
	struct herd_opts opts = { "./herd.yaml", NULL, NULL, 0, 0, 0 };
	struct herd_err err = HERD_ERR_INIT;
	const struct verb *v;
	int c;

	/* A peer that goes away (ssh, a closed pipe to `head`) must give an
	 * error, not kill herd. */
	signal(SIGPIPE, SIG_IGN);
	/* "+" stops at the verb; globals_take() below finds the global
	 * options that follow it. */
	while ((c = getopt_long(argc, argv, globals_shortopts, globals_longopts, NULL)) != -1) {
		if (globals_set(&opts, c, optarg))
			continue;
		switch (c) {
		case 'h': usage(stdout); return EXIT_OK;
		case 'V': printf("herd %s\n", HERD_VERSION); return EXIT_OK;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	v = verbs_find(argv[optind]);
	if (v == NULL) {
		log_error("unknown verb '%s' (see herd --help)", argv[optind]);
		return EXIT_USAGE;
	}
	argc -= optind;
	argv += optind;
	if (cmd_wants_help(argc, argv)) {
		cmd_print_usage(v->name, 0);
		return EXIT_OK;
	}
	if (globals_take(v->opts, &argc, argv, &opts, &err) < 0) {
		log_err(&err);
		cmd_print_usage(v->name, 1);
		return EXIT_USAGE;
	}
	log_set_level(opts.quiet ? LOG_QUIET : opts.verbose ? LOG_VERBOSE : LOG_NORMAL);
	optind = 1;	/* each verb runs getopt on its own argv */
	return v->fn(&opts, argc, argv);
}
