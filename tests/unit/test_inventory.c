#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "orchestrator/reach/inventory.h"
#include "plans/fleet.h"

static const char fleet_yaml[] =
	"fleet: lab\n"
	"images:\n"
	"  base: {path: /dev/null}\n"
	"networks:\n"
	"  net: {mode: nat, cidr: 10.42.0.0/24}\n"
	"defaults: {image: base, networks: [net]}\n"
	"groups:\n"
	"  web-tier: {count: 2, name: \"web-{{index}}\"}\n"
	"vms:\n"
	"  db: {ip: 10.42.0.50}\n";

static const struct inventory_paths paths = { "/s/id_ed25519", "/s/known_hosts" };

static struct fleet *load(void)
{
	struct fleet_diags d;
	struct fleet *f;

	memset(&d, 0, sizeof d);
	f = fleet_load_mem("t.yaml", "/", fleet_yaml, strlen(fleet_yaml), &d);
	if (f == NULL && d.n > 0)
		fail_msg("fleet: %s", d.items[0].msg);
	assert_non_null(f);
	return f;
}

static void ansible_groups_and_vars(void **state)
{
	struct fleet *f = load();
	struct buf b;

	(void)state;
	buf_init(&b);
	inventory_write(f, INVENTORY_ANSIBLE, &paths, NULL, &b);
	assert_non_null(strstr(buf_str(&b), "[all:vars]\nansible_user=herd\n"));
	assert_non_null(strstr(buf_str(&b), "ansible_ssh_private_key_file=/s/id_ed25519\n"));
	assert_non_null(strstr(buf_str(&b), "UserKnownHostsFile=/s/known_hosts"));
	assert_non_null(strstr(buf_str(&b), "[ungrouped]\ndb ansible_host=10.42.0.50\n"));
	/* Group names become identifiers for Ansible. */
	assert_non_null(strstr(buf_str(&b), "[web_tier]\nweb-1 ansible_host=10.42.0."));
	assert_non_null(strstr(buf_str(&b), "\nweb-2 ansible_host=10.42.0."));
	buf_release(&b);
	fleet_free(f);
}

static void ssh_config_and_hosts(void **state)
{
	struct fleet *f = load();
	struct buf b;

	(void)state;
	buf_init(&b);
	inventory_write(f, INVENTORY_SSH_CONFIG, &paths, NULL, &b);
	assert_non_null(strstr(buf_str(&b), "Host db\n  HostName 10.42.0.50\n  User herd\n"));
	assert_non_null(strstr(buf_str(&b), "  HostKeyAlias db\n"));
	assert_non_null(strstr(buf_str(&b), "StrictHostKeyChecking yes"));
	buf_reset(&b);
	inventory_write(f, INVENTORY_HOSTS, &paths, NULL, &b);
	assert_non_null(strstr(buf_str(&b), "10.42.0.50\tdb\n"));
	buf_release(&b);
	fleet_free(f);
}

static void json_lists_every_vm(void **state)
{
	struct fleet *f = load();
	struct buf b;
	const char *p;
	int n = 0;

	(void)state;
	buf_init(&b);
	inventory_write(f, INVENTORY_JSON, &paths, NULL, &b);
	for (p = buf_str(&b); (p = strstr(p, "\"domain\": \"lab-")) != NULL; p++)
		n++;
	assert_int_equal(n, 3);
	assert_non_null(strstr(buf_str(&b), "\"fleet\": \"lab\""));
	assert_non_null(strstr(buf_str(&b), "\"group\": null"));
	buf_release(&b);
	fleet_free(f);
}

static void format_names(void **state)
{
	struct herd_err err = HERD_ERR_INIT;
	enum inventory_format fmt;

	(void)state;
	assert_int_equal(inventory_format_parse("ssh-config", &fmt, &err), 0);
	assert_int_equal(fmt, INVENTORY_SSH_CONFIG);
	assert_int_equal(inventory_format_parse("yaml", &fmt, &err), -1);
	assert_non_null(strstr(err.msg, "use ansible, ssh-config, hosts or json"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ansible_groups_and_vars),
		cmocka_unit_test(ssh_config_and_hosts),
		cmocka_unit_test(json_lists_every_vm),
		cmocka_unit_test(format_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
