/* orchestrator/virt/virt_lock.c — lock volumes: create (take), read (who). */
#include "orchestrator/virt/virt_lock.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/mem.h"
#include "orchestrator/virt/virt_int.h"

static bool vol_exists(virStoragePoolPtr p, const char *name)
{
	virStorageVolPtr vol = virStorageVolLookupByName(p, name);

	if (vol == NULL)
		return false;
	virStorageVolFree(vol);
	return true;
}

/* A sparse raw file of VIRT_LOCK_MAX bytes: the holder text, then zeros. */
static char *lock_xml(const char *name)
{
	struct buf x;

	buf_init(&x);
	buf_adds(&x, "<volume><name>");
	virt_xml_esc(&x, name);
	buf_addf(&x, "</name><capacity unit='bytes'>%d</capacity>"
		 "<allocation unit='bytes'>0</allocation>"
		 "<target><format type='raw'/></target></volume>", VIRT_LOCK_MAX);
	return buf_take(&x, NULL);
}

static int write_text(struct virt *v, virStorageVolPtr vol, const char *text,
		      struct herd_err *err)
{
	virStreamPtr st = virt_ckp(virStreamNew(v->conn, 0));
	size_t len = strlen(text), off = 0;
	int n, rc = -1;

	if (st == NULL)
		return virt_fail(err, "new stream");
	if (virt_ck(virStorageVolUpload(vol, st, 0, len, 0)) < 0) {
		virt_fail(err, "write lock %s", virStorageVolGetName(vol));
		goto out;
	}
	while (off < len) {
		n = virt_ck(virStreamSend(st, text + off, len - off));
		if (n < 0) {
			virt_fail(err, "write lock %s", virStorageVolGetName(vol));
			virStreamAbort(st);
			goto out;
		}
		off += (size_t)n;
	}
	if (virt_ck(virStreamFinish(st)) < 0) {
		virt_fail(err, "write lock %s", virStorageVolGetName(vol));
		goto out;
	}
	rc = 0;
out:
	virStreamFree(st);
	return rc;
}

/* A volume `name` holding text, for the lock to be cloned from.  NULL
 * with err. */
static virStorageVolPtr draft_make(struct virt *v, virStoragePoolPtr p, const char *pool,
				   const char *name, const char *text, struct herd_err *err)
{
	char *xml = lock_xml(name);
	virStorageVolPtr d = virt_ckp(virStorageVolCreateXML(p, xml, 0));

	free(xml);
	if (d == NULL) {
		virt_fail(err, "create lock draft %s/%s", pool, name);
		return NULL;
	}
	if (!v->test && write_text(v, d, text, err) < 0) {
		virStorageVolDelete(d, 0);
		virStorageVolFree(d);
		return NULL;
	}
	return d;
}

/* The lock appears with its text at once: it is cloned, inside the
 * daemon, from a draft written first.  A taker killed between creating
 * an empty lock and writing it would leave a lock nobody can name; a
 * taker killed now leaves at most its draft (swept by
 * virt_lock_sweep_drafts), and a clone it started finishes in the daemon. */
int virt_lock_create(struct virt *v, const char *pool, const char *name,
		     const char *text, struct herd_err *err)
{
	virStoragePoolPtr p = virt_ckp(virStoragePoolLookupByName(v->conn, pool));
	virStorageVolPtr draft = NULL, vol = NULL;
	char *xml = NULL, *dname = NULL;
	int rc = -1, code;

	if (p == NULL)
		return virt_fail(err, "pool %s", pool);
	if (strlen(text) >= VIRT_LOCK_MAX) {
		herd_errf(err, HERD_E_VIRT, "lock %s/%s: holder text too long", pool, name);
		goto out;
	}
	if (vol_exists(p, name)) {
		rc = 1;
		goto out;
	}
	dname = xasprintf("%s" VIRT_LOCK_DRAFT "%ld-%lx", name, (long)getpid(),
			  (unsigned long)random());
	draft = draft_make(v, p, pool, dname, text, err);
	if (draft == NULL)
		goto out;
	xml = lock_xml(name);
	vol = virt_ckp(virStorageVolCreateXMLFrom(p, xml, draft, 0));
	if (vol == NULL) {
		code = virt_last_code();
		/* the name is taken; the lookup covers a file that exists on
		 * disk before the pool was refreshed (O_EXCL refused it) */
		if (code == VIR_ERR_STORAGE_VOL_EXIST || vol_exists(p, name))
			rc = (virt_forget(), 1);
		else
			virt_fail_saved(err, "create lock %s/%s", pool, name);
		goto out;
	}
	rc = 0;
out:
	if (draft != NULL) {
		virStorageVolDelete(draft, 0);
		virStorageVolFree(draft);
	}
	if (vol != NULL)
		virStorageVolFree(vol);
	virStoragePoolFree(p);
	free(dname);
	free(xml);
	return rc;
}

/* Read the volume's first bytes up to the first NUL into *text. */
static int read_text(struct virt *v, virStorageVolPtr vol, char **text,
		     struct herd_err *err)
{
	virStreamPtr st = virt_ckp(virStreamNew(v->conn, 0));
	char *b = xcalloc(1, VIRT_LOCK_MAX + 1);
	size_t got = 0;
	int n = 0, rc = -1;

	if (st == NULL) {
		free(b);
		return virt_fail(err, "new stream");
	}
	if (virt_ck(virStorageVolDownload(vol, st, 0, VIRT_LOCK_MAX, 0)) < 0) {
		/* another client's create still runs ("still being allocated"):
		 * taken, and nothing written yet */
		if (virt_last_code() == VIR_ERR_OPERATION_INVALID)
			rc = (virt_forget(), *text = xstrdup(""), 0);
		else if (virt_last_code() == VIR_ERR_NO_STORAGE_VOL)
			rc = (virt_forget(), 1);
		else
			virt_fail(err, "read lock %s", virStorageVolGetName(vol));
		goto out;
	}
	while (got < VIRT_LOCK_MAX &&
	       (n = virt_ck(virStreamRecv(st, b + got, VIRT_LOCK_MAX - got))) > 0)
		got += (size_t)n;
	if (n < 0 || virt_ck(virStreamFinish(st)) < 0) {
		virt_fail(err, "read lock %s", virStorageVolGetName(vol));
		virStreamAbort(st);
		goto out;
	}
	*text = xstrdup(b);
	rc = 0;
out:
	virStreamFree(st);
	free(b);
	return rc;
}

int virt_lock_read(struct virt *v, const char *pool, const char *name,
		   char **text, struct herd_err *err)
{
	virStoragePoolPtr p = virt_ckp(virStoragePoolLookupByName(v->conn, pool));
	virStorageVolPtr vol = NULL;
	int rc;

	*text = NULL;
	if (p == NULL)
		return virt_last_code() == VIR_ERR_NO_STORAGE_POOL ? (virt_forget(), 1) :
		       virt_fail(err, "pool %s", pool);
	vol = virt_ckp(virStorageVolLookupByName(p, name));
	if (vol == NULL)
		rc = virt_last_code() == VIR_ERR_NO_STORAGE_VOL ? (virt_forget(), 1) :
		     virt_fail(err, "lock %s/%s", pool, name);
	else if (v->test)
		rc = (*text = xstrdup(""), 0);
	else
		rc = read_text(v, vol, text, err);
	if (vol != NULL)
		virStorageVolFree(vol);
	virStoragePoolFree(p);
	return rc;
}

/* The seconds of <timestamps><ctime>S.N</ctime> in a volume's XML, or -1. */
static long xml_ctime(const char *xml)
{
	const char *ts = strstr(xml, "<timestamps>"), *c;

	if (ts == NULL || (c = strstr(ts, "<ctime>")) == NULL)
		return -1;
	return strtol(c + strlen("<ctime>"), NULL, 10);
}

int virt_lock_age(struct virt *v, const char *pool, const char *name, long *secs,
		  struct herd_err *err)
{
	virStoragePoolPtr p = virt_ckp(virStoragePoolLookupByName(v->conn, pool));
	virStorageVolPtr vol = NULL;
	char *xml = NULL;
	long made;
	int rc = 1;

	if (p == NULL)
		return virt_last_code() == VIR_ERR_NO_STORAGE_POOL ? (virt_forget(), 1) :
		       virt_fail(err, "pool %s", pool);
	vol = virt_ckp(virStorageVolLookupByName(p, name));
	if (vol == NULL) {
		rc = virt_last_code() == VIR_ERR_NO_STORAGE_VOL ? (virt_forget(), 1) :
		     virt_fail(err, "lock %s/%s", pool, name);
		goto out;
	}
	xml = virt_ckp(virStorageVolGetXMLDesc(vol, 0));
	if (xml == NULL) {
		rc = virt_fail(err, "lock %s/%s", pool, name);
		goto out;
	}
	made = xml_ctime(xml);
	if (made > 0) {
		*secs = (long)time(NULL) - made;
		rc = 0;
	}
out:
	free(xml);
	if (vol != NULL)
		virStorageVolFree(vol);
	virStoragePoolFree(p);
	return rc;
}

void virt_lock_sweep_drafts(struct virt *v, const char *pool, const char *name,
			    long older_than)
{
	virStoragePoolPtr p = virStoragePoolLookupByName(v->conn, pool);
	virStorageVolPtr *vols = NULL;
	char *prefix = xasprintf("%s" VIRT_LOCK_DRAFT, name), *xml;
	int i, n = p != NULL ? virStoragePoolListAllVolumes(p, &vols, 0) : -1;
	long made;

	for (i = 0; i < n; i++) {
		if (strncmp(virStorageVolGetName(vols[i]), prefix, strlen(prefix)) == 0 &&
		    (xml = virStorageVolGetXMLDesc(vols[i], 0)) != NULL) {
			made = xml_ctime(xml);
			if (made > 0 && (long)time(NULL) - made > older_than)
				virStorageVolDelete(vols[i], 0);
			free(xml);
		}
		virStorageVolFree(vols[i]);
	}
	free(vols);
	free(prefix);
	if (p != NULL)
		virStoragePoolFree(p);
}
