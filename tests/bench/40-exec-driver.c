/* tests/bench/40-exec-driver.c — herd's parallel SSH engine (execpar.c)
 * running one command on N targets, as `herd exec` will once the verb is
 * wired to the fleet.  The N targets are aliases of one server (names
 * t01..tN, same host, port, user, key and known_hosts file), so every
 * target is a fresh TCP connection, key exchange, host key check and key
 * login.  Prints "SECONDS OK FAILED" on stdout; remote output goes to
 * stderr, prefixed.
 * usage: 40-exec-driver HOST PORT USER KEY KNOWN_HOSTS N JOBS CMD
 * Built by 40-exec.sh against build/libherd.a. */
#include <stdio.h>
#include <stdlib.h>

#include "common/buf.h"
#include "common/mem.h"
#include "orchestrator/reach/execpar.h"
#include "orchestrator/reach/sshc_net.h"

int main(int argc, char **argv)
{
	struct execpar_opts o = { .out = stderr, .err = stderr };
	struct sshc_target *t;
	struct execpar_result *r;
	long long start, took;
	struct buf sum;
	size_t n, failed;

	if (argc != 9)
		return 2;
	n = (size_t)atoi(argv[6]);
	o.jobs = atoi(argv[7]);
	t = xcalloc(n, sizeof *t);
	r = xcalloc(n, sizeof *r);
	for (size_t i = 0; i < n; i++) {
		t[i].name = xasprintf("t%02zu", i + 1);
		t[i].host = argv[1];
		t[i].port = atoi(argv[2]);
		t[i].user = argv[3];
		t[i].key_path = argv[4];
		t[i].known_hosts = argv[5];
	}
	start = sshc_net_now_ms();
	failed = execpar_run(t, n, argv[8], &o, r);
	took = sshc_net_now_ms() - start;
	buf_init(&sum);
	execpar_summary(t, r, n, &sum);
	fputs(buf_str(&sum), stderr);
	for (size_t i = 0; i < n; i++)
		if (r[i].fail != SSHC_OK)
			fprintf(stderr, "  %s\n", r[i].msg);
	printf("%.3f %zu %zu\n", (double)took / 1000.0, n - failed, failed);
	buf_release(&sum);
	for (size_t i = 0; i < n; i++)
		free((char *)t[i].name);
	free(t);
	free(r);
	return failed == 0 ? 0 : 1;
}
