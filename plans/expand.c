#include "plans/expand.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/mem.h"
#include "plans/check.h"
#include "plans/check_vms.h"
#include "plans/namepat.h"
#include "plans/strset.h"

struct expander {
	struct fleet *f;
	struct check_ctx c;
	const struct ynode *defaults;
	const struct ynode **fixed_at;	/* [n_explicit]: the ip: value, or NULL */
	struct strset *names;		/* VM name -> index in f->vms */
	char what[128];
};

static const struct ynode *section(const struct fleet *f, const char *key)
{
	const struct ynode *v = ynode_get(f->root, key);

	return v == NULL || ynode_is_null(v) || v->kind != YNODE_MAP ? NULL : v;
}

/* Merge defaults with an entry and read it.  After an error (*rc = -1)
 * the spec holds what could be read, so that names and addresses are
 * still checked. */
static const struct fleet_spec *resolve(struct expander *x, const struct ynode *key,
					const struct ynode *entry, struct check_layer *l,
					int *rc)
{
	const struct ynode *merged;
	struct fleet_spec *spec;

	if (entry != NULL && ynode_is_null(entry))
		entry = NULL;
	merged = ynode_merge(x->f->arena, x->defaults, entry);
	if (check_vms_spec(&x->c, merged, key, l) < 0)
		*rc = -1;
	spec = yarena_alloc(x->f->arena, sizeof *spec);
	*spec = l->spec;
	return spec;
}

static const char *domain_of(struct yarena *a, const char *fleet, const char *name)
{
	size_t fl, nl = strlen(name), sl = strlen(FLEET_SEP);

	if (fleet == NULL)
		fleet = "";	/* the fleet: line had an error */
	fl = strlen(fleet);
	char *s = yarena_alloc(a, fl + sl + nl + 1);

	memcpy(s, fleet, fl);
	memcpy(s + fl, FLEET_SEP, sl);
	memcpy(s + fl + sl, name, nl + 1);
	return s;
}

/* Record vm's name; a second VM with it is an error (once per group). */
static int unique(struct expander *x, size_t i, bool *reported)
{
	const struct fleet_vm *vm = &x->f->vms[i], *first;
	size_t old;

	if (strset_add(x->names, vm->name, strlen(vm->name), i, &old) || *reported)
		return *reported ? -1 : 0;
	*reported = true;
	first = &x->f->vms[old];
	fleet_diag_add(x->c.d, vm->pos.file, vm->pos.line, vm->pos.col,
		       "group '%s': makes the name \"%s\", which %s%s%s (line %u) "
		       "already has (names must be unique; change the name pattern)",
		       vm->group, vm->name, first->group ? "group '" : "vm '",
		       first->group ? first->group : first->name, "'", first->pos.line);
	return -1;
}

static void init_vm(struct expander *x, struct fleet_vm *vm, const char *name,
		    const struct fleet_spec *spec, struct fleet_nic *nics)
{
	vm->name = name;
	vm->domain = domain_of(x->f->arena, x->f->name, name);
	vm->spec = spec;
	vm->nics = nics;
	vm->pos = spec->pos;
}

static int explicit_vms(struct expander *x, const struct ynode *vms)
{
	struct fleet *f = x->f;
	struct check_layer l;
	size_t i;
	int rc = 0;

	for (i = 0; vms != NULL && i < vms->n; i++) {
		const struct ynode *key = ynode_key(vms, i), *val = ynode_val(vms, i);
		const struct fleet_spec *spec;
		struct fleet_vm *vm = &f->vms[f->n_vms];
		snprintf(x->what, sizeof x->what, "vm '%s'", key->str);
		x->c.what = x->what;
		spec = resolve(x, key, val, &l, &rc);
		init_vm(x, vm, key->str, spec,
			yarena_alloc(f->arena, (spec->n_networks + 1) * sizeof *vm->nics));
		if (l.ip != 0 && spec->n_networks > 0) {
			vm->nics[0].ip = l.ip;
			x->fixed_at[f->n_vms] = ynode_get(val, "ip");
		}
		strset_add(x->names, vm->name, strlen(vm->name), f->n_vms, NULL);
		f->n_vms++;
	}
	f->n_explicit = f->n_vms;
	return rc;
}

/* One group's members: names from the pattern, one shared spec, one block
 * of NICs for all of them. */
static int group_vms(struct expander *x, struct fleet_group *g, const struct ynode *key,
		     const struct ynode *val)
{
	struct fleet *f = x->f;
	struct check_layer l;
	struct fleet_nic *nics;
	unsigned width = namepat_width(g->count), idx;
	bool reported = false, numbered;
	const char *bad;
	size_t badlen;
	char name[128];
	int rc = 0;

	snprintf(x->what, sizeof x->what, "group '%s'", g->name);
	x->c.what = x->what;
	g->spec = resolve(x, key, val, &l, &rc);
	/* a pattern without {{index}} for several VMs is reported by
	 * check_vms: its members' shared name is not news */
	if (g->count > 1 && namepat_check(g->name_pattern, &bad, &badlen, &numbered) == 0 &&
	    !numbered)
		reported = true;
	nics = yarena_alloc(f->arena, (size_t)g->count * g->spec->n_networks *
			    sizeof *nics + 1);
	for (idx = 1; idx <= g->count; idx++) {
		struct fleet_vm *vm = &f->vms[f->n_vms];
		size_t len = namepat_render(name, sizeof name, g->name_pattern,
					    f->name, g->name, idx, width);
		init_vm(x, vm, yarena_strdup(f->arena, name, len < sizeof name ? len : sizeof name - 1),
			g->spec, nics + (size_t)(idx - 1) * g->spec->n_networks);
		vm->group = g->name;
		vm->index = idx;
		vm->pos = g->pos;
		if (unique(x, f->n_vms, &reported) < 0)
			rc = -1;
		f->n_vms++;
	}
	return rc;
}

static size_t total_vms(const struct fleet *f, const struct ynode *vms)
{
	size_t n = vms != NULL ? vms->n : 0, i;

	for (i = 0; i < f->n_groups; i++)
		n += f->groups[i].count;
	return n;
}

int expand_fleet_pinned(struct fleet *f, const struct expand_pin *pins,
			size_t n_pins, struct fleet_diags *d)
{
	struct expander x = { .f = f, .c = { .f = f, .d = d } };
	const struct ynode *vms = section(f, "vms"), *groups = section(f, "groups");
	size_t total = total_vms(f, vms), i;
	int rc = -1;

	x.defaults = section(f, "defaults");
	if (total > FLEET_MAX_VMS) {
		fleet_diag_at(d, ynode_get_key(f->root, "groups"), "the groups make "
			      "%zu VMs, more than the %d a fleet may have", total,
			      FLEET_MAX_VMS);
		return -1;
	}
	f->vms = yarena_alloc(f->arena, (total + 1) * sizeof *f->vms);
	f->n_vms = 0;
	x.fixed_at = xcalloc(vms != NULL ? vms->n + 1 : 1, sizeof *x.fixed_at);
	x.names = strset_new(total);
	rc = explicit_vms(&x, vms);
	for (i = 0; i < f->n_groups; i++)
		if (group_vms(&x, &f->groups[i], ynode_key(groups, i),
			      ynode_val(groups, i)) < 0)
			rc = -1;
	/* addresses also after errors: a fixed address given twice is a
	 * problem of its own */
	if (expand_addr_assign(f, x.fixed_at, pins, n_pins, d) < 0)
		rc = -1;
	free(x.fixed_at);
	strset_free(x.names);
	return rc;
}

int expand_fleet(struct fleet *f, struct fleet_diags *d)
{
	return expand_fleet_pinned(f, NULL, 0, d);
}
