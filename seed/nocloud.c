#include "seed/nocloud.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hash.h"
#include "common/mem.h"
#include "seed/yemit.h"
#include "templates/render.h"

#define INSTANCE_HASH_LEN 12	/* hex digits: 48 bits, plenty to tell seeds apart */

struct walk {
	struct yarena *a;
	const struct ynode *ctx;
	const char *dir;
	struct buf text;
	struct herd_err *err;
};

/* A copy of n with every string value rendered; keys are not templates.
 * Unchanged scalars are shared; a changed one becomes a string (quoted),
 * because what a variable holds must not turn into a number or a boolean. */
static const struct ynode *render_tree(struct walk *w, const struct ynode *n,
				       int depth)
{
	struct ynode *c;
	size_t i;

	if (depth > YEMIT_MAX_DEPTH) {
		herd_errf(w->err, HERD_E_CONFIG, "%s:%u:%u: cloud_config nested deeper than %d",
			  n->file ? n->file : "<fleet>", n->line, n->col, YEMIT_MAX_DEPTH);
		return NULL;
	}
	if (n->kind == YNODE_SCALAR) {
		buf_reset(&w->text);
		if (render_scalar(n, w->ctx, w->dir, &w->text, w->err) != 0)
			return NULL;
		if (w->text.len == n->len && memcmp(buf_str(&w->text), n->str, n->len) == 0)
			return n;
		return ynode_new_scalar(w->a, buf_str(&w->text), true, n);
	}
	c = n->kind == YNODE_MAP ? ynode_new_map(w->a, n) : ynode_new_seq(w->a, n);
	for (i = 0; i < n->n; i++) {
		const struct ynode *v = n->kind == YNODE_MAP ? ynode_val(n, i) : n->kids[i];
		const struct ynode *r = render_tree(w, v, depth + 1);

		if (r == NULL)
			return NULL;
		if (n->kind == YNODE_MAP)
			ynode_map_put(w->a, c, (struct ynode *)ynode_key(n, i), (struct ynode *)r);
		else
			ynode_seq_push(w->a, c, (struct ynode *)r);
	}
	return c;
}

static const char *ctx_str(const struct ynode *ctx, const char *key)
{
	const struct ynode *v = ynode_get(ctx, key);

	return v != NULL && v->kind == YNODE_SCALAR ? v->str : "";
}

/* The login user: sudo without a password, key login only. */
static struct ynode *login_user(struct yarena *a, const struct nocloud_in *in)
{
	struct ynode *u = ynode_new_map(a, NULL);
	const struct ynode *keys = ynode_get(in->ctx, "ssh_authorized_keys");

	ynode_map_put_str(a, u, "name", ctx_str(in->ctx, "user"), true);
	ynode_map_put_str(a, u, "sudo", "ALL=(ALL) NOPASSWD:ALL", true);
	ynode_map_put_str(a, u, "shell", "/bin/bash", true);
	ynode_map_put_str(a, u, "lock_passwd", "true", false);
	ynode_map_put(a, u, ynode_new_scalar(a, "ssh_authorized_keys", false, NULL),
		      keys ? (struct ynode *)keys : ynode_new_seq(a, NULL));
	return u;
}

/* herd's own cloud-config keys; the file's cloud_config is merged over
 * them, so a fleet may still override any of them on purpose. */
static struct ynode *herd_base(struct yarena *a, const struct nocloud_in *in)
{
	struct ynode *m = ynode_new_map(a, NULL), *users = ynode_new_seq(a, NULL);

	ynode_map_put_str(a, m, "hostname", ctx_str(in->ctx, "hostname"), true);
	ynode_map_put_str(a, m, "manage_etc_hosts", "true", false);
	ynode_seq_push(a, users, login_user(a, in));
	ynode_map_put(a, m, ynode_new_scalar(a, "users", false, NULL), users);
	if (in->host_key_private != NULL && in->host_key_public != NULL) {
		struct ynode *k = ynode_new_map(a, NULL);

		ynode_map_put_str(a, k, "ed25519_private", in->host_key_private, true);
		ynode_map_put_str(a, k, "ed25519_public", in->host_key_public, true);
		ynode_map_put(a, m, ynode_new_scalar(a, "ssh_keys", false, NULL), k);
	}
	ynode_map_put_str(a, m, "ssh_pwauth", "false", false);
	return m;
}

int nocloud_user_data(const struct nocloud_in *in, struct yarena *a,
		      struct buf *out, struct herd_err *err)
{
	const struct fleet_spec *spec = in->vm->spec;
	const struct ynode *cc = spec->cloud_config, *doc;
	struct walk w = { a, in->ctx, in->fleet->dir, { NULL, 0, 0 }, err };
	int rc = -1;

	if (spec->user_data != NULL)
		return render_file(spec->user_data, in->ctx, in->fleet->dir, out, err);
	if (cc != NULL && cc->kind == YNODE_MAP) {
		cc = render_tree(&w, cc, 0);
		if (cc == NULL)
			goto out;
	} else {
		cc = NULL;
	}
	doc = ynode_merge(a, herd_base(a, in), cc);
	buf_adds(out, "#cloud-config\n");
	rc = yemit_doc(doc, out, err);
out:
	buf_release(&w.text);
	return rc;
}

int nocloud_network_config(const struct nocloud_in *in, struct buf *out,
			   struct herd_err *err)
{
	return render_builtin("network-config", in->ctx, out, err);
}

/* Each part is hashed with its name and length, so moving bytes from one
 * file to another changes the id too. */
static void hash_part(struct hash *h, const char *name, const struct buf *b)
{
	char len[32];
	int n = snprintf(len, sizeof len, "%zu", b ? b->len : 0);

	hash_update(h, name, strlen(name) + 1);
	hash_update(h, len, (size_t)n + 1);
	if (b != NULL && b->len > 0)
		hash_update(h, b->data, b->len);
}

char *nocloud_instance_id(const struct nocloud_in *in, const struct buf *user_data,
			  const struct buf *network_config, const struct buf *vendor_data)
{
	struct hash *h = hash_new(HASH_SHA256);
	char hex[HASH_HEX_MAX];

	hash_part(h, "user-data", user_data);
	hash_part(h, "network-config", network_config);
	hash_part(h, "vendor-data", vendor_data);
	hash_final_hex(h, hex);
	hash_free(h);
	hex[INSTANCE_HASH_LEN] = '\0';
	return xasprintf("%s-%s-%s", in->fleet->name, in->vm->name, hex);
}

static int meta_data(const struct nocloud_in *in, struct yarena *a, const char *id,
		     struct buf *out, struct herd_err *err)
{
	struct ynode *m = ynode_new_map(a, NULL);

	ynode_map_put_str(a, m, "instance_id", id, true);
	ynode_map_put_str(a, m, "hostname", ctx_str(in->ctx, "hostname"), true);
	return render_builtin("meta-data", m, out, err);
}

static void add_buf(struct bundle *b, const char *name, struct buf *x)
{
	size_t len;
	char *data = buf_take(x, &len);

	bundle_add_take(b, name, data, len);
}

int nocloud_build(const struct nocloud_in *in, struct yarena *a, struct bundle *b,
		  struct herd_err *err)
{
	struct buf ud, nc, md;
	char *id = NULL;
	int rc = -1;

	buf_init(&ud);
	buf_init(&nc);
	buf_init(&md);
	if (nocloud_user_data(in, a, &ud, err) != 0)
		goto out;
	/* Without a network there is nothing to configure, and an empty
	 * ethernets: would not be a valid network-config. */
	if (in->vm->spec->n_networks > 0 && nocloud_network_config(in, &nc, err) != 0)
		goto out;
	id = nocloud_instance_id(in, &ud, &nc, NULL);
	if (meta_data(in, a, id, &md, err) != 0)
		goto out;
	b->label = ISO_LABEL_NOCLOUD;
	add_buf(b, "user-data", &ud);
	add_buf(b, "meta-data", &md);
	if (in->vm->spec->n_networks > 0)
		add_buf(b, "network-config", &nc);
	rc = 0;
out:
	buf_release(&ud);
	buf_release(&nc);
	buf_release(&md);
	free(id);
	return rc;
}
