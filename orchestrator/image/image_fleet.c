#include "orchestrator/image/image_fleet.h"

void image_fleet_src(const struct fleet_image *im, struct image_src *src)
{
	src->url = im->url;
	src->path = im->url ? NULL : im->path;
	src->algo = im->sha512 ? HASH_SHA512 : HASH_SHA256;
	src->sum = im->sha512 ? im->sha512 : im->sha256;
	src->sum_of = im->sum_of == FLEET_SUM_IMAGE ? IMAGE_SUM_OF_IMAGE
						    : IMAGE_SUM_OF_DOWNLOAD;
}
