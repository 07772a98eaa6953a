#include "tmpl_builtin.h"

#include <string.h>

const char *tmpl_builtin_get(const char *name)
{
	const struct tmpl_builtin *t;

	for (t = tmpl_builtins; t->name != NULL; t++)
		if (strcmp(t->name, name) == 0)
			return t->text;
	return NULL;
}
