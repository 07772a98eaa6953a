/* tests/fuzz/fuzz_fleet.c — feed the fleet file loader (parse, check,
 * expand) mutated fleet files and check it neither crashes nor breaks its
 * contract.  Built with ASan + UBSan into build/san/fuzz/fuzz_fleet; run
 * from the top of the tree (relative paths resolve against examples/).
 *
 *   fuzz_fleet [-s SEED] [-n MAX_RUNS] [-t SECONDS] [FILE...]
 *
 * With FILEs, loads each once (to replay a finding).  Otherwise mutates a
 * built-in corpus of fleets until MAX_RUNS inputs (default 1,000,000) or
 * SECONDS (default 5) are used up.  The input sequence depends only on
 * SEED, so `-s SEED -n N` replays the first N.  The contract:
 *  - a fleet comes back with no diagnostics, at most FLEET_MAX_VMS VMs,
 *    each with a name, a domain and a spec; or NULL with 1 to 20
 *    diagnostics, in position order, each "t.yaml..." when formatted;
 *  - loading the same bytes again gives the same result.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/mem.h"
#include "plans/fleet.h"

#define MAX_INPUT 8192

static const char *const corpus[] = {
	"fleet: lab\nimages:\n  deb: {path: ./images/debian-12-cloud.qcow2}\n"
	"networks:\n  net: {mode: nat, cidr: 10.42.0.0/24}\n"
	"defaults: &d\n  image: deb\n  memory: 1GiB\n  networks: [net]\n"
	"  cloud_config: {packages: [curl]}\n"
	"groups:\n  web:\n    count: 3\n    name: \"web-{{index}}\"\n"
	"vms:\n  db:\n    ip: 10.42.0.50\n    <<: *d\n",
	"fleet: ks\nnetworks: {i: {mode: isolated, cidr: 10.60.0.0/28}}\n"
	"defaults: {networks: [i], disk: 20GiB}\nvms:\n  a: &k\n    bootstrap: kickstart\n"
	"    install: {kernel: ./images/alma-9-vmlinuz, initrd: ./images/alma-9-initrd.img}\n"
	"  b: {<<: *k, memory: 3GiB}\n",
	"fleet: c\nimages: {d: {url: \"https://x/y\", sha256: "
	"\"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\"}}\n"
	"networks: {n: {cidr: 10.0.0.0/29}, b: {mode: bridge, bridge: br0}}\n"
	"ssh: {user: herd, authorized_keys: [\"ssh-ed25519 AAAA k\"]}\n"
	"defaults: {image: d, networks: [n, b]}\ngroups: {s: {count: 4, name: \"s{{n}}-{{group}}\"}}\n",
};
#define NCORPUS (sizeof corpus / sizeof corpus[0])

static const char *const fragments[] = {
	": ", "- ", "&a ", "*a", "<<: ", "<<: [*a]", "{", "}", "[", "]", ",", "\n",
	"\n  ", "\n    ", "'", "\"", "~", "null", "{{index}}", "{{n}}", "{{x}}",
	"count: 10000", "count: 0", "ip: 10.42.0.", "/24", "/8", "GiB", "GB", "---\n",
	"? ", "!!str ", "|\n  ", ">\n  ", "#", "\t", "\\", "\xc3\xa9", "\xff",
	"fleet", "groups", "vms", "networks", "images", "defaults", "memory", "cidr",
	"bootstrap: kickstart", "url: ", "path: ", "sha256: ", "name: ", "web", "\0",
};
#define NFRAG (sizeof fragments / sizeof fragments[0])

static uint64_t rng_state;

static uint32_t rnd(uint32_t n)
{
	rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
	return n ? (uint32_t)(rng_state >> 33) % n : 0;
}

static size_t mutate(char *buf, size_t len)
{
	unsigned k, steps = 1 + rnd(2);

	for (k = 0; k < steps; k++) {
		size_t at = rnd((uint32_t)len + 1), n;
		const char *frag = fragments[rnd(NFRAG)];
		size_t fl = frag[0] ? strlen(frag) : 1;
		switch (rnd(4)) {
		case 0:	/* insert a fragment */
			if (len + fl >= MAX_INPUT)
				break;
			memmove(buf + at + fl, buf + at, len - at);
			memcpy(buf + at, frag, fl);
			len += fl;
			break;
		case 1:	/* delete a range */
			n = rnd(16);
			if (at + n > len)
				n = len - at;
			memmove(buf + at, buf + at + n, len - at - n);
			len -= n;
			break;
		case 2:	/* set a byte */
			if (at < len)
				buf[at] = (char)rnd(256);
			break;
		default:	/* duplicate a range */
			n = rnd(32);
			if (at + n > len || len + n >= MAX_INPUT)
				break;
			memmove(buf + at + n, buf + at, len - at);
			len += n;
			break;
		}
	}
	return len;
}

/* Load data twice; abort when the contract is broken.  Returns whether
 * it loaded (to show how deep the inputs reach). */
static int check_one(const char *data, size_t len)
{
	struct fleet_diags d, d2;
	struct fleet *f = fleet_load_mem("t.yaml", "examples", data, len, &d);
	struct fleet *g = fleet_load_mem("t.yaml", "examples", data, len, &d2);
	char line[1024], line2[1024];
	size_t i;

	if ((f == NULL) != (g == NULL) || d.n != d2.n || d.total != d2.total)
		goto broken;
	if (f != NULL) {
		if (d.n != 0 || f->n_vms > FLEET_MAX_VMS || f->n_vms != g->n_vms)
			goto broken;
		for (i = 0; i < f->n_vms; i++)
			if (!f->vms[i].name[0] || !f->vms[i].domain || !f->vms[i].spec ||
			    strcmp(f->vms[i].name, g->vms[i].name) != 0 ||
			    memcmp(f->vms[i].nics, g->vms[i].nics,
				   f->vms[i].spec->n_networks * sizeof *f->vms[i].nics) != 0)
				goto broken;
	} else {
		if (d.n < 1 || d.n > FLEET_MAX_ERRORS || d.total < d.n)
			goto broken;
		for (i = 0; i < d.n; i++) {
			fleet_diag_format(&d.items[i], line, sizeof line);
			fleet_diag_format(&d2.items[i], line2, sizeof line2);
			if (strncmp(line, "t.yaml", 6) != 0 || strcmp(line, line2) != 0 ||
			    (i > 0 && d.items[i].pos.line < d.items[i - 1].pos.line))
				goto broken;
		}
	}
	fleet_free(g);
	if (f == NULL)
		return 0;
	fleet_free(f);
	return 1;
broken:
	fprintf(stderr, "fuzz_fleet: contract broken for this input (%zu bytes):\n", len);
	fwrite(data, 1, len, stderr);
	fprintf(stderr, "\n--- first diagnostic: %s\n", d.n ? (fleet_diag_format(&d.items[0], line,
		sizeof line), line) : "(none)");
	abort();
}

static int replay(int argc, char **argv)
{
	int i;

	for (i = 0; i < argc; i++) {
		char *data = xmalloc(1 << 24);
		FILE *fp = fopen(argv[i], "rb");
		size_t len;
		if (fp == NULL) {
			perror(argv[i]);
			return 2;
		}
		len = fread(data, 1, 1 << 24, fp);
		fclose(fp);
		check_one(data, len);
		free(data);
	}
	return 0;
}

int main(int argc, char **argv)
{
	unsigned long seed = 1, max = 1000000, secs = 5, runs, ok = 0;
	char buf[MAX_INPUT];
	time_t end;
	int c;

	while ((c = getopt(argc, argv, "s:n:t:")) != -1) {
		switch (c) {
		case 's': seed = strtoul(optarg, NULL, 10); break;
		case 'n': max = strtoul(optarg, NULL, 10); break;
		case 't': secs = strtoul(optarg, NULL, 10); break;
		default:
			fprintf(stderr, "usage: fuzz_fleet [-s SEED] [-n MAX] [-t SECS] [FILE...]\n");
			return 2;
		}
	}
	if (optind < argc)
		return replay(argc - optind, argv + optind);
	rng_state = seed;
	end = time(NULL) + (time_t)secs;
	for (runs = 0; runs < max && (runs % 64 != 0 || time(NULL) < end); runs++) {
		const char *base = corpus[rnd(NCORPUS)];
		size_t len = strlen(base);
		memcpy(buf, base, len);
		ok += (unsigned long)check_one(buf, mutate(buf, len));
	}
	printf("fuzz_fleet: seed %lu: %lu fleet files in %lu s (%lu valid), contract kept\n",
	       seed, runs, secs, ok);
	return 0;
}
