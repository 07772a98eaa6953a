/* orchestrator/virt/virt_domain.c — domains: XML, define, start, remove. */
#include "orchestrator/virt/virt_domain.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/mem.h"
#include "common/version.h"
#include "orchestrator/virt/virt_int.h"
#include "orchestrator/virt/virt_own.h"
#include "orchestrator/virt/virt_net.h"

static void elem(struct buf *x, const char *tag, const char *text)
{
	buf_addf(x, "<%s>", tag);
	virt_xml_esc(x, text);
	buf_addf(x, "</%s>", tag);
}

static void attr(struct buf *x, const char *name, const char *val)
{
	buf_addf(x, " %s=\"", name);
	virt_xml_esc(x, val);
	buf_addc(x, '"');
}

static void metadata_xml(struct buf *x, const struct virt_domain_spec *s)
{
	char idx[16], key[32];
	int f;

	snprintf(idx, sizeof idx, "%u", s->index);
	buf_addf(x, "<metadata><%s:vm xmlns:%s=\"%s\"", VIRT_XMLNS_PREFIX,
		 VIRT_XMLNS_PREFIX, VIRT_XMLNS);
	attr(x, "fleet", s->fleet);
	attr(x, "name", s->vm);
	attr(x, "group", s->group ? s->group : "");
	attr(x, "index", idx);
	attr(x, "spec", s->h->spec);
	if (s->installing)
		attr(x, "phase", "install");
	attr(x, "version", HERD_VERSION);
	for (f = 0; f < PLAN_F_COUNT; f++) {
		snprintf(key, sizeof key, "h-%s", plan_field_name((enum plan_field)f));
		attr(x, key, s->h->field[f]);
	}
	buf_adds(x, "/></metadata>");
}

static void os_xml(struct buf *x, const struct virt_domain_spec *s)
{
	buf_adds(x, "<os><type arch='x86_64'>hvm</type>");
	if (s->kernel != NULL) {
		elem(x, "kernel", s->kernel);
		if (s->initrd != NULL)
			elem(x, "initrd", s->initrd);
		if (s->cmdline != NULL)
			elem(x, "cmdline", s->cmdline);
	} else {
		buf_adds(x, "<boot dev='hd'/>");
	}
	buf_adds(x, "</os><features><acpi/><apic/></features>");
}

static void disks_xml(struct buf *x, const struct virt_domain_spec *s)
{
	buf_addf(x, "<disk type='file' device='disk'><driver name='qemu' type='%s'/>"
		 "<source file=\"", s->disk_format);
	virt_xml_esc(x, s->disk);
	buf_adds(x, "\"/><target dev='vda' bus='virtio'/></disk>");
	if (s->seed != NULL) {
		buf_adds(x, "<disk type='file' device='cdrom'><driver name='qemu' type='raw'/>"
			 "<source file=\"");
		virt_xml_esc(x, s->seed);
		/* virtio-scsi: present on pc and q35 machines, and in cloud kernels */
		buf_adds(x, "\"/><target dev='sda' bus='scsi'/><readonly/></disk>"
			 "<controller type='scsi' model='virtio-scsi'/>");
	}
}

static void nics_xml(struct buf *x, const struct virt_domain_spec *s)
{
	char mac[18];
	size_t i;

	for (i = 0; i < s->n_nics; i++) {
		const struct virt_nic *n = &s->nics[i];

		virt_mac_str(n->mac, mac);
		buf_addf(x, "<interface type='%s'><mac address='%s'/><source %s=\"",
			 n->bridge ? "bridge" : "network", mac,
			 n->bridge ? "bridge" : "network");
		virt_xml_esc(x, n->bridge ? n->bridge : n->network);
		buf_adds(x, "\"/><model type='virtio'/></interface>");
	}
}

char *virt_domain_xml(const struct virt_domain_spec *s)
{
	struct buf x;

	buf_init(&x);
	buf_addf(&x, "<domain type='%s'>", s->type);
	elem(&x, "name", s->name);
	metadata_xml(&x, s);
	buf_addf(&x, "<memory unit='KiB'>%llu</memory><vcpu>%u</vcpu>",
		 (unsigned long long)(s->memory / 1024), s->cpus);
	os_xml(&x, s);
	buf_addf(&x, "<on_poweroff>destroy</on_poweroff><on_reboot>%s</on_reboot>"
		 "<devices>", s->installing ? "destroy" : "restart");
	disks_xml(&x, s);
	nics_xml(&x, s);
	buf_adds(&x, "<serial type='pty'>");
	if (s->console_log != NULL) {
		buf_adds(&x, "<log file=\"");
		virt_xml_esc(&x, s->console_log);
		buf_adds(&x, "\" append='on'/>");
	}
	buf_adds(&x, "<target port='0'/></serial><console type='pty'><target type='serial' "
		 "port='0'/></console><rng model='virtio'><backend model='random'>"
		 "/dev/urandom</backend></rng></devices></domain>");
	return buf_take(&x, NULL);
}

const char *virt_domain_type(struct virt *v, enum fleet_accel accel)
{
	char *caps;
	const char *t = "qemu";

	if (v->test)
		return "test";
	if (accel == FLEET_ACCEL_KVM)
		return "kvm";
	if (accel == FLEET_ACCEL_QEMU)
		return "qemu";
	caps = virConnectGetCapabilities(v->conn);	/* no caps: "qemu" */
	if (caps != NULL && strstr(caps, "<domain type='kvm'") != NULL)
		t = "kvm";
	free(caps);
	return t;
}

/* For a domain `name` that exists already: refuse it unless it is this
 * fleet's (herd never takes over another's domain), else return xml with
 * its <uuid> after <name> so the definition replaces it (caller frees).
 * *out NULL when there is no such domain. */
static int with_uuid(struct virt *v, const char *fleet, const char *name,
		     const char *xml, char **out, struct herd_err *err)
{
	char uuid[VIR_UUID_STRING_BUFLEN];
	virDomainPtr d = virt_ckp(virDomainLookupByName(v->conn, name));
	const char *at = strstr(xml, "</name>");
	int rc = 0;

	*out = NULL;
	if (d == NULL) {
		if (virt_last_code() == VIR_ERR_NO_DOMAIN) {
			virt_forget();
			return 0;
		}
		return virt_fail(err, "domain %s", name);
	}
	if (virt_dom_check(d, fleet, name, err) < 0)
		rc = -1;
	else if (at != NULL && virt_ck(virDomainGetUUIDString(d, uuid)) == 0)
		*out = xasprintf("%.*s<uuid>%s</uuid>%s",
				 (int)(at + strlen("</name>") - xml), xml, uuid,
				 at + strlen("</name>"));
	else
		rc = virt_fail(err, "domain %s: uuid", name);
	virDomainFree(d);
	return rc;
}

int virt_domain_define(struct virt *v, const char *fleet, const char *name,
		       const char *xml, struct herd_err *err)
{
	virDomainPtr d;
	char *x;

	if (with_uuid(v, fleet, name, xml, &x, err) < 0)
		return -1;
	d = virt_ckp(virDomainDefineXML(v->conn, x ? x : xml));
	free(x);
	if (d == NULL)
		return virt_fail(err, "define domain %s", name);
	virDomainFree(d);
	return 0;
}

/* Domain `name` when it is fleet's, else NULL with err. */
static virDomainPtr lookup(struct virt *v, const char *fleet, const char *name,
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

int virt_domain_start(struct virt *v, const char *fleet, const char *name,
		      struct herd_err *err)
{
	virDomainPtr d = lookup(v, fleet, name, err);
	int rc = 0;

	if (d == NULL)
		return -1;
	/* The error is Create's: the IsActive() after it would reset it. */
	if (virDomainIsActive(d) != 1 && virt_ck(virDomainCreate(d)) < 0 &&
	    virDomainIsActive(d) != 1)
		rc = virt_fail(err, "start domain %s", name);
	virDomainFree(d);
	return rc;
}

int virt_domain_restart(struct virt *v, const char *fleet, const char *name,
			struct herd_err *err)
{
	virDomainPtr d = lookup(v, fleet, name, err);
	int rc = 0;

	if (d == NULL)
		return -1;
	if (virDomainIsActive(d) == 1 && virt_ck(virDomainDestroy(d)) < 0)
		rc = virt_fail(err, "stop domain %s", name);
	else if (virt_ck(virDomainCreate(d)) < 0)
		rc = virt_fail(err, "start domain %s", name);
	virDomainFree(d);
	return rc;
}

/* Undefine d with as many of herd's flags as the driver takes: older
 * drivers refuse some, so fall back step by step.  The error reported is
 * the first attempt's (the later ones would only say "unsupported"). */
static int undefine(virDomainPtr d)
{
	const unsigned all = VIR_DOMAIN_UNDEFINE_MANAGED_SAVE |
			     VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA |
			     VIR_DOMAIN_UNDEFINE_CHECKPOINTS_METADATA |
			     VIR_DOMAIN_UNDEFINE_NVRAM;

	if (virt_ck(virDomainUndefineFlags(d, all)) == 0 ||
	    virDomainUndefineFlags(d, VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA) == 0 ||
	    virDomainUndefine(d) == 0)
		return 0;
	return -1;
}

int virt_domain_remove(struct virt *v, const char *fleet, const char *name,
		       int *removed, struct herd_err *err)
{
	virDomainPtr d = virt_ckp(virDomainLookupByName(v->conn, name));
	int rc = 0;

	*removed = 0;
	if (d == NULL) {
		if (virt_last_code() == VIR_ERR_NO_DOMAIN) {
			virt_forget();
			return 0;
		}
		return virt_fail(err, "domain %s", name);
	}
	if (virt_dom_check(d, fleet, name, err) < 0)
		rc = -1;
	else if (virDomainIsActive(d) == 1 && virt_ck(virDomainDestroy(d)) < 0 &&
		 virDomainIsActive(d) == 1)
		rc = virt_fail(err, "stop domain %s", name);
	else if (undefine(d) < 0)
		rc = virt_fail(err, "undefine domain %s", name);
	else
		*removed = 1;
	virDomainFree(d);
	return rc;
}
