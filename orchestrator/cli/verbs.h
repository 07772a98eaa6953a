/* orchestrator/cli/verbs.h — the verb table: name, handler, usage, help.
 * Sorted by name; looked up by exact match only (never by prefix:
 * `herd d` must not mean destroy). */
#ifndef HERD_VERBS_H
#define HERD_VERBS_H

#include "orchestrator/cli/cmd.h"

struct verb {
	const char *name;
	cmd_fn fn;
	const char *summary;	/* one line for `herd --help` */
	const char *help;	/* usage line, blank line, text, options */
	const struct cmd_optspec *opts;	/* its own options; NULL: none */
};

/* Terminated by an entry whose name is NULL. */
extern const struct verb verbs_table[];

/* The verb called exactly `name`, or NULL.  Static storage. */
const struct verb *verbs_find(const char *name);

#endif
