#include "common/path.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

int path_inside(const char *dir, const char *path)
{
	char *d = realpath(dir, NULL), *p = NULL;
	size_t n;
	int rc = -1;

	if (d == NULL || (p = realpath(path, NULL)) == NULL)
		goto out;
	n = strlen(d);
	if (n == 1)	/* the root folder holds everything */
		rc = 1;
	else
		rc = strncmp(p, d, n) == 0 && p[n] == '/';
out:
	free(d);
	free(p);
	return rc;
}
