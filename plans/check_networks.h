/* plans/check_networks.h — the networks: section. */
#ifndef HERD_CHECK_NETWORKS_H
#define HERD_CHECK_NETWORKS_H

#include "plans/check.h"

/* Check each entry of networks (a mapping, or NULL: none) and fill
 * c->f->networks / n_networks in the fleet's arena, with each nat or
 * isolated network's gateway and DHCP range.  Entries with errors are kept
 * too.  Returns 0, or -1 after reporting every error. */
int check_networks(struct check_ctx *c, const struct ynode *networks);

#endif
