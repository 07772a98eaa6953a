/* orchestrator/virt/virt_int.h — what the virt*.c files share: the connection
 * struct and the error helper.  Included only by orchestrator/virt/ (the
 * only files that see libvirt's headers). */
#ifndef HERD_VIRT_INT_H
#define HERD_VIRT_INT_H

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <pthread.h>
#include <stdbool.h>

#include "common/err.h"

#define VIRT_MAX_POOL_LOCKS 8

struct virt_pool_lock {
	char name[64];
	pthread_mutex_t mu;
};

/* herd's own locks around storage pools, shared by a connection and its
 * siblings (virt_open_sibling). */
struct virt_locks {
	pthread_mutex_t table_mu;	/* guards locks[] */
	struct virt_pool_lock locks[VIRT_MAX_POOL_LOCKS];
	size_t n_locks;
};

struct virt {
	virConnectPtr conn;
	char *uri;
	bool test;		/* test:/// driver */
	bool system;		/* privileged daemon */
	struct virt_locks own;
	struct virt_locks *lk;	/* &own, or the parent's for a sibling */
};

/* Record "what: <libvirt's last error>" (HERD_E_VIRT) and return -1.
 * Use right after the failing libvirt call: the message is per thread and
 * every libvirt call resets it, also one in virt_fail's own arguments
 * (virDomainGetName...), so the macro saves it before they are evaluated. */
#define virt_fail(err, ...) (virt_save_error(), virt_fail_saved((err), __VA_ARGS__))
void virt_save_error(void);
int virt_fail_saved(struct herd_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* libvirt's last error code in this thread (VIR_ERR_*), 0 when none. */
int virt_last_code(void);

/* The value of attribute `name` in the first element of xml (unescaped;
 * caller frees), or NULL. */
char *virt_xml_attr(const char *xml, const char *name);

/* The persistent XML of a network (caller frees), or NULL with libvirt's
 * error set.  Falls back to the live XML where the driver refuses the
 * flag (the test driver). */
char *virt_net_xml(virNetworkPtr nw);

/* Append s to b with XML's five entities escaped. */
struct buf;
void virt_xml_esc(struct buf *b, const char *s);

#endif
