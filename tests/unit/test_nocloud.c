/* tests/unit/test_nocloud.c — a VM's seed, checked by hand on a small
 * fleet built in the test: the template context, user-data (read back with
 * libyaml: herd's keys present, strings rendered, hostile values still
 * strings), network-config, meta-data's instance-id, ks.cfg, and the whole
 * path through vmseed with real keys in a temporary state folder.
 */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#include "common/mem.h"
#include "seed/kickstart.h"
#include "seed/nocloud.h"
#include "seed/vmseed.h"
#include "seed/yemit.h"
#include "templates/context.h"

/* YAML text -> ynode tree with positions (the fleet parser is not this
 * module's to use).  quoted = not plain, as the parser records it. */
static struct ynode *yaml_node(struct yarena *a, yaml_parser_t *p, yaml_event_t *ev,
			       const char *file)
{
	struct ynode pos = { .file = file, .line = (uint32_t)ev->start_mark.line + 1,
			     .col = (uint32_t)ev->start_mark.column + 1 };
	struct ynode *n = NULL, *k;
	yaml_event_t e;

	if (ev->type == YAML_SCALAR_EVENT) {
		n = ynode_new_scalar(a, (const char *)ev->data.scalar.value,
				     ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE, &pos);
		n->len = ev->data.scalar.length;
		return n;
	}
	if (ev->type == YAML_SEQUENCE_START_EVENT)
		n = ynode_new_seq(a, &pos);
	else if (ev->type == YAML_MAPPING_START_EVENT)
		n = ynode_new_map(a, &pos);
	else
		fail_msg("unexpected YAML event %d", ev->type);
	for (;;) {
		assert_true(yaml_parser_parse(p, &e));
		if (e.type == YAML_SEQUENCE_END_EVENT || e.type == YAML_MAPPING_END_EVENT)
			break;
		k = yaml_node(a, p, &e, file);
		yaml_event_delete(&e);
		if (n->kind == YNODE_SEQ) {
			ynode_seq_push(a, n, k);
			continue;
		}
		assert_true(yaml_parser_parse(p, &e));
		ynode_map_put(a, n, k, yaml_node(a, p, &e, file));
		yaml_event_delete(&e);
	}
	yaml_event_delete(&e);
	return n;
}

/* Parse text (one document); fails the test if it is not valid YAML. */
static struct ynode *yaml_parse(struct yarena *a, const char *text, const char *file)
{
	yaml_parser_t p;
	yaml_event_t e;
	struct ynode *root = NULL;

	assert_true(yaml_parser_initialize(&p));
	yaml_parser_set_input_string(&p, (const unsigned char *)text, strlen(text));
	for (;;) {
		if (!yaml_parser_parse(&p, &e))
			fail_msg("not YAML (%s at line %zu): %s", p.problem,
				 p.problem_mark.line + 1, text);
		if (e.type == YAML_STREAM_END_EVENT)
			break;
		if (e.type == YAML_SCALAR_EVENT || e.type == YAML_SEQUENCE_START_EVENT ||
		    e.type == YAML_MAPPING_START_EVENT)
			root = yaml_node(a, &p, &e, file);
		yaml_event_delete(&e);
	}
	yaml_event_delete(&e);
	yaml_parser_delete(&p);
	assert_non_null(root);
	return root;
}

/* The node at a path of map keys and list indexes: "users.0.name". */
static const struct ynode *at(const struct ynode *n, const char *path)
{
	char *copy = xstrdup(path), *save = NULL, *part;

	for (part = strtok_r(copy, ".", &save); part && n; part = strtok_r(NULL, ".", &save)) {
		if (n->kind == YNODE_SEQ) {
			size_t i = strtoul(part, NULL, 10);
			n = i < n->n ? n->kids[i] : NULL;
		} else {
			n = ynode_get(n, part);
		}
	}
	free(copy);
	if (n == NULL)
		fail_msg("no node at %s", path);
	return n;
}

static const char *str_at(const struct ynode *n, const char *path)
{
	const struct ynode *s = at(n, path);

	assert_int_equal(s->kind, YNODE_SCALAR);
	return s->str;
}

static const char CLOUD_CONFIG[] =
	"package_upgrade: true\n"
	"packages: [curl]\n"
	"runcmd:\n"
	"  - \"echo {{name}} > /etc/role\"\n"
	"  - [sh, -c, \"echo {{index}}/{{n}} {{vars.port}}\"]\n"
	"final_message: \"{{vars.motd}}\"\n"
	"bootcmd: [\"{{vars.flag}}\", \"{{vars.port}}\"]\n"
	"ntp: \"{{vars.ntp}}\"\n"
	"write_files:\n"
	"  - path: /etc/peers\n"
	"    content: |\n"
	"      {{#all}}\n"
	"      {{name}} {{ip}}\n"
	"      {{/all}}\n";

static const char VARS[] =
	"motd: \"a: b # c\\n- item\\n{x: [y]} 'q' \\\"dq\\\"\\n\"\n"
	"flag: true\n"
	"port: 8080\n"
	"ntp: {enabled: true, servers: [10.42.0.1]}\n";

#define HOST_PRIV "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAAB3\nZZZ\n-----END OPENSSH PRIVATE KEY-----\n"
#define HOST_PUB "ssh-ed25519 AAAAC3NzaHOST web-07"
#define FLEET_PUB "ssh-ed25519 AAAAC3NzaFLEET herd@lab"
#define USER_KEY "ssh-ed25519 AAAAC3NzaUSER me@laptop"

/* A fleet "lab": network labnet (nat 10.42.0.0/24) and a bridge, group
 * web (count 40) of which three VMs exist here, and one vms: entry db
 * without networks' DHCP. */
struct fx {
	struct yarena *a;
	struct fleet f;
	struct fleet_network nets[2];
	const struct fleet_network *netp[2];
	struct fleet_spec spec;
	struct fleet_group group;
	struct fleet_vm vms[3];
	struct fleet_nic nics[3][2];
	const char *keys[1];
	struct context_fleet cf;
	char dir[64];
};

static void fx_vm(struct fx *x, size_t i, const char *name, const char *domain,
		  unsigned index)
{
	struct fleet_vm *vm = &x->vms[i];
	uint8_t mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, (uint8_t)index };

	vm->name = name;
	vm->domain = domain;
	vm->group = "web";
	vm->index = index;
	vm->spec = &x->spec;
	vm->nics = x->nics[i];
	memcpy(x->nics[i][0].mac, mac, 6);
	x->nics[i][0].ip = 0x0a2a0000u | (10 + index);
	mac[3] = 0x99;
	memcpy(x->nics[i][1].mac, mac, 6);
	x->nics[i][1].ip = 0;
}

static int fx_setup(void **state)
{
	struct fx *x = xcalloc(1, sizeof *x);

	x->a = yarena_new();
	x->nets[0] = (struct fleet_network){ .name = "labnet", .mode = FLEET_NET_NAT,
		.addr = 0x0a2a0000u, .prefix = 24, .gateway = 0x0a2a0001u };
	x->nets[1] = (struct fleet_network){ .name = "pub", .mode = FLEET_NET_BRIDGE,
		.bridge = "br0" };
	x->netp[0] = &x->nets[0];
	x->netp[1] = &x->nets[1];
	x->spec.networks = x->netp;
	x->spec.n_networks = 2;
	x->spec.bootstrap = FLEET_BOOT_NOCLOUD;
	x->spec.cloud_config = yaml_parse(x->a, CLOUD_CONFIG, "lab.yaml");
	x->spec.vars = yaml_parse(x->a, VARS, "lab.yaml");
	x->group = (struct fleet_group){ .name = "web", .count = 40, .spec = &x->spec };
	fx_vm(x, 0, "web-01", "lab-web-01", 1);
	fx_vm(x, 1, "web-07", "lab-web-07", 7);
	fx_vm(x, 2, "web-40", "lab-web-40", 40);
	x->keys[0] = USER_KEY;
	strcpy(x->dir, "/tmp/herd-test-nocloud-XXXXXX");
	assert_non_null(mkdtemp(x->dir));
	x->f = (struct fleet){ .file = "lab.yaml", .dir = x->dir, .name = "lab",
		.networks = x->nets, .n_networks = 2,
		.ssh = { "herd", x->keys, 1 }, .groups = &x->group, .n_groups = 1,
		.vms = x->vms, .n_vms = 3, .arena = x->a };
	context_fleet_init(&x->cf, x->a, &x->f, FLEET_PUB);
	*state = x;
	return 0;
}

static int fx_teardown(void **state)
{
	struct fx *x = *state;
	char *cmd = xasprintf("rm -rf '%s'", x->dir);

	assert_int_equal(system(cmd), 0);
	free(cmd);
	yarena_free(x->a);
	free(x);
	return 0;
}

static struct nocloud_in fx_in(struct fx *x, size_t i)
{
	struct nocloud_in in = { &x->f, &x->vms[i], context_vm(x->a, &x->cf, &x->vms[i]),
				 HOST_PRIV, HOST_PUB, NULL };
	return in;
}

static char *user_data(struct fx *x, size_t i)
{
	struct nocloud_in in = fx_in(x, i);
	struct herd_err err = HERD_ERR_INIT;
	struct buf b;

	buf_init(&b);
	if (nocloud_user_data(&in, x->a, &b, &err) != 0)
		fail_msg("user-data: %s", err.msg);
	return buf_take(&b, NULL);
}

static void test_context(void **state)
{
	struct fx *x = *state;
	const struct ynode *c = context_vm(x->a, &x->cf, &x->vms[1]);

	assert_string_equal(str_at(c, "name"), "web-07");
	assert_string_equal(str_at(c, "hostname"), "web-07");
	assert_string_equal(str_at(c, "fleet"), "lab");
	assert_string_equal(str_at(c, "group"), "web");
	assert_string_equal(str_at(c, "index"), "07");
	assert_string_equal(str_at(c, "n"), "7");
	assert_string_equal(str_at(c, "ip"), "10.42.0.17");
	assert_string_equal(str_at(c, "mac"), "52:54:00:12:34:07");
	assert_string_equal(str_at(c, "gateway"), "10.42.0.1");
	assert_string_equal(str_at(c, "prefix"), "24");
	assert_string_equal(str_at(c, "netmask"), "255.255.255.0");
	assert_string_equal(str_at(c, "dhcp"), "false");
	assert_string_equal(str_at(c, "user"), "herd");
	assert_string_equal(str_at(c, "vars.port"), "8080");
	assert_string_equal(str_at(c, "ssh_authorized_keys.0"), FLEET_PUB);
	assert_string_equal(str_at(c, "ssh_authorized_keys.1"), USER_KEY);
	assert_int_equal(at(c, "all")->n, 3);
	assert_string_equal(str_at(c, "all.2.name"), "web-40");
	assert_string_equal(str_at(c, "all.2.ip"), "10.42.0.50");
	assert_string_equal(str_at(c, "nics.1.id"), "eth1");
	assert_string_equal(str_at(c, "nics.1.dhcp"), "true");
	assert_string_equal(str_at(c, "nics.1.ip"), "");
	/* `all` is built once and shared, not copied per VM */
	assert_ptr_equal(at(c, "all"), x->cf.all);
	assert_ptr_equal(at(context_vm(x->a, &x->cf, &x->vms[0]), "all"), x->cf.all);
}

static void test_user_data_herd_keys(void **state)
{
	struct fx *x = *state;
	char *ud = user_data(x, 1);
	const struct ynode *d;

	assert_memory_equal(ud, "#cloud-config\n", 14);
	d = yaml_parse(x->a, ud, "user-data");
	assert_string_equal(str_at(d, "hostname"), "web-07");
	assert_string_equal(str_at(d, "manage_etc_hosts"), "true");
	assert_false(at(d, "manage_etc_hosts")->quoted);	/* a boolean */
	assert_string_equal(str_at(d, "users.0.name"), "herd");
	assert_string_equal(str_at(d, "users.0.sudo"), "ALL=(ALL) NOPASSWD:ALL");
	assert_string_equal(str_at(d, "users.0.shell"), "/bin/bash");
	assert_string_equal(str_at(d, "users.0.lock_passwd"), "true");
	assert_false(at(d, "users.0.lock_passwd")->quoted);
	assert_string_equal(str_at(d, "users.0.ssh_authorized_keys.0"), FLEET_PUB);
	assert_string_equal(str_at(d, "users.0.ssh_authorized_keys.1"), USER_KEY);
	assert_string_equal(str_at(d, "ssh_keys.ed25519_private"), HOST_PRIV);
	assert_string_equal(str_at(d, "ssh_keys.ed25519_public"), HOST_PUB);
	assert_string_equal(str_at(d, "ssh_pwauth"), "false");
	assert_false(at(d, "ssh_pwauth")->quoted);
	/* the file's plain scalars keep their type */
	assert_string_equal(str_at(d, "package_upgrade"), "true");
	assert_false(at(d, "package_upgrade")->quoted);
	assert_string_equal(str_at(d, "packages.0"), "curl");
	free(ud);
}

static void test_user_data_rendered(void **state)
{
	struct fx *x = *state;
	char *ud = user_data(x, 1);
	const struct ynode *d = yaml_parse(x->a, ud, "user-data");

	assert_string_equal(str_at(d, "runcmd.0"), "echo web-07 > /etc/role");
	assert_string_equal(str_at(d, "runcmd.1.2"), "echo 07/7 8080");
	assert_string_equal(str_at(d, "write_files.0.content"),
			    "web-01 10.42.0.11\nweb-07 10.42.0.17\nweb-40 10.42.0.50\n");
	/* a value full of YAML syntax is still exactly that string */
	assert_string_equal(str_at(d, "final_message"),
			    "a: b # c\n- item\n{x: [y]} 'q' \"dq\"\n");
	/* a variable holding "true" or 8080 stays a string where it was put */
	assert_string_equal(str_at(d, "bootcmd.0"), "true");
	assert_true(at(d, "bootcmd.0")->quoted);
	assert_string_equal(str_at(d, "bootcmd.1"), "8080");
	assert_true(at(d, "bootcmd.1")->quoted);
	/* exactly one {{name}} of a map: the map itself */
	assert_string_equal(str_at(d, "ntp.enabled"), "true");
	assert_false(at(d, "ntp.enabled")->quoted);
	assert_string_equal(str_at(d, "ntp.servers.0"), "10.42.0.1");
	free(ud);
}

static void test_user_data_template_error(void **state)
{
	struct fx *x = *state;
	struct herd_err err = HERD_ERR_INIT;
	struct nocloud_in in;
	struct buf b;

	x->spec.cloud_config = yaml_parse(x->a, "packages: [curl]\nruncmd:\n  - \"echo {{hostnme}}\"\n",
					  "lab.yaml");
	in = fx_in(x, 0);
	buf_init(&b);
	assert_int_equal(nocloud_user_data(&in, x->a, &b, &err), -1);
	buf_release(&b);
	assert_non_null(strstr(err.msg, "lab.yaml:3:"));
	assert_non_null(strstr(err.msg, "hostnme"));
	assert_int_equal(err.code, HERD_E_CONFIG);
}

static void test_user_data_file(void **state)
{
	struct fx *x = *state;
	struct herd_err err = HERD_ERR_INIT;
	char *path = xasprintf("%s/db.sh.tmpl", x->dir), *part = xasprintf("%s/part.inc", x->dir);
	char *outside;
	FILE *fp = fopen(path, "w");
	struct nocloud_in in;
	struct buf b;

	assert_non_null(fp);
	fputs("#!/bin/sh\necho '{{name}}: {{ip}}' # {{> part.inc}}\n", fp);
	fclose(fp);
	fp = fopen(part, "w");
	assert_non_null(fp);
	fputs("from {{fleet}}", fp);
	fclose(fp);
	x->spec.user_data = path;
	in = fx_in(x, 0);
	buf_init(&b);
	if (nocloud_user_data(&in, x->a, &b, &err) != 0)
		fail_msg("%s", err.msg);
	/* rendered raw: no #cloud-config, nothing of herd's added */
	assert_string_equal(buf_str(&b), "#!/bin/sh\necho 'web-01: 10.42.0.11' # from lab\n");
	buf_release(&b);
	/* a partial outside the fleet's folder, by .. or by a symlink */
	outside = xasprintf("%s.secret", x->dir);	/* beside the fleet's folder */
	fp = fopen(path, "w");
	assert_non_null(fp);
	fprintf(fp, "{{> ../%s}}", strrchr(outside, '/') + 1);
	fclose(fp);
	fp = fopen(outside, "w");
	assert_non_null(fp);
	fputs("SECRET", fp);
	fclose(fp);
	buf_init(&b);
	assert_int_equal(nocloud_user_data(&in, x->a, &b, &err), -1);
	assert_non_null(strstr(err.msg, ".secret is outside the fleet file's folder "));
	assert_null(strstr(buf_str(&b), "SECRET"));
	buf_release(&b);
	assert_int_equal(unlink(part), 0);
	assert_int_equal(symlink(outside, part), 0);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs("{{> part.inc}}", fp);
	fclose(fp);
	herd_err_clear(&err);
	buf_init(&b);
	assert_int_equal(nocloud_user_data(&in, x->a, &b, &err), -1);
	assert_non_null(strstr(err.msg, "/part.inc is outside the fleet file's folder "));
	buf_release(&b);
	/* the template file itself, turned into a symlink after loading */
	assert_int_equal(unlink(path), 0);
	assert_int_equal(symlink(outside, path), 0);
	herd_err_clear(&err);
	buf_init(&b);
	assert_int_equal(nocloud_user_data(&in, x->a, &b, &err), -1);
	assert_non_null(strstr(err.msg, "/db.sh.tmpl is outside the fleet file's folder "));
	buf_release(&b);
	/* all of it with --allow-outside */
	x->f.allow_outside = true;
	herd_err_clear(&err);
	buf_init(&b);
	assert_int_equal(nocloud_user_data(&in, x->a, &b, &err), 0);
	assert_string_equal(buf_str(&b), "SECRET");
	buf_release(&b);
	x->f.allow_outside = false;
	unlink(outside);
	x->spec.user_data = NULL;
	free(outside);
	free(path);
	free(part);
}

static char *build_file(struct fx *x, size_t i, const char *name)
{
	struct nocloud_in in = fx_in(x, i);
	struct herd_err err = HERD_ERR_INIT;
	const struct iso_file *f;
	struct bundle b;
	char *copy;

	bundle_init(&b);
	if (nocloud_build(&in, x->a, &b, &err) != 0)
		fail_msg("%s", err.msg);
	assert_string_equal(b.label, "cidata");
	assert_int_equal(b.n, 3);
	f = bundle_get(&b, name);
	assert_non_null(f);
	copy = xstrndup(f->data, f->len);
	bundle_release(&b);
	return copy;
}

static void test_network_config(void **state)
{
	struct fx *x = *state;
	char *nc = build_file(x, 1, "network-config");
	const struct ynode *d = yaml_parse(x->a, nc, "network-config");

	assert_string_equal(str_at(d, "version"), "2");
	assert_string_equal(str_at(d, "ethernets.eth0.match.macaddress"), "52:54:00:12:34:07");
	assert_true(at(d, "ethernets.eth0.match.macaddress")->quoted);
	assert_string_equal(str_at(d, "ethernets.eth0.set-name"), "eth0");
	assert_string_equal(str_at(d, "ethernets.eth0.dhcp4"), "false");
	assert_string_equal(str_at(d, "ethernets.eth0.addresses.0"), "10.42.0.17/24");
	assert_string_equal(str_at(d, "ethernets.eth0.routes.0.to"), "0.0.0.0/0");
	assert_string_equal(str_at(d, "ethernets.eth0.routes.0.via"), "10.42.0.1");
	assert_string_equal(str_at(d, "ethernets.eth0.nameservers.addresses.0"), "10.42.0.1");
	/* the bridge: DHCP, matched by its own MAC, no second default route */
	assert_string_equal(str_at(d, "ethernets.eth1.match.macaddress"), "52:54:00:99:34:07");
	assert_string_equal(str_at(d, "ethernets.eth1.dhcp4"), "true");
	assert_null(ynode_get(at(d, "ethernets.eth1"), "routes"));
	assert_null(ynode_get(at(d, "ethernets.eth1"), "addresses"));
	free(nc);
}

static void test_meta_data_instance_id(void **state)
{
	struct fx *x = *state;
	char *md1 = build_file(x, 1, "meta-data"), *md2 = build_file(x, 1, "meta-data");
	char *md3, *md4;
	const struct ynode *d = yaml_parse(x->a, md1, "meta-data");
	const char *id = str_at(d, "instance-id");

	assert_string_equal(str_at(d, "local-hostname"), "web-07");
	assert_int_equal(strlen(id), strlen("lab-web-07-") + 12);
	assert_memory_equal(id, "lab-web-07-", 11);
	assert_int_equal(strspn(id + 11, "0123456789abcdef"), 12);
	assert_string_equal(md1, md2);		/* same seed, same instance */
	x->spec.cloud_config = yaml_parse(x->a, "packages: [curl, git]\n", "lab.yaml");
	md3 = build_file(x, 1, "meta-data");
	assert_string_not_equal(md1, md3);	/* user-data changed */
	x->nics[1][0].ip++;
	md4 = build_file(x, 1, "meta-data");
	assert_string_not_equal(md3, md4);	/* network-config changed */
	free(md1);
	free(md2);
	free(md3);
	free(md4);
}

static void test_kickstart_base(void **state)
{
	struct fx *x = *state;
	struct herd_err err = HERD_ERR_INIT;
	const struct ynode *ctx = context_vm(x->a, &x->cf, &x->vms[0]);
	struct bundle b;
	char *ks;

	bundle_init(&b);
	x->spec.bootstrap = FLEET_BOOT_KICKSTART;
	if (kickstart_build(&x->f, &x->vms[0], ctx, &b, &err) != 0)
		fail_msg("%s", err.msg);
	assert_string_equal(b.label, "OEMDRV");
	assert_int_equal(b.n, 1);
	assert_string_equal(b.files[0].name, "ks.cfg");
	ks = xstrndup(b.files[0].data, b.files[0].len);
	assert_non_null(strstr(ks, "\ntext\n"));
	assert_non_null(strstr(ks, "network --device=52:54:00:12:34:01 --bootproto=static "
				   "--ip=10.42.0.11 --netmask=255.255.255.0 --gateway=10.42.0.1 "
				   "--nameserver=10.42.0.1 --hostname=web-01 --activate\n"));
	assert_non_null(strstr(ks, "\nuser --name=herd --groups=wheel --lock\n"));
	assert_non_null(strstr(ks, "\nsshkey --username=herd \"" FLEET_PUB "\"\n"));
	assert_non_null(strstr(ks, "\nsshkey --username=herd \"" USER_KEY "\"\n"));
	assert_non_null(strstr(ks, "\n%packages\n"));
	assert_non_null(strstr(ks, "\nopenssh-server\n"));
	assert_non_null(strstr(ks, "\nreboot\n"));
	assert_null(strstr(ks, "{{"));
	free(ks);
	bundle_release(&b);
	x->spec.bootstrap = FLEET_BOOT_NOCLOUD;
}

/* A seed has a size limit, also when each piece is small: 300 uses of a
 * 10 KiB var, or a 200 KB map named 20 times (shared in the tree, written
 * out 20 times).  The error names the VM's entry in the fleet file. */
static void test_user_data_size_limit(void **state)
{
	struct fx *x = *state;
	struct herd_err err = HERD_ERR_INIT;
	struct ynode *vars = ynode_new_map(x->a, NULL), *cc = ynode_new_map(x->a, NULL);
	struct ynode *list = ynode_new_seq(x->a, NULL), *m = ynode_new_seq(x->a, NULL);
	char *big = xmalloc(10241);
	struct nocloud_in in;
	struct bundle bd;
	struct buf b;
	size_t i;

	memset(big, 'x', 10240);
	big[10240] = '\0';
	ynode_map_put_str(x->a, vars, "big", big, true);
	for (i = 0; i < 2000; i++)
		ynode_seq_push(x->a, m, ynode_new_scalar(x->a, big + 10140, true, NULL));
	ynode_map_put(x->a, vars, ynode_new_scalar(x->a, "m", false, NULL), m);
	for (i = 0; i < 300; i++)
		ynode_seq_push(x->a, list, ynode_new_scalar(x->a, "{{vars.big}}", true, NULL));
	ynode_map_put(x->a, cc, ynode_new_scalar(x->a, "runcmd", false, NULL), list);
	x->spec.vars = vars;
	x->spec.cloud_config = cc;
	x->vms[0].pos = (struct fleet_pos){ "lab.yaml", 7, 3 };
	in = fx_in(x, 0);
	buf_init(&b);
	assert_int_equal(nocloud_user_data(&in, x->a, &b, &err), -1);
	assert_string_equal(err.msg, "lab.yaml:7:3: vm 'web-01': user-data would be larger "
			    "than 2MiB, the most herd puts in one file of a seed (a seed is "
			    "for configuration: fetch big files from the guest)");
	assert_true(b.len <= SEED_MAX_FILE);
	/* the same through one shared node written out many times */
	list = ynode_new_seq(x->a, NULL);
	for (i = 0; i < 20; i++)
		ynode_seq_push(x->a, list, ynode_new_scalar(x->a, "{{vars.m}}", true, NULL));
	cc = ynode_new_map(x->a, NULL);
	ynode_map_put(x->a, cc, ynode_new_scalar(x->a, "write_files", false, NULL), list);
	x->spec.cloud_config = cc;
	herd_err_clear(&err);
	buf_reset(&b);
	assert_int_equal(nocloud_user_data(&in, x->a, &b, &err), -1);
	assert_non_null(strstr(err.msg, "lab.yaml:7:3: vm 'web-01': user-data would be larger "
				"than 2MiB"));
	assert_true(b.len <= SEED_MAX_FILE);
	buf_release(&b);
	/* under the limit, the whole seed: 3 files of 1.5 MiB are too many */
	bundle_init(&bd);
	for (i = 0; i < 3; i++) {
		char *data = xmalloc(3 << 19);
		memset(data, 'y', 3 << 19);
		bundle_add_take(&bd, i == 0 ? "user-data" : i == 1 ? "meta-data" : "network-config",
				data, 3 << 19);
	}
	assert_int_equal(bundle_check_size(&bd, &x->vms[0], &err), -1);
	assert_non_null(strstr(err.msg, "lab.yaml:7:3: vm 'web-01': its seed would be larger "
				"than 4MiB, the most herd puts in a seed"));
	bundle_release(&bd);
	free(big);
}

/* {{#all}} lists VMs in the order the file writes them: a group written
 * before vms: comes first (it came after, by the order of addresses). */
static void test_all_in_file_order(void **state)
{
	static const char *const yaml[2] = {
		"fleet: lab\nnetworks: {n: {cidr: 10.1.0.0/24}}\n"
		"defaults: {bootstrap: none, networks: [n]}\n"
		"groups:\n  app: {count: 2}\n  web: {count: 1}\nvms:\n  db: {}\n  cache: {}\n",
		"fleet: lab\nnetworks: {n: {cidr: 10.1.0.0/24}}\n"
		"defaults: {bootstrap: none, networks: [n]}\n"
		"vms:\n  db: {}\n  cache: {}\ngroups:\n  app: {count: 2}\n  web: {count: 1}\n",
	};
	static const char *const want[2] = {
		"app-1 app-2 web-1 db cache ", "db cache app-1 app-2 web-1 ",
	};
	struct fleet_diags d;
	struct context_fleet cf;
	struct yarena *a;
	struct fleet *f;
	char got[128];
	size_t i, k;

	(void)state;
	for (k = 0; k < 2; k++) {
		f = fleet_load_mem("o.yaml", "/tmp", yaml[k], strlen(yaml[k]), &d);
		assert_non_null(f);
		a = yarena_new();
		context_fleet_init(&cf, a, f, NULL);
		got[0] = '\0';
		for (i = 0; i < cf.all->n; i++) {
			strcat(got, ynode_get(cf.all->kids[i], "name")->str);
			strcat(got, " ");
		}
		assert_string_equal(got, want[k]);
		yarena_free(a);
		fleet_free(f);
	}
}

static void test_plain_is_string(void **state)
{
	static const char *const no[] = { "", "true", "No", "Y", "off", "null", "~",
		"8080", "-1", "+1", ".inf", "1e3", "0x1f", "12:30", "2001-01-01", "<<", "=" };
	static const char *const yes[] = { "web-01", "curl", "/bin/bash", "ssh-ed25519",
		"yes-sir", "nullable" };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof no / sizeof no[0]; i++)
		assert_false(yemit_plain_is_string(no[i], strlen(no[i])));
	for (i = 0; i < sizeof yes / sizeof yes[0]; i++)
		assert_true(yemit_plain_is_string(yes[i], strlen(yes[i])));
}

/* Random strings made of YAML's syntax characters, written as values with
 * the emitter and read back: always the same string. */
static void test_emit_any_string(void **state)
{
	static const char alphabet[] = "ab1:# -?{}[],&*!|>'\"%@`\t\n\r\\~.yn0\xc3\xa9 ";
	struct yarena *a = yarena_new();
	struct herd_err err = HERD_ERR_INIT;
	unsigned seed = 35;
	int round;

	(void)state;
	for (round = 0; round < 3000; round++) {
		struct ynode *m = ynode_new_map(a, NULL);
		char s[24];
		size_t len = (size_t)(rand_r(&seed) % 20), i;
		struct buf out;
		const struct ynode *back;

		for (i = 0; i < len; i++) {
			char c = alphabet[rand_r(&seed) % (sizeof alphabet - 1)];
			/* keep UTF-8 valid: the two bytes of e-acute go together */
			if ((unsigned char)c == 0xc3 || (unsigned char)c == 0xa9) {
				if (i + 2 > len)
					break;
				s[i++] = (char)0xc3;
				c = (char)0xa9;
			}
			s[i] = c;
		}
		s[i] = '\0';
		ynode_map_put_str(a, m, "v", s, true);
		buf_init(&out);
		if (yemit_doc(m, 0, &out, &err) != 0)
			fail_msg("emit \"%s\": %s", s, err.msg);
		back = yaml_parse(a, buf_str(&out), "out");
		if (strcmp(str_at(back, "v"), s) != 0)
			fail_msg("\"%s\" came back as \"%s\" from:\n%s", s, str_at(back, "v"),
				 buf_str(&out));
		/* and no plain look-alike of a boolean, number or null */
		if (!at(back, "v")->quoted)
			assert_true(yemit_plain_is_string(s, strlen(s)));
		buf_release(&out);
	}
	yarena_free(a);
}

/* The whole path with real keys: the same state folder gives the same
 * seed; another VM gets another host key. */
static void test_vmseed_keys_stable(void **state)
{
	struct fx *x = *state;
	struct herd_err err = HERD_ERR_INIT;
	char *sd = xasprintf("%s/state/lab", x->dir), *iso = xasprintf("%s/s.iso", x->dir);
	struct vmseed *s = vmseed_new(&x->f, sd, &err);
	struct bundle b1, b2, b3;
	struct stat st;
	char line[512], *pub;
	FILE *fp;

	if (s == NULL)
		fail_msg("%s", err.msg);
	bundle_init(&b1);
	bundle_init(&b2);
	bundle_init(&b3);
	assert_int_equal(vmseed_build(s, &x->vms[0], &b1, &err), 0);
	assert_int_equal(vmseed_build(s, &x->vms[0], &b2, &err), 0);
	assert_int_equal(vmseed_build(s, &x->vms[1], &b3, &err), 0);
	assert_int_equal(b1.files[0].len, b2.files[0].len);
	assert_memory_equal(b1.files[0].data, b2.files[0].data, b1.files[0].len);
	pub = xasprintf("%s/id_ed25519.pub", sd);
	fp = fopen(pub, "r");
	assert_non_null(fp);
	assert_non_null(fgets(line, sizeof line, fp));
	fclose(fp);
	line[strcspn(line, "\n")] = '\0';
	assert_true(strlen(line) > 40);
	assert_non_null(strstr(b1.files[0].data, line));	/* the fleet key */
	assert_non_null(strstr(b1.files[0].data, "BEGIN OPENSSH PRIVATE KEY"));
	assert_string_not_equal(bundle_get(&b1, "meta-data")->data,
				bundle_get(&b3, "meta-data")->data);
	assert_int_equal(vmseed_write_iso(s, &x->vms[0], iso, &err), 0);
	assert_int_equal(stat(iso, &st), 0);
	assert_true(st.st_size > 0);
	bundle_release(&b1);
	bundle_release(&b2);
	bundle_release(&b3);
	vmseed_free(s);
	free(sd);
	free(iso);
	free(pub);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_context, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_user_data_herd_keys, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_user_data_rendered, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_user_data_template_error, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_user_data_file, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_network_config, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_meta_data_instance_id, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_kickstart_base, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_user_data_size_limit, fx_setup, fx_teardown),
		cmocka_unit_test(test_all_in_file_order),
		cmocka_unit_test(test_plain_is_string),
		cmocka_unit_test(test_emit_any_string),
		cmocka_unit_test_setup_teardown(test_vmseed_keys_stable, fx_setup, fx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
