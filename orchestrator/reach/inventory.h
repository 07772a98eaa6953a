/* orchestrator/reach/inventory.h — hand the fleet to other tools: Ansible INI,
 * ssh_config, /etc/hosts lines, JSON.
 */
#ifndef HERD_INVENTORY_H
#define HERD_INVENTORY_H

#include "common/buf.h"
#include "common/err.h"
#include "plans/fleet.h"

enum inventory_format {
	INVENTORY_ANSIBLE,
	INVENTORY_SSH_CONFIG,
	INVENTORY_HOSTS,
	INVENTORY_JSON,
};

struct inventory_paths {
	const char *private_key;	/* the fleet key, absolute */
	const char *known_hosts;	/* herd's known_hosts for the fleet, absolute */
};

/* "ansible", "ssh-config", "hosts", "json" -> *fmt; -1 with err (listing the
 * formats) otherwise. */
int inventory_format_parse(const char *s, enum inventory_format *fmt,
			   struct herd_err *err);

/* Append the inventory of f to out.  addrs, when not NULL, holds one
 * address per VM (f->vms order; NULL entries allowed) observed in libvirt;
 * a VM without a planned address (bridge network) uses it, and a VM with
 * neither is listed without an address (Ansible) or left out (hosts).  An
 * observed "address" that inet_pton does not take is no address.
 * Values are quoted for the format (ssh_config(5) quoting and %%, Python
 * literals for Ansible's INI, shell words inside its ssh arguments); what
 * cannot be written safely is refused: a name that is not a plain word
 * (ansible, ssh-config, hosts), a value with a control character, a path
 * Ansible would hand to ssh unescaped.  Returns 0, or -1 with err
 * (HERD_E_USAGE) and out as it was. */
int inventory_write(const struct fleet *f, enum inventory_format fmt,
		    const struct inventory_paths *paths,
		    const char *const *addrs, struct buf *out, struct herd_err *err);

#endif
