/* orchestrator/image/image_fleet.h — a fleet file's images as image cache
 * sources (orchestrator/image/image.h). */
#ifndef HERD_IMAGE_FLEET_H
#define HERD_IMAGE_FLEET_H

#include "orchestrator/image/image.h"
#include "plans/fleet.h"

/* Fill src from the fleet's image im (pointers borrowed from im). */
void image_fleet_src(const struct fleet_image *im, struct image_src *src);

#endif
