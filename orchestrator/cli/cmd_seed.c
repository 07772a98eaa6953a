/* orchestrator/cli/cmd_seed.c — `herd seed`: write a VM's seed ISO, or, with
 * --user-data and --meta-data, any seed (a drop-in for cloud-localds). */
#include "orchestrator/cli/cmd.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "seed/bundle.h"
#include "common/fsio.h"
#include "seed/iso.h"
#include "seed/vmseed.h"
#include "orchestrator/cli/fleetload.h"

const char cmd_seed_help[] =
	"usage: herd seed NAME -o FILE\n"
	"       herd seed --user-data F --meta-data F [--network-config F] [--vendor-data F] -o FILE\n"
	"\n"
	"Write a VM's seed ISO (volume cidata, or OEMDRV for kickstart VMs); the\n"
	"second form needs no fleet file and is a drop-in for cloud-localds.\n"
	"The same input always gives a byte-identical ISO.\n"
	"\n"
	"options:\n"
	"  -o, --output FILE        the ISO to write (\"-\" for stdout)\n"
	"      --user-data F        user-data file\n"
	"      --meta-data F        meta-data file\n"
	"      --network-config F   network-config file (optional)\n"
	"      --vendor-data F      vendor-data file (optional)\n";

#define SEED_FILE_MAX ((size_t)16 << 20)	/* per input file */

/* Add file `name` (static) to b with the bytes of path. */
static int bundle_add_path(struct bundle *b, const char *name, const char *path,
			   struct herd_err *err)
{
	char *data = NULL;
	size_t len = 0;

	if (fsio_read(path, SEED_FILE_MAX, 0, &data, &len, err) != 0)
		return herd_errctx(err, "%s", name);
	bundle_add_take(b, name, data, len);
	return 0;
}

/* The drop-in form: file names in the order cloud-localds writes them. */
enum { IN_USER, IN_META, IN_NET, IN_VENDOR };
static const char *const in_names[BUNDLE_MAX_FILES] = {
	"user-data", "meta-data", "network-config", "vendor-data",
};

static int seed_from_paths(const char *const paths[BUNDLE_MAX_FILES],
			   struct bundle *b, struct herd_err *err)
{
	size_t i;

	b->label = ISO_LABEL_NOCLOUD;
	for (i = 0; i < BUNDLE_MAX_FILES; i++)
		if (paths[i] != NULL && bundle_add_path(b, in_names[i], paths[i], err) != 0)
			return -1;
	return 0;
}

/* The fleet form: the files of VM `name` as the fleet file describes them,
 * with the keys of the fleet's state folder (so seed, render and apply
 * agree).  Returns an exit code; an invalid fleet file or an unknown VM
 * is printed here (EXIT_USAGE), other failures are left in err. */
static int seed_from_fleet(const struct herd_opts *opts, const char *name,
			   struct bundle *b, struct herd_err *err)
{
	const struct fleet_vm *vm;
	struct vmseed *vs = NULL;
	struct handle a;
	int rc = fleetload_open(&a, opts, "seed", HANDLE_STATE);

	if (rc != EXIT_OK)
		return rc;
	vm = fleet_find_vm(a.fleet, name);
	if (vm == NULL) {
		log_error("no VM '%s' in fleet %s (see herd render --list)", name,
			  a.fleet->name);
		rc = EXIT_USAGE;
		goto out;
	}
	vs = vmseed_new(a.fleet, a.state_dir, err);
	if (vs == NULL || vmseed_build(vs, vm, b, err) != 0)
		rc = EXIT_FAIL;
	else if (b->label == NULL) {
		herd_errf(err, HERD_E_USAGE, "vm '%s' has bootstrap: none, so no seed", name);
		rc = EXIT_FAIL;
	}
out:
	vmseed_free(vs);
	handle_close(&a);
	return rc;
}

static int seed_output(const char *out, const struct bundle *b,
		       struct herd_err *err)
{
	char *img = NULL;
	size_t len = 0;
	int rc = -1;

	if (strcmp(out, "-") != 0 || b->label == NULL)
		return bundle_write_iso(b, out, err);	/* which refuses "no seed" */
	if (iso_write_mem(b->label, b->files, b->n, &img, &len, err) != 0)
		return -1;
	if (fwrite(img, 1, len, stdout) != len || fflush(stdout) != 0)
		herd_errf(err, HERD_E_IO, "write to stdout failed");
	else
		rc = 0;
	free(img);
	return rc;
}

static int usage_error(const char *msg)
{
	if (msg != NULL)
		log_error("seed: %s", msg);
	cmd_print_usage("seed", 1);
	return EXIT_USAGE;
}

static const struct option longopts[] = {
	{ "meta-data", required_argument, NULL, 'm' },
	{ "network-config", required_argument, NULL, 'n' },
	{ "output", required_argument, NULL, 'o' },
	{ "user-data", required_argument, NULL, 'u' },
	{ "vendor-data", required_argument, NULL, 'd' },
	{ NULL, 0, NULL, 0 },
};

const struct cmd_optspec cmd_seed_opts = { "o:", longopts };

int cmd_seed(const struct herd_opts *opts, int argc, char **argv)
{
	const char *paths[BUNDLE_MAX_FILES] = { NULL, NULL, NULL, NULL };
	const char *out = NULL;
	struct herd_err err = HERD_ERR_INIT;
	struct bundle set;
	int c, rc;

	/* No "+": options may follow NAME (herd seed web-1 -o web-1.iso).
	 * optind 0 makes glibc re-read that, main's "+" parse set ordering. */
	optind = 0;
	bundle_init(&set);
	while ((c = getopt_long(argc, argv, cmd_seed_opts.shortopts, longopts, NULL)) != -1) {
		switch (c) {
		case 'o': out = optarg; break;
		case 'u': paths[IN_USER] = optarg; break;
		case 'm': paths[IN_META] = optarg; break;
		case 'n': paths[IN_NET] = optarg; break;
		case 'd': paths[IN_VENDOR] = optarg; break;
		default: return usage_error(NULL);
		}
	}
	if (out == NULL)
		return usage_error("-o FILE is required");
	if (optind < argc && (paths[IN_USER] || paths[IN_META] || paths[IN_NET] || paths[IN_VENDOR]))
		return usage_error("give either a VM NAME or --user-data/--meta-data, not both");
	if (optind + 1 < argc)
		return usage_error("one VM NAME at a time");
	if (optind < argc) {
		rc = seed_from_fleet(opts, argv[optind], &set, &err);
		if (rc == EXIT_USAGE || (rc != EXIT_OK && err.code == HERD_OK)) {
			bundle_release(&set);
			return rc;
		}
	} else if (paths[IN_USER] == NULL || paths[IN_META] == NULL) {
		return usage_error("NAME, or both --user-data and --meta-data, are required");
	} else {
		rc = seed_from_paths(paths, &set, &err);
	}
	if (rc == 0)
		rc = seed_output(out, &set, &err);
	bundle_release(&set);
	if (rc != 0) {
		herd_errctx(&err, "seed");
		log_err(&err);
		return EXIT_FAIL;
	}
	return EXIT_OK;
}
