/* orchestrator/run/apply.c — carry out a plan with a bounded worker pool. */
#include "orchestrator/run/apply.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/hash.h"
#include "common/mem.h"
#include "orchestrator/image/image_cache.h"
#include "orchestrator/image/image_fleet.h"
#include "orchestrator/virt/virt_domain.h"
#include "orchestrator/virt/virt_net.h"
#include "orchestrator/virt/virt_pool.h"
#include "seed/iso.h"
#include "seed/kickstart.h"

/* A base image made ready in herd--images, per struct fleet_image. */
struct base {
	bool needed;
	char *path;		/* volume path on the libvirt host */
	char *vol;		/* volume name in herd--images */
	const char *format;	/* "qcow2" / "raw" */
	bool uploaded;		/* this apply put it into herd--images */
	struct herd_err err;	/* why it is not ready */
};

struct run {
	struct virt *v;
	const struct fleet *f;
	const struct plan *p;
	const struct apply_opts *o;
	struct apply_report *rep;
	char *pool;		/* herd-<fleet> */
	char *pool_dir;
	struct base *bases;	/* [f->n_images] */
	const char *dtype;	/* domain type for the fleet's accel */
	pthread_mutex_t mu;	/* next, done, on_done */
	size_t next, done, total;
};

/* Work for the workers; a pending restart only with --restart. */
static bool is_vm_work(const struct run *r, enum plan_kind k)
{
	return k == PLAN_RECREATE || k == PLAN_CREATE || k == PLAN_UPDATE ||
	       k == PLAN_RESEED || k == PLAN_INSTALLED || k == PLAN_START ||
	       (k == PLAN_RESTART && r->o->restart);
}

/* Actions that do something (and are reported). */
static bool is_work(const struct run *r, enum plan_kind k)
{
	return k != PLAN_UNCHANGED && (k != PLAN_RESTART || r->o->restart);
}

static void finish(struct run *r, size_t i, const struct herd_err *e)
{
	pthread_mutex_lock(&r->mu);
	if (e != NULL && e->code != HERD_OK) {
		r->rep->results[i] = *e;
		r->rep->n_failed++;
	} else {
		r->rep->n_ok++;
	}
	r->done++;
	if (r->o->on_done != NULL)
		r->o->on_done(r->o->ctx, &r->p->acts[i],
			      e != NULL && e->code != HERD_OK ? e : NULL, r->done, r->total);
	pthread_mutex_unlock(&r->mu);
}

void apply_seed_hash(const struct bundle *b, char out[65])
{
	struct hash *h;
	char hex[HASH_HEX_MAX], len[32];
	size_t i;

	out[0] = '\0';
	if (b->label == NULL)
		return;
	h = hash_new(HASH_SHA256);
	hash_update(h, b->label, strlen(b->label) + 1);
	for (i = 0; i < b->n; i++) {
		snprintf(len, sizeof len, "%zu", b->files[i].len);
		hash_update(h, b->files[i].name, strlen(b->files[i].name) + 1);
		hash_update(h, len, strlen(len) + 1);
		hash_update(h, b->files[i].data, b->files[i].len);
	}
	hash_final_hex(h, hex);
	hash_free(h);
	memcpy(out, hex, 65);
}

/* ---- shared work before the workers ---- */

static int remove_vm(struct run *r, const char *domain, struct herd_err *err)
{
	char *disk = xasprintf("%s" PLAN_VOL_DISK_SUFFIX, domain);
	char *seed = xasprintf("%s" PLAN_VOL_SEED_SUFFIX, domain);
	int removed, rc;

	rc = virt_domain_remove(r->v, r->f->name, domain, &removed, err);
	if (rc == 0)
		rc = virt_vol_delete(r->v, r->f->name, r->pool, disk, err);
	if (rc == 0)
		rc = virt_vol_delete(r->v, r->f->name, r->pool, seed, err);
	free(disk);
	free(seed);
	return rc;
}

/* Every nat/isolated network, with a DHCP host for each VM on it. */
static int ensure_networks(struct run *r, struct herd_err *err)
{
	const struct fleet *f = r->f;
	struct virt_dhcp_host *hosts = xcalloc(f->n_vms + 1, sizeof *hosts);
	size_t i, j, k, n;
	char *name;
	int rc = 0;

	for (i = 0; i < f->n_networks && rc == 0; i++) {
		const struct fleet_network *net = &f->networks[i];

		if (net->mode == FLEET_NET_BRIDGE)
			continue;
		for (j = 0, n = 0; j < f->n_vms; j++)
			for (k = 0; k < f->vms[j].spec->n_networks; k++)
				if (f->vms[j].spec->networks[k] == net) {
					memcpy(hosts[n].mac, f->vms[j].nics[k].mac, 6);
					hosts[n].ip = f->vms[j].nics[k].ip;
					hosts[n++].name = f->vms[j].name;
				}
		name = plan_net_name(f->name, net->name);
		rc = virt_net_ensure(r->v, f->name, name, net, hosts, n, err);
		free(name);
	}
	free(hosts);
	return rc;
}

/* Pool, networks, deletions: in order, each recorded in its action. */
static int prepare(struct run *r, struct herd_err *err)
{
	const struct plan *p = r->p;
	struct herd_err e;
	size_t i;

	/* a changed network is made again: its VMs are recreated after */
	for (i = 0; i < p->n; i++)
		if (p->acts[i].kind == PLAN_NET_RECREATE &&
		    virt_net_remove(r->v, r->f->name,
				    p->acts[i].old ? p->acts[i].old : p->acts[i].object, err) < 0)
			return -1;
	if (virt_pool_ensure(r->v, r->f->name, r->pool, r->pool_dir, err) < 0 ||
	    ensure_networks(r, err) < 0)
		return -1;
	for (i = 0; i < p->n; i++) {
		const struct plan_action *a = &p->acts[i];

		herd_err_clear(&e);
		switch (a->kind) {
		case PLAN_POOL_CREATE: case PLAN_NET_CREATE: case PLAN_NET_START:
		case PLAN_NET_RECREATE:
			break;	/* done above */
		case PLAN_DELETE: remove_vm(r, a->object, &e); break;
		case PLAN_VOL_DELETE:
			virt_vol_delete(r->v, r->f->name, r->pool, a->object, &e);
			break;
		case PLAN_NET_DELETE: virt_net_remove(r->v, r->f->name, a->object, &e); break;
		default: continue;
		}
		if (e.code != HERD_OK)
			herd_errctx(&e, "%s", a->object);
		finish(r, i, &e);
	}
	return 0;
}

static int file_sha256(const char *path, char out[HASH_HEX_MAX], struct herd_err *err)
{
	struct hash *h;
	char *buf;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return herd_errno(err, HERD_E_IO, errno, "open %s", path);
	h = hash_new(HASH_SHA256);
	buf = xmalloc(1 << 20);
	while ((n = read(fd, buf, 1 << 20)) > 0)
		hash_update(h, buf, (size_t)n);
	free(buf);
	close(fd);
	hash_final_hex(h, out);
	hash_free(h);
	if (n < 0)
		return herd_errno(err, HERD_E_IO, errno, "read %s", path);
	return 0;
}

/* Into herd--images under its sha256, unless there already.  Another herd
 * (another fleet) may want the same image at the same moment: the check
 * and the upload run under a lock, or one would replace the volume the
 * other is writing. */
static int upload_base(struct run *r, const struct image_entry *e, const char *sha,
		       struct base *b, const char *images_dir)
{
	char *what = xasprintf("upload-%s", sha);
	int lock = image_cache_lock(r->o->cache_dir, what, &b->err), rc = -1;

	if (lock >= 0 &&
	    virt_pool_ensure(r->v, NULL, VIRT_IMAGES_POOL, images_dir, &b->err) == 0 &&
	    virt_image_ensure(r->v, VIRT_IMAGES_POOL, e->path, sha, b->format, &b->path,
			      &b->uploaded, &b->err) == 0)
		rc = 0;
	if (lock >= 0)
		image_cache_unlock(r->o->cache_dir, what, lock);
	free(what);
	return rc;
}

/* One base image: verified locally (downloaded for url:), then uploaded
 * into herd--images once, named by its sha256. */
static int ensure_base(struct run *r, const struct fleet_image *im, struct base *b,
		       const char *images_dir)
{
	struct image_src src;
	struct image_entry e;
	char sha[HASH_HEX_MAX];
	int rc = -1;

	image_fleet_src(im, &src);
	memset(&e, 0, sizeof e);
	if (image_cache_ensure(&src, r->o->cache_dir, NULL, &e, &b->err) < 0)
		goto out;
	if (e.algo == HASH_SHA256 && e.sum[0] != '\0')
		snprintf(sha, sizeof sha, "%s", e.sum);
	else if (file_sha256(e.path, sha, &b->err) < 0)
		goto out;
	b->format = e.format == IMAGE_FORMAT_QCOW2 ? "qcow2" : "raw";
	b->vol = xasprintf("%s.%s", sha, b->format);
	rc = upload_base(r, &e, sha, b, images_dir);
out:
	if (rc < 0)
		herd_errctx(&b->err, "image '%s'", im->name);
	image_entry_release(&e);
	return rc;
}

static void prepare_images(struct run *r)
{
	const struct fleet *f = r->f;
	char *images_dir = xasprintf("%s/%s", r->o->pool_base, VIRT_IMAGES_POOL);
	size_t i;

	for (i = 0; i < r->p->n; i++) {
		const struct plan_action *a = &r->p->acts[i];

		if ((a->kind == PLAN_CREATE || a->kind == PLAN_RECREATE) &&
		    a->vm->spec->image != NULL)
			r->bases[a->vm->spec->image - f->images].needed = true;
	}
	for (i = 0; i < f->n_images; i++)
		if (r->bases[i].needed)
			ensure_base(r, &f->images[i], &r->bases[i], images_dir);
	free(images_dir);
}

/* ---- one VM ---- */

static char *vm_xml(struct run *r, const struct plan_action *a, const char *disk,
		    const char *seed)
{
	const struct fleet_vm *vm = a->vm;
	const struct fleet_spec *s = vm->spec;
	const struct fleet_image *im = s->image;
	struct virt_nic *nics = xcalloc(s->n_networks + 1, sizeof *nics);
	char **names = xcalloc(s->n_networks + 1, sizeof *names);
	char *log = xasprintf("%s/%s.console.log", r->pool_dir, vm->domain), *xml;
	char *ks_args = NULL;
	struct virt_domain_spec d = {
		vm->domain, r->f->name, vm->name, vm->group, vm->index, &a->h,
		r->dtype, s->cpus, s->memory,
		im ? im->kernel : NULL, im ? im->initrd : NULL, im ? im->cmdline : NULL,
		disk, "qcow2", seed, nics, s->n_networks, log, false,
	};
	size_t i;

	if (a->install) {
		d.kernel = s->install.kernel;	/* boot the installer */
		d.initrd = s->install.initrd;
		d.cmdline = ks_args = kickstart_boot_args(s->install.args);
		d.installing = true;
	}
	for (i = 0; i < s->n_networks; i++) {
		memcpy(nics[i].mac, vm->nics[i].mac, 6);
		if (s->networks[i]->mode == FLEET_NET_BRIDGE)
			nics[i].bridge = s->networks[i]->bridge;
		else
			nics[i].network = names[i] = plan_net_name(r->f->name, s->networks[i]->name);
	}
	xml = virt_domain_xml(&d);
	for (i = 0; i < s->n_networks; i++)
		free(names[i]);
	free(names);
	free(nics);
	free(log);
	free(ks_args);
	return xml;
}

static int vm_disk(struct run *r, const struct fleet_vm *vm, char **path,
		   struct herd_err *err)
{
	const struct fleet_spec *s = vm->spec;
	char *name = xasprintf("%s" PLAN_VOL_DISK_SUFFIX, vm->domain);
	struct base *b = s->image ? &r->bases[s->image - r->f->images] : NULL;
	int rc;

	if (b != NULL && b->path == NULL) {
		*err = b->err;
		rc = -1;
	} else if (b == NULL) {
		rc = virt_vol_create_blank(r->v, r->f->name, r->pool, name, s->disk, path, err);
	} else if (s->clone == FLEET_CLONE_FULL) {
		rc = virt_vol_create_full(r->v, r->f->name, r->pool, name, VIRT_IMAGES_POOL,
					  b->vol, s->disk, path, err);
	} else {
		rc = virt_vol_create_linked(r->v, r->f->name, r->pool, name, b->path,
					    b->format, s->disk, path, err);
	}
	free(name);
	return rc;
}

/* Build vm's seed ISO in memory and upload it; *path NULL for bootstrap
 * none. */
static int vm_seed(struct run *r, const struct fleet_vm *vm, char **path,
		   struct herd_err *err)
{
	char *name = xasprintf("%s" PLAN_VOL_SEED_SUFFIX, vm->domain), *iso = NULL;
	struct bundle b;
	size_t len = 0;
	int rc = -1;

	*path = NULL;
	bundle_init(&b);
	if (r->o->seeds == NULL || vm->spec->bootstrap == FLEET_BOOT_NONE) {
		rc = virt_vol_delete(r->v, r->f->name, r->pool, name, err);
		goto out;
	}
	if (vmseed_build(r->o->seeds, vm, &b, err) < 0)
		goto out;
	if (b.label == NULL) {
		rc = 0;
		goto out;
	}
	if (iso_write_mem(b.label, b.files, b.n, &iso, &len, err) < 0)
		goto out;
	rc = virt_vol_upload_mem(r->v, r->f->name, r->pool, name, iso, len, path, err);
out:
	bundle_release(&b);
	free(iso);
	free(name);
	return rc;
}

static int vm_define(struct run *r, const struct plan_action *a, const char *disk,
		     const char *seed, struct herd_err *err)
{
	char *xml = vm_xml(r, a, disk, seed);
	int rc = virt_domain_define(r->v, r->f->name, a->object, xml, err);

	free(xml);
	return rc;
}

static int vm_create(struct run *r, const struct plan_action *a, struct herd_err *err)
{
	char *disk = NULL, *seed = NULL;
	int rc = -1;

	if (a->kind == PLAN_RECREATE && remove_vm(r, a->old ? a->old : a->object, err) < 0)
		return herd_errctx(err, "remove old domain");
	if (vm_disk(r, a->vm, &disk, err) < 0) {
		herd_errctx(err, "disk");
		goto out;
	}
	if (vm_seed(r, a->vm, &seed, err) < 0) {
		herd_errctx(err, "seed");
		goto out;
	}
	/* only now: a domain exists only with its disk and seed */
	if (vm_define(r, a, disk, seed, err) < 0 ||
	    virt_domain_start(r->v, r->f->name, a->object, err) < 0)
		goto out;
	rc = 0;
out:
	free(disk);
	free(seed);
	return rc;
}

/* cpus/memory changed (UPDATE), the seed did (RESEED) or the installer is
 * done (INSTALLED): redefine with the same disk, then restart when asked
 * (or start when off).  A new seed
 * volume replaces the old one's file: a running guest keeps reading the
 * old one until its next cold boot, which the live metadata records. */
static int vm_update(struct run *r, const struct plan_action *a, struct herd_err *err)
{
	char *dname = xasprintf("%s" PLAN_VOL_DISK_SUFFIX, a->object);
	char *sname = xasprintf("%s" PLAN_VOL_SEED_SUFFIX, a->object);
	char *disk = NULL, *seed = NULL;
	int rc = -1;

	if (virt_vol_path(r->v, r->f->name, r->pool, dname, &disk, err) < 0)
		goto out;
	if (a->kind == PLAN_RESEED ? vm_seed(r, a->vm, &seed, err) < 0
				   : virt_vol_path(r->v, r->f->name, r->pool, sname, &seed, err) < 0)
		goto out;
	if (disk == NULL) {
		herd_errf(err, HERD_E_STATE, "volume %s is missing (destroy the VM or "
			  "remove it from the file and apply twice)", dname);
		goto out;
	}
	if (vm_define(r, a, disk, seed, err) < 0)
		goto out;
	if (a->restart && r->o->restart)
		rc = virt_domain_restart(r->v, r->f->name, a->object, err);
	else
		rc = virt_domain_start(r->v, r->f->name, a->object, err);
out:
	free(dname);
	free(sname);
	free(disk);
	free(seed);
	return rc;
}

static void *worker(void *arg)
{
	struct run *shared = arg;
	struct herd_err e = HERD_ERR_INIT;
	struct virt *own = virt_open_sibling(shared->v, &e);
	struct run w;			/* this worker's view: its own connection */
	size_t i;

	pthread_mutex_lock(&shared->mu);	/* the counters move meanwhile */
	w = *shared;
	pthread_mutex_unlock(&shared->mu);
	if (own != NULL)
		w.v = own;
	for (;;) {
		pthread_mutex_lock(&shared->mu);
		while (shared->next < shared->p->n &&
		       !is_vm_work(shared, shared->p->acts[shared->next].kind))
			shared->next++;
		i = shared->next++;
		pthread_mutex_unlock(&shared->mu);
		if (i >= shared->p->n)
			break;
		herd_err_clear(&e);
		switch (w.p->acts[i].kind) {
		case PLAN_UPDATE:
		case PLAN_RESEED:
		case PLAN_INSTALLED: vm_update(&w, &w.p->acts[i], &e); break;
		case PLAN_START: virt_domain_start(w.v, w.f->name, w.p->acts[i].object, &e); break;
		case PLAN_RESTART:
			virt_domain_restart(w.v, w.f->name, w.p->acts[i].object, &e);
			break;
		default: vm_create(&w, &w.p->acts[i], &e); break;
		}
		finish(shared, i, &e);
	}
	virt_close(own);
	return NULL;
}

static void run_workers(struct run *r, size_t n_work)
{
	int jobs = r->o->jobs > 0 ? r->o->jobs : APPLY_DEFAULT_JOBS, i, started = 0;
	pthread_t th[APPLY_MAX_JOBS];

	if (jobs > APPLY_MAX_JOBS)
		jobs = APPLY_MAX_JOBS;
	if ((size_t)jobs > n_work)
		jobs = (int)n_work;
	for (i = 0; i < jobs; i++)
		if (pthread_create(&th[i], NULL, worker, r) == 0)
			started++;
	if (started == 0 && n_work > 0)
		worker(r);	/* no threads to be had: do it here */
	for (i = 0; i < started; i++)
		pthread_join(th[i], NULL);
}

int apply_run(struct virt *v, const struct fleet *f, const struct plan *p,
	      const struct apply_opts *o, struct apply_report *rep, struct herd_err *err)
{
	struct run r;
	size_t i, n_work = 0;

	memset(&r, 0, sizeof r);
	memset(rep, 0, sizeof *rep);
	rep->results = xcalloc(p->n + 1, sizeof *rep->results);
	r.v = v, r.f = f, r.p = p, r.o = o, r.rep = rep;
	r.pool = plan_pool_name(f->name);
	r.pool_dir = xasprintf("%s/%s", o->pool_base, r.pool);
	r.bases = xcalloc(f->n_images + 1, sizeof *r.bases);
	r.dtype = virt_domain_type(v, f->accel);
	pthread_mutex_init(&r.mu, NULL);
	for (i = 0; i < p->n; i++)
		if (is_work(&r, p->acts[i].kind))
			r.total++;
	for (i = 0; i < p->n; i++)
		n_work += is_vm_work(&r, p->acts[i].kind);
	if (prepare(&r, err) == 0) {
		prepare_images(&r);
		run_workers(&r, n_work);
	} else {
		/* no pool or network: nothing can be made; every action says why */
		for (i = 0; i < p->n; i++)
			if (is_work(&r, p->acts[i].kind))
				finish(&r, i, err);
	}
	for (i = 0; i < f->n_images; i++) {
		rep->n_uploaded += r.bases[i].uploaded;
		free(r.bases[i].path);
		free(r.bases[i].vol);
	}
	free(r.bases);
	free(r.pool);
	free(r.pool_dir);
	pthread_mutex_destroy(&r.mu);
	if (rep->n_failed == 0)
		return 0;
	for (i = 0; i < p->n && err->code == HERD_OK; i++)
		if (rep->results[i].code != HERD_OK)
			*err = rep->results[i];
	return -1;
}

void apply_report_release(struct apply_report *rep)
{
	free(rep->results);
	memset(rep, 0, sizeof *rep);
}
