/* seed/kickstart.h — the Kickstart seed of one VM (bootstrap: kickstart):
 * ks.cfg on an `OEMDRV` volume, which Anaconda reads by itself.
 *
 * ks.cfg is the VM's `kickstart:` template, or herd's base kickstart
 * (templates/ks.cfg.tmpl: text install, the VM's network, the login user
 * with sudo and the fleet keys, minimal packages with openssh-server,
 * reboot), rendered with the VM's context.
 */
#ifndef HERD_KICKSTART_H
#define HERD_KICKSTART_H

#include "common/buf.h"
#include "common/err.h"
#include "plans/fleet.h"
#include "plans/ynode.h"
#include "seed/bundle.h"

/* Append vm's ks.cfg to out; ctx is context_vm() of vm.  Returns 0, or -1
 * with err set ("FILE:LINE:COL: ..." for a template error, HERD_E_CONFIG;
 * HERD_E_IO for an unreadable template file). */
int kickstart_render(const struct fleet *f, const struct fleet_vm *vm,
		     const struct ynode *ctx, struct buf *out, struct herd_err *err);

/* Fill b (empty, initialized) with ks.cfg, label ISO_LABEL_KICKSTART.
 * Errors as kickstart_render, b left empty. */
int kickstart_build(const struct fleet *f, const struct fleet_vm *vm,
		    const struct ynode *ctx, struct bundle *b, struct herd_err *err);

/* The installer's kernel command line for a kickstart VM: args (may be
 * NULL) followed by inst.ks=hd:LABEL=OEMDRV:/ks.cfg, so Anaconda reads the
 * seed's ks.cfg even where it would not look for an OEMDRV volume by
 * itself; args that already name an inst.ks= are kept as they are.
 * Returns a new string (the caller frees it); cannot fail. */
char *kickstart_boot_args(const char *args);

#endif
