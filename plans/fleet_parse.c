#include "plans/fleet_parse.h"

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#include "common/mem.h"
#include "plans/strset.h"

struct frame {
	struct ynode *node;
	struct ynode *key;	/* MAP: the key waiting for its value */
	struct ynode *merges;	/* MAP: a SEQ of the `<<` values, or NULL */
	const char *anchor;	/* registered when the collection ends */
	size_t weight;		/* nodes inside, every alias counted in full */
	size_t bytes;		/* text inside, every alias counted in full */
};

struct anchor {
	struct ynode *node;
	size_t weight, bytes;
};

struct parser {
	yaml_parser_t yp;
	struct yarena *a;
	const char *file;
	struct fleet_diags *d;
	struct frame stack[FLEET_MAX_DEPTH];
	size_t depth;
	struct strset *names;	/* anchor name -> index in anchors */
	struct anchor *anchors;
	size_t n_anchors, cap_anchors;
	size_t nodes;		/* against FLEET_MAX_NODES */
	size_t bytes;		/* against FLEET_MAX_EXPANDED */
	struct ynode *root;
	int docs;
};

/* Record the parse error (only the first: a parse stops at it). */
static int perr(struct parser *p, yaml_mark_t m, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int perr(struct parser *p, yaml_mark_t m, const char *fmt, ...)
{
	char msg[sizeof p->d->items[0].msg];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	fleet_diag_add(p->d, p->file, (uint32_t)m.line + 1, (uint32_t)m.column + 1,
		       "%s", msg);
	return -1;
}

static struct ynode *node_at(struct parser *p, enum ynode_kind kind, yaml_mark_t m)
{
	struct ynode *n = yarena_alloc(p->a, sizeof *n);

	n->kind = kind;
	n->file = p->file;
	n->line = (uint32_t)m.line + 1;
	n->col = (uint32_t)m.column + 1;
	return n;
}

/* Count nodes and text against the budgets; aliases count their whole
 * subtree, so a "billion laughs" file, or a 1 MiB anchor used 400 times
 * (400 MiB of user-data from a 1 MiB file), stops here instead of in the
 * checker or the renderer. */
static int spend(struct parser *p, size_t weight, size_t bytes, yaml_mark_t m)
{
	p->nodes += weight;
	p->bytes += bytes;
	if (p->nodes > FLEET_MAX_NODES)
		return perr(p, m, "aliases expand to more than %d nodes "
			    "(an alias bomb? write the values out)", FLEET_MAX_NODES);
	if (p->bytes > FLEET_MAX_EXPANDED)
		return perr(p, m, "aliases expand to more than %uMiB of text (an "
			    "alias bomb? use a large anchor fewer times)",
			    FLEET_MAX_EXPANDED >> 20);
	return 0;
}

static void anchor_set(struct parser *p, const char *name, struct ynode *n,
		       size_t weight, size_t bytes)
{
	const char *copy;
	size_t old;

	if (name == NULL)
		return;
	if (p->names == NULL)
		p->names = strset_new(16);
	copy = yarena_strdup(p->a, name, strlen(name));
	if (!strset_add(p->names, copy, strlen(copy), p->n_anchors, &old)) {
		p->anchors[old].node = n;	/* YAML: a later anchor replaces */
		p->anchors[old].weight = weight;
		p->anchors[old].bytes = bytes;
		return;
	}
	p->anchors = xgrow(p->anchors, &p->cap_anchors, p->n_anchors + 1,
			   sizeof *p->anchors);
	p->anchors[p->n_anchors].node = n;
	p->anchors[p->n_anchors].bytes = bytes;
	p->anchors[p->n_anchors++].weight = weight;
}

static bool is_merge_key(const struct ynode *k)
{
	return !k->quoted && k->len == 2 && memcmp(k->str, "<<", 2) == 0;
}

/* The first control character of s[0..len) (C0, DEL or C1), as a code
 * point, or -1 when there is none.  s is valid UTF-8 (check_text). */
static long control_char(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i;

	for (i = 0; i < len; i++) {
		if (u[i] < 0x20 || u[i] == 0x7f)
			return u[i];
		if (u[i] == 0xc2 && i + 1 < len && u[i + 1] >= 0x80 && u[i + 1] <= 0x9f)
			return u[i + 1];	/* U+0080..U+009F */
	}
	return -1;
}

/* s for a message: printable ASCII as is, anything else as \xNN; at most
 * 40 bytes of s. */
static void printable(char *out, size_t outlen, const char *s, size_t len)
{
	size_t i, o = 0;

	for (i = 0; i < len && i < 40 && o + 5 < outlen; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch >= 0x20 && ch < 0x7f && ch != '"' && ch != '\\')
			out[o++] = (char)ch;
		else
			o += (size_t)snprintf(out + o, outlen - o, "\\x%02x", ch);
	}
	if (i < len && o + 4 < outlen)
		o += (size_t)snprintf(out + o, outlen - o, "...");
	out[o] = '\0';
}

/* Keys are names (of VMs, groups, networks, images, vars, settings): no
 * control characters, so "a\0x" and "a\0y" cannot pass as two names that
 * C text reads as one "a". */
static int check_key(struct parser *p, const struct ynode *k, yaml_mark_t m)
{
	long ch = control_char(k->str, k->len);
	char text[200];

	if (ch < 0)
		return 0;
	printable(text, sizeof text, k->str, k->len);
	return perr(p, m, "key \"%s\" holds a control character (U+%04lX); a key "
		    "is a name: use letters, digits and punctuation", text, ch);
}

/* Attach a finished node to its parent (or make it the root). */
static int attach(struct parser *p, struct ynode *n, size_t weight, size_t bytes,
		  yaml_mark_t m)
{
	struct frame *f;

	if (p->depth == 0) {
		p->root = n;
		return 0;
	}
	f = &p->stack[p->depth - 1];
	f->weight += weight;
	f->bytes += bytes;
	if (f->node->kind == YNODE_SEQ) {
		ynode_seq_push(p->a, f->node, n);
		return 0;
	}
	if (f->key == NULL) {
		if (n->kind != YNODE_SCALAR) {
			m.line = n->line - 1;
			m.column = n->col - 1;
			return perr(p, m, "a key must be a string, not %s%s",
				    ynode_kind_name(n), n->kind == YNODE_MAP ?
				    " (quote a value that starts with {{)" : "");
		}
		if (check_key(p, n, m) < 0)	/* m: where the key (or its alias) is */
			return -1;
		f->key = n;
		return 0;
	}
	if (is_merge_key(f->key)) {
		if (f->merges == NULL)
			f->merges = ynode_new_seq(p->a, f->key);
		ynode_seq_push(p->a, f->merges, n);
	} else {
		ynode_map_put(p->a, f->node, f->key, n);
	}
	f->key = NULL;
	return 0;
}

static int on_scalar(struct parser *p, const yaml_event_t *ev)
{
	struct ynode *n = node_at(p, YNODE_SCALAR, ev->start_mark);
	const char *tag = (const char *)ev->data.scalar.tag;

	n->len = ev->data.scalar.length;
	n->str = yarena_strdup(p->a, (const char *)ev->data.scalar.value, n->len);
	n->quoted = ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE ||
		    (tag != NULL && strcmp(tag, YAML_STR_TAG) == 0);
	/* herd hands strings on as C text (templates, seeds, libvirt XML):
	 * a NUL inside one ("\0" in double quotes) would cut it short */
	if (memchr(n->str, '\0', n->len) != NULL)
		return perr(p, ev->start_mark, "a string holds a NUL character "
			    "(\\0); herd cannot pass it on");
	if (spend(p, 1, n->len, ev->start_mark) < 0)
		return -1;
	anchor_set(p, (const char *)ev->data.scalar.anchor, n, 1, n->len);
	return attach(p, n, 1, n->len, ev->start_mark);
}

static int on_start(struct parser *p, const yaml_event_t *ev, enum ynode_kind kind)
{
	struct frame *f;
	const yaml_char_t *anchor = kind == YNODE_MAP ? ev->data.mapping_start.anchor
						      : ev->data.sequence_start.anchor;

	if (p->depth == FLEET_MAX_DEPTH)
		return perr(p, ev->start_mark, "nesting is deeper than %d levels",
			    FLEET_MAX_DEPTH);
	if (spend(p, 1, 0, ev->start_mark) < 0)
		return -1;
	f = &p->stack[p->depth++];
	memset(f, 0, sizeof *f);
	f->node = node_at(p, kind, ev->start_mark);
	f->weight = 1;
	if (anchor != NULL)
		f->anchor = yarena_strdup(p->a, (const char *)anchor,
					  strlen((const char *)anchor));
	return 0;
}

static int on_alias(struct parser *p, const yaml_event_t *ev)
{
	const char *name = (const char *)ev->data.alias.anchor;
	size_t i;

	/* An anchor is registered when its node ends, so an alias inside its
	 * own anchored node is undefined here: no cycles in the tree. */
	if (p->names == NULL || !strset_find(p->names, name, strlen(name), &i))
		return perr(p, ev->start_mark,
			    "alias *%s is not defined (write &%s on a value before it)",
			    name, name);
	if (spend(p, p->anchors[i].weight, p->anchors[i].bytes, ev->start_mark) < 0)
		return -1;
	return attach(p, p->anchors[i].node, p->anchors[i].weight, p->anchors[i].bytes,
		      ev->start_mark);
}

/* Index the keys of map in a set (value = pair index); report the first
 * duplicate.  Returns the set (caller frees) or NULL after an error. */
static struct strset *map_keys(struct parser *p, const struct ynode *map)
{
	struct strset *set = strset_new(map->n);
	size_t i, first;

	for (i = 0; i < map->n; i++) {
		const struct ynode *k = ynode_key(map, i);
		if (strset_add(set, k->str, k->len, i, &first))
			continue;
		yaml_mark_t m = { 0, k->line - 1, k->col - 1 };
		perr(p, m, "duplicate key '%s' (first at line %u; write each key once)",
		     k->str, ynode_key(map, first)->line);
		strset_free(set);
		return NULL;
	}
	return set;
}

static int merge_one(struct parser *p, struct ynode *map, struct strset *keys,
		     const struct ynode *src)
{
	size_t i;

	if (src->kind != YNODE_MAP) {
		yaml_mark_t m = { 0, src->line - 1, src->col - 1 };
		return perr(p, m, "merge key << takes a mapping or a list of "
			    "mappings, not %s", ynode_kind_name(src));
	}
	for (i = 0; i < src->n; i++) {
		struct ynode *k = src->kids[2 * i];
		if (strset_add(keys, k->str, k->len, map->n, NULL))
			ynode_map_put(p->a, map, k, src->kids[2 * i + 1]);
	}
	return 0;
}

/* Keys written in the map win; among merged maps the earlier wins (YAML's
 * merge key rule), which first-come insertion into the key set gives. */
static int finish_map(struct parser *p, struct frame *f)
{
	struct strset *keys = map_keys(p, f->node);
	size_t i, j;
	int rc = 0;

	if (keys == NULL)
		return -1;
	for (i = 0; f->merges != NULL && i < f->merges->n && rc == 0; i++) {
		const struct ynode *src = f->merges->kids[i];
		if (src->kind != YNODE_SEQ) {
			rc = merge_one(p, f->node, keys, src);
			continue;
		}
		for (j = 0; j < src->n && rc == 0; j++)
			rc = merge_one(p, f->node, keys, src->kids[j]);
	}
	strset_free(keys);
	return rc;
}

static int on_end(struct parser *p, const yaml_event_t *ev)
{
	struct frame f = p->stack[--p->depth];

	if (f.node->kind == YNODE_MAP && finish_map(p, &f) < 0)
		return -1;
	anchor_set(p, f.anchor, f.node, f.weight, f.bytes);
	return attach(p, f.node, f.weight, f.bytes, ev->start_mark);
}

static int on_event(struct parser *p, const yaml_event_t *ev)
{
	switch (ev->type) {
	case YAML_DOCUMENT_START_EVENT:
		if (++p->docs > 1)
			return perr(p, ev->start_mark, "a second YAML document "
				    "(a fleet file holds one; remove this ---)");
		return 0;
	case YAML_SCALAR_EVENT:
		return on_scalar(p, ev);
	case YAML_ALIAS_EVENT:
		return on_alias(p, ev);
	case YAML_SEQUENCE_START_EVENT:
		return on_start(p, ev, YNODE_SEQ);
	case YAML_MAPPING_START_EVENT:
		return on_start(p, ev, YNODE_MAP);
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		return on_end(p, ev);
	default:
		return 0;
	}
}

/* Line and column (1-based) of byte offset off. */
static void offset_pos(const char *data, size_t off, yaml_mark_t *m)
{
	size_t i;

	m->line = 0;
	m->column = 0;
	for (i = 0; i < off; i++) {
		if (data[i] == '\n') {
			m->line++;
			m->column = 0;
		} else if (((unsigned char)data[i] & 0xc0) != 0x80) {
			m->column++;
		}
	}
}

static int yaml_problem(struct parser *p, const char *data)
{
	yaml_parser_t *y = &p->yp;
	yaml_mark_t m = y->problem_mark;

	if (y->error == YAML_READER_ERROR)
		offset_pos(data, y->problem_offset, &m);
	if (y->context != NULL)
		return perr(p, m, "invalid YAML: %s (%s at line %zu)",
			    y->problem ? y->problem : "error", y->context,
			    y->context_mark.line + 1);
	return perr(p, m, "invalid YAML: %s", y->problem ? y->problem : "error");
}

/* Length of the UTF-8 sequence at s (n bytes left), or 0 if invalid:
 * overlong forms, surrogates and code points past U+10FFFF included. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	size_t len, i;
	uint32_t c;

	if (s[0] < 0x80)
		return 1;
	len = s[0] >= 0xf0 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc0 ? 2 : 0;
	if (len == 0 || len > n || s[0] > 0xf4)
		return 0;
	c = s[0] & (0x7f >> len);
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if ((len == 2 && c < 0x80) || (len == 3 && c < 0x800) ||
	    (len == 4 && c < 0x10000) || c > 0x10ffff ||
	    (c >= 0xd800 && c <= 0xdfff))
		return 0;
	return len;
}

static int check_text(struct parser *p, const char *data, size_t len)
{
	const unsigned char *s = (const unsigned char *)data;
	yaml_mark_t m;
	size_t i, step;

	for (i = 0; i < len; i += step) {
		step = s[i] == 0 ? 0 : utf8_len(s + i, len - i);
		if (step != 0)
			continue;
		offset_pos(data, i, &m);
		return perr(p, m, "not a text file: %s (a fleet file is UTF-8 YAML)",
			    s[i] == 0 ? "a NUL byte" : "invalid UTF-8");
	}
	return 0;
}

static int run(struct parser *p, const char *data, size_t len)
{
	yaml_event_t ev;
	bool done = false;
	int rc = 0;

	if (check_text(p, data, len) < 0)
		return -1;
	if (!yaml_parser_initialize(&p->yp))
		abort();	/* only fails on allocation */
	yaml_parser_set_input_string(&p->yp, (const unsigned char *)data, len);
	while (!done && rc == 0) {
		if (!yaml_parser_parse(&p->yp, &ev)) {
			rc = yaml_problem(p, data);
			break;
		}
		rc = on_event(p, &ev);
		done = ev.type == YAML_STREAM_END_EVENT;
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&p->yp);
	return rc;
}

const struct ynode *fleet_parse(struct yarena *a, const char *file,
				const char *data, size_t len,
				struct fleet_diags *d)
{
	struct parser *p = xcalloc(1, sizeof *p);
	const struct ynode *root = NULL;

	p->a = a;
	p->file = file;
	p->d = d;
	if (run(p, data, len) < 0)
		goto out;
	if (p->root == NULL || ynode_is_null(p->root)) {
		fleet_diag_add(d, file, 0, 0, "is empty (a fleet file starts "
			       "with fleet: NAME)");
		goto out;
	}
	if (p->root->kind != YNODE_MAP) {
		fleet_diag_at(d, p->root, "the top level is %s, not a mapping "
			      "(a fleet file starts with fleet: NAME)",
			      ynode_kind_name(p->root));
		goto out;
	}
	root = p->root;
out:
	strset_free(p->names);
	free(p->anchors);
	free(p);
	return root;
}

static int read_fd(int fd, const char *path, char **data, size_t *len,
		   struct fleet_diags *d)
{
	size_t cap = 64 * 1024, n = 0;
	char *buf = xmalloc(cap + 1);
	ssize_t r;

	/* Also for pipes and /dev/stdin: read at most one byte past the limit. */
	for (;;) {
		if (n == cap) {
			if (cap > FLEET_MAX_FILE)
				break;
			cap *= 2;
			buf = xrealloc(buf, cap + 1);
		}
		r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			fleet_diag_add(d, path, 0, 0, "cannot read: %s", strerror(errno));
			free(buf);
			return -1;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	if (n > FLEET_MAX_FILE) {
		fleet_diag_add(d, path, 0, 0, "is larger than 16MiB, the most a "
			       "fleet file may be (split it or use groups)");
		free(buf);
		return -1;
	}
	buf[n] = '\0';
	*data = buf;
	*len = n;
	return 0;
}

int fleet_parse_read(const char *path, char **data, size_t *len,
		     struct fleet_diags *d)
{
	struct stat st;
	int fd = -1, rc = -1;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fleet_diag_add(d, path, 0, 0, "cannot open: %s", strerror(errno));
		goto out;
	}
	if (fstat(fd, &st) < 0) {
		fleet_diag_add(d, path, 0, 0, "cannot stat: %s", strerror(errno));
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		fleet_diag_add(d, path, 0, 0, "is a directory, not a fleet file");
		goto out;
	}
	if (S_ISREG(st.st_mode) && (uint64_t)st.st_size > FLEET_MAX_FILE) {
		fleet_diag_add(d, path, 0, 0, "is larger than 16MiB, the most a "
			       "fleet file may be (split it or use groups)");
		goto out;
	}
	rc = read_fd(fd, path, data, len, d);
out:
	if (fd >= 0)
		close(fd);
	return rc;
}
