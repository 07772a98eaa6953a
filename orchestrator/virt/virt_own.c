/* orchestrator/virt/virt_own.c — whose is a libvirt object: herd's tags on
 * domains and networks, its mark on pools, the volume names it gives, and
 * the refusal when an object is not the fleet's. */
#include "orchestrator/virt/virt_own.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/mem.h"
#include "orchestrator/virt/virt.h"
#include "orchestrator/virt/virt_int.h"
#include "plans/plan.h"

int virt_refuse(struct herd_err *err, const char *kind, const char *name,
		const char *fleet, const char *owner)
{
	char whose[160], tag[160];

	if (fleet != NULL)
		snprintf(whose, sizeof whose, "fleet '%s''s", fleet);
	else
		snprintf(whose, sizeof whose, "herd's shared image pool");
	if (owner == NULL)
		snprintf(tag, sizeof tag, "untagged");
	else if (*owner == '\0')
		snprintf(tag, sizeof tag, "herd's shared image pool");
	else
		snprintf(tag, sizeof tag, "tagged for fleet '%s'", owner);
	return herd_errf(err, HERD_E_STATE, "%s %s exists and is not %s (%s): herd leaves "
			 "it alone%s", kind, name, whose, tag,
			 owner == NULL ? " (rename or remove it yourself)" : "");
}

/* ---- domains ---- */

/* The fleet d's herd tag names (caller frees), or NULL when untagged. */
static char *dom_owner(virDomainPtr d)
{
	char *meta = virDomainGetMetadata(d, VIR_DOMAIN_METADATA_ELEMENT, VIRT_XMLNS, 0);
	char *f = meta ? virt_xml_attr(meta, "fleet") : NULL;

	free(meta);
	return f;
}

/* 0 when d is fleet's; else the refusal (HERD_E_STATE) and -1. */
int virt_dom_check(virDomainPtr d, const char *fleet, const char *name,
		   struct herd_err *err)
{
	char *owner = dom_owner(d);
	int rc = 0;

	if (owner == NULL || strcmp(owner, fleet) != 0)
		rc = virt_refuse(err, "domain", name, fleet, owner);
	free(owner);
	return rc;
}

/* ---- networks ---- */

/* The fleet a network's herd tag names (caller frees), or NULL when it
 * has none.  *xml_out (may be NULL) gets the XML read. */
static char *net_owner(virNetworkPtr nw, char **xml_out)
{
	char *xml = virt_net_xml(nw), *owner = NULL;
	/* libvirt keeps the metadata element as herd wrote it (net_xml) */
	const char *tag = xml ? strstr(xml, "<" VIRT_XMLNS_PREFIX ":net xmlns:"
				       VIRT_XMLNS_PREFIX "=\"" VIRT_XMLNS "\"") : NULL;

	if (tag != NULL)
		owner = virt_xml_attr(tag, "fleet");
	if (xml_out != NULL)
		*xml_out = xml;
	else
		free(xml);
	return owner;
}

/* 0 when nw is fleet's, else the refusal and -1. */
int virt_net_check(virNetworkPtr nw, const char *fleet, const char *name,
		   struct herd_err *err)
{
	char *owner = net_owner(nw, NULL);
	int rc = 0;

	if (owner == NULL || strcmp(owner, fleet) != 0)
		rc = virt_refuse(err, "network", name, fleet, owner);
	free(owner);
	return rc;
}

/* ---- herd's mark on a pool ----
 *
 * libvirt keeps no <metadata> for pools, but a dir pool keeps its
 * <source><vendor/><product/></source> (checked on libvirt 9.0, in the
 * live and the persistent XML): herd's pools carry vendor "herd" and
 * product "fleet=<fleet>", or "images" for the shared image pool.  The
 * mark is part of the definition, so a pool is never herd's without it,
 * not even for a moment. */

#define MARK_VENDOR "herd"
#define MARK_SHARED "images"

/* The owner pool p's mark names into *owner (caller frees): the fleet, ""
 * for the shared image pool, NULL when p has no herd mark.  -1 when the
 * XML cannot be read (captured). */
int virt_pool_owner(virStoragePoolPtr p, char **owner)
{
	char *xml = virt_ckp(virStoragePoolGetXMLDesc(p, 0));
	const char *ven, *prod;
	char *vname = NULL, *pname = NULL;

	*owner = NULL;
	if (xml == NULL)
		return -1;
	ven = strstr(xml, "<vendor ");
	prod = strstr(xml, "<product ");
	if (ven != NULL && prod != NULL) {
		vname = virt_xml_attr(ven, "name");
		pname = virt_xml_attr(prod, "name");
	}
	if (vname != NULL && pname != NULL && strcmp(vname, MARK_VENDOR) == 0) {
		if (strncmp(pname, "fleet=", 6) == 0 && pname[6] != '\0')
			*owner = xstrdup(pname + 6);
		else if (strcmp(pname, MARK_SHARED) == 0)
			*owner = xstrdup("");
	}
	free(vname);
	free(pname);
	free(xml);
	return 0;
}

/* 0 when p (named name) carries fleet's mark (fleet NULL: the shared
 * image pool's), else the refusal (HERD_E_STATE) and -1. */
int virt_pool_check(virStoragePoolPtr p, const char *fleet, const char *name,
		    struct herd_err *err)
{
	char *owner = NULL;
	int rc = 0;

	if (virt_pool_owner(p, &owner) < 0)
		return virt_fail(err, "pool %s", name);
	if (owner == NULL || strcmp(owner, fleet ? fleet : "") != 0)
		rc = virt_refuse(err, "pool", name, fleet, owner);
	free(owner);
	return rc;
}

/* A name herd gives a volume in fleet's pool: a VM's disk or seed
 * (plan_vol_owner) or its console log, the VM's domain starting with
 * "<fleet>-".  Anything else there is not herd's to delete. */
bool virt_fleet_vol_name(const char *fleet, const char *vol)
{
	static const char log_sfx[] = ".console.log";
	size_t n = strlen(vol), k = strlen(fleet);
	char *owner = plan_vol_owner(vol);
	bool ok;

	if (owner == NULL && n > sizeof log_sfx - 1 &&
	    strcmp(vol + n - (sizeof log_sfx - 1), log_sfx) == 0)
		owner = xstrndup(vol, n - (sizeof log_sfx - 1));
	ok = owner != NULL && strncmp(owner, fleet, k) == 0 && owner[k] == '-' &&
	     owner[k + 1] != '\0';
	free(owner);
	return ok;
}

void virt_pool_mark_xml(struct buf *x, const char *fleet)
{
	buf_adds(x, "<source><vendor name='" MARK_VENDOR "'/><product name='");
	if (fleet != NULL) {
		buf_adds(x, "fleet=");
		virt_xml_esc(x, fleet);
	} else {
		buf_adds(x, MARK_SHARED);
	}
	buf_adds(x, "'/></source>");
}
