/* plans/check_images.h — the images: section. */
#ifndef HERD_CHECK_IMAGES_H
#define HERD_CHECK_IMAGES_H

#include "plans/check.h"

/* Check each entry of images (a mapping, or NULL: none) and fill
 * c->f->images / n_images in the fleet's arena.  Entries with errors are
 * kept too (so references to them do not also fail).  Returns 0, or -1
 * after reporting every error. */
int check_images(struct check_ctx *c, const struct ynode *images);

#endif
