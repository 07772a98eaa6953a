/* orchestrator/cli/cmd_validate.c — `herd validate`: check the fleet file; no side effects. */
#include "orchestrator/cli/cmd.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/mem.h"
#include "orchestrator/cli/fleetload.h"
#include "plans/strset.h"
#include "seed/vmseed.h"

const char cmd_validate_help[] =
	"usage: herd [-f FILE] validate\n"
	"\n"
	"Parse and check the fleet file, expand its VMs (names, MACs, IPs) and\n"
	"render the seeds in memory, as apply would (every entry of vms:, the\n"
	"first and last member of each group), without touching libvirt or any\n"
	"file.  Prints a one-line summary (and a note for each\n"
	"network whose DHCP range was made smaller around fixed addresses) and\n"
	"exits 0, or prints each error as FILE:LINE:COL: message (at most 20,\n"
	"template errors included) on stderr and exits 2.\n";

/* Errors of the seeds, each message once (a group's template error is
 * every member's). */
struct seed_errs {
	struct strset *seen;
	char **msgs;
	size_t n, cap, total;
};

static void seed_err_add(struct seed_errs *e, const char *msg)
{
	char *copy;

	if (strset_find(e->seen, msg, strlen(msg), NULL))
		return;
	copy = xstrdup(msg);
	e->msgs = xgrow(e->msgs, &e->cap, e->n + 1, sizeof *e->msgs);
	e->msgs[e->n++] = copy;
	strset_add(e->seen, copy, strlen(copy), 0, NULL);
	e->total++;
}

/* Whether validate renders vm's seed: every entry of vms:, and the first
 * and the last member of each group.  A group's members share one spec;
 * they differ only in name, index, MAC and addresses, which every member
 * has, so what fails for one fails for all (and rendering each of 10,000
 * would take validate from milliseconds to a second).  Apply renders every
 * seed and checks each one's size. */
static bool renders(const struct fleet *f, size_t i)
{
	const struct fleet_vm *vm = &f->vms[i];

	return vm->group == NULL || vm->index == 1 || i + 1 == f->n_vms ||
	       f->vms[i + 1].group != vm->group;
}

/* Render the seeds (offline keys: nothing is written). */
static void render_all(const struct fleet *f, struct seed_errs *e)
{
	struct herd_err err = HERD_ERR_INIT;
	struct vmseed *s = vmseed_new_offline(f, &err);
	struct bundle b;
	size_t i;

	if (s == NULL) {
		seed_err_add(e, err.msg);
		return;
	}
	for (i = 0; i < f->n_vms; i++) {
		if (!renders(f, i))
			continue;
		herd_err_clear(&err);
		bundle_init(&b);
		if (vmseed_build(s, &f->vms[i], &b, &err) != 0)
			seed_err_add(e, err.msg);
		bundle_release(&b);
	}
	vmseed_free(s);
}

/* The file's errors first (in file order), then the seeds', FLEET_MAX_ERRORS
 * in all, then how many more. */
static void print_errors(const struct fleet_diags *d, const struct seed_errs *e)
{
	char line[1024];
	size_t i, shown = 0;

	for (i = 0; i < d->n; i++, shown++) {
		fleet_diag_format(&d->items[i], line, sizeof line);
		fprintf(stderr, "%s\n", line);
	}
	for (i = 0; i < e->n && shown < FLEET_MAX_ERRORS; i++, shown++)
		fprintf(stderr, "%s\n", e->msgs[i]);
	if (d->total + e->total > shown)
		fprintf(stderr, "... and %zu more\n", d->total + e->total - shown);
}

static const char *plural(size_t n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

/* What a DHCP range became when herd made it smaller around fixed
 * addresses. */
static void print_notes(const struct fleet *f)
{
	char a[16], b[16], c[16], d[16];
	size_t i;

	for (i = 0; i < f->n_networks; i++) {
		const struct fleet_network *n = &f->networks[i];

		if (!n->dhcp_shrunk)
			continue;
		fleet_ip_str(n->dhcp_first, a);
		fleet_ip_str(n->dhcp_last, b);
		fleet_ip_str(n->dhcp_default_first, c);
		fleet_ip_str(n->dhcp_default_last, d);
		printf("note: network '%s': DHCP range %s to %s (was %s to %s; made "
		       "smaller around fixed addresses)\n", n->name, a, b, c, d);
	}
}

int cmd_validate(const struct herd_opts *opts, int argc, char **argv)
{
	struct fleet_opts o = fleetload_fleet_opts(opts);
	struct seed_errs e = { NULL, NULL, 0, 0, 0 };
	struct fleet_diags d;
	struct fleet *f;
	size_t i;
	int rc = EXIT_USAGE;

	(void)argv;
	if (argc > 1) {
		log_error("validate: unexpected argument '%s'", argv[1]);
		cmd_print_usage("validate", 1);
		return EXIT_USAGE;
	}
	o.keep = true;
	f = fleet_load_opts(opts->fleet_file, &o, &d);
	if (f == NULL) {
		fleetload_print(&d);
		return EXIT_USAGE;
	}
	e.seen = strset_new(16);
	if (f->name != NULL)	/* else the fleet: line is in error */
		render_all(f, &e);
	if (d.total + e.total > 0) {
		print_errors(&d, &e);
		goto out;
	}
	printf("ok: %zu %s (%zu %s, %zu %s), %zu %s, %zu %s\n", f->n_vms,
	       plural(f->n_vms, "VM", "VMs"), f->n_groups,
	       plural(f->n_groups, "group", "groups"), f->n_explicit,
	       plural(f->n_explicit, "VM", "VMs"), f->n_networks,
	       plural(f->n_networks, "network", "networks"), f->n_images,
	       plural(f->n_images, "image", "images"));
	print_notes(f);
	rc = EXIT_OK;
out:
	for (i = 0; i < e.n; i++)
		free(e.msgs[i]);
	free(e.msgs);
	strset_free(e.seen);
	fleet_free(f);
	return rc;
}
