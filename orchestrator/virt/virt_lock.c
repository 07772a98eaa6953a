/* orchestrator/virt/virt_lock.c — lock volumes: create (take), read (who). */
#include "orchestrator/virt/virt_lock.h"

#include <stdlib.h>
#include <string.h>

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

int virt_lock_create(struct virt *v, const char *pool, const char *name,
		     const char *text, struct herd_err *err)
{
	virStoragePoolPtr p = virt_ckp(virStoragePoolLookupByName(v->conn, pool));
	virStorageVolPtr vol = NULL;
	char *xml = NULL;
	int rc = -1, code;

	if (p == NULL)
		return virt_fail(err, "pool %s", pool);
	if (strlen(text) >= VIRT_LOCK_MAX) {
		herd_errf(err, HERD_E_VIRT, "lock %s/%s: holder text too long", pool, name);
		goto out;
	}
	xml = lock_xml(name);
	vol = virt_ckp(virStorageVolCreateXML(p, xml, 0));
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
	if (!v->test && write_text(v, vol, text, err) < 0) {
		virStorageVolDelete(vol, 0);	/* a lock nobody can name is no use */
		goto out;
	}
	rc = 0;
out:
	if (vol != NULL)
		virStorageVolFree(vol);
	virStoragePoolFree(p);
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
