#include "ynode.h"

#include <stdlib.h>
#include <string.h>

#include "common/mem.h"
#include "plans/strset.h"

/* Nodes and strings are carved from large chunks: a 10,000-VM fleet makes
 * hundreds of thousands of small objects, and one free() per chunk keeps
 * both time and peak memory low. */
#define CHUNK (64 * 1024)

struct chunk {
	struct chunk *next;
	size_t used, size;
	max_align_t data[];
};

struct yarena {
	struct chunk *head;
	size_t total;
};

struct yarena *yarena_new(void)
{
	return xcalloc(1, sizeof(struct yarena));
}

void yarena_free(struct yarena *a)
{
	struct chunk *c, *next;

	if (a == NULL)
		return;
	for (c = a->head; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	free(a);
}

size_t yarena_used(const struct yarena *a)
{
	return a->total;
}

void *yarena_alloc(struct yarena *a, size_t n)
{
	struct chunk *c = a->head;
	size_t align = sizeof(max_align_t), need = (n + align - 1) / align * align;
	void *p;

	if (c == NULL || c->size - c->used < need) {
		size_t size = need > CHUNK ? need : CHUNK;
		c = xmalloc(sizeof *c + size);
		c->size = size;
		c->used = 0;
		c->next = a->head;
		a->head = c;
	}
	p = (char *)c->data + c->used;
	c->used += need;
	a->total += need;
	memset(p, 0, n);
	return p;
}

const char *yarena_strdup(struct yarena *a, const char *s, size_t len)
{
	char *p = yarena_alloc(a, len + 1);

	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

static struct ynode *node_new(struct yarena *a, enum ynode_kind kind,
			      const struct ynode *pos)
{
	struct ynode *n = yarena_alloc(a, sizeof *n);

	n->kind = kind;
	if (pos != NULL) {
		n->file = pos->file;
		n->line = pos->line;
		n->col = pos->col;
	}
	return n;
}

struct ynode *ynode_new_scalar(struct yarena *a, const char *s, bool quoted,
			       const struct ynode *pos)
{
	struct ynode *n = node_new(a, YNODE_SCALAR, pos);

	n->len = strlen(s);
	n->str = yarena_strdup(a, s, n->len);
	n->quoted = quoted;
	return n;
}

struct ynode *ynode_new_seq(struct yarena *a, const struct ynode *pos)
{
	return node_new(a, YNODE_SEQ, pos);
}

struct ynode *ynode_new_map(struct yarena *a, const struct ynode *pos)
{
	return node_new(a, YNODE_MAP, pos);
}

/* Arena arrays cannot be realloc'd: grow by copying into a doubled array;
 * capacity is implied by n (powers of two), so nodes need no cap field. */
static void kids_push(struct yarena *a, struct ynode *n, size_t slots,
		      struct ynode *x, struct ynode *y)
{
	size_t used = n->n * slots, cap = 4;

	while (cap < used)
		cap *= 2;
	if (n->kids == NULL || used + slots > cap) {
		struct ynode **k;
		while (cap < used + slots)
			cap *= 2;
		k = yarena_alloc(a, cap * sizeof *k);
		if (used)
			memcpy(k, n->kids, used * sizeof *k);
		n->kids = k;
	}
	n->kids[used] = x;
	if (slots == 2)
		n->kids[used + 1] = y;
	n->n++;
}

void ynode_seq_push(struct yarena *a, struct ynode *seq, struct ynode *item)
{
	kids_push(a, seq, 1, item, NULL);
}

void ynode_map_put(struct yarena *a, struct ynode *map, struct ynode *key,
		   struct ynode *value)
{
	kids_push(a, map, 2, key, value);
}

void ynode_map_put_str(struct yarena *a, struct ynode *map, const char *key,
		       const char *value, bool quoted)
{
	ynode_map_put(a, map, ynode_new_scalar(a, key, false, map),
		      ynode_new_scalar(a, value, quoted, map));
}

const struct ynode *ynode_get_key(const struct ynode *map, const char *key)
{
	size_t i;

	if (map == NULL || map->kind != YNODE_MAP)
		return NULL;
	for (i = 0; i < map->n; i++) {
		const struct ynode *k = ynode_key(map, i);
		if (k->kind == YNODE_SCALAR && strcmp(k->str, key) == 0)
			return k;
	}
	return NULL;
}

const struct ynode *ynode_get(const struct ynode *map, const char *key)
{
	size_t i;

	if (map == NULL || map->kind != YNODE_MAP)
		return NULL;
	for (i = 0; i < map->n; i++) {
		const struct ynode *k = ynode_key(map, i);
		if (k->kind == YNODE_SCALAR && strcmp(k->str, key) == 0)
			return ynode_val(map, i);
	}
	return NULL;
}

bool ynode_is_null(const struct ynode *s)
{
	static const char *const nulls[] = { "", "~", "null", "Null", "NULL" };
	size_t i;

	if (s == NULL || s->kind != YNODE_SCALAR || s->quoted)
		return false;
	for (i = 0; i < sizeof nulls / sizeof nulls[0]; i++)
		if (strcmp(s->str, nulls[i]) == 0)
			return true;
	return false;
}

/* Small maps are searched in place; larger ones through a hash set of
 * the keys, so a merge is linear in the keys of both (30,000 vars merged
 * over 30,000 must not take n * m steps). */
#define MERGE_LINEAR 8

struct keyidx {
	const struct ynode *map;
	struct strset *set;	/* key -> pair index, or NULL: search */
};

static void keyidx_init(struct keyidx *x, const struct ynode *map, size_t other)
{
	size_t i;

	x->map = map;
	x->set = NULL;
	if (map->n <= MERGE_LINEAR || other == 0)
		return;
	x->set = strset_new(map->n);
	for (i = 0; i < map->n; i++) {
		const struct ynode *k = ynode_key(map, i);
		if (k->kind == YNODE_SCALAR)
			strset_add(x->set, k->str, k->len, i, NULL);	/* first wins */
	}
}

/* The value under scalar key k, or NULL. */
static const struct ynode *keyidx_get(const struct keyidx *x, const struct ynode *k)
{
	size_t i;

	if (k->kind != YNODE_SCALAR)
		return NULL;
	if (x->set == NULL)
		return ynode_get(x->map, k->str);
	return strset_find(x->set, k->str, k->len, &i) ? ynode_val(x->map, i) : NULL;
}

static const struct ynode *merge_maps(struct yarena *a, const struct ynode *base,
				      const struct ynode *over)
{
	struct ynode *m = ynode_new_map(a, over);
	struct keyidx bi, oi;
	size_t i;

	keyidx_init(&bi, base, over->n);
	keyidx_init(&oi, over, base->n);
	for (i = 0; i < base->n; i++) {
		const struct ynode *k = ynode_key(base, i);
		const struct ynode *o = keyidx_get(&oi, k);
		ynode_map_put(a, m, (struct ynode *)k,
			      (struct ynode *)(o ? ynode_merge(a, ynode_val(base, i), o)
						 : ynode_val(base, i)));
	}
	for (i = 0; i < over->n; i++) {
		const struct ynode *k = ynode_key(over, i);
		if (keyidx_get(&bi, k) == NULL)
			ynode_map_put(a, m, (struct ynode *)k,
				      (struct ynode *)ynode_val(over, i));
	}
	strset_free(bi.set);
	strset_free(oi.set);
	return m;
}

const struct ynode *ynode_merge(struct yarena *a, const struct ynode *base,
				const struct ynode *over)
{
	struct ynode *s;
	size_t i;

	if (base == NULL)
		return over;
	if (over == NULL)
		return base;
	if (base->kind == YNODE_MAP && over->kind == YNODE_MAP)
		return merge_maps(a, base, over);
	if (base->kind != YNODE_SEQ || over->kind != YNODE_SEQ)
		return over;
	s = ynode_new_seq(a, over);
	for (i = 0; i < base->n; i++)
		ynode_seq_push(a, s, base->kids[i]);
	for (i = 0; i < over->n; i++)
		ynode_seq_push(a, s, over->kids[i]);
	return s;
}

const char *ynode_kind_name(const struct ynode *n)
{
	if (n == NULL)
		return "nothing";
	switch (n->kind) {
	case YNODE_SEQ:
		return "a list";
	case YNODE_MAP:
		return "a mapping";
	default:
		return "a string";
	}
}
