/* orchestrator/virt/virt.c — the connection, errors, and observing a fleet. */
#include "orchestrator/virt/virt.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/mem.h"
#include "orchestrator/virt/virt_int.h"

/* libvirt prints every error to stderr by default; herd reports its own. */
static void quiet(void *opaque, virErrorPtr e)
{
	(void)opaque;
	(void)e;
}

static pthread_once_t quiet_once = PTHREAD_ONCE_INIT;

static void install_quiet(void)
{
	/* The handler is process-wide, not per thread: once is enough. */
	virSetErrorFunc(NULL, quiet);
	if (virInitialize() < 0)
		fputs("herd: libvirt failed to initialise\n", stderr);
}

void virt_quiet_once(void)
{
	pthread_once(&quiet_once, install_quiet);
}

static _Thread_local struct {
	int set;
	int code;
	char msg[400];
} captured;

static void capture(void)
{
	virErrorPtr e = virGetLastError();

	captured.set = 1;
	captured.code = e ? e->code : 0;
	snprintf(captured.msg, sizeof captured.msg, "%s",
		 e && e->message ? e->message : "libvirt gave no reason");
}

int virt_ck(int rc)
{
	if (rc < 0)
		capture();
	return rc;
}

void *virt_ckp(const void *p)
{
	if (p == NULL)
		capture();
	return (void *)(uintptr_t)p;
}

void virt_capture_pending(void)
{
	if (!captured.set)
		capture();
}

int virt_fail_saved(struct herd_err *err, const char *fmt, ...)
{
	char what[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	herd_errf(err, HERD_E_VIRT, "%s: %s", what, captured.msg);
	virt_forget();
	return -1;
}

int virt_last_code(void)
{
	return captured.set ? captured.code : 0;
}

void virt_forget(void)
{
	captured.set = 0;
	captured.code = 0;
	captured.msg[0] = '\0';
}

void virt_xml_esc(struct buf *b, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': buf_adds(b, "&amp;"); break;
		case '<': buf_adds(b, "&lt;"); break;
		case '>': buf_adds(b, "&gt;"); break;
		case '"': buf_adds(b, "&quot;"); break;
		case '\'': buf_adds(b, "&apos;"); break;
		default: buf_addc(b, *s);
		}
	}
}

static void unescape_into(struct buf *b, const char *p, const char *end)
{
	static const struct { const char *ent; char c; } ents[] = {
		{ "&amp;", '&' }, { "&lt;", '<' }, { "&gt;", '>' },
		{ "&quot;", '"' }, { "&apos;", '\'' },
	};
	size_t i;

	while (p < end) {
		for (i = 0; i < sizeof ents / sizeof ents[0]; i++)
			if (strncmp(p, ents[i].ent, strlen(ents[i].ent)) == 0)
				break;
		if (i < sizeof ents / sizeof ents[0]) {
			buf_addc(b, ents[i].c);
			p += strlen(ents[i].ent);
		} else {
			buf_addc(b, *p++);
		}
	}
}

char *virt_xml_attr(const char *xml, const char *name)
{
	const char *tag_end = strchr(xml, '>'), *p = xml, *v, *e;
	size_t n = strlen(name);
	struct buf b;
	char q;

	if (tag_end == NULL)
		return NULL;
	while ((p = strstr(p, name)) != NULL && p < tag_end) {
		/* a whole attribute name: after a blank, before '=' */
		if ((p[-1] == ' ' || p[-1] == '\n' || p[-1] == '\t') && p[n] == '=' &&
		    (p[n + 1] == '"' || p[n + 1] == '\'')) {
			q = p[n + 1];
			v = p + n + 2;
			e = strchr(v, q);
			if (e == NULL)
				return NULL;
			buf_init(&b);
			unescape_into(&b, v, e);
			return buf_take(&b, NULL);
		}
		p += n;
	}
	return NULL;
}

const char *virt_pick_uri(const char *opt, const char *file_uri)
{
	if (opt != NULL && *opt != '\0')
		return opt;
	if (file_uri != NULL && *file_uri != '\0')
		return file_uri;
	return NULL;
}

static struct virt *open_conn(const char *uri, struct virt_locks *shared,
			      struct herd_err *err)
{
	struct virt *v;
	char *got;
	const char *type;

	virt_quiet_once();
	v = xcalloc(1, sizeof *v);
	v->conn = virt_ckp(virConnectOpen(uri));
	if (v->conn == NULL) {
		virt_fail(err, "connect to %s", uri ? uri : "libvirt's default URI");
		free(v);
		return NULL;
	}
	got = virConnectGetURI(v->conn);
	v->uri = xstrdup(got ? got : (uri ? uri : ""));
	free(got);
	type = virConnectGetType(v->conn);
	v->test = type != NULL && strcmp(type, "TEST") == 0;
	v->system = strstr(v->uri, "/system") != NULL;
	if (shared != NULL) {
		v->lk = shared;
	} else {
		v->lk = &v->own;
		pthread_mutex_init(&v->own.table_mu, NULL);
	}
	return v;
}

struct virt *virt_open(const char *uri, struct herd_err *err)
{
	return open_conn(uri, NULL, err);
}

struct virt *virt_open_sibling(struct virt *v, struct herd_err *err)
{
	/* The test driver's state belongs to one connection: share it. */
	if (v->test)
		return NULL;
	return open_conn(v->uri, v->lk, err);
}

void virt_close(struct virt *v)
{
	size_t i;

	if (v == NULL)
		return;
	virConnectClose(v->conn);
	if (v->lk == &v->own) {
		for (i = 0; i < v->own.n_locks; i++)
			pthread_mutex_destroy(&v->own.locks[i].mu);
		pthread_mutex_destroy(&v->own.table_mu);
	}
	free(v->uri);
	free(v);
}

const char *virt_uri(const struct virt *v)
{
	return v->uri;
}

bool virt_is_test(const struct virt *v)
{
	return v->test;
}

bool virt_is_system(const struct virt *v)
{
	return v->system;
}

/* ---- observing ---- */

/* herd's metadata element of dom if it is tagged for fleet (caller
 * frees), else NULL.  From the persistent definition (what apply last
 * defined, what a cold boot runs); a transient domain has only the live
 * one. */
static char *fleet_meta(virDomainPtr dom, const char *fleet)
{
	char *xml = virDomainGetMetadata(dom, VIR_DOMAIN_METADATA_ELEMENT, VIRT_XMLNS,
					 VIR_DOMAIN_AFFECT_CONFIG);
	char *f;

	if (xml == NULL)
		xml = virDomainGetMetadata(dom, VIR_DOMAIN_METADATA_ELEMENT, VIRT_XMLNS, 0);
	if (xml == NULL)
		return NULL;
	f = virt_xml_attr(xml, "fleet");
	if (f == NULL || strcmp(f, fleet) != 0) {
		free(xml);
		xml = NULL;
	}
	free(f);
	return xml;
}

static void copy_attr(const char *xml, const char *name, char *out, size_t outlen)
{
	char *s = virt_xml_attr(xml, name);

	snprintf(out, outlen, "%s", s ? s : "");
	free(s);
}

/* A running domain's persistent cpus and memory (what a restart gives),
 * from its inactive XML; left 0 (= as live) when that cannot be read. */
static void config_size(virDomainPtr dom, struct plan_obs_vm *o)
{
	char *xml = virDomainGetXMLDesc(dom, VIR_DOMAIN_XML_INACTIVE);
	const char *m, *c;

	if (xml == NULL)
		return;
	m = strstr(xml, "<memory unit='KiB'>");
	c = strstr(xml, "<vcpu");
	if (m != NULL && c != NULL && (c = strchr(c, '>')) != NULL) {
		o->cfg_memory = strtoull(m + strlen("<memory unit='KiB'>"), NULL, 10) * 1024;
		o->cfg_cpus = (unsigned)strtoul(c + 1, NULL, 10);
	}
	free(xml);
}

/* The seed hash a running domain was started with (its live metadata). */
static void live_seed(virDomainPtr dom, struct plan_obs_vm *o)
{
	char *xml = virDomainGetMetadata(dom, VIR_DOMAIN_METADATA_ELEMENT, VIRT_XMLNS,
					 VIR_DOMAIN_AFFECT_LIVE);

	if (xml != NULL)
		copy_attr(xml, "h-seed", o->live_seed, sizeof o->live_seed);
	free(xml);
}

/* A start still in progress (an earlier apply killed mid-start leaves
 * libvirt finishing it): paused, "starting up".  Wait for it to settle,
 * up to STARTING_WAIT_MS, so the plan sees what it became. */
#define STARTING_WAIT_MS 60000

static void settle_start(virDomainPtr dom)
{
	int state, reason, waited = 0;

	while (waited < STARTING_WAIT_MS &&
	       virDomainGetState(dom, &state, &reason, 0) == 0 &&
	       state == VIR_DOMAIN_PAUSED && reason == VIR_DOMAIN_PAUSED_STARTING_UP) {
		usleep(200 * 1000);
		waited += 200;
	}
}

static int observe_domain(virDomainPtr dom, const char *meta, struct plan_observed *obs,
			  struct herd_err *err)
{
	struct plan_obs_vm *o;
	virDomainInfo info;
	char key[32], *phase;
	int f;

	settle_start(dom);
	if (virt_ck(virDomainGetInfo(dom, &info)) < 0)
		return virt_fail(err, "domain %s: get info", virDomainGetName(dom));
	o = plan_observed_add_vm(obs, virDomainGetName(dom));
	o->name = virt_xml_attr(meta, "name");
	copy_attr(meta, "spec", o->h.spec, sizeof o->h.spec);
	for (f = 0; f < PLAN_F_COUNT; f++) {
		snprintf(key, sizeof key, "h-%s", plan_field_name((enum plan_field)f));
		copy_attr(meta, key, o->h.field[f], sizeof o->h.field[f]);
	}
	o->cpus = info.nrVirtCpu;
	o->memory = (uint64_t)info.maxMem * 1024;
	o->state = info.state == VIR_DOMAIN_SHUTOFF ? PLAN_DOM_OFF
		 : info.state == VIR_DOMAIN_RUNNING ? PLAN_DOM_RUNNING : PLAN_DOM_OTHER;
	phase = virt_xml_attr(meta, "phase");
	o->installing = phase != NULL && strcmp(phase, "install") == 0;
	free(phase);
	if (o->state != PLAN_DOM_OFF) {
		config_size(dom, o);
		live_seed(dom, o);
	}
	return 0;
}

/* Call fn for every domain tagged for fleet, with its metadata. */
static int each_fleet_domain(struct virt *v, const char *fleet,
			     int (*fn)(virDomainPtr, const char *, void *, struct herd_err *),
			     void *ctx, struct herd_err *err)
{
	virDomainPtr *doms = NULL;
	int n, i, rc = 0;
	char *meta;

	n = virt_ck(virConnectListAllDomains(v->conn, &doms, 0));
	if (n < 0)
		return virt_fail(err, "list domains");
	for (i = 0; i < n; i++) {
		meta = rc == 0 ? fleet_meta(doms[i], fleet) : NULL;
		if (meta != NULL)
			rc = fn(doms[i], meta, ctx, err);
		free(meta);
		virDomainFree(doms[i]);
	}
	free(doms);
	return rc;
}

static int obs_dom_cb(virDomainPtr d, const char *meta, void *ctx, struct herd_err *err)
{
	return observe_domain(d, meta, ctx, err);
}

static int observe_networks(struct virt *v, const char *fleet, struct plan_observed *obs,
			    struct herd_err *err)
{
	virNetworkPtr *nets = NULL;
	char *prefix = plan_net_prefix(fleet), *xml, *mark;
	struct plan_obs_net *o;
	const char *tag;
	int n, i;

	n = virt_ck(virConnectListAllNetworks(v->conn, &nets, 0));
	if (n < 0) {
		free(prefix);
		return virt_fail(err, "list networks");
	}
	mark = xasprintf("xmlns:%s=\"%s\" fleet=\"%s\"", VIRT_XMLNS_PREFIX, VIRT_XMLNS, fleet);
	for (i = 0; i < n; i++) {
		const char *name = virNetworkGetName(nets[i]);

		if (strncmp(name, prefix, strlen(prefix)) == 0 &&
		    (xml = virt_net_xml(nets[i])) != NULL) {
			if ((tag = strstr(xml, mark)) != NULL) {
				o = plan_observed_add_net(obs, name,
							  virNetworkIsActive(nets[i]) == 1);
				copy_attr(tag - 1, "hash", o->hash, sizeof o->hash);
			}
			free(xml);
		}
		virNetworkFree(nets[i]);
	}
	free(nets);
	free(mark);
	free(prefix);
	return 0;
}

int virt_observe(struct virt *v, const char *fleet, struct plan_observed *obs,
		 struct herd_err *err)
{
	if (each_fleet_domain(v, fleet, obs_dom_cb, obs, err) < 0 ||
	    observe_networks(v, fleet, obs, err) < 0 ||
	    virt_pool_observe(v, fleet, obs, err) < 0)
		return -1;
	return 0;
}

struct names {
	char **a;
	size_t n, cap;
};

static int list_cb(virDomainPtr d, const char *meta, void *ctx, struct herd_err *err)
{
	struct names *l = ctx;

	(void)meta;
	(void)err;
	l->a = xgrow(l->a, &l->cap, l->n + 1, sizeof *l->a);
	l->a[l->n++] = xstrdup(virDomainGetName(d));
	return 0;
}

int virt_list_fleet_domains(struct virt *v, const char *fleet, char ***names,
			    size_t *n, struct herd_err *err)
{
	struct names l = { NULL, 0, 0 };
	int rc = each_fleet_domain(v, fleet, list_cb, &l, err);

	*names = l.a;
	*n = l.n;
	return rc;
}
