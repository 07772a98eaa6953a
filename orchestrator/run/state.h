/* orchestrator/run/state.h — where a fleet's local state lives.
 *
 * The state root is --state-dir, else $XDG_STATE_HOME/herd, else
 * $HOME/.local/state/herd; never a shared folder such as /tmp (a fleet's
 * private keys live there): with neither set, herd refuses.  A fleet's
 * folder is <root>/<fleet> (mode 0700): the fleet key, the per-VM host
 * keys, known_hosts, seeds and readiness records.  libvirt stays the
 * source of truth for everything else (the fleet lock lives there too).
 *
 * A folder that exists must belong to the user running herd: another
 * user's folder could hand herd keys that user chose, or read the ones
 * herd writes.
 */
#ifndef HERD_STATE_H
#define HERD_STATE_H

#include "common/err.h"

/* The folder `name` under the state root (a fleet's, or ".pools") as a new
 * string (caller frees), checked as above when it exists; creates nothing.
 * NULL with err (HERD_E_STATE) when there is no root (no --state-dir,
 * XDG_STATE_HOME or HOME), or the folder is not a folder of this user. */
char *state_fleet_dir(const char *state_root, const char *name, struct herd_err *err);

/* The same, made if missing (mode 0700, with parents) and set to 0700. */
char *state_fleet_dir_ensure(const char *state_root, const char *name,
			     struct herd_err *err);

/* 0 when path is missing or is a folder owned by the user running herd;
 * -1 with err (HERD_E_STATE, naming it and its owner) otherwise. */
int state_check_owner(const char *path, struct herd_err *err);

#endif
