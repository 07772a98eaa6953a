#include "seed/kickstart.h"

#include <string.h>

#include "common/mem.h"
#include "seed/iso.h"
#include "templates/render.h"

#define KS_ARG "inst.ks=hd:LABEL=" ISO_LABEL_KICKSTART ":/ks.cfg"

/* True when a word of args starts with inst.ks= (or the older ks=). */
static int names_ks(const char *args)
{
	const char *p = args;

	while (*p != '\0') {
		p += strspn(p, " \t");
		if (strncmp(p, "inst.ks=", 8) == 0 || strncmp(p, "ks=", 3) == 0)
			return 1;
		p += strcspn(p, " \t");
	}
	return 0;
}

char *kickstart_boot_args(const char *args)
{
	if (args == NULL || *args == '\0')
		return xstrdup(KS_ARG);
	if (names_ks(args))
		return xstrdup(args);
	return xasprintf("%s " KS_ARG, args);
}

int kickstart_render(const struct fleet *f, const struct fleet_vm *vm,
		     const struct ynode *ctx, struct buf *out, struct herd_err *err)
{
	struct render_dir where = { f->dir, f->allow_outside };

	if (vm->spec->kickstart != NULL)
		return render_file(vm->spec->kickstart, ctx, &where, out, err);
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
