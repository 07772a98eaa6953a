/* orchestrator/run/state.c — the state folder: where it is, whose it is. */
#include "orchestrator/run/state.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/mem.h"

/* An absolute value of environment variable `name`, or NULL: the XDG spec
 * says to ignore a relative one, and an empty HOME is no home. */
static const char *abs_env(const char *name)
{
	const char *v = getenv(name);

	return v != NULL && v[0] == '/' ? v : NULL;
}

static char *fleet_dir_path(const char *state_root, const char *name,
			    struct herd_err *err)
{
	const char *v;

	if (state_root != NULL && *state_root)
		return xasprintf("%s/%s", state_root, name);
	if ((v = abs_env("XDG_STATE_HOME")) != NULL)
		return xasprintf("%s/herd/%s", v, name);
	if ((v = abs_env("HOME")) != NULL)
		return xasprintf("%s/.local/state/herd/%s", v, name);
	herd_errf(err, HERD_E_STATE, "no state folder: HOME is not set (give --state-dir "
		  "DIR, or set XDG_STATE_HOME)");
	return NULL;
}

int state_check_owner(const char *path, struct herd_err *err)
{
	struct stat st;

	if (stat(path, &st) != 0)
		return errno == ENOENT ? 0
		       : herd_errno(err, HERD_E_STATE, errno, "state folder %s", path);
	if (!S_ISDIR(st.st_mode))
		return herd_errf(err, HERD_E_STATE, "state folder %s is not a folder", path);
	if (st.st_uid != geteuid())
		return herd_errf(err, HERD_E_STATE, "state folder %s belongs to uid %lu, not "
				 "to uid %lu that runs herd (run herd as its owner, or give "
				 "another --state-dir)", path, (unsigned long)st.st_uid,
				 (unsigned long)geteuid());
	return 0;
}

char *state_fleet_dir(const char *state_root, const char *name, struct herd_err *err)
{
	char *dir = fleet_dir_path(state_root, name, err);

	if (dir != NULL && state_check_owner(dir, err) != 0) {
		free(dir);
		return NULL;
	}
	return dir;
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

char *state_fleet_dir_ensure(const char *state_root, const char *name,
			     struct herd_err *err)
{
	char *dir = state_fleet_dir(state_root, name, err);

	if (dir == NULL)
		return NULL;
	/* checked again once made: a folder another user made meanwhile */
	if (mkdirs(dir, err) != 0 || state_check_owner(dir, err) != 0 ||
	    (chmod(dir, 0700) != 0 &&
	     herd_errno(err, HERD_E_STATE, errno, "chmod %s", dir) != 0)) {
		free(dir);
		return NULL;
	}
	return dir;
}
