#include "seed/kickstart.h"

#include "templates/render.h"

int kickstart_render(const struct fleet *f, const struct fleet_vm *vm,
		     const struct ynode *ctx, struct buf *out, struct herd_err *err)
{
	if (vm->spec->kickstart != NULL)
		return render_file(vm->spec->kickstart, ctx, f->dir, out, err);
	return render_builtin("ks.cfg", ctx, out, err);
}

int kickstart_build(const struct fleet *f, const struct fleet_vm *vm,
		    const struct ynode *ctx, struct bundle *b, struct herd_err *err)
{
	struct buf ks;
	size_t len;
	char *data;

	buf_init(&ks);
	if (kickstart_render(f, vm, ctx, &ks, err) != 0) {
		buf_release(&ks);
		return -1;
	}
	data = buf_take(&ks, &len);
	b->label = ISO_LABEL_KICKSTART;
	bundle_add_take(b, "ks.cfg", data, len);
	return 0;
}
