/* templates/tmpl_builtin.h — the built-in templates (templates/NAME.tmpl),
 * compiled in by templates/tmpl_embed.sh. */
#ifndef HERD_TMPL_BUILTIN_H
#define HERD_TMPL_BUILTIN_H

struct tmpl_builtin {
	const char *name;	/* file name without .tmpl: "meta-data" */
	const char *text;
};

/* Terminated by an entry whose name is NULL. */
extern const struct tmpl_builtin tmpl_builtins[];

/* The text of built-in template `name`, or NULL.  Static storage. */
const char *tmpl_builtin_get(const char *name);

#endif
