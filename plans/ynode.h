/* plans/ynode.h — a YAML document as a tree of nodes with source positions.
 *
 * Every node lives in the arena of its struct ydoc and is freed with it;
 * nodes are never freed one by one.  Aliases share the anchored node, so a
 * tree is a DAG: never modify a node reachable from a parsed document;
 * build new ones (ynode_merge, ynode_new_*) in an arena instead.
 *
 * Scalars keep their text exactly; `quoted` records that the source wrote
 * them quoted or as a block (so "1.0" stays a string when re-emitted, and a
 * plain 1.0 may be a number).  Maps keep their keys in source order.
 */
#ifndef HERD_YNODE_H
#define HERD_YNODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum ynode_kind { YNODE_SCALAR, YNODE_SEQ, YNODE_MAP };

struct ynode {
	enum ynode_kind kind;
	bool quoted;		/* SCALAR: quoted, literal or folded in the source */
	uint32_t line, col;	/* 1-based position of the node's first character */
	const char *file;	/* borrowed; lives as long as the arena */
	const char *str;	/* SCALAR: NUL-terminated text (may hold NUL bytes up to len) */
	size_t len;		/* SCALAR: length of str */
	size_t n;		/* SEQ: item count; MAP: pair count */
	struct ynode **kids;	/* SEQ: items[n]; MAP: key,value,key,value (2n) */
};

/* An arena of nodes and strings; everything allocated from it goes away in
 * yarena_free().  Not thread-safe. */
struct yarena;

struct yarena *yarena_new(void);
void yarena_free(struct yarena *a);
/* Bytes handed out so far (for the memory benchmark). */
size_t yarena_used(const struct yarena *a);
void *yarena_alloc(struct yarena *a, size_t n);		/* zeroed */
const char *yarena_strdup(struct yarena *a, const char *s, size_t len);

/* New nodes in arena a.  pos (may be NULL) gives file/line/col. */
struct ynode *ynode_new_scalar(struct yarena *a, const char *s, bool quoted,
			       const struct ynode *pos);
struct ynode *ynode_new_seq(struct yarena *a, const struct ynode *pos);
struct ynode *ynode_new_map(struct yarena *a, const struct ynode *pos);
/* Append to a SEQ (item) or a MAP (key + value) that this code built. */
void ynode_seq_push(struct yarena *a, struct ynode *seq, struct ynode *item);
void ynode_map_put(struct yarena *a, struct ynode *map, struct ynode *key,
		   struct ynode *value);
/* ynode_map_put with a new plain scalar key and a scalar value. */
void ynode_map_put_str(struct yarena *a, struct ynode *map, const char *key,
		       const char *value, bool quoted);

/* The value under `key` in map (a MAP, else NULL), or NULL. Borrowed. */
const struct ynode *ynode_get(const struct ynode *map, const char *key);
/* The key node of `key` in map, or NULL (for error positions). */
const struct ynode *ynode_get_key(const struct ynode *map, const char *key);
/* Pair i of a map: key and value. */
static inline const struct ynode *ynode_key(const struct ynode *m, size_t i)
{
	return m->kids[2 * i];
}
static inline const struct ynode *ynode_val(const struct ynode *m, size_t i)
{
	return m->kids[2 * i + 1];
}

/* True when s is a plain (unquoted) scalar YAML 1.1/1.2 reads as null:
 * "", "~", "null", "Null", "NULL". */
bool ynode_is_null(const struct ynode *s);

/* Deep merge for fleet layers, allocated in a (inputs are not modified and
 * may be shared by the result): maps merge key by key (over wins for
 * scalars; nested maps merge), sequences append (base items, then over's),
 * anything else: over replaces base.  Either may be NULL. */
const struct ynode *ynode_merge(struct yarena *a, const struct ynode *base,
				const struct ynode *over);

/* Kind as a word for messages: "a string", "a list", "a mapping". */
const char *ynode_kind_name(const struct ynode *n);

#endif
