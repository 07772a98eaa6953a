/* orchestrator/cli/cmd_destroy.c — `herd destroy`: remove every object this
 * fleet owns, and nothing else. */
#include "orchestrator/cli/cmd.h"

#include <stdio.h>
#include <stdlib.h>

#include "common/log.h"
#include "common/mem.h"
#include "orchestrator/cli/fleetload.h"
#include "orchestrator/virt/virt_domain.h"
#include "orchestrator/virt/virt_net.h"
#include "orchestrator/virt/virt_pool.h"

const char cmd_destroy_help[] =
	"usage: herd destroy\n"
	"\n"
	"Remove the fleet's domains (with their snapshots), its pool herd-<fleet>\n"
	"with every disk and seed in it, and its networks.  Only objects tagged\n"
	"for this fleet are touched; the shared image pool herd--images stays.\n"
	"A file in the pool that herd did not name stays, and the pool with it\n"
	"(exit 1, naming it).  Running it again when nothing is left does nothing.\n";

struct tally {
	size_t domains, nets, pool, failed;
};

static void destroy_all(struct handle *s, struct tally *t)
{
	struct herd_err err = HERD_ERR_INIT;
	char *pool = plan_pool_name(s->fleet->name);
	int removed;
	size_t i;

	for (i = 0; i < s->obs.n_vms; i++) {
		herd_err_clear(&err);
		if (virt_domain_remove(s->virt, s->fleet->name, s->obs.vms[i].domain, &removed,
				       &err) < 0) {
			log_error("destroy: %s", err.msg);
			t->failed++;
		} else if (removed) {
			log_info("deleted %s", s->obs.vms[i].domain);
			t->domains++;
		}
	}
	for (i = 0; i < s->obs.n_nets; i++) {
		herd_err_clear(&err);
		if (virt_net_remove(s->virt, s->fleet->name, s->obs.nets[i].name, &err) < 0) {
			log_error("destroy: %s", err.msg);
			t->failed++;
		} else {
			log_info("deleted network %s", s->obs.nets[i].name);
			t->nets++;
		}
	}
	herd_err_clear(&err);
	/* volumes go with the pool; a domain that failed to go may still use them */
	if (t->failed == 0 && virt_pool_remove(s->virt, s->fleet->name, pool, &removed, &err) < 0) {
		log_error("destroy: %s", err.msg);
		t->failed++;
	} else if (t->failed == 0 && removed) {
		log_info("deleted pool %s", pool);
		t->pool = 1;
	}
	free(pool);
}

int cmd_destroy(const struct herd_opts *opts, int argc, char **argv)
{
	struct tally t = { 0, 0, 0, 0 };
	struct handle s;
	int rc;

	(void)argv;
	if (argc != 1) {
		cmd_print_usage("destroy", 1);
		return EXIT_USAGE;
	}
	rc = fleetload_open(&s, opts, "destroy", HANDLE_LOCK | HANDLE_OBSERVE);
	if (rc != EXIT_OK)
		return rc;
	destroy_all(&s, &t);
	if (t.domains + t.nets + t.pool == 0 && t.failed == 0)
		printf("Nothing to destroy for fleet '%s'.\n", s.fleet->name);
	else
		printf("Destroy: %zu domains, %zu networks, %zu pools removed, %zu failed.\n",
		       t.domains, t.nets, t.pool, t.failed);
	rc = t.failed ? EXIT_FAIL : EXIT_OK;
	handle_close(&s);
	return rc;
}
