/* tests/fuzz/fuzz_mustache.c — feed the Mustache renderer random, built
 * and mutated templates and check it neither crashes nor breaks its
 * contract.  Built with ASan + UBSan into build/san/fuzz/fuzz_mustache.
 * Options (seed, count, time, jobs, bounds per input, replay):
 * tests/fuzz/fuzz_run.h.  The contract:
 *  - it returns 0, or -1 with an error message "FILE:LINE:COL: ...";
 *  - it appends at most MUSTACHE_MAX_OUTPUT bytes and never touches what
 *    was in the buffer before;
 *  - rendering the same template again gives the same bytes and result.
 * Memory errors and undefined behaviour abort through the sanitizers.
 * Each input is a template and the "dyn" partial, another random one.
 *
 * Built with -DHERD_LIBFUZZER, the same file is a libFuzzer target
 * instead (LLVMFuzzerTestOneInput renders the input), for longer runs:
 *   clang -std=c11 -D_GNU_SOURCE -DHERD_LIBFUZZER -I. -g -O1 \
 *     -fsanitize=fuzzer,address,undefined -o /tmp/lf tests/fuzz/fuzz_mustache.c \
 *     templates/mustache*.c plans/ynode.c common/buf.c common/mem.c common/err.c
 *   mkdir -p /tmp/corpus && /tmp/lf -max_total_time=600 -max_len=512 /tmp/corpus
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/buf.h"
#include "common/mem.h"
#include "templates/mustache.h"

#ifndef HERD_LIBFUZZER
#include "fuzz_run.h"
const char fuzz_name[] = "fuzz_mustache";
#endif

#define MAX_TMPL 4096

static const char *const fragments[] = {
	"{{", "}}", "{{#", "{{/", "{{=", "{{>", "{{^", "{{!", "{{{", "}}}",
	"{{&", "=}}", "<%", "%>", "{{=<% %>=}}", "<%={{ }}=%>", "{{= | | =}}",
	"|", "name", "ip", "vars", "vars.role", "vars.tags", "all", ".", "l",
	"f", "nul", "empty", "m", "nope", "a.b.c", "p", "rec", "ind", "bad",
	"delim", "dyn", " ", "  ", "\n", "\r\n", "\t", "\r", "x", "\\", "}",
	"{", "=", "#", "/", "^", ">", "!", "&",
};
#define NFRAG (sizeof fragments / sizeof fragments[0])

static const char *const names[] = {
	"name", "ip", "vars", "vars.role", "vars.tags", "vars.net.dns", "all",
	".", "l", "f", "nul", "empty", "m", "nope", "all.name", ".name",
};
#define NNAMES (sizeof names / sizeof names[0])

/* Partials the callback knows (and the files errors may name). */
static const char *const partials[][2] = {
	{ "p", "[{{name}}]" },
	{ "rec", "{{>rec}}" },
	{ "ind", "a\n{{#all}}\n  {{name}}\n{{/all}}\n" },
	{ "bad", "{{#x" },
	{ "delim", "{{=| |=}}|name|" },
	{ "dyn", NULL },	/* another random template, per run */
};
#define NPARTIALS (sizeof partials / sizeof partials[0])

static const char *const seeds[] = {
	"host {{name}} at {{ip}}\n",
	"{{#all}}\n  {{ip}} {{name}}\n{{/all}}\n",
	"{{#vars}}{{role}}{{#tags}}[{{.}}]{{/tags}}{{/vars}}",
	"{{^empty}}none{{/empty}}{{#f}}no{{/f}}{{^nope}}absent{{/nope}}",
	"{{=<% %>=}}<%name%> {{name}} <%={{ }}=%>{{ip}}",
	"  {{>ind}}\n{{>p}}|{{> rec }}",
	"{{! comment }}\n{{#l}}{{#.}}{{.}}{{/.}}{{/l}}\r\n",
	"{{{name}}}{{&ip}}{{ vars.net.dns }}{{#m}}{{k}}{{/m}}",
};
#define NSEEDS (sizeof seeds / sizeof seeds[0])

struct fuzz {
	uint64_t rng;
	struct yarena *arena;
	const struct ynode *ctx;
	char dyn[MAX_TMPL];	/* partial "dyn": another random template */
};

static uint64_t rnd(struct fuzz *f)
{
	/* xorshift64*: small, seedable, good enough to pick fragments. */
	f->rng ^= f->rng >> 12;
	f->rng ^= f->rng << 25;
	f->rng ^= f->rng >> 27;
	return f->rng * 2685821657736338717ULL;
}

static size_t below(struct fuzz *f, size_t n)
{
	return (size_t)(rnd(f) % n);
}

static void put(char *t, size_t *len, const char *s, size_t n)
{
	if (*len + n > MAX_TMPL)
		n = MAX_TMPL - *len;
	memcpy(t + *len, s, n);
	*len += n;
}

static void puts_(char *t, size_t *len, const char *s)
{
	put(t, len, s, strlen(s));
}

/* Fragments and random bytes (NUL and high bytes included). */
static size_t gen_soup(struct fuzz *f, char *t)
{
	size_t len = 0, n = 1 + below(f, 60);
	char c;

	while (n-- > 0 && len < MAX_TMPL) {
		if (below(f, 5) == 0) {
			c = (char)below(f, 256);
			put(t, &len, &c, 1);
		} else {
			puts_(t, &len, fragments[below(f, NFRAG)]);
		}
	}
	return len;
}

/* Well-formed nesting, so rendering reaches deep: sections over random
 * names with matching closes, variables, partials, comments. */
static void gen_tree(struct fuzz *f, char *t, size_t *len, int depth)
{
	size_t n = 1 + below(f, 5);
	const char *name;
	int triple;

	while (n-- > 0 && *len < MAX_TMPL - 64) {
		name = names[below(f, NNAMES)];
		switch (below(f, 8)) {
		case 0:
		case 1:
			if (depth < 6) {
				puts_(t, len, below(f, 2) ? "{{#" : "{{^");
				puts_(t, len, name);
				puts_(t, len, below(f, 2) ? "}}\n" : "}}");
				gen_tree(f, t, len, depth + 1);
				puts_(t, len, below(f, 2) ? "\n{{/" : "{{/");
				puts_(t, len, name);
				puts_(t, len, "}}");
				break;
			}
			/* fall through */
		case 2:
			triple = (int)below(f, 2);
			puts_(t, len, triple ? "{{{" : "{{");
			puts_(t, len, name);
			puts_(t, len, triple ? "}}}" : "}}");
			break;
		case 3:
			puts_(t, len, below(f, 2) ? "  {{>" : "{{> ");
			puts_(t, len, partials[below(f, NPARTIALS)][0]);
			puts_(t, len, "}}\n");
			break;
		case 4:
			puts_(t, len, "{{! c }}");
			break;
		default:
			puts_(t, len, below(f, 2) ? "text " : " \n");
		}
	}
}

/* Mutate a seed template: flip, insert, delete, duplicate. */
static size_t gen_mutant(struct fuzz *f, char *t)
{
	const char *s = seeds[below(f, NSEEDS)];
	size_t len = strlen(s), k, n = 1 + below(f, 8), at, span;
	char c;

	memcpy(t, s, len);
	for (k = 0; k < n && len > 0; k++) {
		at = below(f, len);
		span = 1 + below(f, len - at);
		switch (below(f, 4)) {
		case 0:
			c = (char)below(f, 256);
			t[at] = c;
			break;
		case 1: {
			const char *fr = fragments[below(f, NFRAG)];
			size_t fl = strlen(fr);
			if (len + fl > MAX_TMPL)
				break;
			memmove(t + at + fl, t + at, len - at);
			memcpy(t + at, fr, fl);
			len += fl;
			break;
		}
		case 2:
			memmove(t + at, t + at + span, len - at - span);
			len -= span;
			break;
		default:
			if (len + span > MAX_TMPL)
				break;
			memmove(t + at + span, t + at, len - at);
			len += span;
			break;
		}
	}
	return len;
}

static size_t generate(struct fuzz *f, char *t)
{
	size_t len = 0;

	switch (below(f, 3)) {
	case 0:
		return gen_soup(f, t);
	case 1:
		gen_tree(f, t, &len, 0);
		return len;
	default:
		return gen_mutant(f, t);
	}
}

static char *partial(void *ctx, const char *name, const char **file,
		     struct herd_err *err)
{
	struct fuzz *f = ctx;
	size_t i;

	for (i = 0; i < NPARTIALS; i++)
		if (strcmp(name, partials[i][0]) == 0) {
			*file = partials[i][0];
			return xstrdup(partials[i][1] ? partials[i][1] : f->dyn);
		}
	herd_errf(err, HERD_E_IO, "no partial '%s'", name);
	return NULL;
}

static const struct ynode *make_ctx(struct yarena *a)
{
	struct ynode *m = ynode_new_map(a, NULL), *vars, *all, *l, *tags, *v;
	int i;

	ynode_map_put_str(a, m, "name", "web-1", false);
	ynode_map_put_str(a, m, "ip", "10.0.0.11", false);
	ynode_map_put_str(a, m, "f", "false", false);
	ynode_map_put_str(a, m, "nul", "~", false);
	vars = ynode_new_map(a, NULL);
	ynode_map_put_str(a, vars, "role", "{{name}}", true);
	tags = ynode_new_seq(a, NULL);
	ynode_seq_push(a, tags, ynode_new_scalar(a, "a", false, NULL));
	ynode_seq_push(a, tags, ynode_new_scalar(a, "{{#", true, NULL));
	ynode_map_put(a, vars, ynode_new_scalar(a, "tags", false, NULL), tags);
	ynode_map_put(a, m, ynode_new_scalar(a, "vars", false, NULL), vars);
	all = ynode_new_seq(a, NULL);
	for (i = 0; i < 3; i++) {
		char name[16], ip[16];
		snprintf(name, sizeof name, "web-%d", i + 1);
		snprintf(ip, sizeof ip, "10.0.0.%d", 11 + i);
		v = ynode_new_map(a, NULL);
		ynode_map_put_str(a, v, "name", name, false);
		ynode_map_put_str(a, v, "ip", ip, false);
		ynode_seq_push(a, all, v);
	}
	ynode_map_put(a, m, ynode_new_scalar(a, "all", false, NULL), all);
	l = ynode_new_seq(a, NULL);
	ynode_seq_push(a, l, tags);
	ynode_seq_push(a, l, ynode_new_scalar(a, "x", false, NULL));
	ynode_map_put(a, m, ynode_new_scalar(a, "l", false, NULL), l);
	ynode_map_put(a, m, ynode_new_scalar(a, "empty", false, NULL),
		      ynode_new_seq(a, NULL));
	ynode_map_put(a, m, ynode_new_scalar(a, "m", false, NULL),
		      ynode_new_map(a, NULL));
	return m;
}

/* An error names a file we gave the renderer and a LINE:COL in it. */
static int well_formed(const char *msg)
{
	unsigned long line, col;
	const char *rest = NULL;
	size_t i;
	int n = 0;

	if (strncmp(msg, "fuzz.tmpl:", 10) == 0)
		rest = msg + 10;
	for (i = 0; i < NPARTIALS && rest == NULL; i++) {
		size_t k = strlen(partials[i][0]);
		if (strncmp(msg, partials[i][0], k) == 0 && msg[k] == ':')
			rest = msg + k + 1;
	}
	if (rest == NULL || sscanf(rest, "%lu:%lu: %n", &line, &col, &n) != 2 ||
	    n == 0 || line == 0 || col == 0)
		return 0;
	return 1;
}

/* Render t once; 0 = ok, -1 = error; aborts on a broken contract. */
static int render_once(struct fuzz *f, const char *t, size_t len,
		       struct buf *out)
{
	struct mustache_src src = { "fuzz.tmpl", 3, 7, partial, f };
	struct herd_err err = HERD_ERR_INIT;
	int rc;

	buf_reset(out);
	buf_adds(out, "KEEP");
	rc = mustache_render(t, len, f->ctx, &src, out, &err);
	if (out->len < 4 || memcmp(out->data, "KEEP", 4) != 0 ||
	    out->len - 4 > MUSTACHE_MAX_OUTPUT || (rc != 0 && rc != -1) ||
	    (rc == -1 && (err.code != HERD_E_CONFIG || !well_formed(err.msg))) ||
	    (rc == 0 && err.code != HERD_OK)) {
		fprintf(stderr, "fuzz_mustache: contract broken: rc %d, err '%s',"
			" template:\n%.*s\n", rc, err.msg, (int)len, t);
		abort();
	}
	return rc;
}

/* Render twice and compare: the renderer keeps no state between calls.
 * The template is copied to a heap block of exactly len bytes (no NUL), so
 * ASan sees any read past its end. */
static int check(struct fuzz *f, const char *tmpl, size_t len)
{
	char *t = xmalloc(len ? len : 1);
	struct buf a, b;
	int rc, rc2;

	memcpy(t, tmpl, len);
	buf_init(&a);
	buf_init(&b);
	rc = render_once(f, t, len, &a);
	rc2 = render_once(f, t, len, &b);
	if (rc != rc2 || a.len != b.len || memcmp(a.data, b.data, a.len) != 0) {
		fprintf(stderr, "fuzz_mustache: two renders differ:\n%.*s\n",
			(int)len, t);
		abort();
	}
	buf_release(&a);
	buf_release(&b);
	free(t);
	return rc;
}

static void fuzz_init(struct fuzz *f, uint64_t seed)
{
	memset(f, 0, sizeof *f);
	f->rng = seed * 0x9E3779B97F4A7C15ULL + 1;
	f->arena = yarena_new();
	f->ctx = make_ctx(f->arena);
	strcpy(f->dyn, "{{name}}");
}

#ifdef HERD_LIBFUZZER
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fuzz f;

	if (f.arena == NULL)
		fuzz_init(&f, 1);
	check(&f, (const char *)data, size);
	return 0;
}
#else

static struct fuzz *fuzz_state(void)
{
	static struct fuzz f;

	if (f.arena == NULL)
		fuzz_init(&f, 1);
	return &f;
}

/* Input i: the "dyn" partial, a NUL, then the template. */
size_t fuzz_make(uint64_t seed, uint64_t i, char *buf)
{
	struct fuzz *f = fuzz_state();
	size_t dl, tl;

	f->rng = fuzz_input_rng(seed, i);
	dl = generate(f, buf);
	if (dl >= MAX_TMPL)
		dl = MAX_TMPL - 1;
	buf[dl] = '\0';
	tl = generate(f, buf + dl + 1);
	return dl + 1 + tl;
}

int fuzz_check(const char *data, size_t len)
{
	struct fuzz *f = fuzz_state();
	size_t dl = strnlen(data, len);

	memcpy(f->dyn, data, dl < MAX_TMPL ? dl : MAX_TMPL - 1);
	f->dyn[dl < MAX_TMPL ? dl : MAX_TMPL - 1] = '\0';
	if (dl == len)		/* a file without the NUL: all template */
		return check(f, data, len) == 0;
	return check(f, data + dl + 1, len - dl - 1) == 0;
}

int main(int argc, char **argv)
{
	return fuzz_main(argc, argv);
}
#endif
