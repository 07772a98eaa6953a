#include "seed/nocloud.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hash.h"
#include "common/mem.h"
#include "plans/fleet_parse.h"
#include "seed/yemit.h"
#include "templates/render.h"
#include "templates/tmpl_builtin.h"

#define INSTANCE_HASH_LEN 12	/* hex digits: 48 bits, plenty to tell seeds apart */

struct walk {
	struct yarena *a;
	const struct ynode *ctx;
	const struct render_dir *where;
	struct buf text;
	struct herd_err *err;
	size_t total;		/* text rendered so far, against SEED_MAX_FILE */
	bool over;		/* stopped there */
};

/* The context node a scalar names when it is exactly "{{dotted.name}}"
 * and that is a list or a map, else NULL. */
static const struct ynode *whole_node(const struct ynode *s, const struct ynode *ctx)
{
	char name[128], *part, *save = NULL;
	const struct ynode *n = ctx;

	if (s->len < 5 || s->len - 4 >= sizeof name || memcmp(s->str, "{{", 2) != 0 ||
	    memcmp(s->str + s->len - 2, "}}", 2) != 0)
		return NULL;
	memcpy(name, s->str + 2, s->len - 4);
	name[s->len - 4] = '\0';
	if (name[strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.")])
		return NULL;
	for (part = strtok_r(name, ".", &save); part && n; part = strtok_r(NULL, ".", &save))
		n = ynode_get(n, part);
	return n != NULL && n->kind != YNODE_SCALAR ? n : NULL;
}

/* A copy of n with every string value rendered; keys are not templates.
 * Unchanged scalars are shared; a changed one becomes a string (quoted),
 * because what a variable holds must not turn into a number or a boolean.
 * A string that is exactly one {{name}} of a list or map becomes it. */
static const struct ynode *render_tree(struct walk *w, const struct ynode *n,
				       int depth)
{
	const struct ynode *whole;
	struct ynode *c;
	size_t i;

	if (depth > YEMIT_MAX_DEPTH) {
		herd_errf(w->err, HERD_E_CONFIG, "%s:%u:%u: cloud_config nested deeper than %d",
			  n->file ? n->file : "<fleet>", n->line, n->col, YEMIT_MAX_DEPTH);
		return NULL;
	}
	if (n->kind == YNODE_SCALAR) {
		if ((whole = whole_node(n, w->ctx)) != NULL)
			return whole;
		buf_reset(&w->text);
		if (render_scalar(n, w->ctx, w->where, &w->text, w->err) != 0)
			return NULL;
		w->total += w->text.len;
		if (w->total > SEED_MAX_FILE) {
			w->over = true;
			return NULL;
		}
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

const struct ynode *nocloud_base(struct yarena *a, struct herd_err *err)
{
	static const char file[] = "<builtin>/cloud-config.tmpl";
	const char *text = tmpl_builtin_get("cloud-config");
	struct fleet_diags d;
	const struct ynode *t;

	memset(&d, 0, sizeof d);
	if (text == NULL || (t = fleet_parse(a, file, text, strlen(text), &d)) == NULL) {
		char msg[480] = "missing";
		if (d.n > 0)
			fleet_diag_format(&d.items[0], msg, sizeof msg);
		herd_errf(err, HERD_E_CONFIG, "built-in cloud-config: %s", msg);
		return NULL;
	}
	return t;
}

/* The built-in base (parsed, or given), without ssh_keys when there is
 * no host key to put there. */
static const struct ynode *base_tree(struct yarena *a, const struct ynode *t,
				     bool host_key, struct herd_err *err)
{
	struct ynode *m;
	size_t i;

	if (t == NULL && (t = nocloud_base(a, err)) == NULL)
		return NULL;
	if (host_key)
		return t;
	m = ynode_new_map(a, t);
	for (i = 0; i < t->n; i++)
		if (strcmp(ynode_key(t, i)->str, "ssh_keys") != 0)
			ynode_map_put(a, m, (struct ynode *)ynode_key(t, i),
				      (struct ynode *)ynode_val(t, i));
	return m;
}

/* herd's own keys, rendered with the VM's context plus its host key. */
static const struct ynode *herd_base(struct walk *w, const struct nocloud_in *in)
{
	bool hk = in->host_key_private != NULL && in->host_key_public != NULL;
	const struct ynode *t = base_tree(w->a, in->base, hk, w->err), *saved = w->ctx, *r;
	struct ynode *extra = ynode_new_map(w->a, NULL);

	if (t == NULL)
		return NULL;
	if (hk) {
		ynode_map_put_str(w->a, extra, "host_key_private", in->host_key_private, true);
		ynode_map_put_str(w->a, extra, "host_key_public", in->host_key_public, true);
	}
	w->ctx = ynode_merge(w->a, in->ctx, extra);
	r = render_tree(w, t, 0);
	w->ctx = saved;
	return r;
}

int nocloud_user_data(const struct nocloud_in *in, struct yarena *a,
		      struct buf *out, struct herd_err *err)
{
	const struct fleet_spec *spec = in->vm->spec;
	const struct ynode *cc = spec->cloud_config, *doc, *base;
	struct render_dir where = { in->fleet->dir, in->fleet->allow_outside };
	struct walk w = { a, in->ctx, &where, { NULL, 0, 0 }, err, 0, false };
	size_t start = out->len;
	int rc = -1;

	if (spec->user_data != NULL)
		return render_file(spec->user_data, in->ctx, &where, out, err);
	if (cc != NULL && cc->kind == YNODE_MAP) {
		cc = render_tree(&w, cc, 0);
		if (cc == NULL)
			goto out;
	} else {
		cc = NULL;
	}
	if ((base = herd_base(&w, in)) == NULL)
		goto out;
	doc = ynode_merge(a, base, cc);
	buf_adds(out, "#cloud-config\n");
	rc = yemit_doc(doc, SEED_MAX_FILE - (out->len - start), out, err);
	/* a node shared many times ({{vars.map}} in many places) is written
	 * out each time: the limit holds for the text, not only the tree */
	w.over = rc != 0 && err->code == HERD_E_CONFIG && strncmp(err->msg, "larger than", 11) == 0;
out:
	if (w.over)
		rc = bundle_too_big(err, in->vm, "user-data", SEED_MAX_FILE);
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
