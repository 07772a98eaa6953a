/* tests/unit/test_expand.c — groups into VMs: layered settings, names,
 * MACs and IPs (deterministic, unique, stable when a group grows). */
#include "fleettest.h"

#include <time.h>

#include "common/mem.h"
#include "plans/expand.h"
#include "plans/plan.h"

#define TWO_NETS \
	"fleet: lab\n" \
	"images:\n  tiny: {path: ./tiny.qcow2}\n" \
	"networks:\n  labnet: {mode: nat, cidr: 10.42.0.0/24}\n" \
	"  back: {mode: isolated, cidr: 10.43.0.0/24}\n"

static const struct ynode *seq_item(const struct ynode *seq, size_t i)
{
	assert_non_null(seq);
	assert_int_equal(seq->kind, YNODE_SEQ);
	assert_true(i < seq->n);
	return seq->kids[i];
}

static void test_layers_merge(void **state)
{
	struct fleet *f;
	const struct fleet_spec *g, *v;
	const struct ynode *cc;

	(void)state;
	f = ft_must_load(TWO_NETS
		"defaults:\n  image: tiny\n  memory: 512MiB\n  cpus: 2\n  networks: [labnet]\n"
		"  cloud_config: {packages: [curl], timezone: UTC, write_files: {a: 1}}\n"
		"groups:\n  web:\n    count: 2\n    memory: 2GiB\n    networks: [back, labnet]\n"
		"    cloud_config: {packages: [git], locale: C, write_files: {b: 2}}\n"
		"vms:\n  db:\n    cpus: 8\n    cloud_config: {timezone: CET}\n");
	g = f->groups[0].spec;
	assert_true(g->memory == 2ULL << 30);		/* scalar overrides */
	assert_int_equal(g->cpus, 2);			/* kept from defaults */
	assert_int_equal(g->n_networks, 2);		/* lists append, once each */
	assert_string_equal(g->networks[0]->name, "labnet");
	assert_string_equal(g->networks[1]->name, "back");
	cc = g->cloud_config;
	assert_int_equal(ynode_get(cc, "packages")->n, 2);
	assert_string_equal(seq_item(ynode_get(cc, "packages"), 0)->str, "curl");
	assert_string_equal(seq_item(ynode_get(cc, "packages"), 1)->str, "git");
	assert_string_equal(ynode_get(cc, "timezone")->str, "UTC");
	assert_string_equal(ynode_get(cc, "locale")->str, "C");
	assert_int_equal(ynode_get(cc, "write_files")->n, 2);	/* maps merge deep */
	v = f->vms[0].spec;
	assert_int_equal(v->cpus, 8);
	assert_true(v->memory == 512ULL << 20);
	assert_string_equal(ynode_get(v->cloud_config, "timezone")->str, "CET");
	assert_int_equal(ynode_get(v->cloud_config, "packages")->n, 1);
	/* the group's VMs share one spec */
	assert_ptr_equal(f->vms[1].spec, g);
	assert_ptr_equal(f->vms[2].spec, g);
	fleet_free(f);
}

static void test_names_and_padding(void **state)
{
	struct fleet *f;
	char name[32];
	unsigned i;

	(void)state;
	f = ft_must_load(FT_HEAD
		"groups:\n"
		"  student: {count: 40, name: \"student-{{index}}\"}\n"
		"  web: {count: 3}\n"
		"  ten: {count: 10, name: \"t{{ index }}-{{n}}\"}\n"
		"  big: {count: 100, name: \"{{fleet}}-{{group}}{{index}}\"}\n"
		"  none: {count: 0}\n"
		"vms:\n  teacher:\n");
	assert_int_equal(f->n_vms, 1 + 40 + 3 + 10 + 100);
	assert_int_equal(f->n_explicit, 1);
	assert_string_equal(f->vms[0].name, "teacher");
	assert_null(f->vms[0].group);
	assert_int_equal(f->vms[0].index, 0);
	assert_string_equal(f->vms[0].domain, "lab--teacher");
	for (i = 1; i <= 40; i++) {
		snprintf(name, sizeof name, "student-%02u", i);
		assert_string_equal(f->vms[i].name, name);
		assert_string_equal(f->vms[i].group, "student");
		assert_int_equal(f->vms[i].index, i);
	}
	assert_string_equal(f->vms[41].name, "web-1");
	assert_string_equal(f->vms[43].name, "web-3");
	assert_string_equal(f->vms[43].domain, "lab--web-3");
	assert_string_equal(f->vms[44].name, "t01-1");
	assert_string_equal(f->vms[53].name, "t10-10");
	assert_string_equal(f->vms[54].name, "lab-big001");
	assert_string_equal(f->vms[153].name, "lab-big100");
	assert_int_equal(f->groups[4].count, 0);
	assert_ptr_equal(fleet_find_vm(f, "student-07"), &f->vms[7]);
	assert_null(fleet_find_vm(f, "student-7"));
	fleet_free(f);
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

static void test_addresses_unique_and_in_pool(void **state)
{
	struct fleet *f;
	const struct fleet_network *n;
	uint32_t *ips, *macs;
	size_t i;

	(void)state;
	/* 3000 VMs in a /20: pool .0.2 .. .11.255 (3070 addresses), 98% full */
	f = ft_must_load("fleet: lab\nimages: {tiny: {path: tiny.qcow2}}\n"
			 "networks: {n: {cidr: 10.10.0.0/20}}\n"
			 "defaults: {image: tiny, networks: [n]}\n"
			 "groups: {a: {count: 2000}, b: {count: 1000}}\n");
	n = &f->networks[0];
	ips = calloc(f->n_vms, sizeof *ips);
	macs = calloc(f->n_vms, sizeof *macs);
	for (i = 0; i < f->n_vms; i++) {
		const struct fleet_nic *nic = &f->vms[i].nics[0];
		ips[i] = nic->ip;
		assert_true(nic->ip > n->gateway);
		assert_true(nic->ip < n->dhcp_first);
		assert_int_equal(nic->mac[0], 0x52);
		assert_int_equal(nic->mac[1], 0x54);
		assert_int_equal(nic->mac[2], 0x00);
		macs[i] = (uint32_t)nic->mac[3] << 16 | (uint32_t)nic->mac[4] << 8 | nic->mac[5];
	}
	qsort(ips, f->n_vms, sizeof *ips, cmp_u32);
	qsort(macs, f->n_vms, sizeof *macs, cmp_u32);
	for (i = 1; i < f->n_vms; i++) {
		assert_true(ips[i] != ips[i - 1]);
		assert_true(macs[i] != macs[i - 1]);
	}
	free(ips);
	free(macs);
	fleet_free(f);
}

static void test_addresses_deterministic(void **state)
{
	const char *yaml = TWO_NETS "defaults: {image: tiny, networks: [labnet, back]}\n"
			   "groups: {web: {count: 20}}\nvms: {db: {}, lb: {}}\n";
	struct fleet *a, *b;
	char ip[16], mac[18];
	size_t i;

	(void)state;
	a = ft_must_load(yaml);
	b = ft_must_load(yaml);
	assert_int_equal(a->n_vms, b->n_vms);
	for (i = 0; i < a->n_vms; i++)
		assert_memory_equal(a->vms[i].nics, b->vms[i].nics, 2 * sizeof *a->vms[i].nics);
	/* two NICs: each on its own network, with its own MAC */
	assert_true((a->vms[0].nics[0].ip >> 8) == 0x0a2a00);
	assert_true((a->vms[0].nics[1].ip >> 8) == 0x0a2b00);
	assert_memory_not_equal(a->vms[0].nics[0].mac, a->vms[0].nics[1].mac, 6);
	fleet_ip_str(a->vms[0].nics[0].ip, ip);
	fleet_mac_str(a->vms[0].nics[0].mac, mac);
	assert_int_equal(strncmp(ip, "10.42.0.", 8), 0);
	assert_int_equal(strncmp(mac, "52:54:00:", 9), 0);
	assert_int_equal(strlen(mac), 17);
	fleet_free(a);
	fleet_free(b);
}

static void test_growth_is_stable(void **state)
{
	struct fleet *f40, *f41, *frev;
	char *y40, *y41, *yrev;
	size_t i;

	(void)state;
	y40 = xasprintf(FT_HEAD "vms:\n  teacher: {}\ngroups:\n"
			"  student: {count: 40, name: \"student-{{index}}\"}\n  helper: {count: 2}\n");
	y41 = xasprintf(FT_HEAD "vms:\n  teacher: {}\ngroups:\n"
			"  student: {count: 41, name: \"student-{{index}}\"}\n  helper: {count: 2}\n");
	/* the same fleet, groups written in the other order */
	yrev = xasprintf(FT_HEAD "groups:\n  helper: {count: 2}\n"
			 "  student: {count: 40, name: \"student-{{index}}\"}\nvms:\n  teacher: {}\n");
	f40 = ft_must_load(y40);
	f41 = ft_must_load(y41);
	frev = ft_must_load(yrev);
	for (i = 0; i < f40->n_vms; i++) {
		const struct fleet_vm *a = &f40->vms[i];
		const struct fleet_vm *b = fleet_find_vm(f41, a->name);
		const struct fleet_vm *c = fleet_find_vm(frev, a->name);
		assert_non_null(b);
		assert_non_null(c);
		assert_true(a->nics[0].ip == b->nics[0].ip);
		assert_memory_equal(a->nics[0].mac, b->nics[0].mac, 6);
		assert_true(a->nics[0].ip == c->nics[0].ip);
		assert_memory_equal(a->nics[0].mac, c->nics[0].mac, 6);
	}
	assert_non_null(fleet_find_vm(f41, "student-41"));
	assert_null(fleet_find_vm(f40, "student-41"));
	fleet_free(f40);
	fleet_free(f41);
	fleet_free(frev);
	free(y40);
	free(y41);
	free(yrev);
}

static void test_fixed_ip(void **state)
{
	struct fleet *f;
	size_t i;

	(void)state;
	f = ft_must_load(FT_HEAD "groups: {web: {count: 150}}\nvms:\n  db: {ip: 10.42.0.50}\n");
	assert_true(f->vms[0].nics[0].ip == 0x0a2a0032u);
	for (i = 1; i < f->n_vms; i++)
		assert_true(f->vms[i].nics[0].ip != 0x0a2a0032u);
	fleet_free(f);
}

static void test_fixed_ip_errors(void **state)
{
	(void)state;
	ft_expect_error(FT_HEAD "vms:\n  db: {ip: 10.9.0.5}\n", "t.yaml:10:12: vm 'db': ip "
			"10.9.0.5 is outside network 'labnet' (10.42.0.0/24; use 10.42.0.2 "
			"to 10.42.0.191)");
	ft_expect_error(FT_HEAD "vms:\n  db: {ip: 10.42.0.1}\n", "vm 'db': ip 10.42.0.1 is "
			"the gateway of network 'labnet' (use 10.42.0.2 to 10.42.0.191)");
	ft_expect_error(FT_HEAD "vms:\n  db: {ip: 10.42.0.0}\n", "vm 'db': ip 10.42.0.0 is "
			"the network address of network 'labnet'");
	ft_expect_error(FT_HEAD "vms:\n  db: {ip: 10.42.0.255}\n", "vm 'db': ip 10.42.0.255 "
			"is the broadcast address of network 'labnet'");
	ft_expect_error("fleet: lab\nimages: {tiny: {path: tiny.qcow2}}\nnetworks:\n"
			"  labnet: {cidr: 10.42.0.0/24, dhcp: {start: 10.42.0.100, end: "
			"10.42.0.109}}\ndefaults: {image: tiny, networks: [labnet]}\n"
			"vms:\n  db: {ip: 10.42.0.105}\n", "t.yaml:7:12: vm 'db': ip 10.42.0.105 "
			"is in the DHCP range of network 'labnet' (dhcp: 10.42.0.100 to "
			"10.42.0.109, for unknown machines; use another address or change the "
			"range)");
	ft_expect_error(FT_HEAD "vms:\n  a: {ip: 10.42.0.9}\n  b: {ip: 10.42.0.9}\n",
			"t.yaml:11:11: vm 'b': ip 10.42.0.9 is also the address of vm 'a' "
			"(give each VM its own)");
	ft_expect_error("fleet: lab\nimages: {tiny: {path: tiny.qcow2}}\n"
			"networks: {lan: {mode: bridge, bridge: br0}}\n"
			"vms:\n  a: {ip: 10.42.0.9, networks: [lan], image: tiny}\n", "vm 'a': ip needs a nat or isolated "
			"network first in networks ('lan' is a bridge)");
}

/* A fixed address in the top quarter makes DHCP's range smaller around
 * it (teachers get .200), as long as 16 addresses stay in a row. */
static void test_fixed_ip_shrinks_dhcp(void **state)
{
	struct fleet *f;
	char before[PLAN_FIELD_HEX + 1], after[PLAN_FIELD_HEX + 1];
	size_t i;

	(void)state;
	f = ft_must_load(FT_HEAD "groups: {s: {count: 40}}\nvms:\n  t: {ip: 10.42.0.200}\n");
	assert_true(f->networks[0].dhcp_shrunk);
	assert_true(f->networks[0].dhcp_first == 0x0a2a00c9u);	/* .201 */
	assert_true(f->networks[0].dhcp_last == 0x0a2a00feu);	/* .254 */
	assert_true(f->networks[0].dhcp_default_first == 0x0a2a00c0u);
	assert_true(f->vms[0].nics[0].ip == 0x0a2a00c8u);
	for (i = 1; i < f->n_vms; i++)		/* herd still assigns below .192 */
		assert_true(f->vms[i].nics[0].ip < 0x0a2a00c0u);
	plan_net_hash(&f->networks[0], after);	/* libvirt's range changes too */
	fleet_free(f);
	f = ft_must_load(FT_HEAD "groups: {s: {count: 40}}\nvms:\n  t: {ip: 10.42.0.20}\n");
	assert_false(f->networks[0].dhcp_shrunk);
	assert_true(f->networks[0].dhcp_first == 0x0a2a00c0u);
	plan_net_hash(&f->networks[0], before);
	assert_string_not_equal(before, after);
	fleet_free(f);
	/* several, and the longest run without them wins */
	f = ft_must_load(FT_HEAD "vms:\n  a: {ip: 10.42.0.230}\n  b: {ip: 10.42.0.193}\n"
			 "  c: {ip: 10.42.0.240}\n");
	assert_true(f->networks[0].dhcp_first == 0x0a2a00c2u);	/* .194 */
	assert_true(f->networks[0].dhcp_last == 0x0a2a00e5u);	/* .229 */
	fleet_free(f);
	/* at least 16 in a row must stay */
	ft_expect_error(FT_HEAD "vms:\n  a: {ip: 10.42.0.200}\n  b: {ip: 10.42.0.215}\n"
			"  c: {ip: 10.42.0.230}\n  d: {ip: 10.42.0.245}\n",
			"t.yaml:10:11: vm 'a': ip 10.42.0.200 is in the DHCP range of network "
			"'labnet' (10.42.0.192 to 10.42.0.254), and with the fixed addresses "
			"there DHCP would keep 14 addresses in a row, fewer than 16 (use "
			"10.42.0.2 to 10.42.0.191, or set dhcp: {start: ADDRESS, end: ADDRESS})");
}

/* dhcp: {start, end}: the range is that, herd assigns every other host. */
static void test_dhcp_range_set(void **state)
{
	struct fleet *f;
	size_t i;

	(void)state;
	f = ft_must_load("fleet: lab\nimages: {tiny: {path: tiny.qcow2}}\nnetworks:\n"
			 "  n: {cidr: 10.0.0.0/27, dhcp: {start: 10.0.0.2, end: 10.0.0.11}}\n"
			 "defaults: {image: tiny, networks: [n]}\ngroups: {g: {count: 18}}\n"
			 "vms:\n  top: {ip: 10.0.0.30}\n");
	assert_true(f->networks[0].dhcp_range_set);
	assert_false(f->networks[0].dhcp_shrunk);
	assert_true(f->networks[0].dhcp_first == 0x0a000002u);
	assert_true(f->networks[0].dhcp_last == 0x0a00000bu);
	for (i = 0; i < f->n_vms; i++) {	/* .12 to .30: 19 addresses, 19 VMs */
		assert_true(f->vms[i].nics[0].ip >= 0x0a00000cu);
		assert_true(f->vms[i].nics[0].ip <= 0x0a00001eu);
	}
	fleet_free(f);
	ft_expect_error("fleet: lab\nimages: {tiny: {path: tiny.qcow2}}\nnetworks:\n"
			"  n: {cidr: 10.0.0.0/27, dhcp: {start: 10.0.0.2, end: 10.0.0.11}}\n"
			"defaults: {image: tiny, networks: [n]}\ngroups: {g: {count: 20}}\n",
			"t.yaml:4:3: network 'n': 10.0.0.0/27 has 19 addresses for VMs "
			"(10.0.0.2 to 10.0.0.30, less the DHCP range) but 20 VMs need one");
}

static void test_network_too_small(void **state)
{
	struct fleet *f;

	(void)state;
	ft_expect_error("fleet: lab\nimages: {tiny: {path: tiny.qcow2}}\n"
			"networks:\n  n: {cidr: 10.0.0.0/29}\n"
			"defaults: {image: tiny, networks: [n]}\ngroups: {g: {count: 5}}\n",
			"t.yaml:4:3: network 'n': 10.0.0.0/29 has 4 addresses for VMs (10.0.0.2 "
			"to 10.0.0.5) but 5 VMs need one (use a /28 or larger)");
	ft_expect_error("fleet: lab\nimages: {tiny: {path: tiny.qcow2}}\n"
			"networks:\n  n: {cidr: 10.0.0.0/24}\n"
			"defaults: {image: tiny, networks: [n]}\ngroups: {g: {count: 1000}}\n",
			"but 1000 VMs need one (use a /21 or larger)");
	/* exactly full is fine */
	f = ft_must_load("fleet: lab\nimages: {tiny: {path: tiny.qcow2}}\n"
			 "networks:\n  n: {cidr: 10.0.0.0/29}\n"
			 "defaults: {image: tiny, networks: [n]}\ngroups: {g: {count: 4}}\n");
	assert_int_equal(f->n_vms, 4);
	fleet_free(f);
}

static void test_duplicate_names(void **state)
{
	(void)state;
	ft_expect_error(FT_HEAD "vms:\n  web-2: {}\ngroups:\n  web: {count: 3}\n",
			"t.yaml:12:3: group 'web': makes the name \"web-2\", which vm 'web-2' "
			"(line 10) already has (names must be unique; change the name pattern)");
	ft_expect_error(FT_HEAD "groups:\n  a: {count: 3, name: \"n{{index}}\"}\n"
			"  b: {count: 2, name: \"n{{n}}\"}\n",
			"t.yaml:11:3: group 'b': makes the name \"n1\", which group 'a' (line 10) already has");
}

static void test_too_many_vms(void **state)
{
	char yaml[2048];
	size_t n, i;

	(void)state;
	n = (size_t)snprintf(yaml, sizeof yaml, "%s", "fleet: lab\nimages: {tiny: {path: tiny.qcow2}}\n"
			     "networks:\n  n: {cidr: 10.0.0.0/8}\n"
			     "defaults: {image: tiny, networks: [n]}\ngroups:\n");
	for (i = 0; i < 11; i++)
		n += (size_t)snprintf(yaml + n, sizeof yaml - n, "  g%zu: {count: 10000}\n", i);
	ft_expect_error(yaml, "t.yaml:6:1: the groups make 110000 VMs, more than the 100000 "
			"a fleet may have");
}

static void test_pins_are_kept(void **state)
{
	struct fleet *f;
	struct fleet_diags d;
	struct expand_pin pin = { "web-2", "labnet", { 0x52, 0x54, 0x00, 1, 2, 3 }, 0x0a2a0064u };
	struct expand_pin bad = { "web-3", "labnet", { 0 }, 0x0a2a00c8u };	/* in DHCP range */
	struct expand_pin pins[2] = { pin, bad };
	uint32_t before;

	(void)state;
	f = ft_must_load(FT_HEAD "groups: {web: {count: 3}}\n");
	before = fleet_find_vm(f, "web-3")->nics[0].ip;
	assert_int_equal(expand_fleet_pinned(f, pins, 2, &d), 0);
	assert_true(fleet_find_vm(f, "web-2")->nics[0].ip == 0x0a2a0064u);
	assert_memory_equal(fleet_find_vm(f, "web-2")->nics[0].mac, pin.mac, 6);
	assert_true(fleet_find_vm(f, "web-3")->nics[0].ip == before);	/* ignored */
	fleet_free(f);
}

/* Merging is linear in the keys: 30,000 vars over 30,000 (half of them
 * the same keys) took about 12 s of CPU when each key was searched for. */
static void test_big_merge_is_fast(void **state)
{
	size_t cap = 2u << 20, n = 0, i;
	char *yaml = xmalloc(cap);
	struct fleet_diags d;
	const struct ynode *vars;
	struct fleet *f;
	clock_t t0;
	double secs;

	(void)state;
	n += (size_t)snprintf(yaml + n, cap - n, FT_HEAD "  vars:\n");
	for (i = 0; i < 30000; i++)
		n += (size_t)snprintf(yaml + n, cap - n, "    k%zu: base\n", i);
	n += (size_t)snprintf(yaml + n, cap - n, "vms:\n  a:\n    vars:\n");
	for (i = 15000; i < 45000; i++)
		n += (size_t)snprintf(yaml + n, cap - n, "      k%zu: over\n", i);
	t0 = clock();
	f = fleet_load_mem("t.yaml", ft_dir, yaml, n, &d);
	secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
	assert_non_null(f);
	vars = f->vms[0].spec->vars;
	assert_int_equal(vars->n, 45000);
	assert_string_equal(ynode_get(vars, "k0")->str, "base");
	assert_string_equal(ynode_get(vars, "k20000")->str, "over");
	assert_string_equal(ynode_get(vars, "k44999")->str, "over");
	if (secs > 2.0) {	/* ~0.3 s here with sanitizers; 12 s before */
		print_error("loading took %.2f s of CPU\n", secs);
		fail();
	}
	fleet_free(f);
	free(yaml);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layers_merge),
		cmocka_unit_test(test_names_and_padding),
		cmocka_unit_test(test_addresses_unique_and_in_pool),
		cmocka_unit_test(test_addresses_deterministic),
		cmocka_unit_test(test_growth_is_stable),
		cmocka_unit_test(test_fixed_ip),
		cmocka_unit_test(test_fixed_ip_errors),
		cmocka_unit_test(test_fixed_ip_shrinks_dhcp),
		cmocka_unit_test(test_dhcp_range_set),
		cmocka_unit_test(test_network_too_small),
		cmocka_unit_test(test_duplicate_names),
		cmocka_unit_test(test_too_many_vms),
		cmocka_unit_test(test_pins_are_kept),
		cmocka_unit_test(test_big_merge_is_fast),
	};

	return cmocka_run_group_tests(tests, ft_setup, ft_teardown);
}
