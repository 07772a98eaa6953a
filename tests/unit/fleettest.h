/* tests/unit/fleettest.h — helpers for the fleet file tests: a scratch
 * folder with the files fleets refer to, loading YAML from a string, and
 * checking the first diagnostic. */
#ifndef HERD_FLEETTEST_H
#define HERD_FLEETTEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"
#include "plans/fleet.h"

static char ft_dir[64];

/* Real public keys (ssh-keygen), without their comments. */
#define FT_KEY1_BLOB "AAAAC3NzaC1lZDI1NTE5AAAAIGZ2D5HYtFVZRZJxThWHojSIJMB9biPQyqEMP64ibfVH"
#define FT_KEY1 "ssh-ed25519 " FT_KEY1_BLOB
#define FT_KEY2 "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBH8OpJOIC4AIKrdfTpOw7iOQy11fndmwNGPxz9O6NnNE+w/7CKHOiHiL/QjZMMft+RwW73CJVkRGqT9m6iTZeCw="

static const char *const ft_files[] = {
	"tiny.qcow2", "vmlinuz", "initrd.img", "ks.tmpl", "user.tmpl", "key.pub",
	"nokeys.pub",
};

static inline void ft_write(const char *name, const char *text)
{
	char path[128];
	FILE *fp;

	snprintf(path, sizeof path, "%s/%s", ft_dir, name);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

static inline int ft_setup(void **state)
{
	(void)state;
	snprintf(ft_dir, sizeof ft_dir, "/tmp/herd-fleettest-XXXXXX");
	if (mkdtemp(ft_dir) == NULL)
		return -1;
	ft_write("tiny.qcow2", "QFI\xfb");
	ft_write("vmlinuz", "kernel");
	ft_write("initrd.img", "initrd");
	ft_write("ks.tmpl", "text\n");
	ft_write("user.tmpl", "#cloud-config\n");
	ft_write("key.pub", "# a comment\n" FT_KEY1 " one@host\n\n");
	ft_write("nokeys.pub", "# nothing here\n");
	return 0;
}

static inline int ft_teardown(void **state)
{
	char path[128];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof ft_files / sizeof ft_files[0]; i++) {
		snprintf(path, sizeof path, "%s/%s", ft_dir, ft_files[i]);
		unlink(path);
	}
	rmdir(ft_dir);
	return 0;
}

/* A fleet header most tests start from: one image, one /24 network. */
#define FT_HEAD \
	"fleet: lab\n" \
	"images:\n" \
	"  tiny: {path: ./tiny.qcow2}\n" \
	"networks:\n" \
	"  labnet: {mode: nat, cidr: 10.42.0.0/24}\n" \
	"defaults:\n" \
	"  image: tiny\n" \
	"  networks: [labnet]\n"

static inline struct fleet *ft_load(const char *yaml, struct fleet_diags *d)
{
	return fleet_load_mem("t.yaml", ft_dir, yaml, strlen(yaml), d);
}

static inline const char *ft_first(const struct fleet_diags *d)
{
	static char line[1024];

	if (d->n == 0)
		return "(no diagnostic)";
	fleet_diag_format(&d->items[0], line, sizeof line);
	return line;
}

/* Loading yaml fails and the first diagnostic contains want. */
#define ft_expect_error(yaml, want) do { \
	struct fleet_diags d_; \
	struct fleet *f_ = ft_load(yaml, &d_); \
	assert_null(f_); \
	if (strstr(ft_first(&d_), want) == NULL) { \
		print_error("want: %s\ngot:  %s\n", want, ft_first(&d_)); \
		fail(); \
	} \
} while (0)

static inline struct fleet *ft_must_load(const char *yaml)
{
	struct fleet_diags d;
	struct fleet *f = ft_load(yaml, &d);

	if (f == NULL) {
		print_error("load failed: %s\n", ft_first(&d));
		fail();
	}
	return f;
}

#endif
