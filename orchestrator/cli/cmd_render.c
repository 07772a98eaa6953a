/* orchestrator/cli/cmd_render.c — `herd render`: print what goes into a VM's seed. */
#include "orchestrator/cli/cmd.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/strdist.h"
#include "common/mem.h"
#include "orchestrator/cli/fleetload.h"
#include "plans/fleet.h"
#include "seed/vmseed.h"

const char cmd_render_help[] =
	"usage: herd render NAME [--only FILE]\n"
	"       herd render --list\n"
	"\n"
	"Print what goes into a VM's seed: user-data, meta-data and\n"
	"network-config (or ks.cfg for bootstrap: kickstart), each under a line\n"
	"\"# --- NAME ---\".  The VM's SSH host key is created in the state folder\n"
	"if it does not exist yet, so render and apply show the same keys.\n"
	"\n"
	"options:\n"
	"      --only FILE   print only that file, as it is, without the header\n"
	"      --list        print the name of every VM, one a line, and exit\n";

/* "no vm 'x' in FILE (did you mean a, b?)": up to five names, closest
 * first: one edit away, two, then names that start with what was typed. */
static void unknown_vm(const struct fleet *f, const char *name)
{
	char hint[400] = "";
	size_t i, shown = 0, used = 0, want;

	for (want = 1; want <= 3; want++) {
		for (i = 0; i < f->n_vms && shown < 5; i++) {
			const char *v = f->vms[i].name;
			size_t d = strdist(name, v);
			int n;

			if (want < 3 ? d != want : d <= 2 || strncmp(v, name, strlen(name)) != 0)
				continue;
			n = snprintf(hint + used, sizeof hint - used, "%s%s", shown ? ", " : "", v);
			if (n < 0 || (size_t)n >= sizeof hint - used)
				break;
			used += (size_t)n;
			shown++;
		}
	}
	if (shown)
		log_error("render: no vm '%s' in %s (did you mean %s?)", name, f->file, hint);
	else
		log_error("render: no vm '%s' in %s (`herd render --list` lists its %zu vms)",
			  name, f->file, f->n_vms);
}

/* Print the bundle: every file under a header, or only one, raw. */
static int print_files(const struct bundle *b, const char *only, const char *vm)
{
	size_t i;

	for (i = 0; i < b->n; i++) {
		const struct iso_file *file = &b->files[i];
		const char *data = file->data;

		if (only != NULL && strcmp(only, file->name) != 0)
			continue;
		if (only == NULL)
			printf("# --- %s ---\n", file->name);
		fwrite(file->data, 1, file->len, stdout);
		if (only == NULL && file->len > 0 && data[file->len - 1] != '\n')
			putchar('\n');
		if (only != NULL)
			return EXIT_OK;
	}
	if (only != NULL) {
		log_error("render: vm '%s' has no seed file '%s'", vm, only);
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

/* Parsed by hand below (NAME may come first); listed for main.c. */
static const struct option longopts[] = {
	{ "list", no_argument, NULL, 'l' },
	{ "only", required_argument, NULL, 'o' },
	{ NULL, 0, NULL, 0 },
};

const struct cmd_optspec cmd_render_opts = { "", longopts };

static int parse_args(int argc, char **argv, const char **name, const char **only,
		      int *list)
{
	int i;

	*name = NULL;
	*only = NULL;
	*list = 0;
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--list") == 0)
			*list = 1;
		else if (strcmp(argv[i], "--only") == 0 && i + 1 < argc)
			*only = argv[++i];
		else if (strncmp(argv[i], "--only=", 7) == 0)
			*only = argv[i] + 7;
		else if (argv[i][0] == '-' || *name != NULL)
			return -1;
		else
			*name = argv[i];
	}
	return (*name != NULL) != (*list != 0) ? 0 : -1;
}

static int list_vms(const struct fleet *f)
{
	size_t i;

	for (i = 0; i < f->n_vms; i++)
		printf("%s\n", f->vms[i].name);
	return fflush(stdout) == 0 ? EXIT_OK : EXIT_FAIL;
}

int cmd_render(const struct herd_opts *opts, int argc, char **argv)
{
	struct herd_err err = HERD_ERR_INIT;
	const struct fleet_vm *vm;
	struct vmseed *s = NULL;
	const char *name, *only;
	struct handle h;
	struct bundle b;
	int rc, list;

	if (cmd_wants_help(argc, argv)) {
		cmd_print_usage("render", 0);
		return EXIT_OK;
	}
	if (parse_args(argc, argv, &name, &only, &list) != 0) {
		cmd_print_usage("render", 1);
		return EXIT_USAGE;
	}
	/* the host keys in the seed are the state folder's */
	rc = fleetload_open(&h, opts, "render", list ? 0 : HANDLE_STATE);
	if (rc != EXIT_OK)
		return rc;
	bundle_init(&b);
	if (list) {
		rc = list_vms(h.fleet);
		goto out;
	}
	rc = EXIT_USAGE;
	if ((vm = fleet_find_vm(h.fleet, name)) == NULL) {
		unknown_vm(h.fleet, name);
		goto out;
	}
	rc = EXIT_FAIL;
	if ((s = vmseed_new(h.fleet, h.state_dir, &err)) == NULL ||
	    vmseed_build(s, vm, &b, &err) != 0) {
		log_err(&err);
		goto out;
	}
	if (b.label == NULL)
		log_info("render: vm '%s' has bootstrap: none: it boots without a seed", name);
	rc = print_files(&b, only, name);
	if (fflush(stdout) != 0)
		rc = EXIT_FAIL;
out:
	bundle_release(&b);
	vmseed_free(s);
	handle_close(&h);
	return rc;
}
