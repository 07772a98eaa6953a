/* orchestrator/run/handle.h — what the verbs that reach VMs share (status,
 * wait, ssh, exec, inventory, snapshots): the loaded fleet, its state
 * folder and key paths, the libvirt connection, VM selection (--vm, -g)
 * and SSH targets.
 *
 * This is verb-layer code: access_open() prints the fleet file's
 * diagnostics itself (every verb wants them printed the same way).
 */
#ifndef HERD_ACCESS_H
#define HERD_ACCESS_H

#include <stdbool.h>
#include <stddef.h>

#include "common/err.h"
#include "orchestrator/cli/cmd.h"
#include "orchestrator/reach/sshc.h"
#include "orchestrator/virt/virt_track.h"
#include "plans/fleet.h"

struct virt;

enum access_flags {
	ACCESS_VIRT = 1,	/* open the libvirt connection */
	ACCESS_EVENTS = 2,	/* with libvirt's event loop (lifecycle events) */
	ACCESS_KEYS = 4,	/* make sure the fleet key and known_hosts exist */
};

struct access {
	struct fleet *fleet;
	char *state_dir;	/* <state root>/<fleet> */
	char *key_path;		/* state_dir/id_ed25519 */
	char *known_hosts;	/* state_dir/known_hosts */
	struct virt *virt;	/* with ACCESS_VIRT */
};

/* Load opts->fleet_file (printing its errors), and per flags connect to
 * libvirt and prepare keys.  Returns EXIT_OK, EXIT_USAGE (invalid fleet
 * file) or EXIT_FAIL (printed); on failure a is released. */
int access_open(struct access *a, const struct herd_opts *opts, unsigned flags);
void access_close(struct access *a);

/* Connect to libvirt after access_open() without ACCESS_VIRT, for a verb
 * that only sometimes needs it (herd ssh to a VM without a planned
 * address); a no-op when connected.  Returns 0, or -1 with err. */
int access_connect(struct access *a, const struct herd_opts *opts,
		   struct herd_err *err);

/* Write known_hosts for every VM of the fleet: its name, domain name and
 * planned address with its herd-made host key.  Returns 0 or -1 with err. */
int access_write_known_hosts(struct access *a, struct herd_err *err);

/* libvirt's name of vm's primary (first) network, "herd-<fleet>-<net>";
 * NULL on a host bridge or without a NIC.  Caller frees. */
char *access_primary_net(const struct access *a, const struct fleet_vm *vm);

/* The address herd reaches vm at, into ip (size 64): the planned one on
 * its primary network, else the one libvirt knows now (lease, guest
 * agent, ARP: see virt_dom_addr), connecting to libvirt on first need.
 * "" when none is known yet, which is not an error; src (may be NULL)
 * says where it came from.  Returns 0, or -1 with err (no connection). */
int access_vm_addr(struct access *a, const struct herd_opts *opts,
		   const struct fleet_vm *vm, char *ip, enum virt_addr_src *src,
		   struct herd_err *err);

/* A selection of VMs: indexes into fleet->vms. */
struct access_sel {
	size_t *idx;
	size_t n;
};

/* Select VMs by names (--vm, may be NULL/0) and group (-g, may be NULL);
 * none of either selects all.  Returns 0, or -1 with err naming an
 * unknown VM or group. */
int access_select(const struct access *a, const char *const *names, size_t n_names,
		  const char *group, struct access_sel *sel, struct herd_err *err);
void access_sel_release(struct access_sel *sel);

/* The SSH target of vm at address addr (NULL: its planned address), with
 * the fleet key and the VM's own host key expected.  Strings point into
 * hold (released with access_target_release).  Returns 0, or -1 with err
 * (no address known, host key unreadable). */
struct access_target_hold {
	char *host;
	char *host_key;
};
int access_target(struct access *a, const struct fleet_vm *vm, const char *addr,
		  struct sshc_target *t, struct access_target_hold *hold,
		  struct herd_err *err);
void access_target_release(struct access_target_hold *hold);

#endif
