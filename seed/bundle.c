#include "seed/bundle.h"

#include <stdlib.h>
#include <string.h>

void bundle_init(struct bundle *b)
{
	memset(b, 0, sizeof *b);
}

void bundle_release(struct bundle *b)
{
	size_t i;

	for (i = 0; i < b->n; i++)
		free((void *)b->files[i].data);
	bundle_init(b);
}

void bundle_add_take(struct bundle *b, const char *name, char *data, size_t len)
{
	if (b->n >= BUNDLE_MAX_FILES)
		abort();
	b->files[b->n].name = name;
	b->files[b->n].data = data;
	b->files[b->n].len = len;
	b->n++;
}

const struct iso_file *bundle_get(const struct bundle *b, const char *name)
{
	size_t i;

	for (i = 0; i < b->n; i++)
		if (strcmp(b->files[i].name, name) == 0)
			return &b->files[i];
	return NULL;
}

int bundle_write_iso(const struct bundle *b, const char *path, struct herd_err *err)
{
	if (b->label == NULL)
		return herd_errf(err, HERD_E_USAGE, "%s: this vm has no seed (bootstrap: none)",
				 path);
	return iso_write_file(path, b->label, b->files, b->n, err);
}

int bundle_too_big(struct herd_err *err, const struct fleet_vm *vm, const char *what,
		   size_t limit)
{
	return herd_errf(err, HERD_E_CONFIG, "%s:%u:%u: vm '%s': %s would be larger "
			 "than %zuMiB, the most herd puts in %s (a seed is for "
			 "configuration: fetch big files from the guest)",
			 vm->pos.file ? vm->pos.file : "<fleet>", vm->pos.line,
			 vm->pos.col, vm->name, what, limit >> 20,
			 limit == SEED_MAX_TOTAL ? "a seed" : "one file of a seed");
}

int bundle_check_size(const struct bundle *b, const struct fleet_vm *vm,
		      struct herd_err *err)
{
	size_t i, total = 0;

	for (i = 0; i < b->n; i++) {
		if (b->files[i].len > SEED_MAX_FILE)
			return bundle_too_big(err, vm, b->files[i].name, SEED_MAX_FILE);
		total += b->files[i].len;
	}
	if (total > SEED_MAX_TOTAL)
		return bundle_too_big(err, vm, "its seed", SEED_MAX_TOTAL);
	return 0;
}
