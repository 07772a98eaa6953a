#include "templates/render.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/mem.h"
#include "common/path.h"
#include "templates/mustache.h"
#include "templates/tmpl_builtin.h"

char *render_read_file(const char *path, size_t max, size_t *len,
		       struct herd_err *err)
{
	FILE *fp = fopen(path, "rb");
	struct buf b;
	char chunk[8192];
	size_t n;

	if (fp == NULL) {
		herd_errno(err, HERD_E_IO, errno, "open %s", path);
		return NULL;
	}
	buf_init(&b);
	while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0) {
		if (b.len + n > max) {
			fclose(fp);
			buf_release(&b);
			herd_errf(err, HERD_E_IO, "%s: larger than %zu bytes", path, max);
			return NULL;
		}
		buf_add(&b, chunk, n);
	}
	if (ferror(fp)) {
		int e = errno;
		fclose(fp);
		buf_release(&b);
		herd_errno(err, HERD_E_IO, e, "read %s", path);
		return NULL;
	}
	fclose(fp);
	return buf_take(&b, len);
}

/* Read a template file, refusing one outside where->dir (checked when it
 * is opened: a file checked when the fleet was loaded may have become a
 * symlink since). */
static char *read_inside(const struct render_dir *where, const char *path, size_t *len,
			 struct herd_err *err)
{
	if (where != NULL && !where->allow_outside && where->dir != NULL &&
	    path_inside(where->dir, path) == 0) {
		herd_errf(err, HERD_E_CONFIG, "%s is outside the fleet file's folder %s "
			  "(a fleet file reads only files beside it, symlinks followed; "
			  "run herd with --allow-outside to allow it)", path, where->dir);
		return NULL;
	}
	return render_read_file(path, RENDER_MAX_FILE, len, err);
}

/* Partials live beside the fleet file; *file names the partial in errors
 * and must outlive the render, so it is kept on a list freed afterwards. */
struct partials {
	const struct render_dir *where;
	char **paths;
	size_t n, cap;
};

static char *partial_load(void *ctx, const char *name, const char **file,
			  struct herd_err *err)
{
	struct partials *p = ctx;
	char *path, *text;

	if (name[0] == '/' || p->where == NULL || p->where->dir == NULL)
		path = xstrdup(name);
	else
		path = xasprintf("%s/%s", p->where->dir, name);
	text = read_inside(p->where, path, NULL, err);
	if (text == NULL) {
		herd_errctx(err, "partial '%s'", name);
		free(path);
		return NULL;
	}
	p->paths = xgrow(p->paths, &p->cap, p->n + 1, sizeof *p->paths);
	p->paths[p->n++] = path;
	*file = path;
	return text;
}

static void partials_release(struct partials *p)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		free(p->paths[i]);
	free(p->paths);
}

static int render_text(const char *text, size_t len, const char *file,
		       uint32_t line, uint32_t col, const struct ynode *ctx,
		       const struct render_dir *where, struct buf *out, struct herd_err *err)
{
	struct partials p = { where, NULL, 0, 0 };
	struct mustache_src src = { file, line, col, partial_load, &p };
	int rc;

	rc = mustache_render(text, len, ctx, &src, out, err);
	if (rc != 0 && err != NULL && err->code == HERD_OK)
		err->code = HERD_E_CONFIG;
	partials_release(&p);
	return rc;
}

int render_scalar(const struct ynode *s, const struct ynode *ctx,
		  const struct render_dir *where, struct buf *out, struct herd_err *err)
{
	if (s->len < 2 || memmem(s->str, s->len, "{{", 2) == NULL) {
		buf_add(out, s->str, s->len);
		return 0;
	}
	return render_text(s->str, s->len, s->file ? s->file : "<fleet>",
			   s->line ? s->line : 1, s->col ? s->col : 1, ctx, where,
			   out, err);
}

int render_file(const char *path, const struct ynode *ctx, const struct render_dir *where,
		struct buf *out, struct herd_err *err)
{
	size_t len;
	char *text = read_inside(where, path, &len, err);
	int rc;

	if (text == NULL)
		return -1;
	rc = render_text(text, len, path, 1, 1, ctx, where, out, err);
	free(text);
	return rc;
}

int render_builtin(const char *name, const struct ynode *ctx, struct buf *out,
		   struct herd_err *err)
{
	const char *text = tmpl_builtin_get(name);
	struct mustache_src src = { NULL, 1, 1, NULL, NULL };
	char file[96];

	if (text == NULL)
		return herd_errf(err, HERD_E_CONFIG, "no built-in template '%s'", name);
	snprintf(file, sizeof file, "<builtin>/%s.tmpl", name);
	src.file = file;
	return mustache_render(text, strlen(text), ctx, &src, out, err);
}
