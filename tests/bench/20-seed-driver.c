/* tests/bench/20-seed-driver.c — herd's seed writer in process, as apply
 * uses it: read user-data-I and meta-data-I from IN, write OUT/herd-I.iso,
 * for I in FIRST..FIRST+COUNT-1.  Prints the wall-clock seconds of the loop.
 * usage: 20-seed-driver FIRST COUNT IN OUT
 * Built by 20-seed.sh against build/libherd.a. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "common/fsio.h"
#include "seed/iso.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	struct herd_err err = HERD_ERR_INIT;
	char path[4096];
	double start;
	int i, first, n;

	if (argc != 5)
		return 2;
	first = atoi(argv[1]);
	n = atoi(argv[2]);
	argv += 1;
	start = now();
	for (i = first; i < first + n; i++) {
		struct iso_file f[2] = { { "user-data", NULL, 0 }, { "meta-data", NULL, 0 } };
		char *ud = NULL, *md = NULL;

		snprintf(path, sizeof path, "%s/user-data-%d", argv[2], i);
		if (fsio_read(path, 1 << 20, 0, &ud, &f[0].len, &err) != 0)
			goto fail;
		snprintf(path, sizeof path, "%s/meta-data-%d", argv[2], i);
		if (fsio_read(path, 1 << 20, 0, &md, &f[1].len, &err) != 0)
			goto fail;
		f[0].data = ud;
		f[1].data = md;
		snprintf(path, sizeof path, "%s/herd-%d.iso", argv[3], i);
		if (iso_write_file(path, ISO_LABEL_NOCLOUD, f, 2, &err) != 0)
			goto fail;
		free(ud);
		free(md);
	}
	printf("%.6f\n", now() - start);
	return 0;
fail:
	fprintf(stderr, "20-seed-driver: %s\n", err.msg);
	return 1;
}
