/* common/path.h — is a file inside a folder, symlinks resolved?
 *
 * A fleet file from someone else names files that herd reads and puts
 * into seeds or uploads into pools: relative to the fleet file's folder,
 * and by default never outside it.  The check resolves symlinks in both,
 * so neither "../../etc/shadow" nor a link beside the fleet file that
 * points there passes.
 */
#ifndef HERD_PATH_H
#define HERD_PATH_H

#include <stdbool.h>

/* 1 when the existing file at path lies inside folder dir (both resolved
 * with realpath), 0 when it lies outside, -1 when either cannot be
 * resolved (errno says why: ENOENT for a missing file). */
int path_inside(const char *dir, const char *path);

#endif
