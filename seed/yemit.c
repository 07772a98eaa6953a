#include "seed/yemit.h"

#include <limits.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

struct emit {
	yaml_emitter_t em;
	yaml_event_t ev;
	struct herd_err *err;
	struct buf *out;
	size_t max, end;	/* 0: no limit; end: out->len at the limit */
	bool over;		/* stopped at max */
};

static int write_cb(void *data, unsigned char *p, size_t n)
{
	struct emit *e = data;

	if (e->max != 0 && e->out->len + n > e->end) {
		e->over = true;
		return 0;	/* the emitter stops with a write error */
	}
	buf_add(e->out, p, n);
	return 1;
}

static int too_big(struct emit *e)
{
	return herd_errf(e->err, HERD_E_CONFIG, "larger than %zu bytes", e->max);
}

/* Emit the event in e->ev (the emitter takes and frees it). */
static int emit(struct emit *e, int initialized)
{
	if (!initialized)
		return herd_errf(e->err, HERD_E_IO, "yaml emitter: cannot make an event");
	if (!yaml_emitter_emit(&e->em, &e->ev))
		return e->over ? too_big(e) :
		       herd_errf(e->err, HERD_E_IO, "yaml emitter: %s",
				 e->em.problem ? e->em.problem : "failed");
	return 0;
}

int yemit_plain_is_string(const char *s, size_t len)
{
	static const char *const words[] = {
		"y", "n", "yes", "no", "true", "false", "on", "off", "null",
	};
	size_t i;

	if (len == 0 || memchr(s, '\0', len) != NULL)
		return 0;
	/* Numbers, timestamps, .inf/.nan, ~, merge and value keys all start
	 * with one of these; a string starting with them is quoted. */
	if (strchr("0123456789+-.~<=", s[0]) != NULL)
		return 0;
	for (i = 0; i < sizeof words / sizeof words[0]; i++)
		if (strlen(words[i]) == len && strncasecmp(s, words[i], len) == 0)
			return 0;
	return 1;
}

static int emit_scalar(struct emit *e, const struct ynode *n)
{
	const yaml_char_t *v = (const yaml_char_t *)n->str;
	yaml_scalar_style_t style = YAML_ANY_SCALAR_STYLE;
	int plain_ok = 1;

	if (n->len > INT_MAX / 2)
		return herd_errf(e->err, HERD_E_CONFIG, "%s:%u:%u: string too long",
				 n->file ? n->file : "<herd>", n->line, n->col);
	if (n->quoted) {
		plain_ok = yemit_plain_is_string(n->str, n->len);
		if (memchr(n->str, '\n', n->len) != NULL)
			style = YAML_LITERAL_SCALAR_STYLE;
	}
	return emit(e, yaml_scalar_event_initialize(&e->ev, NULL, NULL, v, (int)n->len,
						     plain_ok, 1, style));
}

static int emit_node(struct emit *e, const struct ynode *n, int depth)
{
	size_t i, kids;
	int ok;

	if (depth > YEMIT_MAX_DEPTH)
		return herd_errf(e->err, HERD_E_CONFIG, "%s:%u:%u: nested deeper than %d",
				 n->file ? n->file : "<herd>", n->line, n->col,
				 YEMIT_MAX_DEPTH);
	if (n->kind == YNODE_SCALAR)
		return emit_scalar(e, n);
	if (n->kind == YNODE_MAP)
		ok = yaml_mapping_start_event_initialize(&e->ev, NULL, NULL, 1,
							 YAML_BLOCK_MAPPING_STYLE);
	else
		ok = yaml_sequence_start_event_initialize(&e->ev, NULL, NULL, 1,
							  YAML_BLOCK_SEQUENCE_STYLE);
	if (emit(e, ok) != 0)
		return -1;
	kids = n->kind == YNODE_MAP ? 2 * n->n : n->n;
	for (i = 0; i < kids; i++)
		if (emit_node(e, n->kids[i], depth + 1) != 0)
			return -1;
	if (n->kind == YNODE_MAP)
		ok = yaml_mapping_end_event_initialize(&e->ev);
	else
		ok = yaml_sequence_end_event_initialize(&e->ev);
	return emit(e, ok);
}

int yemit_doc(const struct ynode *root, size_t max, struct buf *out,
	      struct herd_err *err)
{
	struct emit e;
	int rc = -1;

	memset(&e, 0, sizeof e);
	e.err = err;
	e.out = out;
	e.max = max;
	e.end = out->len + max;
	if (!yaml_emitter_initialize(&e.em))
		return herd_errf(err, HERD_E_IO, "yaml emitter: cannot initialize");
	yaml_emitter_set_output(&e.em, write_cb, &e);
	yaml_emitter_set_unicode(&e.em, 1);
	yaml_emitter_set_width(&e.em, -1);	/* no folding of long keys */
	yaml_emitter_set_indent(&e.em, 2);
	if (emit(&e, yaml_stream_start_event_initialize(&e.ev, YAML_UTF8_ENCODING)) != 0 ||
	    emit(&e, yaml_document_start_event_initialize(&e.ev, NULL, NULL, NULL, 1)) != 0 ||
	    emit_node(&e, root, 0) != 0 ||
	    emit(&e, yaml_document_end_event_initialize(&e.ev, 1)) != 0 ||
	    emit(&e, yaml_stream_end_event_initialize(&e.ev)) != 0)
		goto out;
	if (!yaml_emitter_flush(&e.em)) {
		if (e.over)
			too_big(&e);
		else
			herd_errf(err, HERD_E_IO, "yaml emitter: flush failed");
		goto out;
	}
	rc = 0;
out:
	yaml_emitter_delete(&e.em);
	return rc;
}
