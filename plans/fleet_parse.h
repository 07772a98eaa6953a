/* plans/fleet_parse.h — a fleet file's bytes into a ynode tree (libyaml).
 *
 * Every key and value keeps its line and column.  Anchors and aliases are
 * allowed (an alias shares the anchored node); merge keys `<<` take a
 * mapping or a list of mappings (keys written in the mapping win, then
 * earlier merged mappings over later ones).  Refused, each with one
 * diagnostic: a file over FLEET_MAX_FILE, an empty one, a binary one (NUL
 * bytes or invalid UTF-8), YAML errors (libyaml's problem and position),
 * more than one document, duplicate keys, keys that are not strings,
 * nesting deeper than FLEET_MAX_DEPTH, more than FLEET_MAX_NODES nodes
 * or FLEET_MAX_EXPANDED bytes of string text counting every alias use in
 * full (alias bombs), keys holding control characters, strings holding
 * NUL, and a top level that is not a mapping.
 */
#ifndef HERD_FLEET_PARSE_H
#define HERD_FLEET_PARSE_H

#include <stddef.h>

#include "plans/fleet.h"
#include "plans/ynode.h"

/* Read the file at path into *data (NUL-terminated, caller frees) and
 * *len.  The size is checked before reading: a file over FLEET_MAX_FILE,
 * a directory or an unreadable file gives -1 and one diagnostic. */
int fleet_parse_read(const char *path, char **data, size_t *len,
		     struct fleet_diags *d);

/* Parse data[len] into nodes in arena a; `file` (borrowed: it must outlive
 * the arena) names the file in positions.  Returns the root mapping, or
 * NULL with exactly one diagnostic in d. */
const struct ynode *fleet_parse(struct yarena *a, const char *file,
				const char *data, size_t len,
				struct fleet_diags *d);

#endif
