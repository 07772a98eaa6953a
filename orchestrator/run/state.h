/* orchestrator/run/state.h — where a fleet's local state lives.
 *
 * The state root is --state-dir, else $XDG_STATE_HOME/herd, else
 * ~/.local/state/herd; a fleet's folder is <root>/<fleet> (mode 0700): the
 * fleet key, the per-VM host keys, known_hosts, seeds and the apply lock.
 * libvirt stays the source of truth for everything else.
 */
#ifndef HERD_STATE_H
#define HERD_STATE_H

#include "common/err.h"

/* The fleet's state folder as a new string (caller frees).  Creates
 * nothing. */
char *state_fleet_dir(const char *state_root, const char *fleet);

/* Make sure the fleet's state folder exists with mode 0700 (and its parents);
 * returns the path (caller frees) or NULL with err set. */
char *state_fleet_dir_ensure(const char *state_root, const char *fleet,
			     struct herd_err *err);

#endif
