/* orchestrator/virt/virt_snap.c — internal snapshots through libvirt. */
#include "orchestrator/virt/virt_snap.h"

#include <stdlib.h>

#include "common/buf.h"
#include "common/mem.h"
#include "orchestrator/virt/virt_int.h"
#include "orchestrator/virt/virt_own.h"

/* Domain `name` when it is fleet's, else NULL with err. */
static virDomainPtr dom_get(struct virt *v, const char *fleet, const char *name,
			    struct herd_err *err)
{
	virDomainPtr d = virt_ckp(virDomainLookupByName(v->conn, name));

	if (d == NULL) {
		virt_fail(err, "domain %s", name);
	} else if (virt_dom_check(d, fleet, name, err) < 0) {
		virDomainFree(d);
		d = NULL;
	}
	return d;
}

int virt_snap_create(struct virt *v, const char *fleet, const char *domain,
		     const char *snap, struct herd_err *err)
{
	virDomainPtr d = dom_get(v, fleet, domain, err);
	virDomainSnapshotPtr s = NULL;
	struct buf x;
	int rc = -1;

	buf_init(&x);
	if (d == NULL)
		goto out;
	buf_adds(&x, "<domainsnapshot><name>");
	virt_xml_esc(&x, snap);
	buf_adds(&x, "</name><description>herd fleet snapshot</description></domainsnapshot>");
	s = virt_ckp(virDomainSnapshotCreateXML(d, buf_str(&x), 0));
	if (s == NULL) {
		virt_fail(err, "snapshot %s of %s", snap, domain);
		goto out;
	}
	rc = 0;
out:
	if (s)
		virDomainSnapshotFree(s);
	if (d)
		virDomainFree(d);
	buf_release(&x);
	return rc;
}

/* Snapshot snap of domain: 1 found (*sp set; free it), 0 no such snapshot,
 * -1 failure with err. */
static int snap_get(struct virt *v, const char *fleet, const char *domain,
		    const char *snap, virDomainSnapshotPtr *sp, struct herd_err *err)
{
	virDomainPtr d = dom_get(v, fleet, domain, err);
	int rc = -1;

	*sp = NULL;
	if (d == NULL)
		return -1;
	*sp = virt_ckp(virDomainSnapshotLookupByName(d, snap, 0));
	if (*sp != NULL)
		rc = 1;
	else if (virt_last_code() == VIR_ERR_NO_DOMAIN_SNAPSHOT)
		rc = 0, virt_forget();
	else
		virt_fail(err, "snapshot %s of %s", snap, domain);
	virDomainFree(d);
	return rc;
}

int virt_snap_revert(struct virt *v, const char *fleet, const char *domain,
		     const char *snap, struct herd_err *err)
{
	virDomainSnapshotPtr s = NULL;
	int found = snap_get(v, fleet, domain, snap, &s, err), rc = -1;

	if (found == 0)
		herd_errf(err, HERD_E_VIRT, "no snapshot %s (see herd snapshot --list)", snap);
	else if (found == 1 && virt_ck(virDomainRevertToSnapshot(s, 0)) < 0)
		virt_fail(err, "revert %s to %s", domain, snap);
	else if (found == 1)
		rc = 0;
	if (s)
		virDomainSnapshotFree(s);
	return rc;
}

int virt_snap_delete(struct virt *v, const char *fleet, const char *domain,
		     const char *snap, int *deleted, struct herd_err *err)
{
	virDomainSnapshotPtr s = NULL;
	int found = snap_get(v, fleet, domain, snap, &s, err), rc = found < 0 ? -1 : 0;

	*deleted = 0;
	if (found == 1 && virt_ck(virDomainSnapshotDelete(s, 0)) < 0) {
		virt_fail(err, "delete snapshot %s of %s", snap, domain);
		rc = -1;
	} else if (found == 1) {
		*deleted = 1;
	}
	if (s)
		virDomainSnapshotFree(s);
	return rc;
}

int virt_snap_list(struct virt *v, const char *fleet, const char *domain,
		   char ***names, size_t *n, struct herd_err *err)
{
	virDomainPtr d = dom_get(v, fleet, domain, err);
	virDomainSnapshotPtr *snaps = NULL;
	int count, i, rc = -1;

	*names = NULL;
	*n = 0;
	if (d == NULL)
		goto out;
	count = virt_ck(virDomainListAllSnapshots(d, &snaps,
						  VIR_DOMAIN_SNAPSHOT_LIST_TOPOLOGICAL));
	if (count < 0) {
		virt_fail(err, "list snapshots of %s", domain);
		goto out;
	}
	*names = xcalloc((size_t)count + 1, sizeof **names);
	for (i = 0; i < count; i++) {
		(*names)[i] = xstrdup(virDomainSnapshotGetName(snaps[i]));
		virDomainSnapshotFree(snaps[i]);
	}
	*n = (size_t)count;
	free(snaps);
	rc = 0;
out:
	if (d)
		virDomainFree(d);
	return rc;
}
