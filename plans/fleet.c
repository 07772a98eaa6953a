#include "plans/fleet.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/mem.h"
#include "plans/expand.h"
#include "plans/fleet_check.h"
#include "plans/fleet_parse.h"

static bool pos_after(const struct fleet_pos *a, const struct fleet_pos *b)
{
	return a->line > b->line || (a->line == b->line && a->col > b->col);
}

static void diag_vadd(struct fleet_diags *d, const char *file, uint32_t line,
		      uint32_t col, const char *fmt, va_list ap)
{
	struct fleet_diag nd;
	size_t i;

	if (strcmp(d->file, file) != 0)
		snprintf(d->file, sizeof d->file, "%s", file);
	nd.pos.file = d->file;
	nd.pos.line = line;
	nd.pos.col = col;
	vsnprintf(nd.msg, sizeof nd.msg, fmt, ap);
	d->total++;
	/* Keep the earliest by position, so the first line printed is the
	 * first problem in the file whatever order the checks ran in. */
	i = d->n;
	while (i > 0 && pos_after(&d->items[i - 1].pos, &nd.pos))
		i--;
	if (d->n == FLEET_MAX_ERRORS) {
		if (i == FLEET_MAX_ERRORS)
			return;
		d->n--;
	}
	memmove(&d->items[i + 1], &d->items[i], (d->n - i) * sizeof d->items[0]);
	d->items[i] = nd;
	d->n++;
}

void fleet_diag_add(struct fleet_diags *d, const char *file, uint32_t line,
		    uint32_t col, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_vadd(d, file, line, col, fmt, ap);
	va_end(ap);
}

void fleet_diag_at(struct fleet_diags *d, const struct ynode *at,
		   const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_vadd(d, at && at->file ? at->file : d->file, at ? at->line : 0,
		  at ? at->col : 0, fmt, ap);
	va_end(ap);
}

void fleet_diag_format(const struct fleet_diag *d, char *out, size_t outlen)
{
	const char *file = d->pos.file ? d->pos.file : "";

	if (d->pos.line == 0)
		snprintf(out, outlen, "%s: %s", file, d->msg);
	else
		snprintf(out, outlen, "%s:%u:%u: %s", file, d->pos.line, d->pos.col,
			 d->msg);
}

void fleet_ip_str(uint32_t ip, char out[16])
{
	snprintf(out, 16, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 0xff,
		 (ip >> 8) & 0xff, ip & 0xff);
}

void fleet_mac_str(const uint8_t mac[6], char out[18])
{
	snprintf(out, 18, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2],
		 mac[3], mac[4], mac[5]);
}

/* The absolute folder for relative paths: `dir` as given (made absolute),
 * or the cwd.  Symlinks are not resolved, as a shell user expects. */
static const char *abs_dir(struct yarena *a, const char *dir)
{
	char cwd[4096], *s;
	const char *r;

	if (getcwd(cwd, sizeof cwd) == NULL)
		snprintf(cwd, sizeof cwd, ".");
	if (dir == NULL || dir[0] == '\0')
		return yarena_strdup(a, cwd, strlen(cwd));
	if (dir[0] == '/')
		return yarena_strdup(a, dir, strlen(dir));
	s = xasprintf("%s/%s", cwd, dir);
	r = yarena_strdup(a, s, strlen(s));
	free(s);
	return r;
}

struct fleet *fleet_load_mem_opts(const char *file, const char *dir, const char *data,
				  size_t len, const struct fleet_opts *o,
				  struct fleet_diags *diags)
{
	struct fleet *f = xcalloc(1, sizeof *f);

	memset(diags, 0, sizeof *diags);
	f->arena = yarena_new();
	f->file = yarena_strdup(f->arena, file, strlen(file));
	f->dir = abs_dir(f->arena, dir);
	f->allow_outside = o != NULL && o->allow_outside;
	f->root = fleet_parse(f->arena, f->file, data, len, diags);
	if (f->root == NULL)
		goto fail;
	/* expand also after errors: a missing image must not hide two VMs
	 * with one name or one address */
	fleet_check(f, diags);
	expand_fleet(f, diags);
	if (diags->total == 0 || (o != NULL && o->keep))
		return f;
fail:
	fleet_free(f);
	return NULL;
}

struct fleet *fleet_load_mem(const char *file, const char *dir, const char *data,
			     size_t len, struct fleet_diags *diags)
{
	return fleet_load_mem_opts(file, dir, data, len, NULL, diags);
}

struct fleet *fleet_load_opts(const char *path, const struct fleet_opts *o,
			      struct fleet_diags *diags)
{
	const char *slash = strrchr(path, '/');
	char *data = NULL, *dir = NULL;
	struct fleet *f = NULL;
	size_t len = 0;

	memset(diags, 0, sizeof *diags);
	if (fleet_parse_read(path, &data, &len, diags) < 0)
		goto out;
	if (slash != NULL)
		dir = slash == path ? xstrdup("/") : xstrndup(path, (size_t)(slash - path));
	f = fleet_load_mem_opts(path, dir, data, len, o, diags);
out:
	free(data);
	free(dir);
	return f;
}

struct fleet *fleet_load(const char *path, struct fleet_diags *diags)
{
	return fleet_load_opts(path, NULL, diags);
}

void fleet_free(struct fleet *f)
{
	if (f == NULL)
		return;
	yarena_free(f->arena);
	free(f);
}

static bool written_before(const struct ynode *a, const struct ynode *b)
{
	return a != NULL && b != NULL &&
	       (a->line < b->line || (a->line == b->line && a->col < b->col));
}

void fleet_file_order(const struct fleet *f, const struct fleet_vm **out)
{
	bool groups_first = written_before(ynode_get_key(f->root, "groups"),
					   ynode_get_key(f->root, "vms"));
	size_t i, n = 0, explicit = f->n_explicit;

	for (i = groups_first ? explicit : 0; i < (groups_first ? f->n_vms : explicit); i++)
		out[n++] = &f->vms[i];
	for (i = groups_first ? 0 : explicit; i < (groups_first ? explicit : f->n_vms); i++)
		out[n++] = &f->vms[i];
}

bool fleet_name_reserved(const char *name)
{
	static const char *const reserved[] = { "images" };
	size_t i;

	for (i = 0; i < sizeof reserved / sizeof reserved[0]; i++)
		if (strcmp(name, reserved[i]) == 0)
			return true;
	return false;
}

const struct fleet_vm *fleet_find_vm(const struct fleet *f, const char *name)
{
	size_t i;

	for (i = 0; i < f->n_vms; i++)
		if (strcmp(f->vms[i].name, name) == 0)
			return &f->vms[i];
	return NULL;
}
