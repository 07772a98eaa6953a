/* seed/nocloud.h — the NoCloud seed of one VM: user-data, meta-data and
 * network-config, for a `cidata` volume.
 *
 * user-data is the VM's cloud_config (defaults, group and VM, already
 * deep-merged by the fleet model) with every string value rendered as a
 * mustache template, merged over herd's own keys (templates/
 * cloud-config.tmpl: hostname, manage_etc_hosts, the login user with sudo
 * and the authorized keys, the VM's SSH host key under ssh_keys,
 * ssh_pwauth: false) and written with libyaml's emitter after a
 * `#cloud-config` line; or, with `user_data: FILE`, that file rendered as a
 * template and left as it is.
 *
 * Templates in a YAML tree are rendered one string at a time, never as
 * text: a string whose value changed is written as a string (a variable
 * holding "true" stays "true"), and a string that is exactly one
 * {{dotted.name}} of a list or a map becomes that list or map
 * (`ssh_authorized_keys: "{{ssh_authorized_keys}}"`).
 *
 * meta-data holds instance-id `<fleet>-<vm>-<12 hex digits of SHA-256 over
 * user-data, network-config and vendor-data>` (a changed seed is a new
 * instance for cloud-init) and local-hostname.
 */
#ifndef HERD_NOCLOUD_H
#define HERD_NOCLOUD_H

#include "common/buf.h"
#include "common/err.h"
#include "plans/fleet.h"
#include "plans/ynode.h"
#include "seed/bundle.h"

/* Everything borrowed for the duration of a call. */
struct nocloud_in {
	const struct fleet *fleet;
	const struct fleet_vm *vm;
	const struct ynode *ctx;		/* context_vm() of vm */
	const char *host_key_private;		/* OpenSSH private key text, or NULL */
	const char *host_key_public;		/* "ssh-ed25519 AAAA...", or NULL */
	const struct ynode *base;		/* nocloud_base(), or NULL: parse
						 * the built-in base each time */
};

/* herd's own cloud-config keys (templates/cloud-config.tmpl) parsed into
 * arena a, for nocloud_in.base: a caller rendering many seeds parses it
 * once.  NULL with err set if the built-in does not parse. */
const struct ynode *nocloud_base(struct yarena *a, struct herd_err *err);

/* Append the VM's user-data to out.  Scratch nodes go into arena a.
 * Returns 0, or -1 with err set: a template error is "FILE:LINE:COL:
 * message" (HERD_E_CONFIG), an unreadable user_data file HERD_E_IO. */
int nocloud_user_data(const struct nocloud_in *in, struct yarena *a,
		      struct buf *out, struct herd_err *err);

/* Append the VM's network-config (version 2) to out.  -1 with err set
 * only if the built-in template fails. */
int nocloud_network_config(const struct nocloud_in *in, struct buf *out,
			   struct herd_err *err);

/* "<fleet>-<vm>-<hash>" into a new string (caller frees), hashing the
 * seed's other files (vendor_data may be NULL). */
char *nocloud_instance_id(const struct nocloud_in *in, const struct buf *user_data,
			  const struct buf *network_config, const struct buf *vendor_data);

/* Fill b (empty, initialized) with user-data, meta-data and
 * network-config, label ISO_LABEL_NOCLOUD.  a takes scratch nodes (it may
 * be the arena of in->ctx).  Returns 0, or -1 with err set (as above) and
 * b left empty. */
int nocloud_build(const struct nocloud_in *in, struct yarena *a, struct bundle *b,
		  struct herd_err *err);

#endif
