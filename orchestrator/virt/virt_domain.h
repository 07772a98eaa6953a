/* orchestrator/virt/virt_domain.h — domains: XML, define, start, remove.
 *
 * Functions returning int give 0, or -1 with err (HERD_E_VIRT naming the
 * domain and libvirt's cause).
 */
#ifndef HERD_VIRT_DOMAIN_H
#define HERD_VIRT_DOMAIN_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "orchestrator/virt/virt.h"
#include "plans/fleet.h"
#include "plans/plan.h"

struct virt_nic {
	uint8_t mac[6];
	const char *network;	/* libvirt network, or NULL when bridge is set */
	const char *bridge;	/* host bridge, or NULL */
};

/* Everything a domain's XML says; all borrowed. */
struct virt_domain_spec {
	const char *name;		/* the domain: "<fleet>--<vm>" */
	const char *fleet, *vm, *group;	/* metadata; group may be NULL */
	unsigned index;
	const struct plan_hashes *h;	/* spec and per-field hashes */
	const char *type;		/* "kvm", "qemu" or "test" */
	unsigned cpus;
	uint64_t memory;		/* bytes */
	const char *kernel, *initrd, *cmdline;	/* direct boot, or NULL */
	const char *disk;		/* absolute path */
	const char *disk_format;	/* "qcow2" */
	const char *seed;		/* ISO path, or NULL */
	const struct virt_nic *nics;
	size_t n_nics;
	const char *console_log;	/* serial log file, or NULL */
	bool installing;		/* kernel..cmdline boot an installer: the
					 * installer's reboot powers the domain off
					 * (not into the installer again), and the
					 * metadata says phase="install" */
};

/* The domain XML for s (caller frees). */
char *virt_domain_xml(const struct virt_domain_spec *s);

/* The domain type for accel on this connection: "test" on the test
 * driver; auto gives "kvm" when libvirt's capabilities offer it, else
 * "qemu".  Static string. */
const char *virt_domain_type(struct virt *v, enum fleet_accel accel);

/* Define (or redefine, keeping its UUID) persistent domain `name` of
 * fleet from xml.  A domain of that name without fleet's tag (untagged, or
 * another fleet's) is never replaced: HERD_E_STATE naming its owner. */
int virt_domain_define(struct virt *v, const char *fleet, const char *name,
		       const char *xml, struct herd_err *err);

/* Start domain `name` of fleet; an already running one is success.  A
 * domain that is not fleet's (untagged or another fleet's) is refused
 * (HERD_E_STATE), as by restart and remove. */
int virt_domain_start(struct virt *v, const char *fleet, const char *name,
		      struct herd_err *err);

/* Power-cycle a running domain (destroy, then start) so a redefined
 * configuration takes effect; start it when it is off. */
int virt_domain_restart(struct virt *v, const char *fleet, const char *name,
			struct herd_err *err);

/* Stop (hard) and undefine domain `name` with its snapshot and checkpoint
 * metadata, managed save and NVRAM.  Its volumes are not touched.  A
 * missing domain is success (*removed 0). */
int virt_domain_remove(struct virt *v, const char *fleet, const char *name,
		       int *removed, struct herd_err *err);

#endif
