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
	struct herd_err err = HERD_ERR_INIT;
	struct fleet *f = load();
	struct buf b;

	(void)state;
	buf_init(&b);
	assert_int_equal(inventory_write(f, INVENTORY_ANSIBLE, &paths, NULL, &b, &err), 0);
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
	struct herd_err err = HERD_ERR_INIT;
	struct fleet *f = load();
	struct buf b;

	(void)state;
	buf_init(&b);
	assert_int_equal(inventory_write(f, INVENTORY_SSH_CONFIG, &paths, NULL, &b, &err), 0);
	assert_non_null(strstr(buf_str(&b), "Host db\n  HostName 10.42.0.50\n  User herd\n"));
	assert_non_null(strstr(buf_str(&b), "  HostKeyAlias db\n"));
	assert_non_null(strstr(buf_str(&b), "StrictHostKeyChecking yes"));
	buf_reset(&b);
	assert_int_equal(inventory_write(f, INVENTORY_HOSTS, &paths, NULL, &b, &err), 0);
	assert_non_null(strstr(buf_str(&b), "10.42.0.50\tdb\n"));
	buf_release(&b);
	fleet_free(f);
}

static void json_lists_every_vm(void **state)
{
	struct herd_err err = HERD_ERR_INIT;
	struct fleet *f = load();
	struct buf b;
	const char *p;
	int n = 0;

	(void)state;
	buf_init(&b);
	assert_int_equal(inventory_write(f, INVENTORY_JSON, &paths, NULL, &b, &err), 0);
	for (p = buf_str(&b); (p = strstr(p, "\"domain\": \"lab-")) != NULL; p++)
		n++;
	assert_int_equal(n, 3);
	assert_non_null(strstr(buf_str(&b), "\"fleet\": \"lab\""));
	assert_non_null(strstr(buf_str(&b), "\"group\": null"));
	buf_release(&b);
	fleet_free(f);
}

/* What a guest reports is an address only when inet_pton takes it: a
 * guest agent or lease answer carrying a second line must not reach
 * ssh-config, INI or hosts output. */
static void hostile_addresses_are_dropped(void **state)
{
	static const enum inventory_format fmts[] = {
		INVENTORY_ANSIBLE, INVENTORY_SSH_CONFIG, INVENTORY_HOSTS, INVENTORY_JSON,
	};
	struct herd_err err = HERD_ERR_INIT;
	struct fleet *f = load();
	const char *addrs[3] = { NULL, NULL, NULL };
	const char *evil = "10.0.0.5\n  ProxyCommand touch /tmp/pwned";
	size_t i, k;
	struct buf b;

	(void)state;
	/* the group members have no planned address in this test's eyes */
	for (i = 1; i < f->n_vms; i++) {
		f->vms[i].nics[0].ip = 0;
		addrs[i] = i == 1 ? evil : "10.42.0.77";
	}
	buf_init(&b);
	for (k = 0; k < sizeof fmts / sizeof fmts[0]; k++) {
		buf_reset(&b);
		assert_int_equal(inventory_write(f, fmts[k], &paths, addrs, &b, &err), 0);
		if (strstr(buf_str(&b), "ProxyCommand") != NULL || strstr(buf_str(&b), "pwned"))
			fail_msg("format %zu let the guest's text through:\n%s", k, buf_str(&b));
		assert_non_null(strstr(buf_str(&b), "10.42.0.77"));
	}
	buf_reset(&b);
	assert_int_equal(inventory_write(f, INVENTORY_SSH_CONFIG, &paths, addrs, &b, &err), 0);
	assert_non_null(strstr(buf_str(&b), "Host web-1\n  HostName web-1\n"));
	buf_release(&b);
	fleet_free(f);
}

/* Names, users and paths: quoted where the syntax allows, refused where
 * it does not (a newline would start a new keyword or line). */
static void hostile_names_are_quoted_or_refused(void **state)
{
	static const struct inventory_paths spaced = {
		"/home/a b/it's/id_ed25519", "/home/a b/%h/known_hosts",
	};
	struct herd_err err = HERD_ERR_INIT;
	struct fleet *f = load();
	const char *name = f->vms[0].name, *user = f->ssh.user;
	struct buf b;

	(void)state;
	buf_init(&b);
	assert_int_equal(inventory_write(f, INVENTORY_SSH_CONFIG, &spaced, NULL, &b, &err), 0);
	assert_non_null(strstr(buf_str(&b), "  IdentityFile \"/home/a b/it's/id_ed25519\"\n"));
	assert_non_null(strstr(buf_str(&b), "  UserKnownHostsFile \"/home/a b/%%h/known_hosts\"\n"));
	buf_reset(&b);
	/* Ansible: the key path goes to ssh in quotes Ansible does not escape */
	assert_int_equal(inventory_write(f, INVENTORY_ANSIBLE, &spaced, NULL, &b, &err), -1);
	assert_non_null(strstr(err.msg, "known_hosts path"));
	assert_int_equal(b.len, 0);
	{
		static const struct inventory_paths ok = { "/home/a b/id", "/home/a b/kh" };

		assert_int_equal(inventory_write(f, INVENTORY_ANSIBLE, &ok, NULL, &b, &err), 0);
		assert_non_null(strstr(buf_str(&b), "ansible_ssh_private_key_file='/home/a b/id'\n"));
		assert_non_null(strstr(buf_str(&b), "ansible_ssh_common_args='-o \\'UserKnownHostsFile=\"/home/a b/kh\"\\' -o StrictHostKeyChecking=yes"));
		buf_reset(&b);
	}
	f->ssh.user = "me\nProxyCommand touch /tmp/pwned";
	assert_int_equal(inventory_write(f, INVENTORY_SSH_CONFIG, &paths, NULL, &b, &err), -1);
	assert_non_null(strstr(err.msg, "inventory: ssh user"));
	assert_non_null(strstr(err.msg, "control character"));
	assert_int_equal(inventory_write(f, INVENTORY_ANSIBLE, &paths, NULL, &b, &err), -1);
	f->ssh.user = "True";
	assert_int_equal(inventory_write(f, INVENTORY_ANSIBLE, &paths, NULL, &b, &err), 0);
	assert_non_null(strstr(buf_str(&b), "ansible_user='True'\n"));
	buf_reset(&b);
	f->ssh.user = user;
	f->vms[0].name = "db\n  ProxyCommand touch /tmp/pwned";
	assert_int_equal(inventory_write(f, INVENTORY_SSH_CONFIG, &paths, NULL, &b, &err), -1);
	assert_non_null(strstr(err.msg, "vm name"));
	assert_int_equal(inventory_write(f, INVENTORY_HOSTS, &paths, NULL, &b, &err), -1);
	assert_int_equal(inventory_write(f, INVENTORY_ANSIBLE, &paths, NULL, &b, &err), -1);
	f->vms[0].name = "db web";
	assert_int_equal(inventory_write(f, INVENTORY_SSH_CONFIG, &paths, NULL, &b, &err), -1);
	f->vms[0].name = "*";
	assert_int_equal(inventory_write(f, INVENTORY_SSH_CONFIG, &paths, NULL, &b, &err), -1);
	assert_int_equal(b.len, 0);
	/* JSON escapes anything */
	assert_int_equal(inventory_write(f, INVENTORY_JSON, &paths, NULL, &b, &err), 0);
	f->vms[0].name = name;
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
		cmocka_unit_test(hostile_addresses_are_dropped),
		cmocka_unit_test(hostile_names_are_quoted_or_refused),
		cmocka_unit_test(format_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
