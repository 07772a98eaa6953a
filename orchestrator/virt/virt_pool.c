/* orchestrator/virt/virt_pool.c — storage pools and volumes. */
#include "orchestrator/virt/virt_pool.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/mem.h"
#include "orchestrator/virt/virt_int.h"
#include "orchestrator/virt/virt_own.h"
#include "plans/plan.h"

/* The mutex of pool `name`, made on first use. */
static pthread_mutex_t *pool_mu(struct virt *v, const char *name)
{
	struct virt_locks *lk = v->lk;
	pthread_mutex_t *mu = &lk->table_mu;	/* fallback: one big lock */
	size_t i;

	pthread_mutex_lock(&lk->table_mu);
	for (i = 0; i < lk->n_locks; i++)
		if (strcmp(lk->locks[i].name, name) == 0)
			break;
	if (i == lk->n_locks && i < VIRT_MAX_POOL_LOCKS) {
		snprintf(lk->locks[i].name, sizeof lk->locks[i].name, "%s", name);
		pthread_mutex_init(&lk->locks[i].mu, NULL);
		lk->n_locks++;
	}
	if (i < lk->n_locks)
		mu = &lk->locks[i].mu;
	pthread_mutex_unlock(&lk->table_mu);
	return mu == &lk->table_mu ? NULL : mu;
}

static void lock(pthread_mutex_t *mu, struct virt *v)
{
	pthread_mutex_lock(mu ? mu : &v->lk->table_mu);
}

static void unlock(pthread_mutex_t *mu, struct virt *v)
{
	pthread_mutex_unlock(mu ? mu : &v->lk->table_mu);
}

static int pool_define(struct virt *v, const char *fleet, const char *name,
		       const char *dir, virStoragePoolPtr *out, struct herd_err *err)
{
	struct buf x;
	int rc = 0;

	buf_init(&x);
	buf_adds(&x, "<pool type='dir'><name>");
	virt_xml_esc(&x, name);
	buf_adds(&x, "</name>");
	virt_pool_mark_xml(&x, fleet);
	buf_adds(&x, "<target><path>");
	virt_xml_esc(&x, dir);
	buf_adds(&x, "</path></target></pool>");
	*out = virt_ckp(virStoragePoolDefineXML(v->conn, buf_str(&x), 0));
	if (*out == NULL) {
		/* another thread or process defined it first: its mark is
		 * checked by the caller; else this is the error */
		struct herd_err def = HERD_ERR_INIT;

		virt_fail(&def, "define pool %s", name);
		*out = virStoragePoolLookupByName(v->conn, name);
		if (*out == NULL)
			rc = herd_errf(err, def.code, "%s", def.msg);
	}
	buf_release(&x);
	return rc;
}

/* Pool `name` when it exists: 1 found (*p set), 0 missing, -1 error. */
static int pool_find(struct virt *v, const char *name, virStoragePoolPtr *p,
		     struct herd_err *err)
{
	*p = virt_ckp(virStoragePoolLookupByName(v->conn, name));
	if (*p != NULL)
		return 1;
	if (virt_last_code() == VIR_ERR_NO_STORAGE_POOL) {
		virt_forget();
		return 0;
	}
	return virt_fail(err, "pool %s", name);
}

int virt_pool_ensure(struct virt *v, const char *fleet, const char *name,
		     const char *dir, struct herd_err *err)
{
	pthread_mutex_t *mu = pool_mu(v, name);
	virStoragePoolPtr pool = NULL;
	int rc = -1, found;

	lock(mu, v);
	found = pool_find(v, name, &pool, err);
	if (found < 0 || (found == 0 && pool_define(v, fleet, name, dir, &pool, err) < 0))
		goto out;
	if (virt_pool_check(pool, fleet, name, err) < 0)
		goto out;
	if (virStoragePoolIsActive(pool) != 1) {
		/* build makes the directory; it fails harmlessly when it exists,
		 * and when it cannot, the start says why */
		virStoragePoolBuild(pool, 0);
		if (virt_ck(virStoragePoolCreate(pool, 0)) < 0 &&
		    virStoragePoolIsActive(pool) != 1) {
			virt_fail(err, "start pool %s", name);
			goto out;
		}
	}
	if (virt_ck(virStoragePoolSetAutostart(pool, 1)) < 0) {
		virt_fail(err, "pool %s: autostart", name);
		goto out;
	}
	rc = 0;
out:
	if (pool != NULL)
		virStoragePoolFree(pool);
	unlock(mu, v);
	return rc;
}

/* Delete the volumes of fleet's pool p that herd named; the names of the
 * others go into kept (a stranger's file is not herd's to delete). */
static int delete_fleet_vols(virStoragePoolPtr p, const char *fleet, const char *name,
			     struct buf *kept, struct herd_err *err)
{
	virStorageVolPtr *vols = NULL;
	int n, i, rc = 0;

	/* a pool whose folder is gone stops at the refresh: nothing inside */
	if (virStoragePoolRefresh(p, 0) < 0 && virStoragePoolIsActive(p) != 1)
		return 0;
	n = virt_ck(virStoragePoolListAllVolumes(p, &vols, 0));
	if (n < 0)
		return virt_fail(err, "list volumes of pool %s", name);
	for (i = 0; i < n; i++) {
		const char *vn = virStorageVolGetName(vols[i]);

		if (!virt_fleet_vol_name(fleet, vn))
			buf_addf(kept, "%s%s", kept->len ? ", " : "", vn);
		else if (rc == 0 && virt_ck(virStorageVolDelete(vols[i], 0)) < 0)
			rc = virt_fail(err, "pool %s: delete volume %s", name, vn);
		virStorageVolFree(vols[i]);
	}
	free(vols);
	return rc;
}

int virt_pool_remove(struct virt *v, const char *fleet, const char *name,
		     int *removed, struct herd_err *err)
{
	virStoragePoolPtr pool = NULL;
	struct buf kept;
	int rc = -1, found;

	*removed = 0;
	buf_init(&kept);
	if (fleet == NULL)	/* other fleets' clones depend on it */
		return herd_errf(err, HERD_E_STATE, "pool %s: herd never removes its shared "
				 "image pool", name);
	found = pool_find(v, name, &pool, err);
	if (found <= 0) {
		rc = found;
		goto out;
	}
	if (virt_pool_check(pool, fleet, name, err) < 0)
		goto out;
	if (virStoragePoolIsActive(pool) != 1 && virStoragePoolCreate(pool, 0) < 0)
		goto undefine;	/* cannot look inside: drop the definition only */
	if (delete_fleet_vols(pool, fleet, name, &kept, err) < 0)
		goto out;
	if (virStoragePoolIsActive(pool) != 1)
		goto undefine;
	if (kept.len > 0) {
		herd_errf(err, HERD_E_STATE, "pool %s holds volumes herd did not make (%s): "
			  "the pool stays, with them", name, buf_str(&kept));
		goto out;
	}
	if (virt_ck(virStoragePoolDestroy(pool)) < 0) {
		virt_fail(err, "stop pool %s", name);
		goto out;
	}
	virStoragePoolDelete(pool, 0);	/* the directory; it may hold a log */
undefine:
	if (virt_ck(virStoragePoolUndefine(pool)) < 0) {
		virt_fail(err, "undefine pool %s", name);
		goto out;
	}
	*removed = 1;
	rc = 0;
out:
	if (pool != NULL)
		virStoragePoolFree(pool);
	buf_release(&kept);
	return rc;
}

/* Pool `name` when it carries fleet's mark (fleet NULL: the shared image
 * pool's), else NULL with err. */
static virStoragePoolPtr get_pool(struct virt *v, const char *fleet, const char *name,
				  struct herd_err *err)
{
	virStoragePoolPtr p = virt_ckp(virStoragePoolLookupByName(v->conn, name));

	if (p == NULL) {
		virt_fail(err, "pool %s", name);
	} else if (virt_pool_check(p, fleet, name, err) < 0) {
		virStoragePoolFree(p);
		p = NULL;
	}
	return p;
}

int virt_vol_path(struct virt *v, const char *fleet, const char *pool, const char *name,
		  char **path, struct herd_err *err)
{
	virStoragePoolPtr p = get_pool(v, fleet, pool, err);
	virStorageVolPtr vol;
	int rc = 0;

	*path = NULL;
	if (p == NULL)
		return -1;
	vol = virt_ckp(virStorageVolLookupByName(p, name));
	if (vol != NULL) {
		*path = virt_ckp(virStorageVolGetPath(vol));
		if (*path == NULL)
			rc = virt_fail(err, "volume %s/%s: path", pool, name);
		virStorageVolFree(vol);
	} else if (virt_last_code() == VIR_ERR_NO_STORAGE_VOL) {
		virt_forget();
	} else {
		rc = virt_fail(err, "volume %s/%s", pool, name);
	}
	virStoragePoolFree(p);
	return rc;
}

/* Delete with the pool's lock held by the caller.  In a fleet's pool only
 * the names herd gives (fleet NULL: the shared pool, where herd replaces
 * its own half-uploaded images). */
static int vol_delete_locked(virStoragePoolPtr p, const char *fleet, const char *pool,
			     const char *name, struct herd_err *err)
{
	virStorageVolPtr vol;
	int rc = 0;

	if (fleet != NULL && !virt_fleet_vol_name(fleet, name))
		return herd_errf(err, HERD_E_STATE, "volume %s/%s is not a name herd gives "
				 "fleet '%s''s VMs: herd leaves it alone", pool, name, fleet);
	vol = virt_ckp(virStorageVolLookupByName(p, name));
	if (vol == NULL) {
		if (virt_last_code() == VIR_ERR_NO_STORAGE_VOL) {
			virt_forget();
			return 0;
		}
		return virt_fail(err, "volume %s/%s", pool, name);
	}
	if (virt_ck(virStorageVolDelete(vol, 0)) < 0)
		rc = virt_fail(err, "delete volume %s/%s", pool, name);
	virStorageVolFree(vol);
	return rc;
}

int virt_vol_delete(struct virt *v, const char *fleet, const char *pool, const char *name,
		    struct herd_err *err)
{
	pthread_mutex_t *mu = pool_mu(v, pool);
	virStoragePoolPtr p = NULL;
	int rc, found = pool_find(v, pool, &p, err);

	if (found <= 0)
		return found;	/* a missing pool holds no volume */
	rc = virt_pool_check(p, fleet, pool, err);
	if (rc == 0) {
		lock(mu, v);
		rc = vol_delete_locked(p, fleet, pool, name, err);
		unlock(mu, v);
	}
	virStoragePoolFree(p);
	return rc;
}

/* Create a volume from xml in pool (replacing `name` when replace), under
 * the pool's lock; clone_from may be NULL. */
static virStorageVolPtr vol_create(struct virt *v, const char *fleet, const char *pool,
				   const char *name, const char *xml,
				   virStorageVolPtr clone_from, int replace,
				   struct herd_err *err)
{
	pthread_mutex_t *mu = pool_mu(v, pool);
	virStoragePoolPtr p = get_pool(v, fleet, pool, err);
	virStorageVolPtr vol = NULL;

	if (p == NULL)
		return NULL;
	lock(mu, v);
	if (replace && vol_delete_locked(p, fleet, pool, name, err) < 0)
		goto out;
	vol = virt_ckp(clone_from ? virStorageVolCreateXMLFrom(p, xml, clone_from, 0)
				  : virStorageVolCreateXML(p, xml, 0));
	if (vol == NULL)
		virt_fail(err, "create volume %s/%s", pool, name);
out:
	unlock(mu, v);
	virStoragePoolFree(p);
	return vol;
}

/* Every volume herd makes is 0600 (explicitly, not by libvirt's default):
 * a seed holds the VM's SSH host private key. */
static char *vol_xml(const char *name, const char *format, uint64_t capacity,
		     const char *backing, const char *backing_format)
{
	struct buf x;

	buf_init(&x);
	buf_adds(&x, "<volume><name>");
	virt_xml_esc(&x, name);
	buf_addf(&x, "</name><capacity unit='bytes'>%llu</capacity>"
		 "<target><format type='%s'/><permissions><mode>0600</mode>"
		 "</permissions></target>",
		 (unsigned long long)capacity, format);
	if (backing != NULL) {
		buf_adds(&x, "<backingStore><path>");
		virt_xml_esc(&x, backing);
		buf_addf(&x, "</path><format type='%s'/></backingStore>", backing_format);
	}
	buf_adds(&x, "</volume>");
	return buf_take(&x, NULL);
}

static int vol_done(virStorageVolPtr vol, char **path, struct herd_err *err)
{
	int rc = 0;

	if (path != NULL) {
		*path = virt_ckp(virStorageVolGetPath(vol));
		if (*path == NULL)
			rc = virt_fail(err, "volume %s: path", virStorageVolGetName(vol));
	}
	virStorageVolFree(vol);
	return rc;
}

int virt_vol_create_linked(struct virt *v, const char *fleet, const char *pool,
			   const char *name, const char *base_path,
			   const char *base_format, uint64_t capacity, char **path,
			   struct herd_err *err)
{
	char *xml = vol_xml(name, "qcow2", capacity, base_path, base_format);
	virStorageVolPtr vol = vol_create(v, fleet, pool, name, xml, NULL, 1, err);

	free(xml);
	return vol ? vol_done(vol, path, err) : -1;
}

int virt_vol_create_blank(struct virt *v, const char *fleet, const char *pool,
			  const char *name, uint64_t capacity, char **path,
			  struct herd_err *err)
{
	char *xml = vol_xml(name, "qcow2", capacity, NULL, NULL);
	virStorageVolPtr vol = vol_create(v, fleet, pool, name, xml, NULL, 1, err);

	free(xml);
	return vol ? vol_done(vol, path, err) : -1;
}

int virt_vol_create_full(struct virt *v, const char *fleet, const char *pool,
			 const char *name, const char *base_pool, const char *base_name,
			 uint64_t capacity, char **path, struct herd_err *err)
{
	virStoragePoolPtr bp = get_pool(v, NULL, base_pool, err);
	virStorageVolPtr base = NULL, vol = NULL;
	virStorageVolInfo info;
	char *xml = NULL;
	int rc = -1;

	if (bp == NULL)
		return -1;
	base = virt_ckp(virStorageVolLookupByName(bp, base_name));
	if (base == NULL) {
		virt_fail(err, "base volume %s/%s", base_pool, base_name);
		goto out;
	}
	xml = vol_xml(name, "qcow2", capacity, NULL, NULL);
	vol = vol_create(v, fleet, pool, name, xml, base, 1, err);
	if (vol == NULL)
		goto out;
	/* the copy has the base's size; the disk may be asked larger */
	if (virt_ck(virStorageVolGetInfo(vol, &info)) < 0) {
		virt_fail(err, "volume %s/%s: info", pool, name);
		goto out;
	}
	if (info.capacity < capacity && virt_ck(virStorageVolResize(vol, capacity, 0)) < 0) {
		virt_fail(err, "grow volume %s/%s", pool, name);
		goto out;
	}
	rc = vol_done(vol, path, err);
	vol = NULL;
out:
	if (vol != NULL)
		virStorageVolFree(vol);
	if (base != NULL)
		virStorageVolFree(base);
	virStoragePoolFree(bp);
	free(xml);
	return rc;
}

int virt_pool_observe(struct virt *v, const char *fleet, struct plan_observed *obs,
		      struct herd_err *err)
{
	char *name = plan_pool_name(fleet), *owner = NULL;
	virStorageVolPtr *vols = NULL;
	virStoragePoolPtr pool = NULL;
	int n, i, rc;

	rc = pool_find(v, name, &pool, err);
	if (rc <= 0)
		goto out;	/* no pool: nothing made yet */
	rc = virt_pool_owner(pool, &owner) < 0 ? virt_fail(err, "pool %s", name) : 0;
	if (rc < 0 || owner == NULL || strcmp(owner, fleet) != 0)
		goto out;	/* not the fleet's: apply will say so */
	obs->pool = true;
	obs->pool_active = virStoragePoolIsActive(pool) == 1;
	if (!obs->pool_active)
		goto out;
	n = virt_ck(virStoragePoolListAllVolumes(pool, &vols, 0));
	if (n < 0) {
		rc = virt_fail(err, "list volumes of pool %s", name);
		goto out;
	}
	for (i = 0; i < n; i++) {
		/* only names herd gives: console logs and strangers' files are
		 * not part of the fleet's state (nor of a saved plan's) */
		char *vo = plan_vol_owner(virStorageVolGetName(vols[i]));

		if (vo != NULL && virt_fleet_vol_name(fleet, virStorageVolGetName(vols[i])))
			plan_observed_add_vol(obs, virStorageVolGetName(vols[i]));
		free(vo);
		virStorageVolFree(vols[i]);
	}
	free(vols);
out:
	if (pool != NULL)
		virStoragePoolFree(pool);
	free(owner);
	free(name);
	return rc < 0 ? -1 : 0;
}

/* ---- uploads ---- */

struct src {
	const char *mem;	/* memory source, or NULL */
	size_t len, off;
	int fd;			/* file source, or -1 */
};

static int src_read(virStreamPtr st, char *data, size_t n, void *opaque)
{
	struct src *s = opaque;
	ssize_t r;

	(void)st;
	if (s->fd < 0) {
		if (n > s->len - s->off)
			n = s->len - s->off;
		memcpy(data, s->mem + s->off, n);
		s->off += n;
		return (int)n;
	}
	do
		r = read(s->fd, data, n);
	while (r < 0 && errno == EINTR);
	return (int)r;
}

/* Stream s into the existing volume vol (len bytes from offset 0). */
static int upload(struct virt *v, virStorageVolPtr vol, struct src *s, uint64_t len,
		  struct herd_err *err)
{
	virStreamPtr st = virt_ckp(virStreamNew(v->conn, 0));
	int rc = -1;

	if (st == NULL)
		return virt_fail(err, "new stream");
	if (virt_ck(virStorageVolUpload(vol, st, 0, len, 0)) < 0) {
		virt_fail(err, "upload to %s", virStorageVolGetName(vol));
		goto out;
	}
	if (virt_ck(virStreamSendAll(st, src_read, s)) < 0) {
		virt_fail(err, "upload to %s", virStorageVolGetName(vol));
		virStreamAbort(st);
		goto out;
	}
	if (virt_ck(virStreamFinish(st)) < 0) {
		virt_fail(err, "finish upload to %s", virStorageVolGetName(vol));
		goto out;
	}
	rc = 0;
out:
	virStreamFree(st);
	return rc;
}

int virt_vol_upload_mem(struct virt *v, const char *fleet, const char *pool,
			const char *name, const void *data, size_t len, char **path,
			struct herd_err *err)
{
	struct src s = { data, len, 0, -1 };
	char *xml = vol_xml(name, "raw", len, NULL, NULL);
	virStorageVolPtr vol = vol_create(v, fleet, pool, name, xml, NULL, 1, err);
	int rc = -1;

	free(xml);
	if (vol == NULL)
		return -1;
	if (upload(v, vol, &s, len, err) == 0)
		rc = vol_done(vol, path, err);
	else
		virStorageVolFree(vol);
	return rc;
}

static int vol_exists(virStoragePoolPtr p, const char *name)
{
	virStorageVolPtr vol = virStorageVolLookupByName(p, name);

	if (vol == NULL)
		return 0;
	virStorageVolFree(vol);
	return 1;
}

static int upload_file(struct virt *v, const char *pool, const char *name,
		       const char *local, struct herd_err *err)
{
	struct src s = { NULL, 0, 0, -1 };
	virStorageVolPtr vol = NULL;
	struct stat stt;
	char *xml = NULL;
	int rc = -1;

	s.fd = open(local, O_RDONLY | O_CLOEXEC);
	if (s.fd < 0 || fstat(s.fd, &stt) < 0) {
		herd_errno(err, HERD_E_IO, errno, "open %s", local);
		goto out;
	}
	/* raw with the file's size: the bytes go in unchanged, whatever they
	 * hold; the pool refresh afterwards lets libvirt probe the format */
	xml = vol_xml(name, "raw", (uint64_t)stt.st_size, NULL, NULL);
	vol = vol_create(v, NULL, pool, name, xml, NULL, 1, err);
	if (vol != NULL)
		rc = upload(v, vol, &s, (uint64_t)stt.st_size, err);
out:
	if (vol != NULL)
		virStorageVolFree(vol);
	if (s.fd >= 0)
		close(s.fd);
	free(xml);
	return rc;
}

int virt_image_ensure(struct virt *v, const char *pool, const char *local,
		      const char *sha256, const char *format, char **path,
		      bool *uploaded, struct herd_err *err)
{
	char *name = xasprintf("%s.%s", sha256, format), *ok = xasprintf("%s.ok", sha256);
	char *okxml = vol_xml(ok, "raw", 0, NULL, NULL);
	virStoragePoolPtr p = get_pool(v, NULL, pool, err);
	virStorageVolPtr mark = NULL;
	int rc = -1;

	if (p == NULL)
		goto out;
	if (!vol_exists(p, ok) || !vol_exists(p, name)) {
		if (upload_file(v, pool, name, local, err) < 0)
			goto out;
		if (uploaded != NULL)
			*uploaded = true;
		virStoragePoolRefresh(p, 0);
		mark = vol_create(v, NULL, pool, ok, okxml, NULL, 1, err);
		if (mark == NULL)
			goto out;
	}
	rc = virt_vol_path(v, NULL, pool, name, path, err);
	if (rc == 0 && *path == NULL)
		rc = herd_errf(err, HERD_E_VIRT, "volume %s/%s vanished", pool, name);
out:
	if (mark != NULL)
		virStorageVolFree(mark);
	if (p != NULL)
		virStoragePoolFree(p);
	free(name);
	free(ok);
	free(okxml);
	return rc;
}
