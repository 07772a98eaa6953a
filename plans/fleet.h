/* plans/fleet.h — the fleet model: what a fleet file says, checked and
 * expanded into the desired VMs.
 *
 *   fleet_load(path)  = fleet_parse (libyaml -> ynode tree)
 *                     + fleet_check (every field, every error with FILE:LINE:COL)
 *                     + fleet_expand (groups -> VMs, names, MACs, IPs)
 *
 * A struct fleet owns everything reachable from it (one arena for the YAML
 * tree and merged layers, plus the arrays below); fleet_free() releases it.
 * Pointers between parts (vm -> spec -> image) are borrowed and live as long
 * as the fleet.  Paths in the model are absolute (relative ones are resolved
 * against the fleet file's folder; "~/" against $HOME).
 *
 * Files the fleet names (images, boot and install kernels, user_data,
 * kickstart, partials, authorized_keys files) must lie inside the fleet
 * file's folder, symlinks resolved, unless the fleet was loaded with
 * allow_outside (--allow-outside): a fleet file from someone else must
 * not read /etc/shadow into a seed or upload it into a pool.  "~/" paths
 * count as outside, except for authorized_keys files: only well-formed
 * public key lines are ever taken from those (plans/sshkey.h), so they
 * can carry nothing else out of a home folder.
 */
#ifndef HERD_FLEET_H
#define HERD_FLEET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "plans/ynode.h"

#define FLEET_MAX_FILE (16u << 20)	/* a fleet file larger than 16 MiB is refused */
#define FLEET_MAX_COUNT 10000		/* count: 0 .. 10,000 */
#define FLEET_MAX_ERRORS 20		/* errors reported per run */
#define FLEET_MAX_VMS 100000		/* VMs after expansion, all groups together */
#define FLEET_MAX_DEPTH 64		/* YAML nesting */
#define FLEET_MAX_NODES 2000000		/* YAML nodes, counting each alias use in full */
#define FLEET_MAX_EXPANDED (64u << 20)	/* text of all strings, each alias use in full:
					 * 4 times the largest file */

/* libvirt names join the fleet's name to a member's with FLEET_SEP:
 * domain "<fleet>--<vm>", network "herd-<fleet>--<net>", pool
 * "herd-<fleet>".  A fleet name holds no "--" and does not end with '-',
 * so the first "--" of a name ends the fleet part, and no fleet pool can
 * be the shared "herd--images". */
#define FLEET_SEP "--"

enum fleet_accel { FLEET_ACCEL_AUTO, FLEET_ACCEL_KVM, FLEET_ACCEL_QEMU };
enum fleet_netmode { FLEET_NET_NAT, FLEET_NET_ISOLATED, FLEET_NET_BRIDGE };
enum fleet_clone { FLEET_CLONE_LINKED, FLEET_CLONE_FULL };
enum fleet_bootstrap { FLEET_BOOT_NOCLOUD, FLEET_BOOT_KICKSTART, FLEET_BOOT_NONE };
enum fleet_sum_of { FLEET_SUM_DOWNLOAD, FLEET_SUM_IMAGE };

/* Where something was written, for messages: "lab.yaml:12:5". */
struct fleet_pos {
	const char *file;	/* borrowed from the fleet */
	uint32_t line, col;
};

struct fleet_image {
	const char *name;
	const char *url;	/* exactly one of url and path */
	const char *path;	/* absolute */
	const char *sha256;	/* lower-case hex or NULL */
	const char *sha512;	/* lower-case hex or NULL */
	enum fleet_sum_of sum_of;
	const char *kernel;	/* boot: direct kernel boot, absolute, or NULL */
	const char *initrd;
	const char *cmdline;
	struct fleet_pos pos;
};

struct fleet_network {
	const char *name;
	enum fleet_netmode mode;
	const char *bridge;	/* mode bridge: the host bridge */
	/* nat and isolated: host byte order */
	uint32_t addr;		/* network address, 10.42.0.0 */
	unsigned prefix;	/* 24 */
	uint32_t gateway;	/* first host, 10.42.0.1: libvirt's bridge address */
	uint32_t dhcp_first;	/* range libvirt's DHCP hands to unknown MACs: */
	uint32_t dhcp_last;	/* dhcp: {start, end}, else the top quarter of the
				 * network, made smaller around fixed addresses */
	uint32_t dhcp_default_first, dhcp_default_last;	/* the top quarter */
	bool dhcp_range_set;	/* dhcp: {start, end} */
	bool dhcp_shrunk;	/* the top quarter, made smaller (expand_addr.c) */
	bool dhcp;		/* dhcp: true = guests use DHCP, not static config */
	struct fleet_pos pos;
};

struct fleet_install {		/* kickstart: the installer to boot */
	const char *kernel, *initrd, *args;
};

/* A resolved VM spec: defaults + group (+ vm) merged and checked.  Shared
 * by every VM of a group. */
struct fleet_spec {
	const struct fleet_image *image;	/* NULL only for bootstrap kickstart or none
						 * without image: a blank disk */
	unsigned cpus;
	uint64_t memory;			/* bytes */
	uint64_t disk;				/* bytes */
	enum fleet_clone clone;
	enum fleet_bootstrap bootstrap;
	const struct fleet_network **networks;	/* [n_networks]; [0] is primary */
	size_t n_networks;
	const struct ynode *cloud_config;	/* merged MAP, or NULL */
	const struct ynode *vars;		/* merged MAP, or NULL */
	const char *user_data;			/* template path, or NULL */
	const char *kickstart;			/* template path, or NULL */
	struct fleet_install install;
	const struct ynode *layer;		/* the merged raw map, for positions */
	struct fleet_pos pos;			/* the group or vm entry */
};

struct fleet_nic {
	uint8_t mac[6];
	uint32_t ip;		/* host order; 0 on bridge networks / DHCP */
};

struct fleet_vm {
	const char *name;		/* "web-1" */
	const char *domain;		/* "<fleet>--<name>": the libvirt domain */
	const char *group;		/* group name, or NULL for an entry of vms: */
	unsigned index;			/* 1-based within the group; 0 for vms: */
	const struct fleet_spec *spec;
	struct fleet_nic *nics;		/* [spec->n_networks] */
	struct fleet_pos pos;		/* the group or vm entry */
};

struct fleet_group {
	const char *name;
	unsigned count;
	const char *name_pattern;	/* "web-{{index}}" */
	const struct fleet_spec *spec;
	struct fleet_pos pos;
};

struct fleet_ssh {
	const char *user;			/* default "herd" */
	const char **authorized_keys;		/* literal key lines (files are read) */
	size_t n_authorized_keys;
};

struct fleet {
	const char *file;		/* as given */
	const char *dir;		/* absolute folder of the file */
	const char *name;		/* fleet: */
	const char *libvirt_uri;	/* libvirt:, or NULL */
	enum fleet_accel accel;
	struct fleet_image *images;
	size_t n_images;
	struct fleet_network *networks;
	size_t n_networks;
	struct fleet_ssh ssh;
	struct fleet_group *groups;
	size_t n_groups;
	struct fleet_vm *vms;		/* expanded: vms: entries first, then groups in file order */
	size_t n_vms;
	size_t n_explicit;		/* how many of vms came from vms: */
	const struct ynode *root;	/* the parsed document */
	struct yarena *arena;		/* owns the tree and all strings above */
	bool allow_outside;		/* files may lie outside dir (see above) */
};

/* How to load a fleet file. */
struct fleet_opts {
	bool allow_outside;	/* --allow-outside: read files anywhere */
	bool keep;		/* return the fleet even when it has errors (for
				 * validate, which renders the seeds of what it
				 * could expand); the caller checks diags->total */
};

/* One diagnostic: FILE:LINE:COL: message. */
struct fleet_diag {
	struct fleet_pos pos;
	char msg[400];
};

struct fleet_diags {
	char file[512];		/* items[].pos.file points here: diagnostics
				 * outlive a fleet that failed to load */
	struct fleet_diag items[FLEET_MAX_ERRORS];
	size_t n;		/* kept, at most FLEET_MAX_ERRORS */
	size_t total;		/* found, may be more than n */
};

/* Record a diagnostic at file:line:col (line 0: the whole file).  The
 * FLEET_MAX_ERRORS earliest by position are kept, in position order (ties
 * in the order found); total counts every call. */
void fleet_diag_add(struct fleet_diags *d, const char *file, uint32_t line,
		    uint32_t col, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
/* The same at a node's position. */
void fleet_diag_at(struct fleet_diags *d, const struct ynode *at,
		   const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Read, check and expand the fleet file at path.  On success returns the
 * fleet (caller frees with fleet_free) and diags->n == 0.  On failure
 * returns NULL with every error found (up to FLEET_MAX_ERRORS) in diags;
 * a file that cannot be read or is not YAML gives exactly one. */
struct fleet *fleet_load(const char *path, struct fleet_diags *diags);

/* Same, from a buffer (for tests and fuzzing); `file` names it in errors
 * and relative paths resolve against `dir` (may be NULL: the cwd). */
struct fleet *fleet_load_mem(const char *file, const char *dir, const char *data,
			     size_t len, struct fleet_diags *diags);

/* fleet_load and fleet_load_mem with options (NULL: as above, files
 * inside the folder only).  Every check runs even after an error (one
 * error does not hide unrelated ones); with o->keep the fleet comes back
 * whenever the file could be parsed, errors or not, and may then be
 * incomplete (a VM's spec without the values that were in error). */
struct fleet *fleet_load_opts(const char *path, const struct fleet_opts *o,
			      struct fleet_diags *diags);
struct fleet *fleet_load_mem_opts(const char *file, const char *dir, const char *data,
				  size_t len, const struct fleet_opts *o,
				  struct fleet_diags *diags);

void fleet_free(struct fleet *f);

/* True for fleet names herd keeps for itself: "images" (an older herd's
 * shared image pool was herd-images, which that fleet's pool would be). */
bool fleet_name_reserved(const char *name);

/* f's VMs in the order the file writes them, into out[f->n_vms]: the
 * sections groups: and vms: in the order they appear, entries in the
 * order written, a group's members by index.  (f->vms itself holds the
 * vms: entries first.)  This is the order of {{#all}}. */
void fleet_file_order(const struct fleet *f, const struct fleet_vm **out);

/* The VM called name, or NULL. */
const struct fleet_vm *fleet_find_vm(const struct fleet *f, const char *name);

/* Format d as "FILE:LINE:COL: message" (or "FILE: message" when line is 0)
 * into out. */
void fleet_diag_format(const struct fleet_diag *d, char *out, size_t outlen);

/* Dotted quad / MAC text for messages and templates. */
void fleet_ip_str(uint32_t ip, char out[16]);
void fleet_mac_str(const uint8_t mac[6], char out[18]);

#endif
