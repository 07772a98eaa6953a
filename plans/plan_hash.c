/* plans/plan_hash.c — the hashes a VM's and a network's metadata keep. */
#include "plans/plan_hash.h"

#include <stdio.h>
#include <string.h>

#include "common/buf.h"
#include "common/hash.h"

static const char *const field_names[PLAN_F_COUNT] = {
	"image", "disk", "clone", "seed", "networks", "mac", "ip",
};

const char *plan_field_name(enum plan_field f)
{
	return (unsigned)f < PLAN_F_COUNT ? field_names[f] : "?";
}

static void field_hash(struct hash *spec, const struct buf *b, char out[PLAN_FIELD_HEX + 1])
{
	char hex[HASH_HEX_MAX];

	hash_sha256_hex(buf_str(b), b->len, hex);
	memcpy(out, hex, PLAN_FIELD_HEX);
	out[PLAN_FIELD_HEX] = '\0';
	hash_update(spec, buf_str(b), b->len + 1);
}

#define S(x) ((x) ? (x) : "")

/* The text of one field; its hash is what the metadata keeps. */
static void field_text(const struct fleet_vm *vm, const char *seed, enum plan_field f,
		       struct buf *b)
{
	const struct fleet_spec *s = vm->spec;
	const struct fleet_image *im = s->image;
	size_t i;

	switch (f) {
	case PLAN_F_IMAGE:
		if (im != NULL)
			buf_addf(b, "%s|%s|%s|%s|%s|%s|%s", S(im->url), S(im->path),
				 S(im->sha256), S(im->sha512), S(im->kernel),
				 S(im->initrd), S(im->cmdline));
		break;
	case PLAN_F_DISK: buf_addf(b, "%llu", (unsigned long long)s->disk); break;
	case PLAN_F_CLONE: buf_addf(b, "%d", (int)s->clone); break;
	case PLAN_F_SEED: buf_addf(b, "%d|%s", (int)s->bootstrap, S(seed)); break;
	case PLAN_F_NETWORKS:
		for (i = 0; i < s->n_networks; i++) {
			const struct fleet_network *n = s->networks[i];
			buf_addf(b, "%s|%d|%s|%08x/%u;", n->name, (int)n->mode,
				 S(n->bridge), n->addr, n->prefix);
		}
		break;
	case PLAN_F_MAC:
		for (i = 0; i < s->n_networks; i++)
			buf_add(b, vm->nics[i].mac, 6);
		break;
	case PLAN_F_IP:
		for (i = 0; i < s->n_networks; i++)
			buf_addf(b, "%08x;", vm->nics[i].ip);
		break;
	default: break;
	}
}

void plan_net_hash(const struct fleet_network *n, char out[PLAN_FIELD_HEX + 1])
{
	char text[256], hex[HASH_HEX_MAX];

	snprintf(text, sizeof text, "%d|%s|%08x/%u|%08x|%08x-%08x", (int)n->mode, S(n->bridge),
		 n->addr, n->prefix, n->gateway, n->dhcp_first, n->dhcp_last);
	hash_sha256_hex(text, strlen(text), hex);
	memcpy(out, hex, PLAN_FIELD_HEX);
	out[PLAN_FIELD_HEX] = '\0';
}

void plan_vm_hashes(const struct fleet_vm *vm, const char *seed_hash,
		    struct plan_hashes *out)
{
	struct hash *spec = hash_new(HASH_SHA256);
	char hex[HASH_HEX_MAX];
	struct buf b;
	int f;

	buf_init(&b);
	for (f = 0; f < PLAN_F_COUNT; f++) {
		buf_reset(&b);
		field_text(vm, seed_hash, (enum plan_field)f, &b);
		field_hash(spec, &b, out->field[f]);
	}
	buf_release(&b);
	hash_final_hex(spec, hex);
	hash_free(spec);
	memcpy(out->spec, hex, PLAN_SPEC_HEX);
	out->spec[PLAN_SPEC_HEX] = '\0';
}

