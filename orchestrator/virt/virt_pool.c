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

static int pool_define(struct virt *v, const char *name, const char *dir,
		       virStoragePoolPtr *out, struct herd_err *err)
{
	struct buf x;
	int rc = 0;

	buf_init(&x);
	buf_adds(&x, "<pool type='dir'><name>");
	virt_xml_esc(&x, name);
	buf_adds(&x, "</name><target><path>");
	virt_xml_esc(&x, dir);
	buf_adds(&x, "</path></target></pool>");
	*out = virStoragePoolDefineXML(v->conn, buf_str(&x), 0);
	if (*out == NULL) {
		/* another thread or process defined it first */
		*out = virStoragePoolLookupByName(v->conn, name);
		if (*out == NULL)
			rc = virt_fail(err, "define pool %s", name);
	}
	buf_release(&x);
	return rc;
}

int virt_pool_ensure(struct virt *v, const char *name, const char *dir,
		     struct herd_err *err)
{
	pthread_mutex_t *mu = pool_mu(v, name);
	virStoragePoolPtr pool = NULL;
	int rc = -1;

	lock(mu, v);
	pool = virStoragePoolLookupByName(v->conn, name);
	if (pool == NULL && pool_define(v, name, dir, &pool, err) < 0)
		goto out;
	if (virStoragePoolIsActive(pool) != 1) {
		/* build makes the directory; it fails harmlessly when it exists */
		virStoragePoolBuild(pool, 0);
		if (virStoragePoolCreate(pool, 0) < 0 && virStoragePoolIsActive(pool) != 1) {
			virt_fail(err, "start pool %s", name);
			goto out;
		}
	}
	virStoragePoolSetAutostart(pool, 1);
	rc = 0;
out:
	if (pool != NULL)
		virStoragePoolFree(pool);
	unlock(mu, v);
	return rc;
}

int virt_pool_remove(struct virt *v, const char *name, int *removed,
		     struct herd_err *err)
{
	virStorageVolPtr *vols = NULL;
	virStoragePoolPtr pool;
	int n = 0, i, rc = -1, failed = 0;

	*removed = 0;
	pool = virStoragePoolLookupByName(v->conn, name);
	if (pool == NULL)
		return 0;
	if (virStoragePoolIsActive(pool) != 1 && virStoragePoolCreate(pool, 0) < 0)
		goto undefine;	/* cannot look inside: drop the definition only */
	virStoragePoolRefresh(pool, 0);
	n = virStoragePoolListAllVolumes(pool, &vols, 0);
	for (i = 0; i < n; i++) {
		if (virStorageVolDelete(vols[i], 0) < 0 && !failed++)
			virt_fail(err, "pool %s: delete volume %s", name,
				  virStorageVolGetName(vols[i]));
		virStorageVolFree(vols[i]);
	}
	free(vols);
	if (failed)
		goto out;
	if (virStoragePoolDestroy(pool) < 0) {
		virt_fail(err, "stop pool %s", name);
		goto out;
	}
	virStoragePoolDelete(pool, 0);	/* the directory; it may hold a log */
undefine:
	if (virStoragePoolUndefine(pool) < 0) {
		virt_fail(err, "undefine pool %s", name);
		goto out;
	}
	*removed = 1;
	rc = 0;
out:
	virStoragePoolFree(pool);
	return rc;
}

/* pool by name, or NULL with err. */
static virStoragePoolPtr get_pool(struct virt *v, const char *name, struct herd_err *err)
{
	virStoragePoolPtr p = virStoragePoolLookupByName(v->conn, name);

	if (p == NULL)
		virt_fail(err, "pool %s", name);
	return p;
}

int virt_vol_path(struct virt *v, const char *pool, const char *name, char **path,
		  struct herd_err *err)
{
	virStoragePoolPtr p = get_pool(v, pool, err);
	virStorageVolPtr vol;

	*path = NULL;
	if (p == NULL)
		return -1;
	vol = virStorageVolLookupByName(p, name);
	if (vol != NULL) {
		*path = virStorageVolGetPath(vol);
		virStorageVolFree(vol);
	}
	virStoragePoolFree(p);
	return 0;
}

/* Delete with the pool's lock held by the caller. */
static int vol_delete_locked(virStoragePoolPtr p, const char *pool, const char *name,
			     struct herd_err *err)
{
	virStorageVolPtr vol = virStorageVolLookupByName(p, name);
	int rc = 0;

	if (vol == NULL)
		return 0;
	if (virStorageVolDelete(vol, 0) < 0)
		rc = virt_fail(err, "delete volume %s/%s", pool, name);
	virStorageVolFree(vol);
	return rc;
}

int virt_vol_delete(struct virt *v, const char *pool, const char *name,
		    struct herd_err *err)
{
	pthread_mutex_t *mu = pool_mu(v, pool);
	virStoragePoolPtr p = virStoragePoolLookupByName(v->conn, pool);
	int rc;

	if (p == NULL)
		return 0;
	lock(mu, v);
	rc = vol_delete_locked(p, pool, name, err);
	unlock(mu, v);
	virStoragePoolFree(p);
	return rc;
}

/* Create a volume from xml in pool (replacing `name` when replace), under
 * the pool's lock; clone_from may be NULL. */
static virStorageVolPtr vol_create(struct virt *v, const char *pool, const char *name,
				   const char *xml, virStorageVolPtr clone_from,
				   int replace, struct herd_err *err)
{
	pthread_mutex_t *mu = pool_mu(v, pool);
	virStoragePoolPtr p = get_pool(v, pool, err);
	virStorageVolPtr vol = NULL;

	if (p == NULL)
		return NULL;
	lock(mu, v);
	if (replace && vol_delete_locked(p, pool, name, err) < 0)
		goto out;
	vol = clone_from ? virStorageVolCreateXMLFrom(p, xml, clone_from, 0)
			 : virStorageVolCreateXML(p, xml, 0);
	if (vol == NULL)
		virt_fail(err, "create volume %s/%s", pool, name);
out:
	unlock(mu, v);
	virStoragePoolFree(p);
	return vol;
}

static char *vol_xml(const char *name, const char *format, uint64_t capacity,
		     const char *backing, const char *backing_format)
{
	struct buf x;

	buf_init(&x);
	buf_adds(&x, "<volume><name>");
	virt_xml_esc(&x, name);
	buf_addf(&x, "</name><capacity unit='bytes'>%llu</capacity>"
		 "<target><format type='%s'/></target>",
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
		*path = virStorageVolGetPath(vol);
		if (*path == NULL)
			rc = virt_fail(err, "volume %s: path", virStorageVolGetName(vol));
	}
	virStorageVolFree(vol);
	return rc;
}

int virt_vol_create_linked(struct virt *v, const char *pool, const char *name,
			   const char *base_path, const char *base_format,
			   uint64_t capacity, char **path, struct herd_err *err)
{
	char *xml = vol_xml(name, "qcow2", capacity, base_path, base_format);
	virStorageVolPtr vol = vol_create(v, pool, name, xml, NULL, 1, err);

	free(xml);
	return vol ? vol_done(vol, path, err) : -1;
}

int virt_vol_create_blank(struct virt *v, const char *pool, const char *name,
			  uint64_t capacity, char **path, struct herd_err *err)
{
	char *xml = vol_xml(name, "qcow2", capacity, NULL, NULL);
	virStorageVolPtr vol = vol_create(v, pool, name, xml, NULL, 1, err);

	free(xml);
	return vol ? vol_done(vol, path, err) : -1;
}

int virt_vol_create_full(struct virt *v, const char *pool, const char *name,
			 const char *base_pool, const char *base_name,
			 uint64_t capacity, char **path, struct herd_err *err)
{
	virStoragePoolPtr bp = get_pool(v, base_pool, err);
	virStorageVolPtr base = NULL, vol = NULL;
	virStorageVolInfo info;
	char *xml = NULL;
	int rc = -1;

	if (bp == NULL)
		return -1;
	base = virStorageVolLookupByName(bp, base_name);
	if (base == NULL) {
		virt_fail(err, "base volume %s/%s", base_pool, base_name);
		goto out;
	}
	xml = vol_xml(name, "qcow2", capacity, NULL, NULL);
	vol = vol_create(v, pool, name, xml, base, 1, err);
	if (vol == NULL)
		goto out;
	/* the copy has the base's size; the disk may be asked larger */
	if (virStorageVolGetInfo(vol, &info) == 0 && info.capacity < capacity &&
	    virStorageVolResize(vol, capacity, 0) < 0) {
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
	virStreamPtr st = virStreamNew(v->conn, 0);
	int rc = -1;

	if (st == NULL)
		return virt_fail(err, "new stream");
	if (virStorageVolUpload(vol, st, 0, len, 0) < 0) {
		virt_fail(err, "upload to %s", virStorageVolGetName(vol));
		goto out;
	}
	if (virStreamSendAll(st, src_read, s) < 0) {
		virt_fail(err, "upload to %s", virStorageVolGetName(vol));
		virStreamAbort(st);
		goto out;
	}
	if (virStreamFinish(st) < 0) {
		virt_fail(err, "finish upload to %s", virStorageVolGetName(vol));
		goto out;
	}
	rc = 0;
out:
	virStreamFree(st);
	return rc;
}

int virt_vol_upload_mem(struct virt *v, const char *pool, const char *name,
			const void *data, size_t len, char **path, struct herd_err *err)
{
	struct src s = { data, len, 0, -1 };
	char *xml = vol_xml(name, "raw", len, NULL, NULL);
	virStorageVolPtr vol = vol_create(v, pool, name, xml, NULL, 1, err);
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
	vol = vol_create(v, pool, name, xml, NULL, 1, err);
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
	virStoragePoolPtr p = get_pool(v, pool, err);
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
		mark = vol_create(v, pool, ok, okxml, NULL, 1, err);
		if (mark == NULL)
			goto out;
	}
	rc = virt_vol_path(v, pool, name, path, err);
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
