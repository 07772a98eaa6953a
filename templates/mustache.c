#include "mustache.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common/mem.h"
#include "templates/mustache_parse.h"

#define NAME_SHOWN 64

/* A partial loaded and parsed once per render; the key is its name and
 * the indentation it was inserted with (the indentation is part of the
 * parsed text). */
struct partial {
	struct partial *next;
	char *name;
	char *indent;
	bool ok;		/* loaded and parsed */
	struct mustache_tmpl t;
};

struct render {
	const struct mustache_src *src;
	struct buf *out;
	size_t base;			/* out->len when the render began */
	struct herd_err *err;
	const struct ynode *stack[MUSTACHE_MAX_NEST + 1];	/* contexts */
	size_t sp;
	size_t nest, pdepth;		/* sections + partials; partials */
	unsigned long steps;
	struct partial *partials;
	size_t pbytes;			/* partial text loaded */
};

static int render_nodes(struct render *r, const struct mustache_tmpl *t,
			size_t from, size_t to);

static int shown(size_t len)
{
	return len > NAME_SHOWN ? NAME_SHOWN : (int)len;
}

static const struct ynode *map_get(const struct ynode *m, const char *key,
				   size_t len)
{
	size_t i;

	if (m == NULL || m->kind != YNODE_MAP)
		return NULL;
	for (i = 0; i < m->n; i++) {
		const struct ynode *k = ynode_key(m, i);
		if (k->kind == YNODE_SCALAR && k->len == len &&
		    memcmp(k->str, key, len) == 0)
			return ynode_val(m, i);
	}
	return NULL;
}

/* Spec name resolution: "." is the innermost context; the first part of
 * a dotted name is looked up from the innermost context out, the others
 * inside the value found.  A leading dot starts at the innermost context
 * only.  NULL when any part is missing. */
static const struct ynode *lookup(const struct render *r, const char *name,
				  size_t len)
{
	const struct ynode *v = NULL, *top = r->sp ? r->stack[r->sp - 1] : NULL;
	const char *end = name + len, *dot;
	size_t k;

	if (len == 1 && name[0] == '.')
		return top;
	dot = memchr(name, '.', len);
	if (dot == name) {
		v = top;
	} else {
		if (dot == NULL)
			dot = end;
		for (k = r->sp; k-- > 0 && v == NULL;)
			v = map_get(r->stack[k], name, (size_t)(dot - name));
	}
	while (v != NULL && dot < end) {
		const char *part = dot + 1;
		dot = memchr(part, '.', (size_t)(end - part));
		if (dot == NULL)
			dot = end;
		v = map_get(v, part, (size_t)(dot - part));
	}
	return v;
}

static bool falsey(const struct ynode *v)
{
	static const char *const no[] = { "false", "False", "FALSE",
					  "no", "No", "NO" };
	size_t i;

	if (v->kind == YNODE_SEQ)
		return v->n == 0;
	if (v->kind == YNODE_MAP)
		return false;
	if (v->len == 0 || ynode_is_null(v))
		return true;
	if (v->quoted)
		return false;
	for (i = 0; i < sizeof no / sizeof no[0]; i++)
		if (strcmp(v->str, no[i]) == 0)
			return true;
	return false;
}

static int emit(struct render *r, const struct mustache_tmpl *t, size_t at,
		const char *s, size_t n)
{
	if (r->out->len - r->base + n > MUSTACHE_MAX_OUTPUT)
		return mustache_parse_errf(t, at, r->err,
					   "output is larger than %u MiB",
					   MUSTACHE_MAX_OUTPUT >> 20);
	buf_add(r->out, s, n);
	return 0;
}

static int unknown(struct render *r, const struct mustache_tmpl *t,
		   const struct mustache_node *n)
{
	return mustache_parse_errf(t, n->tag, r->err, "unknown variable '%.*s'",
				   shown(n->len), t->text + n->off);
}

static int render_var(struct render *r, const struct mustache_tmpl *t,
		      const struct mustache_node *n)
{
	const struct ynode *v = lookup(r, t->text + n->off, n->len);

	if (v == NULL)
		return unknown(r, t, n);
	if (v->kind != YNODE_SCALAR)
		return mustache_parse_errf(t, n->tag, r->err,
					   "'%.*s' is %s, not a string",
					   shown(n->len), t->text + n->off,
					   ynode_kind_name(v));
	if (ynode_is_null(v))
		return 0;
	return emit(r, t, n->tag, v->str, v->len);
}

/* Render a section body with v pushed as the innermost context. */
static int render_with(struct render *r, const struct mustache_tmpl *t,
		       size_t i, const struct ynode *v)
{
	int rc;

	r->stack[r->sp++] = v;
	rc = render_nodes(r, t, i + 1, t->nodes[i].end);
	r->sp--;
	return rc;
}

static int render_section(struct render *r, const struct mustache_tmpl *t,
			  size_t i)
{
	const struct mustache_node *n = &t->nodes[i];
	const struct ynode *v = lookup(r, t->text + n->off, n->len);
	size_t k;

	if (n->kind == MUSTACHE_INVERTED)
		return v == NULL || falsey(v) ?
			render_nodes(r, t, i + 1, n->end) : 0;
	if (v == NULL)
		return unknown(r, t, n);
	if (falsey(v))
		return 0;
	if (v->kind != YNODE_SEQ)
		return render_with(r, t, i, v);
	for (k = 0; k < v->n; k++)
		if (render_with(r, t, i, v->kids[k]) < 0)
			return -1;
	return 0;
}

/* Bytes of text once every line gets ilen bytes of indentation. */
static size_t indented_len(const char *text, size_t ilen)
{
	size_t len = 0;
	const char *p;

	for (p = text; *p != '\0'; p++, len++)
		if (p == text || p[-1] == '\n')
			len += ilen;
	return len;
}

/* Spec: a standalone partial's indentation goes before each of its lines
 * (not after a final newline). */
static char *indent_text(const char *text, const char *ind, size_t ilen,
			 size_t *len)
{
	struct buf b;
	const char *p = text, *nl;

	buf_init(&b);
	while (*p != '\0') {
		buf_add(&b, ind, ilen);
		nl = strchr(p, '\n');
		if (nl == NULL)
			nl = p + strlen(p) - 1;
		buf_add(&b, p, (size_t)(nl - p + 1));
		p = nl + 1;
	}
	return buf_take(&b, len);
}

/* Give partial p its text (taken; indented when n is standalone), within
 * MUSTACHE_MAX_PARTIAL_BYTES for the whole render: indentation copies and
 * the cache multiply a partial's size, so the total is checked before any
 * copy is made. */
static int take_text(struct render *r, const struct mustache_tmpl *t,
		     const struct mustache_node *n, struct partial *p,
		     char *text)
{
	r->pbytes += indented_len(text, n->ind_len);
	if (r->pbytes > MUSTACHE_MAX_PARTIAL_BYTES) {
		free(text);
		return mustache_parse_errf(t, n->tag, r->err, "partial '%.*s':"
					   " partials are larger than %u MiB in all",
					   shown(n->len), p->name,
					   MUSTACHE_MAX_PARTIAL_BYTES >> 20);
	}
	if (n->ind_len) {
		p->t.owned = indent_text(text, p->indent, n->ind_len, &p->t.len);
		free(text);
	} else {
		p->t.owned = text;
		p->t.len = strlen(text);
	}
	p->t.text = p->t.owned;
	return 0;
}

/* Load and parse partial n (name + indentation), once per render. */
static struct partial *load_partial(struct render *r,
				    const struct mustache_tmpl *t,
				    const struct mustache_node *n)
{
	struct herd_err perr = HERD_ERR_INIT;
	struct partial *p = xcalloc(1, sizeof *p);
	const char *file = NULL;
	char *text = NULL;

	p->name = xstrndup(t->text + n->off, n->len);
	p->indent = xstrndup(t->text + n->ind_off, n->ind_len);
	p->next = r->partials;
	r->partials = p;	/* freed with the render, even if bad */
	if (r->src == NULL || r->src->partial == NULL) {
		mustache_parse_errf(t, n->tag, r->err, "partial '%.*s': "
				    "partials are not available here",
				    shown(n->len), p->name);
		return NULL;
	}
	text = r->src->partial(r->src->partial_ctx, p->name, &file, &perr);
	if (text == NULL) {
		mustache_parse_errf(t, n->tag, r->err, "partial '%.*s': %s",
				    shown(n->len), p->name, perr.msg);
		return NULL;
	}
	p->t.file = file ? file : p->name;
	p->t.line = p->t.col = 1;
	p->t.indent = n->ind_len;
	if (take_text(r, t, n, p, text) < 0)
		return NULL;
	if (mustache_parse(&p->t, r->err) < 0)
		return NULL;
	p->ok = true;
	return p;
}

static struct partial *find_partial(struct render *r,
				    const struct mustache_tmpl *t,
				    const struct mustache_node *n)
{
	struct partial *p;

	for (p = r->partials; p != NULL; p = p->next)
		if (strlen(p->name) == n->len &&
		    memcmp(p->name, t->text + n->off, n->len) == 0 &&
		    strlen(p->indent) == n->ind_len &&
		    memcmp(p->indent, t->text + n->ind_off, n->ind_len) == 0)
			return p->ok ? p : NULL;
	return load_partial(r, t, n);
}

static int render_partial(struct render *r, const struct mustache_tmpl *t,
			  const struct mustache_node *n)
{
	struct partial *p;
	int rc;

	if (r->pdepth == MUSTACHE_MAX_PARTIAL_DEPTH)
		return mustache_parse_errf(t, n->tag, r->err,
					   "partials nest deeper than %d"
					   " (a partial includes itself?)",
					   MUSTACHE_MAX_PARTIAL_DEPTH);
	p = find_partial(r, t, n);
	if (p == NULL)
		return -1;
	r->pdepth++;
	rc = render_nodes(r, &p->t, 0, p->t.n);
	r->pdepth--;
	return rc;
}

static int render_nodes(struct render *r, const struct mustache_tmpl *t,
			size_t from, size_t to)
{
	const struct mustache_node *n;
	size_t i;
	int rc = 0;

	if (r->nest == MUSTACHE_MAX_NEST)
		return mustache_parse_errf(t, from ? t->nodes[from - 1].tag : 0,
					   r->err, "sections and partials nest"
					   " deeper than %d", MUSTACHE_MAX_NEST);
	r->nest++;
	for (i = from; i < to && rc == 0; i++) {
		n = &t->nodes[i];
		if (++r->steps > MUSTACHE_MAX_STEPS) {
			rc = mustache_parse_errf(t, n->tag, r->err, "template"
						 " does more than %lu steps",
						 MUSTACHE_MAX_STEPS);
			break;
		}
		switch (n->kind) {
		case MUSTACHE_TEXT:
			rc = emit(r, t, n->tag, t->text + n->off, n->len);
			break;
		case MUSTACHE_VAR:
			rc = render_var(r, t, n);
			break;
		case MUSTACHE_PARTIAL:
			rc = render_partial(r, t, n);
			break;
		default:
			rc = render_section(r, t, i);
			i = n->end - 1;
			break;
		}
	}
	r->nest--;
	return rc;
}

int mustache_render(const char *tmpl, size_t len, const struct ynode *ctx,
		    const struct mustache_src *src, struct buf *out,
		    struct herd_err *err)
{
	struct mustache_tmpl t = { .text = tmpl, .len = len };
	struct render r = { .src = src, .out = out, .base = out->len,
			    .err = err };
	struct partial *p, *next;
	int rc = -1;

	if (src != NULL) {
		t.file = src->file;
		t.line = src->line;
		t.col = src->col;
	}
	if (ctx != NULL)
		r.stack[r.sp++] = ctx;
	if (mustache_parse(&t, err) < 0)
		goto out;
	rc = render_nodes(&r, &t, 0, t.n);
out:
	for (p = r.partials; p != NULL; p = next) {
		next = p->next;
		mustache_parse_release(&p->t);
		free(p->name);
		free(p->indent);
		free(p);
	}
	mustache_parse_release(&t);
	return rc;
}
