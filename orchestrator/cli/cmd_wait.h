/* orchestrator/cli/cmd_wait.h — `herd wait`'s options and run, shared with
 * `herd up` (apply, then wait). */
#ifndef HERD_CMD_WAIT_H
#define HERD_CMD_WAIT_H

#include <stdbool.h>
#include <stddef.h>

#include "orchestrator/cli/cmd.h"
#include "orchestrator/run/track.h"

struct wait_args {
	enum track_stage stage;
	long timeout_ms;
	char **vms;		/* borrowed strings; the array is owned */
	size_t n_vms;
	const char *group;
	int jobs;
};

void cmd_wait_args_init(struct wait_args *w);
/* Parse wait's options from argv (getopt, from optind); -1 on a bad one
 * (printed). */
int cmd_wait_parse(int argc, char **argv, struct wait_args *w);
/* Wait as asked; returns the exit code. */
int cmd_wait_run(const struct herd_opts *opts, const struct wait_args *w);

/* `herd up`'s options: wait's, and apply's argv ("apply [-j N]
 * [--restart]", each option once however often it was given: the last
 * -j counts). */
struct up_args {
	struct wait_args w;
	bool restart;
	char jobs[24];			/* -j's value for apply */
	char *apply_argv[5];		/* NULL-terminated */
	int apply_argc;
};

/* Parse up's argv (getopt, from optind) into u.  Returns 0, or -1 on a
 * bad option or argument (a bad value is printed). */
int cmd_up_parse(int argc, char **argv, struct up_args *u);

#endif
