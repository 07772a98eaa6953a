/* orchestrator/virt/virt_own.h — whose is a libvirt object (included only
 * by the files of orchestrator/virt).
 *
 * Domains and networks carry herd's tag in their <metadata> (fleet=...);
 * libvirt keeps no metadata for pools, so a pool herd makes carries its
 * mark in its definition: <source><vendor name='herd'/><product
 * name='fleet=F'/></source>, or product "images" for the shared image
 * pool.  Anything of herd's names without the fleet's tag or mark is not
 * the fleet's: it is refused, never adopted, changed or deleted. */
#ifndef HERD_VIRT_OWN_H
#define HERD_VIRT_OWN_H

#include <libvirt/libvirt.h>
#include <stdbool.h>

#include "common/err.h"

struct buf;

/* Refuse to touch an object that is not fleet's (HERD_E_STATE) and return
 * -1: "<kind> <name> exists and is not fleet 'F''s (untagged | tagged for
 * fleet 'G'): herd leaves it alone".  owner is the fleet its tag names, or
 * NULL when it has no herd tag ("" for the shared image pool).  fleet
 * NULL stands for herd's shared image pool. */
int virt_refuse(struct herd_err *err, const char *kind, const char *name,
		const char *fleet, const char *owner);

/* 0 when domain d (named name) carries fleet's tag, else the refusal. */
int virt_dom_check(virDomainPtr d, const char *fleet, const char *name,
		   struct herd_err *err);
/* 0 when network nw (named name) carries fleet's tag, else the refusal. */
int virt_net_check(virNetworkPtr nw, const char *fleet, const char *name,
		   struct herd_err *err);

/* The owner pool p's mark names into *owner (caller frees): the fleet, ""
 * for the shared image pool, NULL when p has no herd mark.  -1 when the
 * XML cannot be read (captured). */
int virt_pool_owner(virStoragePoolPtr p, char **owner);
/* 0 when p (named name) carries fleet's mark (fleet NULL: the shared
 * image pool's), else the refusal and -1. */
int virt_pool_check(virStoragePoolPtr p, const char *fleet, const char *name,
		    struct herd_err *err);
/* Append herd's mark for fleet's pool (fleet NULL: the shared image
 * pool) to a pool definition: the <source> element. */
void virt_pool_mark_xml(struct buf *x, const char *fleet);
/* True when vol is a name herd gives a volume in fleet's pool. */
bool virt_fleet_vol_name(const char *fleet, const char *vol);

#endif
