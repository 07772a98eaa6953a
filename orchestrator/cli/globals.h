/* orchestrator/cli/globals.h — herd's global options, before the verb and
 * after it.
 *
 * `herd -f lab.yaml up` and `herd up -f lab.yaml` mean the same: main.c
 * parses the options before the verb with getopt (abbreviations such as
 * --conn allowed), then globals_take() picks -f/--file, -c/--connect,
 * -q/--quiet, -v/--verbose, --state-dir and --allow-outside out of the
 * verb's arguments,
 * for every verb alike.  After the verb only their exact spellings count,
 * and only before a "--" (what follows it is a remote command's).  The
 * verb's own options come first: a value of a verb option is never taken
 * for a global option, and a verb option spelled like a global one would
 * stay the verb's (none is: tests/unit/test_cli.c checks every verb).
 * -h/--help after the verb is the verb's help; -V only comes before it.
 */
#ifndef HERD_GLOBALS_H
#define HERD_GLOBALS_H

#include <getopt.h>

#include "common/err.h"
#include "orchestrator/cli/cmd.h"

/* For main.c's getopt_long before the verb ("+": stop at the verb). */
extern const char globals_shortopts[];
extern const struct option globals_longopts[];

/* The getopt values of the long options without a short form. */
#define GLOBALS_STATE_DIR 'S'
#define GLOBALS_ALLOW_OUTSIDE 'A'

/* Apply global option c (a globals_longopts value) with its argument to
 * o.  Returns 1 when c is one (-h and -V are main's own: 0). */
int globals_set(struct herd_opts *o, int c, const char *arg);

/* Take the global options out of a verb's arguments (argv[0] is the
 * verb): each one found is applied to o and removed, and *argc shrinks;
 * everything else stays, in order.  spec (may be NULL) is the verb's own
 * options.  Returns 0, or -1 with err (HERD_E_USAGE) for a global option
 * without its value or a cluster that mixes global and verb letters. */
int globals_take(const struct cmd_optspec *spec, int *argc, char **argv,
		 struct herd_opts *o, struct herd_err *err);

#endif
