#include "mustache_parse.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/mem.h"
#include "templates/mustache.h"

/* Names are quoted in messages at most this long: a fuzzed or binary
 * template must not turn into a 500-byte error line. */
#define NAME_SHOWN 64

struct parser {
	struct mustache_tmpl *t;
	struct herd_err *err;
	const char *otag, *ctag;	/* current delimiters */
	size_t olen, clen;
	size_t p;			/* next byte to read */
	size_t open[MUSTACHE_MAX_NEST];	/* node indices of open sections */
	size_t nopen;
};

/* One tag as read: [start, end) is the whole tag with its delimiters,
 * [name, name + nlen) its trimmed content after the sigil. */
struct tag {
	char sigil;		/* one of #^/!=>{& or 0 for a plain variable */
	size_t start, end;
	size_t name, nlen;
};

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
	       c == '\f';
}

/* Line and column of byte off, in the file the template came from. */
static void locate(const struct mustache_tmpl *t, size_t off,
		   unsigned long *line, unsigned long *col)
{
	size_t i, bol = 0;

	*line = t->line ? t->line : 1;
	*col = t->col ? t->col : 1;
	for (i = 0; i < off && i < t->len; i++)
		if (t->text[i] == '\n') {
			(*line)++;
			bol = i + 1;
		}
	if (bol == 0)
		*col += off;
	else
		*col = off - bol + 1;
	/* An indented partial's lines all start with the indentation we
	 * added: report the column in the partial's own file. */
	if (t->indent && *col > t->indent)
		*col -= t->indent;
}

int mustache_parse_errf(const struct mustache_tmpl *t, size_t off,
			struct herd_err *err, const char *fmt, ...)
{
	char what[sizeof err->msg];
	unsigned long line, col;
	va_list ap;

	locate(t, off, &line, &col);
	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	return herd_errf(err, HERD_E_CONFIG, "%s:%lu:%lu: %s",
			 t->file ? t->file : "template", line, col, what);
}

static int shown(size_t len)
{
	return len > NAME_SHOWN ? NAME_SHOWN : (int)len;
}

static struct mustache_node *push(struct mustache_tmpl *t,
				  enum mustache_kind kind, size_t off,
				  size_t len, size_t tag)
{
	struct mustache_node *n;

	t->nodes = xgrow(t->nodes, &t->cap, t->n + 1, sizeof *t->nodes);
	n = &t->nodes[t->n++];
	memset(n, 0, sizeof *n);
	n->kind = kind;
	n->off = off;
	n->len = len;
	n->tag = tag;
	return n;
}

static void push_text(struct mustache_tmpl *t, size_t from, size_t to)
{
	if (to > from)
		push(t, MUSTACHE_TEXT, from, to - from, from);
}

/* Read the tag whose opening delimiter is at s. */
static int read_tag(struct parser *ps, size_t s, struct tag *tg)
{
	const struct mustache_tmpl *t = ps->t;
	char close[MUSTACHE_MAX_DELIM + 2];
	size_t q = s + ps->olen, clen = ps->clen, a, b;
	const char *hit;

	memset(tg, 0, sizeof *tg);
	tg->start = s;
	if (q < t->len && strchr("#^/!=>{&", t->text[q]) != NULL &&
	    t->text[q] != '\0')
		tg->sigil = t->text[q++];
	/* {{{x}}} closes with "}" + ctag and {{=a b=}} with "=" + ctag. */
	close[0] = tg->sigil == '{' ? '}' : '=';
	memcpy(close + 1, ps->ctag, ps->clen);
	if (tg->sigil == '{' || tg->sigil == '=')
		clen++;
	hit = memmem(t->text + q, t->len - q,
		     clen > ps->clen ? close : ps->ctag, clen);
	if (hit == NULL)
		return mustache_parse_errf(t, s, ps->err,
					   "tag '%.*s' is not closed (no '%.*s')",
					   (int)ps->olen, ps->otag, (int)clen,
					   clen > ps->clen ? close : ps->ctag);
	a = q;
	b = (size_t)(hit - t->text);
	tg->end = b + clen;
	while (a < b && is_space(t->text[a]))
		a++;
	while (b > a && is_space(t->text[b - 1]))
		b--;
	tg->name = a;
	tg->nlen = b - a;
	return 0;
}

/* A name is non-empty and has no whitespace (spec: "a non-whitespace
 * character sequence"). */
static int check_name(struct parser *ps, const struct tag *tg)
{
	const char *name = ps->t->text + tg->name;
	size_t i;

	if (tg->nlen == 0)
		return mustache_parse_errf(ps->t, tg->start, ps->err,
					   "empty tag");
	for (i = 0; i < tg->nlen; i++)
		if (is_space(name[i]))
			return mustache_parse_errf(ps->t, tg->start, ps->err,
						   "bad name '%.*s' (spaces in a name)",
						   shown(tg->nlen), name);
	return 0;
}

/* {{=<% %>=}}: two non-empty words without spaces or '='. */
static int set_delims(struct parser *ps, const struct tag *tg)
{
	const char *s = ps->t->text + tg->name, *end = s + tg->nlen;
	const char *o = s, *c;
	size_t olen, clen;

	while (s < end && !is_space(*s))
		s++;
	olen = (size_t)(s - o);
	while (s < end && is_space(*s))
		s++;
	c = s;
	while (s < end && !is_space(*s))
		s++;
	clen = (size_t)(s - c);
	if (olen == 0 || clen == 0 || s != end || memchr(o, '=', olen) ||
	    memchr(c, '=', clen) || olen > MUSTACHE_MAX_DELIM ||
	    clen > MUSTACHE_MAX_DELIM)
		return mustache_parse_errf(ps->t, tg->start, ps->err,
					   "bad delimiters '%.*s' (want two words"
					   " of 1 to %d bytes without spaces or '=')",
					   shown(tg->nlen), ps->t->text + tg->name,
					   MUSTACHE_MAX_DELIM);
	ps->otag = o;
	ps->olen = olen;
	ps->ctag = c;
	ps->clen = clen;
	return 0;
}

/* Spec "standalone": only blanks between the line start and the tag, and
 * between the tag and the line end (\n, \r\n or the end of the text).
 * If so, set *cut to where the blanks before the tag start and *next to
 * the first byte of the following line. */
static bool standalone(const struct parser *ps, const struct tag *tg,
		       size_t *cut, size_t *next)
{
	const char *x = ps->t->text;
	size_t len = ps->t->len, a = tg->start, b = tg->end;

	if (strchr("#^/!=>", tg->sigil) == NULL || tg->sigil == '\0')
		return false;
	while (a > ps->p && is_blank(x[a - 1]))
		a--;
	if (a > 0 && x[a - 1] != '\n')
		return false;
	while (b < len && is_blank(x[b]))
		b++;
	if (b + 1 < len && x[b] == '\r' && x[b + 1] == '\n')
		b += 2;
	else if (b < len && x[b] == '\n')
		b++;
	else if (b != len)
		return false;
	*cut = a;
	*next = b;
	return true;
}

static int open_section(struct parser *ps, const struct tag *tg)
{
	if (ps->nopen == MUSTACHE_MAX_NEST)
		return mustache_parse_errf(ps->t, tg->start, ps->err,
					   "sections nest deeper than %d",
					   MUSTACHE_MAX_NEST);
	push(ps->t, tg->sigil == '#' ? MUSTACHE_SECTION : MUSTACHE_INVERTED,
	     tg->name, tg->nlen, tg->start);
	ps->open[ps->nopen++] = ps->t->n - 1;
	return 0;
}

static int close_section(struct parser *ps, const struct tag *tg)
{
	struct mustache_tmpl *t = ps->t;
	struct mustache_node *o;
	const char *name = t->text + tg->name;

	if (ps->nopen == 0)
		return mustache_parse_errf(t, tg->start, ps->err,
					   "'/%.*s' closes no open section",
					   shown(tg->nlen), name);
	o = &t->nodes[ps->open[ps->nopen - 1]];
	if (o->len != tg->nlen || memcmp(t->text + o->off, name, o->len) != 0) {
		unsigned long line, col;
		locate(t, o->tag, &line, &col);
		return mustache_parse_errf(t, tg->start, ps->err,
					   "'/%.*s' does not close section '%.*s'"
					   " (opened at %lu:%lu)", shown(tg->nlen),
					   name, shown(o->len), t->text + o->off,
					   line, col);
	}
	o->end = t->n;
	ps->nopen--;
	return 0;
}

/* Turn one tag into nodes (or a delimiter change). */
static int apply_tag(struct parser *ps, const struct tag *tg, size_t cut)
{
	struct mustache_node *n;

	switch (tg->sigil) {
	case '!':
		return 0;
	case '=':
		return set_delims(ps, tg);
	}
	if (check_name(ps, tg) < 0)
		return -1;
	switch (tg->sigil) {
	case '#':
	case '^':
		return open_section(ps, tg);
	case '/':
		return close_section(ps, tg);
	case '>':
		n = push(ps->t, MUSTACHE_PARTIAL, tg->name, tg->nlen, tg->start);
		n->ind_off = cut;
		n->ind_len = tg->start - cut;
		return 0;
	default:
		push(ps->t, MUSTACHE_VAR, tg->name, tg->nlen, tg->start);
		return 0;
	}
}

int mustache_parse(struct mustache_tmpl *t, struct herd_err *err)
{
	struct parser ps = { .t = t, .err = err, .otag = "{{", .ctag = "}}",
			     .olen = 2, .clen = 2 };
	const char *hit;
	struct tag tg;
	size_t s, cut, next;

	while (ps.p < t->len) {
		hit = memmem(t->text + ps.p, t->len - ps.p, ps.otag, ps.olen);
		if (hit == NULL)
			break;
		s = (size_t)(hit - t->text);
		if (read_tag(&ps, s, &tg) < 0)
			return -1;
		if (standalone(&ps, &tg, &cut, &next)) {
			push_text(t, ps.p, cut);
		} else {
			push_text(t, ps.p, s);
			cut = s;	/* no indentation */
			next = tg.end;
		}
		if (apply_tag(&ps, &tg, cut) < 0)
			return -1;
		ps.p = next;
	}
	push_text(t, ps.p, t->len);
	if (ps.nopen > 0) {
		const struct mustache_node *o = &t->nodes[ps.open[ps.nopen - 1]];
		return mustache_parse_errf(t, o->tag, err,
					   "section '%.*s' is not closed",
					   shown(o->len), t->text + o->off);
	}
	return 0;
}

void mustache_parse_release(struct mustache_tmpl *t)
{
	if (t == NULL)
		return;
	free(t->nodes);
	free(t->owned);
	t->nodes = NULL;
	t->owned = NULL;
	t->n = t->cap = 0;
}
