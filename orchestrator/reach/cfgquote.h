/* orchestrator/reach/cfgquote.h — writing values into other tools' config
 * syntax: ssh_config(5), Ansible's INI inventory (Python literals, shell
 * words), hosts(5).
 *
 * A value that holds a control character (a newline would start a new
 * keyword or line) is refused, never escaped: no syntax here has a way to
 * keep one inside a value.  Functions that can refuse return 0, or -1
 * with err (HERD_E_USAGE naming `what` and the value's problem).
 */
#ifndef HERD_CFGQUOTE_H
#define HERD_CFGQUOTE_H

#include <stdbool.h>

#include "common/buf.h"
#include "common/err.h"

/* A bare name other tools take as one word and never as syntax: letters,
 * digits, '.', '_', '-', not starting with '-' (VM and group names in
 * Host patterns, INI host lines and hosts files). */
bool cfgquote_is_name(const char *s);

/* Append s as one ssh_config argument: as it is when it has no blank,
 * quote or backslash, else in double quotes with '"' and '\' escaped (as
 * ssh's own argv_split reads them).  tokens: the keyword expands %
 * tokens (IdentityFile, UserKnownHostsFile): '%' is written "%%". */
int cfgquote_ssh(struct buf *b, const char *s, bool tokens, const char *what,
		 struct herd_err *err);

/* Append s as the value of an INI "key=value" line Ansible reads: as it is
 * when it is a plain word Python's literal_eval cannot take for anything
 * but a string, else as a single-quoted Python string literal. */
int cfgquote_ini(struct buf *b, const char *s, const char *what, struct herd_err *err);

/* Append s as one POSIX shell word (single quotes when needed), as
 * Python's shlex reads it. */
void cfgquote_sh(struct buf *b, const char *s);

/* -1 with err when s holds a control character (or is NULL). */
int cfgquote_check(const char *s, const char *what, struct herd_err *err);

#endif
