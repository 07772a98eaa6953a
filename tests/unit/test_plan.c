/* tests/unit/test_plan.c — the planner's diff on hand-made snapshots. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "plans/plan.h"
#include "plans/plan_format.h"

/* A fleet "lab": one nat network, three VMs web-1..web-3 (1 cpu, 1 GiB). */
struct fx {
	struct fleet f;
	struct fleet_image img;
	struct fleet_network net;
	const struct fleet_network *nets[1];
	struct fleet_spec spec, big;
	struct fleet_vm vms[3];
	struct fleet_nic nics[3];
	char names[3][16], doms[3][24], olds[3][24];
};

static struct fx *fx_new(void)
{
	struct fx *x = calloc(1, sizeof *x);
	int i;

	x->img.name = "tiny";
	x->img.path = "/images/tiny.qcow2";
	x->net.name = "labnet";
	x->net.mode = FLEET_NET_NAT;
	x->net.addr = 0x0a2a0000;
	x->net.prefix = 24;
	x->nets[0] = &x->net;
	x->spec.image = &x->img;
	x->spec.cpus = 1;
	x->spec.memory = 1ull << 30;
	x->spec.disk = 10ull << 30;
	x->spec.networks = x->nets;
	x->spec.n_networks = 1;
	x->big = x->spec;
	x->big.cpus = 2;
	for (i = 0; i < 3; i++) {
		snprintf(x->names[i], sizeof x->names[i], "web-%d", i + 1);
		snprintf(x->doms[i], sizeof x->doms[i], "lab--web-%d", i + 1);
		x->nics[i].mac[0] = 0x52;
		x->nics[i].mac[5] = (uint8_t)i;
		x->nics[i].ip = 0x0a2a000a + (uint32_t)i;
		x->vms[i].name = x->names[i];
		x->vms[i].domain = x->doms[i];
		x->vms[i].group = "web";
		x->vms[i].index = (unsigned)i + 1;
		x->vms[i].spec = &x->spec;
		x->vms[i].nics = &x->nics[i];
	}
	x->f.name = "lab";
	x->f.networks = &x->net;
	x->f.n_networks = 1;
	x->f.vms = x->vms;
	x->f.n_vms = 3;
	return x;
}

/* The snapshot an apply of x leaves behind: everything running. */
static void observe_applied(const struct fx *x, struct plan_observed *o)
{
	size_t i;
	char vol[64];

	memset(o, 0, sizeof *o);
	o->pool = o->pool_active = true;
	plan_net_hash(&x->net, plan_observed_add_net(o, "herd-lab--labnet", true)->hash);
	for (i = 0; i < x->f.n_vms; i++) {
		struct plan_obs_vm *v = plan_observed_add_vm(o, x->vms[i].domain);
		v->name = strdup(x->vms[i].name);
		plan_vm_hashes(&x->vms[i], "seed", &v->h);
		v->cpus = x->vms[i].spec->cpus;
		v->memory = x->vms[i].spec->memory;
		v->state = PLAN_DOM_RUNNING;
		snprintf(vol, sizeof vol, "%s" PLAN_VOL_DISK_SUFFIX, x->vms[i].domain);
		plan_observed_add_vol(o, vol);
	}
}

static const char *seeds[3] = { "seed", "seed", "seed" };

static const struct plan_action *find(const struct plan *p, const char *obj)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		if (strcmp(p->acts[i].object, obj) == 0)
			return &p->acts[i];
	return NULL;
}

static void test_empty_world_creates_everything(void **state)
{
	struct fx *x = fx_new();
	struct plan_observed o;
	struct plan p;
	struct buf b;

	(void)state;
	memset(&o, 0, sizeof o);
	plan_build(&x->f, seeds, &o, &p);
	assert_int_equal(p.count[PLAN_CREATE], 3);
	assert_int_equal(p.count[PLAN_POOL_CREATE], 1);
	assert_int_equal(p.count[PLAN_NET_CREATE], 1);
	/* pool and network come before the VMs that need them */
	assert_int_equal(p.acts[0].kind, PLAN_POOL_CREATE);
	assert_string_equal(p.acts[0].object, "herd-lab");
	assert_int_equal(p.acts[1].kind, PLAN_NET_CREATE);
	assert_string_equal(p.acts[1].object, "herd-lab--labnet");
	assert_false(plan_is_empty(&p, true));
	buf_init(&b);
	plan_format_summary(&p, &b);
	assert_string_equal(buf_str(&b),
			    "Plan: 3 to create, 0 to update, 0 to recreate, 0 to delete, 0 unchanged.");
	buf_release(&b);
	plan_release(&p);
	free(x);
}

static void test_applied_world_is_unchanged(void **state)
{
	struct fx *x = fx_new();
	struct plan_observed o;
	struct plan p;

	(void)state;
	observe_applied(x, &o);
	plan_build(&x->f, seeds, &o, &p);
	assert_true(plan_is_empty(&p, true));
	assert_int_equal(p.count[PLAN_UNCHANGED], 3);
	plan_release(&p);
	plan_observed_release(&o);
	free(x);
}

static void test_mixed_changes(void **state)
{
	struct fx *x = fx_new();
	const char *seeds2[3] = { "seed", "seed", "other seed" };
	const struct plan_action *a;
	struct plan_observed o;
	struct plan p;
	struct plan_obs_vm *gone;

	(void)state;
	observe_applied(x, &o);
	gone = plan_observed_add_vm(&o, "lab--old");	/* tagged, not in the file */
	gone->state = PLAN_DOM_OFF;
	plan_observed_add_vol(&o, "lab--ghost" PLAN_VOL_DISK_SUFFIX);	/* orphan */
	plan_observed_add_vol(&o, "lab--old" PLAN_VOL_SEED_SUFFIX);	/* owned by lab-old */
	x->vms[0].spec = &x->big;		/* web-1: cpus 1 -> 2 */
	x->nics[1].ip++;			/* web-2: ip changed */
	o.vms[2].state = PLAN_DOM_OFF;		/* web-3: off and seed changed */
	plan_build(&x->f, seeds2, &o, &p);

	a = find(&p, "lab--web-1");
	assert_int_equal(a->kind, PLAN_UPDATE);
	assert_string_equal(a->why, "cpus 1 -> 2");
	assert_true(a->restart);
	a = find(&p, "lab--web-2");
	assert_int_equal(a->kind, PLAN_RECREATE);
	assert_string_equal(a->why, "ip");
	assert_int_equal(a->changed, 1u << PLAN_F_IP);
	a = find(&p, "lab--web-3");
	assert_int_equal(a->kind, PLAN_RESEED);	/* the disk is kept */
	assert_string_equal(a->why, "seed");
	assert_false(a->restart);			/* off: starts with it */
	assert_int_equal(find(&p, "lab--old")->kind, PLAN_DELETE);
	assert_int_equal(find(&p, "lab--ghost" PLAN_VOL_DISK_SUFFIX)->kind, PLAN_VOL_DELETE);
	assert_null(find(&p, "lab--old" PLAN_VOL_SEED_SUFFIX));
	/* deletes come before creations */
	assert_true(find(&p, "lab--old") < find(&p, "lab--web-2"));
	plan_release(&p);
	plan_observed_release(&o);
	free(x);
}

static void test_start_and_memory_update(void **state)
{
	struct fx *x = fx_new();
	struct plan_observed o;
	struct plan p;
	struct buf b;

	(void)state;
	observe_applied(x, &o);
	o.vms[0].state = PLAN_DOM_OFF;
	o.vms[1].memory = 512ull << 20;
	o.vms[1].state = PLAN_DOM_OFF;
	o.nets[0].active = false;
	plan_build(&x->f, seeds, &o, &p);
	assert_int_equal(find(&p, "lab--web-1")->kind, PLAN_START);
	assert_int_equal(find(&p, "lab--web-2")->kind, PLAN_UPDATE);
	assert_false(find(&p, "lab--web-2")->restart);
	assert_string_equal(find(&p, "lab--web-2")->why, "memory 512MiB -> 1024MiB");
	assert_int_equal(find(&p, "herd-lab--labnet")->kind, PLAN_NET_START);
	buf_init(&b);
	plan_format_text(&p, false, &b);
	assert_non_null(strstr(buf_str(&b), "~ start lab--web-1\n"));
	assert_non_null(strstr(buf_str(&b), "~ update lab--web-2 (memory 512MiB -> 1024MiB)\n"));
	assert_non_null(strstr(buf_str(&b),
			       "Plan: 0 to create, 2 to update, 0 to recreate, 0 to delete, 1 unchanged."));
	buf_release(&b);
	plan_release(&p);
	plan_observed_release(&o);
	free(x);
}

static void test_restart_pending(void **state)
{
	struct fx *x = fx_new();
	struct plan_observed o;
	struct plan p;

	(void)state;
	observe_applied(x, &o);
	x->vms[0].spec = &x->big;
	o.vms[0].cfg_cpus = 2;			/* redefined with 2, runs with 1 */
	o.vms[0].cfg_memory = x->big.memory;
	plan_build(&x->f, seeds, &o, &p);
	assert_int_equal(find(&p, "lab--web-1")->kind, PLAN_RESTART);
	assert_string_equal(find(&p, "lab--web-1")->why, "cpus 1 -> 2 pending");
	assert_true(plan_is_empty(&p, false));	/* apply: nothing to do */
	assert_false(plan_is_empty(&p, true));	/* apply --restart: restart it */
	plan_release(&p);
	plan_observed_release(&o);
	free(x);
}

/* Only the seed changed: reseed (same disk), restart needed while it
 * runs, cpus/memory ride along; with anything else, or for kickstart,
 * recreate. */
static void test_reseed(void **state)
{
	struct fx *x = fx_new();
	const char *seeds2[3] = { "new", "new", "new" };
	struct fleet_spec ks;
	const struct plan_action *a;
	struct plan_observed o;
	struct plan p;
	struct buf b;

	(void)state;
	observe_applied(x, &o);
	ks = x->spec;
	ks.bootstrap = FLEET_BOOT_KICKSTART;
	x->vms[1].spec = &x->big;		/* web-2: seed and cpus */
	x->nics[2].ip++;			/* web-3: seed and ip */
	plan_build(&x->f, seeds2, &o, &p);
	a = find(&p, "lab--web-1");
	assert_int_equal(a->kind, PLAN_RESEED);
	assert_true(a->restart);
	assert_int_equal(a->changed, 1u << PLAN_F_SEED);
	a = find(&p, "lab--web-2");
	assert_int_equal(a->kind, PLAN_RESEED);
	assert_string_equal(a->why, "seed, cpus 1 -> 2");
	a = find(&p, "lab--web-3");
	assert_int_equal(a->kind, PLAN_RECREATE);
	assert_string_equal(a->why, "seed, ip");
	buf_init(&b);
	plan_format_text(&p, false, &b);
	assert_non_null(strstr(buf_str(&b), "~ reseed lab--web-1 (seed) [restart needed: apply --restart]\n"));
	assert_non_null(strstr(buf_str(&b),
			       "Plan: 0 to create, 2 to update, 1 to recreate, 0 to delete, 0 unchanged."));
	buf_release(&b);
	buf_init(&b);
	plan_format_json(&p, "lab", &b);
	assert_non_null(strstr(buf_str(&b), "{\"action\": \"reseed\", \"object\": \"lab--web-1\""));
	assert_non_null(strstr(buf_str(&b), "\"changed\": [\"seed\"], \"restart_needed\": true"));
	buf_release(&b);
	plan_release(&p);
	/* A kickstart file acts only when the installer runs: recreate. */
	x->vms[1].spec = &ks;
	plan_vm_hashes(&x->vms[1], "seed", &o.vms[1].h);
	plan_build(&x->f, seeds2, &o, &p);
	assert_int_equal(find(&p, "lab--web-2")->kind, PLAN_RECREATE);
	plan_release(&p);
	plan_observed_release(&o);
	free(x);
}

/* Reseeded while running: defined with the new seed, still on the old one
 * until a cold boot. */
static void test_seed_pending(void **state)
{
	struct fx *x = fx_new();
	struct plan_observed o;
	struct plan p;

	(void)state;
	observe_applied(x, &o);
	snprintf(o.vms[0].live_seed, sizeof o.vms[0].live_seed, "0123abcd");
	memcpy(o.vms[1].live_seed, o.vms[1].h.field[PLAN_F_SEED], sizeof o.vms[1].live_seed);
	plan_build(&x->f, seeds, &o, &p);
	assert_int_equal(find(&p, "lab--web-1")->kind, PLAN_RESTART);
	assert_string_equal(find(&p, "lab--web-1")->why, "seed pending");
	assert_int_equal(find(&p, "lab--web-2")->kind, PLAN_UNCHANGED);
	assert_true(plan_is_empty(&p, false));
	assert_false(plan_is_empty(&p, true));
	plan_release(&p);
	o.vms[0].state = PLAN_DOM_OFF;		/* off: the next start reads it */
	plan_build(&x->f, seeds, &o, &p);
	assert_int_equal(find(&p, "lab--web-1")->kind, PLAN_START);
	plan_release(&p);
	plan_observed_release(&o);
	free(x);
}

/* Kickstart: made to boot its installer; once the installer powered it
 * off, the plan boots its disk instead (never the installer again). */
static void test_installed(void **state)
{
	struct fx *x = fx_new();
	struct fleet_spec ks;
	struct plan_observed o;
	struct plan p;
	struct buf b;

	(void)state;
	ks = x->spec;
	ks.bootstrap = FLEET_BOOT_KICKSTART;
	ks.install.kernel = "/installer/vmlinuz";
	x->vms[0].spec = x->vms[1].spec = &ks;
	memset(&o, 0, sizeof o);
	plan_build(&x->f, seeds, &o, &p);
	assert_true(find(&p, "lab--web-1")->install);	/* new: the installer */
	assert_false(find(&p, "lab--web-3")->install);	/* cloud-init */
	plan_release(&p);
	observe_applied(x, &o);
	o.vms[0].installing = o.vms[1].installing = true;
	o.vms[0].state = PLAN_DOM_OFF;			/* web-1: installed */
	plan_build(&x->f, seeds, &o, &p);
	assert_int_equal(find(&p, "lab--web-1")->kind, PLAN_INSTALLED);
	assert_false(find(&p, "lab--web-1")->install);
	assert_int_equal(find(&p, "lab--web-2")->kind, PLAN_UNCHANGED);	/* installing */
	assert_false(plan_is_empty(&p, false));
	buf_init(&b);
	plan_format_text(&p, false, &b);
	assert_non_null(strstr(buf_str(&b), "~ boot disk lab--web-1 (installed: boot its disk)\n"));
	assert_non_null(strstr(buf_str(&b), "Plan: 0 to create, 1 to update,"));
	buf_release(&b);
	plan_release(&p);
	plan_observed_release(&o);
	free(x);
}

static void test_fingerprint_ignores_order(void **state)
{
	struct fx *x = fx_new();
	struct plan_observed o;
	char a[65], b[65], c[65];
	struct plan_obs_vm tmp;

	(void)state;
	observe_applied(x, &o);
	plan_observed_fingerprint(&o, a);
	tmp = o.vms[0];
	o.vms[0] = o.vms[2];
	o.vms[2] = tmp;
	plan_observed_fingerprint(&o, b);
	assert_string_equal(a, b);
	o.vms[1].state = PLAN_DOM_OFF;
	plan_observed_fingerprint(&o, c);
	assert_string_not_equal(a, c);
	plan_observed_release(&o);
	free(x);
}

static void test_json_round_trip(void **state)
{
	struct fx *x = fx_new();
	struct plan_observed o;
	struct plan p;
	struct buf b;
	char fleet[64], obs[65], des[65];
	struct herd_err err = HERD_ERR_INIT;

	(void)state;
	memset(&o, 0, sizeof o);
	plan_build(&x->f, seeds, &o, &p);
	buf_init(&b);
	plan_format_json(&p, "lab", &b);
	assert_non_null(strstr(buf_str(&b), "\"action\": \"create\", \"object\": \"lab--web-1\""));
	assert_int_equal(plan_format_parse_fp(buf_str(&b), fleet, obs, des, &err), 0);
	assert_string_equal(fleet, "lab");
	assert_string_equal(obs, p.observed_fp);
	assert_string_equal(des, p.desired_fp);
	assert_int_equal(plan_format_parse_fp("{\"x\": 1}", fleet, obs, des, &err), -1);
	assert_int_equal(err.code, HERD_E_USAGE);
	buf_release(&b);
	plan_release(&p);
	free(x);
}

static void test_network_removed_from_file(void **state)
{
	struct fx *x = fx_new();
	struct plan_observed o;
	struct plan p;

	(void)state;
	observe_applied(x, &o);
	plan_observed_add_net(&o, "herd-lab--oldnet", true);
	plan_build(&x->f, seeds, &o, &p);
	assert_int_equal(find(&p, "herd-lab--oldnet")->kind, PLAN_NET_DELETE);
	assert_int_equal(p.count[PLAN_NET_DELETE], 1);
	plan_release(&p);
	plan_observed_release(&o);
	free(x);
}

static void test_network_changed(void **state)
{
	struct fx *x = fx_new();
	struct plan_observed o;
	struct plan p;
	struct buf b;

	(void)state;
	observe_applied(x, &o);
	x->net.addr = 0x0a2b0000;		/* a new CIDR: 10.43.0.0/24 */
	plan_build(&x->f, seeds, &o, &p);
	assert_int_equal(find(&p, "herd-lab--labnet")->kind, PLAN_NET_RECREATE);
	assert_int_equal(find(&p, "lab--web-1")->kind, PLAN_RECREATE);
	assert_string_equal(find(&p, "lab--web-1")->why, "networks");
	buf_init(&b);
	plan_format_text(&p, false, &b);
	assert_non_null(strstr(buf_str(&b), "-/+ network herd-lab--labnet\n"));
	assert_non_null(strstr(buf_str(&b), "Plan: 0 to create, 0 to update, 4 to recreate,"));
	buf_release(&b);
	plan_release(&p);
	plan_observed_release(&o);
	free(x);
}

/* What an older herd left for x: "<fleet>-<vm>" domains and volumes,
 * "herd-<fleet>-<net>" network, everything else the same. */
static void observe_legacy(struct fx *x, struct plan_observed *o)
{
	size_t i;
	char vol[64];

	memset(o, 0, sizeof *o);
	o->pool = o->pool_active = true;
	plan_net_hash(&x->net, plan_observed_add_net(o, "herd-lab-labnet", true)->hash);
	for (i = 0; i < x->f.n_vms; i++) {
		struct plan_obs_vm *v;
		snprintf(x->olds[i], sizeof x->olds[i], "lab-%s", x->vms[i].name);
		v = plan_observed_add_vm(o, x->olds[i]);
		v->name = strdup(x->vms[i].name);
		plan_vm_hashes(&x->vms[i], "seed", &v->h);
		v->cpus = x->vms[i].spec->cpus;
		v->memory = x->vms[i].spec->memory;
		v->state = PLAN_DOM_RUNNING;
		snprintf(vol, sizeof vol, "%s" PLAN_VOL_DISK_SUFFIX, x->olds[i]);
		plan_observed_add_vol(o, vol);
	}
}

/* A fleet an older herd applied: each domain and the network are made
 * again under the new names, nothing of it is deleted as a stranger's. */
static void test_renamed_by_older_herd(void **state)
{
	struct fx *x = fx_new();
	struct plan_observed o;
	const struct plan_action *a;
	struct plan p;
	struct buf b;

	(void)state;
	observe_legacy(x, &o);
	plan_build(&x->f, seeds, &o, &p);
	a = find(&p, "lab--web-1");
	assert_int_equal(a->kind, PLAN_RECREATE);
	assert_string_equal(a->old, "lab-web-1");
	assert_string_equal(a->why, "renamed: lab-web-1 -> lab--web-1");
	assert_int_equal(p.count[PLAN_RECREATE], 3);
	assert_int_equal(p.count[PLAN_DELETE], 0);
	assert_int_equal(p.count[PLAN_VOL_DELETE], 0);	/* remove_vm takes them */
	a = find(&p, "herd-lab--labnet");
	assert_int_equal(a->kind, PLAN_NET_RECREATE);
	assert_string_equal(a->old, "herd-lab-labnet");
	assert_null(find(&p, "herd-lab-labnet"));		/* no delete of its own */
	assert_int_equal(p.count[PLAN_NET_CREATE] + p.count[PLAN_NET_DELETE], 0);
	buf_init(&b);
	plan_format_text(&p, false, &b);
	assert_non_null(strstr(buf_str(&b),
			       "-/+ recreate lab--web-2 (renamed: lab-web-2 -> lab--web-2)\n"));
	assert_non_null(strstr(buf_str(&b), "-/+ network herd-lab--labnet (renamed: "
			       "herd-lab-labnet -> herd-lab--labnet)\n"));
	buf_reset(&b);
	plan_format_json(&p, "lab", &b);
	assert_non_null(strstr(buf_str(&b), "\"renamed_from\": \"lab-web-3\""));
	buf_release(&b);
	plan_release(&p);
	plan_observed_release(&o);
	free(x);
}

/* An apply stopped half way: web-1 exists under both names.  The new one
 * is the VM; the old one is deleted; its volumes after it, as strays. */
static void test_renamed_half_way(void **state)
{
	struct fx *x = fx_new();
	struct plan_observed o;
	struct plan_obs_vm *v;
	struct plan p;

	(void)state;
	observe_legacy(x, &o);
	v = plan_observed_add_vm(&o, "lab--web-1");
	v->name = strdup("web-1");
	plan_vm_hashes(&x->vms[0], "seed", &v->h);
	v->cpus = 1;
	v->memory = 1ull << 30;
	v->state = PLAN_DOM_RUNNING;
	plan_build(&x->f, seeds, &o, &p);
	assert_int_equal(find(&p, "lab--web-1")->kind, PLAN_UNCHANGED);
	assert_int_equal(find(&p, "lab-web-1")->kind, PLAN_DELETE);
	assert_int_equal(find(&p, "lab--web-2")->kind, PLAN_RECREATE);
	plan_release(&p);
	plan_observed_release(&o);
	/* the old domain gone, its disk left: a stray */
	memset(&o, 0, sizeof o);
	o.pool = o.pool_active = true;
	plan_observed_add_vol(&o, "lab-web-3" PLAN_VOL_DISK_SUFFIX);
	plan_build(&x->f, seeds, &o, &p);
	assert_int_equal(find(&p, "lab-web-3" PLAN_VOL_DISK_SUFFIX)->kind, PLAN_VOL_DELETE);
	plan_release(&p);
	plan_observed_release(&o);
	free(x);
}

/* Names cannot collide: the first "--" ends the fleet part. */
static void test_names_unambiguous(void **state)
{
	char *a = plan_net_name("lab", "x-y"), *b = plan_net_name("lab-x", "y");

	(void)state;
	assert_string_equal(a, "herd-lab--x-y");
	assert_string_equal(b, "herd-lab-x--y");
	free(a);
	free(b);
	a = plan_pool_name("lab");
	assert_string_equal(a, "herd-lab");
	free(a);
}

static void test_vol_owner(void **state)
{
	char *s;

	(void)state;
	s = plan_vol_owner("lab--web-1" PLAN_VOL_SEED_SUFFIX);
	assert_string_equal(s, "lab--web-1");
	free(s);
	assert_null(plan_vol_owner("notes.txt"));
	assert_null(plan_vol_owner(PLAN_VOL_DISK_SUFFIX));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_world_creates_everything),
		cmocka_unit_test(test_applied_world_is_unchanged),
		cmocka_unit_test(test_mixed_changes),
		cmocka_unit_test(test_start_and_memory_update),
		cmocka_unit_test(test_restart_pending),
		cmocka_unit_test(test_reseed),
		cmocka_unit_test(test_seed_pending),
		cmocka_unit_test(test_installed),
		cmocka_unit_test(test_fingerprint_ignores_order),
		cmocka_unit_test(test_json_round_trip),
		cmocka_unit_test(test_network_removed_from_file),
		cmocka_unit_test(test_network_changed),
		cmocka_unit_test(test_renamed_by_older_herd),
		cmocka_unit_test(test_renamed_half_way),
		cmocka_unit_test(test_names_unambiguous),
		cmocka_unit_test(test_vol_owner),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
