/* templates/render.h — render templates from where they live: a scalar of
 * the fleet file, a template file, or a built-in template.
 *
 * Partials ({{> name}}) are files relative to the fleet file's folder
 * (struct render_dir), which neither they nor template files may leave,
 * symlinks followed, unless allow_outside (herd --allow-outside): a
 * template from someone else must not read /etc/shadow into a seed.
 * Every function appends to out and returns 0, or -1 with err->msg
 * "FILE:LINE:COL: ..." (HERD_E_CONFIG) or an I/O error naming the file
 * (HERD_E_IO); out may then hold a partial result.
 */
#ifndef HERD_RENDER_H
#define HERD_RENDER_H

#include <stdbool.h>
#include <stddef.h>

#include "common/buf.h"
#include "common/err.h"
#include "plans/ynode.h"

/* Template files (and partials) larger than this are refused. */
#define RENDER_MAX_FILE ((size_t)4 << 20)

/* Where template files may come from.  A NULL struct render_dir * means
 * partials are paths as given, anywhere (for tests). */
struct render_dir {
	const char *dir;	/* the fleet file's folder, absolute */
	bool allow_outside;	/* files outside dir may be read */
};

/* Render the text of scalar s (errors at its position in the fleet file).
 * Text without "{{" is copied as it is, without parsing. */
int render_scalar(const struct ynode *s, const struct ynode *ctx,
		  const struct render_dir *where, struct buf *out, struct herd_err *err);

/* Read and render the template file at path (which must lie inside
 * where->dir unless allowed). */
int render_file(const char *path, const struct ynode *ctx, const struct render_dir *where,
		struct buf *out, struct herd_err *err);

/* Render built-in template `name` (templates/NAME.tmpl; errors name it
 * "<builtin>/NAME.tmpl").  Built-ins have no partials. */
int render_builtin(const char *name, const struct ynode *ctx, struct buf *out,
		   struct herd_err *err);

/* Read the file at path (at most max bytes) into a new NUL-terminated
 * string (caller frees); *len (may be NULL) gets its length.  NULL with
 * err set (HERD_E_IO) on failure. */
char *render_read_file(const char *path, size_t max, size_t *len,
		       struct herd_err *err);

#endif
