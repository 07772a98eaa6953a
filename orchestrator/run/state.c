#include "orchestrator/run/state.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/mem.h"

char *state_fleet_dir(const char *state_root, const char *fleet)
{
	const char *xdg = getenv("XDG_STATE_HOME");
	const char *home = getenv("HOME");

	if (state_root != NULL && *state_root)
		return xasprintf("%s/%s", state_root, fleet);
	if (xdg != NULL && *xdg == '/')
		return xasprintf("%s/herd/%s", xdg, fleet);
	return xasprintf("%s/.local/state/herd/%s", home ? home : "/tmp", fleet);
}

/* mkdir -p with mode 0700 for the folders herd makes. */
static int mkdirs(char *path, struct herd_err *err)
{
	char *p;

	for (p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0700) != 0 && errno != EEXIST) {
			int e = errno;
			*p = '/';
			return herd_errno(err, HERD_E_STATE, e, "create %s", path);
		}
		*p = '/';
	}
	if (mkdir(path, 0700) != 0 && errno != EEXIST)
		return herd_errno(err, HERD_E_STATE, errno, "create %s", path);
	return 0;
}

char *state_fleet_dir_ensure(const char *state_root, const char *fleet,
			     struct herd_err *err)
{
	char *dir = state_fleet_dir(state_root, fleet);

	if (mkdirs(dir, err) != 0 || chmod(dir, 0700) != 0) {
		if (err && err->code == HERD_OK)
			herd_errno(err, HERD_E_STATE, errno, "chmod %s", dir);
		free(dir);
		return NULL;
	}
	return dir;
}
