/* tests/fuzz/fuzz_fleet.c — feed the fleet file loader (parse, check,
 * expand) and the seeds of what it loads (NoCloud and Kickstart, as
 * validate and apply render them) mutated and generated fleet files, and
 * check they neither crash nor break their contract.  Built with ASan +
 * UBSan into build/san/fuzz/fuzz_fleet; run from the top of the tree
 * (relative paths resolve against examples/).  Options: tests/fuzz/fuzz_run.h.
 *
 * Inputs: a corpus fleet mutated (fragments inserted, ranges deleted or
 * duplicated, bytes set), or a fleet built from hostile parts: control
 * characters in keys, authorized keys with quotes, newlines and bad
 * blobs, paths with .., ~/ and absolute ones, alias bombs of nodes and of
 * text, fixed addresses in and around DHCP ranges, names with "--" or
 * reserved ones, templates with typos and {{#all}}.
 *
 * The contract:
 *  - a fleet comes back with no diagnostics, at most FLEET_MAX_VMS VMs,
 *    each with a name, a domain and a spec; or NULL with 1 to 20
 *    diagnostics, in position order, each "t.yaml..." when formatted; with
 *    keep (as validate loads) the fleet may come back with diagnostics;
 *  - loading the same bytes again gives the same result (checked for
 *    every fourth input);
 *  - a loaded VM's seed renders, or fails with a message; a rendered seed
 *    keeps to the size limits.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/mem.h"
#include "plans/fleet.h"
#include "seed/bundle.h"
#include "seed/kickstart.h"
#include "seed/nocloud.h"
#include "templates/context.h"
#include "fuzz_run.h"

const char fuzz_name[] = "fuzz_fleet";

#define MAX_INPUT 8192
#define KEY "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGZ2D5HYtFVZRZJxThWHojSIJMB9biPQyqEMP64ibfVH"

static const char *const corpus[] = {
	"fleet: lab\nimages:\n  deb: {path: ./images/debian-12-cloud.qcow2}\n"
	"networks:\n  net: {mode: nat, cidr: 10.42.0.0/24}\n"
	"defaults: &d\n  image: deb\n  memory: 1GiB\n  networks: [net]\n"
	"  cloud_config: {packages: [curl], runcmd: [\"echo {{name}} {{ip}}\"]}\n"
	"groups:\n  web:\n    count: 3\n    name: \"web-{{index}}\"\n"
	"vms:\n  db:\n    ip: 10.42.0.50\n    <<: *d\n",
	"fleet: ks\nnetworks: {i: {mode: isolated, cidr: 10.60.0.0/28}}\n"
	"defaults: {networks: [i], disk: 20GiB}\nvms:\n  a: &k\n    bootstrap: kickstart\n"
	"    install: {kernel: ./images/alma-9-vmlinuz, initrd: ./images/alma-9-initrd.img}\n"
	"  b: {<<: *k, memory: 3GiB}\n",
	"fleet: c\nimages: {d: {url: \"https://x/y\", sha256: "
	"\"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\"}}\n"
	"networks: {n: {cidr: 10.0.0.0/29}, b: {mode: bridge, bridge: br0}}\n"
	"ssh: {user: herd, authorized_keys: [\"" KEY " k\"]}\n"
	"defaults: {image: d, networks: [n, b]}\ngroups: {s: {count: 4, name: \"s{{n}}-{{group}}\"}}\n",
	"fleet: cls\nnetworks:\n  lan: {cidr: 10.5.0.0/24, dhcp: {start: 10.5.0.200, end: 10.5.0.250}}\n"
	"  top: {cidr: 10.6.0.0/24}\n"
	"defaults: {bootstrap: none, networks: [lan], vars: {role: x, peers: [a, b]}}\n"
	"vms:\n  teacher: {ip: 10.5.0.10, networks: [top], bootstrap: nocloud,\n"
	"    cloud_config: {write_files: [{path: /etc/peers, content: \"{{#all}}{{name}} {{ip}}\\n{{/all}}\"}]}}\n"
	"  t2: {ip: 10.6.0.200}\ngroups:\n  st: {count: 12, name: \"st-{{index}}\"}\n",
};
#define NCORPUS (sizeof corpus / sizeof corpus[0])

static const char *const fragments[] = {
	": ", "- ", "&a ", "*a", "<<: ", "<<: [*a]", "{", "}", "[", "]", ",", "\n",
	"\n  ", "\n    ", "'", "\"", "~", "null", "{{index}}", "{{n}}", "{{x}}",
	"count: 10000", "count: 0", "ip: 10.42.0.", "/24", "/8", "GiB", "GB", "---\n",
	"? ", "!!str ", "|\n  ", ">\n  ", "#", "\t", "\\", "\xc3\xa9", "\xff",
	"fleet", "groups", "vms", "networks", "images", "defaults", "memory", "cidr",
	"bootstrap: kickstart", "url: ", "path: ", "sha256: ", "name: ", "web", "\0",
	"\"k\\0x\": ", "\"\\x01\": ", "\"\\u0085\": 1", "\"a\\e\": ", "\"\\0\"",
	"../", "../../etc/passwd", "/etc/shadow", "~/", "user_data: ", "kickstart: ",
	"dhcp: {start: 10.42.0.200, end: 10.42.0.254}", "dhcp: true", "ip: 10.42.0.200",
	"authorized_keys: [\"" KEY " \\\"\\n%pre\"]", "images", "--", "{{#all}}{{name}}{{/all}}",
	"{{vars.", "vars: {", "cloud_config: {", "{{> ../x}}",
};
#define NFRAG (sizeof fragments / sizeof fragments[0])

static void put(char *buf, size_t *len, const char *s)
{
	size_t n = strlen(s);

	if (*len + n >= MAX_INPUT)
		n = MAX_INPUT - 1 - *len;
	memcpy(buf + *len, s, n);
	*len += n;
}

static size_t mutate(uint64_t *r, char *buf, size_t len)
{
	unsigned k, steps = 1 + (unsigned)fuzz_below(r, 3);

	for (k = 0; k < steps; k++) {
		size_t at = fuzz_below(r, len + 1), n;
		const char *frag = fragments[fuzz_below(r, NFRAG)];
		size_t fl = frag[0] ? strlen(frag) : 1;
		switch (fuzz_below(r, 4)) {
		case 0:	/* insert a fragment */
			if (len + fl >= MAX_INPUT)
				break;
			memmove(buf + at + fl, buf + at, len - at);
			memcpy(buf + at, frag, fl);
			len += fl;
			break;
		case 1:	/* delete a range */
			n = fuzz_below(r, 16);
			if (at + n > len)
				n = len - at;
			memmove(buf + at, buf + at + n, len - at - n);
			len -= n;
			break;
		case 2:	/* set a byte */
			if (at < len)
				buf[at] = (char)fuzz_below(r, 256);
			break;
		default:	/* duplicate a range */
			n = fuzz_below(r, 32);
			if (at + n > len || len + n >= MAX_INPUT)
				break;
			memmove(buf + at + n, buf + at, len - at);
			len += n;
			break;
		}
	}
	return len;
}

static const char *pick(uint64_t *r, const char *const *v, size_t n)
{
	return v[fuzz_below(r, n)];
}
#define PICK(r, arr) pick(r, arr, sizeof arr / sizeof arr[0])

/* Names, keys, paths and addresses a hostile or careless file may hold. */
static const char *const names[] = {
	"lab", "images", "lab--x", "lab-", "a", "\"a\\0x\"", "\"a\\tb\"", "\"\\x1b[2J\"",
	"\"n\\u0085\"", "web", "db", "x-y", "Upper",
};
static const char *const keys[] = {
	"\"" KEY " me@host\"", "\"" KEY "\"", "\"" KEY " x\\\"\\n%pre\\nrm -rf /\\n%end\"",
	"\"" KEY " a\\\\b\"", "\"" KEY " \\x01\"", "\"ssh-rsa AAAAC3NzaC1lZDI1NTE5AAAAIGZ2\"",
	"\"ssh-ed25519 AAAA!!!!\"", "\"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5\"",
	"\"command=\\\"x\\\" " KEY "\"", "./images/README.md", "../Makefile", "~/.ssh/id_ed25519.pub",
	"/etc/passwd", "\"\"",
};
static const char *const paths[] = {
	"./images/debian-12-cloud.qcow2", "images/../images/debian-12-vmlinuz", "../Makefile",
	"../../../../../etc/passwd", "/etc/shadow", "~/x", "./templates/alma.ks.tmpl",
	"templates/../../README.md", "/dev/zero", "./images", "\"\"",
};
static const char *const texts[] = {
	"\"{{name}}\"", "\"{{nope}}\"", "\"{{#all}}{{name}} {{ip}},{{/all}}\"", "\"{{vars.big}}\"",
	"\"{{vars}}\"", "\"{{> ../../etc/passwd}}\"", "\"{{> images/README.md}}\"",
	"\"{{#vars.list}}{{.}}{{/vars.list}}\"", "\"{{=<% %>=}}<%name%>\"", "*big", "[*big, *big, *big]",
};
static const char *const addrs[] = {
	"10.42.0.5", "10.42.0.200", "10.42.0.192", "10.42.0.254", "10.42.0.255", "10.42.0.1",
	"10.42.1.1", "10.42.0.230",
};

/* Alias bombs: of nodes (ten per level), or of text (a long string used
 * at every level). */
static void gen_bomb(uint64_t *r, char *buf, size_t *len)
{
	unsigned levels = 2 + (unsigned)fuzz_below(r, 7), l, k;
	size_t slen = fuzz_below(r, 2000);
	char line[64];

	put(buf, len, "bomb0: &b0 \"");
	while (slen-- > 0 && *len < MAX_INPUT / 2)
		put(buf, len, "x");
	put(buf, len, "\"\n");
	for (l = 1; l <= levels; l++) {
		snprintf(line, sizeof line, "bomb%u: &b%u [", l, l);
		put(buf, len, line);
		for (k = 0; k < 10; k++) {
			snprintf(line, sizeof line, "%s*b%u", k ? ", " : "", l - 1);
			put(buf, len, line);
		}
		put(buf, len, "]\n");
	}
	snprintf(line, sizeof line, "defaults: {vars: {big: *b%u}}\n", levels);
	put(buf, len, line);
}

static void gen_hostile(uint64_t *r, char *buf, size_t *len)
{
	char line[512];
	unsigned n = 1 + (unsigned)fuzz_below(r, 5), k;

	snprintf(line, sizeof line, "fleet: %s\nbig: &big \"%s\"\n", PICK(r, names),
		 fuzz_below(r, 2) ? "{{name}}-{{ip}}" : "x");
	put(buf, len, line);
	snprintf(line, sizeof line, "images:\n  %s: {path: %s}\n  u: {url: \"http://127.0.0.1/u\", "
		 "sha256: \"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\"}\n",
		 PICK(r, names), PICK(r, paths));
	put(buf, len, line);
	snprintf(line, sizeof line, "networks:\n  net: {cidr: 10.42.0.0/%s%s}\n",
		 fuzz_below(r, 3) ? "24" : fuzz_below(r, 2) ? "26" : "29",
		 fuzz_below(r, 3) ? "" : ", dhcp: {start: 10.42.0.100, end: 10.42.0.150}");
	put(buf, len, line);
	snprintf(line, sizeof line, "ssh:\n  authorized_keys: [%s, %s]\n", PICK(r, keys),
		 PICK(r, keys));
	put(buf, len, line);
	snprintf(line, sizeof line, "defaults:\n  image: u\n  networks: [net]\n"
		 "  vars: {big: %s, list: [a, b], %s: 1}\n  cloud_config: {runcmd: [%s, %s]}\n",
		 PICK(r, texts), PICK(r, names), PICK(r, texts), PICK(r, texts));
	put(buf, len, line);
	put(buf, len, "groups:\n");
	snprintf(line, sizeof line, "  %s: {count: %u, name: \"%s-{{index}}\"}\n",
		 PICK(r, names), (unsigned)fuzz_below(r, 40), PICK(r, names));
	put(buf, len, line);
	put(buf, len, "vms:\n");
	for (k = 0; k < n; k++) {
		snprintf(line, sizeof line, "  %s%u: {ip: %s, %s: %s}\n", PICK(r, names), k,
			 PICK(r, addrs), fuzz_below(r, 2) ? "user_data" : "vars",
			 fuzz_below(r, 2) ? PICK(r, paths) : PICK(r, texts));
		put(buf, len, line);
	}
	if (fuzz_below(r, 4) == 0)
		snprintf(line, sizeof line, "  ks: {bootstrap: kickstart, kickstart: %s, install: "
			 "{kernel: %s, initrd: %s}}\n", PICK(r, paths), PICK(r, paths),
			 PICK(r, paths));
	else
		line[0] = '\0';
	put(buf, len, line);
}

size_t fuzz_make(uint64_t seed, uint64_t i, char *buf)
{
	uint64_t r = fuzz_input_rng(seed, i);
	size_t len = 0;

	switch (fuzz_below(&r, 8)) {
	case 0:
		gen_bomb(&r, buf, &len);
		put(buf, &len, "fleet: b\n");
		break;
	case 1:
	case 2:
		gen_hostile(&r, buf, &len);
		break;
	default:
		put(buf, &len, corpus[fuzz_below(&r, NCORPUS)]);
		break;
	}
	return mutate(&r, buf, len);
}

static void broken(const char *data, size_t len, const char *why)
{
	fprintf(stderr, "fuzz_fleet: contract broken (%s) for this input (%zu bytes):\n", why, len);
	fwrite(data, 1, len, stderr);
	fputc('\n', stderr);
	abort();
}

/* Render the seeds of the first VMs, as validate does (fake keys). */
static void render(const struct fleet *f, const char *data, size_t len)
{
	static const char priv[] = "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n"
				   "-----END OPENSSH PRIVATE KEY-----\n";
	struct yarena *a = yarena_new();
	struct context_fleet cf;
	size_t i;

	context_fleet_init(&cf, a, f, KEY " herd@fuzz");
	for (i = 0; i < f->n_vms && i < 3; i++) {
		const struct fleet_vm *vm = &f->vms[i];
		struct herd_err err = HERD_ERR_INIT;
		struct nocloud_in in = { f, vm, context_vm(a, &cf, vm), priv, KEY " vm", NULL };
		struct bundle b;
		int rc = 0;

		bundle_init(&b);
		if (vm->spec->bootstrap == FLEET_BOOT_NOCLOUD)
			rc = nocloud_build(&in, a, &b, &err);
		else if (vm->spec->bootstrap == FLEET_BOOT_KICKSTART)
			rc = kickstart_build(f, vm, in.ctx, &b, &err);
		if (rc == 0)
			rc = bundle_check_size(&b, vm, &err);
		if (rc != 0 && (err.code == HERD_OK || err.msg[0] == '\0'))
			broken(data, len, "a seed failed without a message");
		if (rc == 0 && vm->spec->bootstrap != FLEET_BOOT_NONE &&
		    (b.label == NULL || b.n == 0))
			broken(data, len, "a seed without files");
		bundle_release(&b);
	}
	yarena_free(a);
}

static void check_diags(const struct fleet_diags *d, const char *data, size_t len)
{
	char line[1024];
	size_t i;

	if (d->n < 1 || d->n > FLEET_MAX_ERRORS || d->total < d->n)
		broken(data, len, "diagnostic count");
	for (i = 0; i < d->n; i++) {
		fleet_diag_format(&d->items[i], line, sizeof line);
		if (strncmp(line, "t.yaml", 6) != 0 ||
		    (i > 0 && d->items[i].pos.line < d->items[i - 1].pos.line))
			broken(data, len, "diagnostic format or order");
	}
}

static int same(const struct fleet *f, const struct fleet_diags *d,
		const struct fleet *g, const struct fleet_diags *d2)
{
	char l1[1024], l2[1024];
	size_t i;

	if ((f == NULL) != (g == NULL) || d->n != d2->n || d->total != d2->total)
		return 0;
	for (i = 0; i < d->n; i++) {
		fleet_diag_format(&d->items[i], l1, sizeof l1);
		fleet_diag_format(&d2->items[i], l2, sizeof l2);
		if (strcmp(l1, l2) != 0)
			return 0;
	}
	if (f == NULL)
		return 1;
	if (f->n_vms != g->n_vms)
		return 0;
	for (i = 0; i < f->n_vms; i++)
		if (strcmp(f->vms[i].name, g->vms[i].name) != 0 ||
		    memcmp(f->vms[i].nics, g->vms[i].nics,
			   f->vms[i].spec->n_networks * sizeof *f->vms[i].nics) != 0)
			return 0;
	return 1;
}

int fuzz_check(const char *data, size_t len)
{
	static unsigned long count;
	/* which loader options: a function of the bytes, so a replay agrees */
	struct fleet_opts o = { .allow_outside = len % 3 == 0, .keep = len % 2 == 0 };
	struct fleet_diags d, d2;
	struct fleet *f, *g;
	size_t i;
	int deep;

	f = fleet_load_mem_opts("t.yaml", "examples", data, len, &o, &d);
	if (count++ % 4 == 0) {
		g = fleet_load_mem_opts("t.yaml", "examples", data, len, &o, &d2);
		if (!same(f, &d, g, &d2))
			broken(data, len, "a second load differs");
		fleet_free(g);
	}
	if (f == NULL || d.total > 0)
		check_diags(&d, data, len);
	if (f != NULL && d.total == 0) {
		if (f->n_vms > FLEET_MAX_VMS)
			broken(data, len, "too many VMs");
		for (i = 0; i < f->n_vms; i++)
			if (!f->vms[i].name[0] || !f->vms[i].domain || !f->vms[i].spec)
				broken(data, len, "a VM without name, domain or spec");
	}
	if (f != NULL && !o.keep && d.total > 0)
		broken(data, len, "a fleet with errors came back");
	if (f != NULL && f->name != NULL)
		render(f, data, len);
	deep = f != NULL && d.total == 0;
	fleet_free(f);
	return deep;
}

int main(int argc, char **argv)
{
	return fuzz_main(argc, argv);
}
