#include "seed/vmseed.h"

#include <stdlib.h>

#include "common/mem.h"
#include "seed/keys.h"
#include "seed/kickstart.h"
#include "seed/nocloud.h"
#include "templates/context.h"

struct vmseed {
	const struct fleet *fleet;
	char *state_dir;		/* NULL: offline */
	struct yarena *arena;		/* the shared context: `all`, the keys */
	struct context_fleet cf;
	const struct ynode *base;	/* nocloud_base, parsed once */
	struct keys_pair offline;	/* offline: every key */
};

struct vmseed *vmseed_new(const struct fleet *f, const char *state_dir,
			  struct herd_err *err)
{
	struct keys_pair fk = { NULL, NULL, NULL };
	struct vmseed *s = NULL;

	/* the comment is the fleet's name, as orchestrator/run/access.c makes it:
	 * whichever runs first creates the key */
	if (keys_ensure_fleet_key(state_dir, f->name, &fk, err) != 0)
		goto out;
	s = xcalloc(1, sizeof *s);
	s->fleet = f;
	s->state_dir = xstrdup(state_dir);
	s->arena = yarena_new();
	s->base = nocloud_base(s->arena, err);	/* NULL: each seed says why */
	context_fleet_init(&s->cf, s->arena, f, fk.public_key);
out:
	keys_pair_release(&fk);
	return s;
}

struct vmseed *vmseed_new_offline(const struct fleet *f, struct herd_err *err)
{
	struct vmseed *s = xcalloc(1, sizeof *s);

	if (keys_generate(f->name, &s->offline, err) != 0) {
		free(s);
		return NULL;
	}
	s->fleet = f;
	s->arena = yarena_new();
	s->base = nocloud_base(s->arena, err);
	context_fleet_init(&s->cf, s->arena, f, s->offline.public_key);
	return s;
}

void vmseed_free(struct vmseed *s)
{
	if (s == NULL)
		return;
	keys_pair_release(&s->offline);
	yarena_free(s->arena);
	free(s->state_dir);
	free(s);
}

static int build_nocloud(const struct vmseed *s, const struct fleet_vm *vm,
			 struct yarena *a, const struct ynode *ctx,
			 struct bundle *b, struct herd_err *err)
{
	struct keys_pair hk = { NULL, NULL, NULL };
	struct nocloud_in in = { s->fleet, vm, ctx, NULL, NULL, s->base };
	int rc;

	if (s->state_dir == NULL) {
		in.host_key_private = s->offline.private_key;
		in.host_key_public = s->offline.public_key;
	} else if (keys_ensure_host_key(s->state_dir, vm->name, &hk, err) != 0) {
		return herd_errctx(err, "vm '%s': host key", vm->name);
	} else {
		in.host_key_private = hk.private_key;
		in.host_key_public = hk.public_key;
	}
	rc = nocloud_build(&in, a, b, err);
	keys_pair_release(&hk);
	return rc;
}

int vmseed_build(const struct vmseed *s, const struct fleet_vm *vm,
		 struct bundle *b, struct herd_err *err)
{
	struct yarena *a = yarena_new();	/* per VM: freed when its seed is done */
	const struct ynode *ctx = context_vm(a, &s->cf, vm);
	int rc = 0;

	switch (vm->spec->bootstrap) {
	case FLEET_BOOT_NOCLOUD:
		rc = build_nocloud(s, vm, a, ctx, b, err);
		break;
	case FLEET_BOOT_KICKSTART:
		rc = kickstart_build(s->fleet, vm, ctx, b, err);
		break;
	case FLEET_BOOT_NONE:
		break;
	}
	if (rc == 0)
		rc = bundle_check_size(b, vm, err);
	if (rc != 0)
		bundle_release(b);
	yarena_free(a);
	return rc;
}

int vmseed_write_iso(const struct vmseed *s, const struct fleet_vm *vm,
		     const char *out_path, struct herd_err *err)
{
	struct bundle b;
	int rc;

	bundle_init(&b);
	rc = vmseed_build(s, vm, &b, err);
	if (rc == 0 && b.label == NULL)
		rc = herd_errf(err, HERD_E_USAGE, "vm '%s' has bootstrap: none: it has no seed",
			       vm->name);
	if (rc == 0)
		rc = bundle_write_iso(&b, out_path, err);
	bundle_release(&b);
	return rc;
}

int vmseed_write_one(const struct fleet *f, const struct fleet_vm *vm,
		     const char *state_dir, const char *out_path, struct herd_err *err)
{
	struct vmseed *s = vmseed_new(f, state_dir, err);
	int rc;

	if (s == NULL)
		return -1;
	rc = vmseed_write_iso(s, vm, out_path, err);
	vmseed_free(s);
	return rc;
}
