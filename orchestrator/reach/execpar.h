/* orchestrator/reach/execpar.h — one command on many SSH targets in parallel.
 *
 * The engine behind `herd exec`: a bounded pool of worker threads, each
 * with its own SSH connection (sshc.c); every output line is written whole
 * as "NAME: line" (lines of different targets never interleave mid-line),
 * and each target's outcome is kept for a summary of exit codes.
 */
#ifndef HERD_EXECPAR_H
#define HERD_EXECPAR_H

#include <stddef.h>
#include <stdio.h>

#include "common/buf.h"
#include "orchestrator/reach/sshc.h"

struct execpar_opts {
	int jobs;		/* at most this many targets at once; <= 0: 8 */
	int timeout_ms;		/* per connect step; <= 0: 10 s */
	FILE *out;		/* remote stdout lines; NULL: stdout */
	FILE *err;		/* remote stderr lines; NULL: stderr */
};

/* What happened on one target. */
struct execpar_result {
	enum sshc_fail fail;	/* SSHC_OK when the command ran to its end */
	int exit_status;	/* when fail == SSHC_OK: status, -1 if signalled */
	char signal[16];	/* when signalled: "TERM"... */
	char msg[512];		/* when fail != SSHC_OK: the full error */
	double secs;		/* wall time for this target */
};

/* Run cmd on targets[0..n) with opts->jobs connections at a time, writing
 * prefixed output to opts->out/err as it arrives (each line flushed under
 * a lock) and filling results[i] for targets[i] (the caller's array of n).
 * Returns how many targets did not succeed (failed to connect, or exited
 * non-zero or by a signal); 0 means all ran and exited 0.  Failures are
 * per target and only recorded, never printed. */
size_t execpar_run(const struct sshc_target *targets, size_t n, const char *cmd,
		   const struct execpar_opts *opts, struct execpar_result *results);

/* True when results[i] is a success (ran, exit status 0). */
int execpar_ok(const struct execpar_result *r);

/* One line of why r failed: "exit status 3", "killed by signal KILL",
 * "connect refused", "host key mismatch", "auth failure"... into out
 * (size n); "ok" for a success. */
void execpar_why(const struct execpar_result *r, char *out, size_t n);

/* Append the summary to out: a count line ("5 targets: 3 ok, 2 failed"),
 * then one line per failed target, "  NAME  WHY", in target order; a
 * target that could not be reached or logged in to also names the address
 * tried: "  NAME  connect refused (10.0.0.5 port 22)". */
void execpar_summary(const struct sshc_target *targets,
		     const struct execpar_result *results, size_t n,
		     struct buf *out);

#endif
