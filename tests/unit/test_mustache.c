/* tests/unit/test_mustache.c — the Mustache spec's cases, then herd's own.
 *
 * The table transcribes the cases of the Mustache spec (github.com/
 * mustache/spec, specs/interpolation, sections, inverted, comments,
 * partials and delimiters) with their data written as YAML, the form herd's
 * contexts come from.  Adapted cases say so in their name ("[herd]"):
 *  - HTML escaping: herd inserts values as they are, so {{x}} expects the
 *    raw '& " < >';
 *  - a missing variable, a section over a missing name and a missing
 *    partial are errors (FILE:LINE:COL) instead of an empty string;
 *  - scalars keep their YAML text, so 1.210 stays "1.210".
 */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "common/mem.h"
#include "templates/mustache.h"

/* A YAML text as a ynode tree (the fleet parser is not this module's to
 * use): enough of libyaml's events for test data. */
static struct ynode *yaml_node(struct yarena *a, yaml_parser_t *p,
			       yaml_event_t *ev)
{
	struct ynode *n = NULL, *k;
	yaml_event_t e;

	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		return ynode_new_scalar(a, (const char *)ev->data.scalar.value,
					ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE,
					NULL);
	case YAML_SEQUENCE_START_EVENT:
		n = ynode_new_seq(a, NULL);
		break;
	case YAML_MAPPING_START_EVENT:
		n = ynode_new_map(a, NULL);
		break;
	default:
		fail_msg("unexpected YAML event %d", ev->type);
	}
	for (;;) {
		assert_true(yaml_parser_parse(p, &e));
		if (e.type == YAML_SEQUENCE_END_EVENT || e.type == YAML_MAPPING_END_EVENT)
			break;
		k = yaml_node(a, p, &e);
		yaml_event_delete(&e);
		if (n->kind == YNODE_SEQ) {
			ynode_seq_push(a, n, k);
			continue;
		}
		assert_true(yaml_parser_parse(p, &e));
		ynode_map_put(a, n, k, yaml_node(a, p, &e));
		yaml_event_delete(&e);
	}
	yaml_event_delete(&e);
	return n;
}

static struct ynode *yaml_tree(struct yarena *a, const char *text)
{
	yaml_parser_t p;
	yaml_event_t e;
	struct ynode *n = NULL;

	assert_true(yaml_parser_initialize(&p));
	yaml_parser_set_input_string(&p, (const unsigned char *)text, strlen(text));
	for (;;) {
		assert_true(yaml_parser_parse(&p, &e));
		if (e.type == YAML_STREAM_END_EVENT)
			break;
		if (n == NULL && (e.type == YAML_SCALAR_EVENT ||
				  e.type == YAML_SEQUENCE_START_EVENT ||
				  e.type == YAML_MAPPING_START_EVENT))
			n = yaml_node(a, &p, &e);
		yaml_event_delete(&e);
	}
	yaml_event_delete(&e);
	yaml_parser_delete(&p);
	return n;
}

/* Partials come from a YAML map name -> text; the "file" is the name. */
static char *map_partial(void *ctx, const char *name, const char **file,
			 struct herd_err *err)
{
	const struct ynode *k = ynode_get_key(ctx, name);

	if (k == NULL) {
		herd_errf(err, HERD_E_IO, "no partial '%s'", name);
		return NULL;
	}
	*file = k->str;
	return xstrdup(ynode_get(ctx, name)->str);
}

/* Render tmpl (file "t", 1:1) with data and partials given as YAML.
 * Returns the output or "ERROR: msg"; the caller frees it. */
static char *render(const char *data, const char *tmpl, const char *partials)
{
	struct yarena *a = yarena_new();
	struct mustache_src src = { "t", 1, 1, map_partial, NULL };
	struct herd_err err = HERD_ERR_INIT;
	struct buf out;
	char *s;

	buf_init(&out);
	src.partial_ctx = yaml_tree(a, partials ? partials : "{}");
	if (mustache_render(tmpl, strlen(tmpl), yaml_tree(a, data), &src,
			    &out, &err) < 0) {
		s = xasprintf("ERROR: %s", err.msg);
		buf_release(&out);
	} else {
		s = buf_take(&out, NULL);
	}
	yarena_free(a);
	return s;
}

struct spec_case {
	const char *name, *data, *tmpl, *want, *partials;
};

#define UNKNOWN(pos, name) "ERROR: t:" pos ": unknown variable '" name "'"

static const struct spec_case spec_cases[] = {
	/* interpolation.yml */
	{ "No Interpolation", "{}", "Hello from {Mustache}!\n", "Hello from {Mustache}!\n", NULL },
	{ "Basic Interpolation", "{subject: world}", "Hello, {{subject}}!\n", "Hello, world!\n", NULL },
	{ "HTML Escaping [herd: no escaping]", "{forbidden: '& \" < >'}",
	  "These characters should be HTML escaped: {{forbidden}}\n",
	  "These characters should be HTML escaped: & \" < >\n", NULL },
	{ "Triple Mustache", "{forbidden: '& \" < >'}",
	  "These characters should not be HTML escaped: {{{forbidden}}}\n",
	  "These characters should not be HTML escaped: & \" < >\n", NULL },
	{ "Ampersand", "{forbidden: '& \" < >'}",
	  "These characters should not be HTML escaped: {{&forbidden}}\n",
	  "These characters should not be HTML escaped: & \" < >\n", NULL },
	{ "Basic Integer Interpolation", "{mph: 85}", "\"{{mph}} miles an hour!\"", "\"85 miles an hour!\"", NULL },
	{ "Triple Mustache Integer Interpolation", "{mph: 85}", "\"{{{mph}}} miles an hour!\"", "\"85 miles an hour!\"", NULL },
	{ "Ampersand Integer Interpolation", "{mph: 85}", "\"{{&mph}} miles an hour!\"", "\"85 miles an hour!\"", NULL },
	{ "Basic Decimal Interpolation [herd: YAML text kept]", "{power: 1.210}",
	  "\"{{power}} jiggawatts!\"", "\"1.210 jiggawatts!\"", NULL },
	{ "Triple Mustache Decimal Interpolation [herd: YAML text kept]", "{power: 1.210}",
	  "\"{{{power}}} jiggawatts!\"", "\"1.210 jiggawatts!\"", NULL },
	{ "Ampersand Decimal Interpolation [herd: YAML text kept]", "{power: 1.210}",
	  "\"{{&power}} jiggawatts!\"", "\"1.210 jiggawatts!\"", NULL },
	{ "Basic Context Miss Interpolation [herd: error]", "{}", "I ({{cannot}}) be seen!",
	  UNKNOWN("1:4", "cannot"), NULL },
	{ "Triple Mustache Context Miss Interpolation [herd: error]", "{}", "I ({{{cannot}}}) be seen!",
	  UNKNOWN("1:4", "cannot"), NULL },
	{ "Ampersand Context Miss Interpolation [herd: error]", "{}", "I ({{&cannot}}) be seen!",
	  UNKNOWN("1:4", "cannot"), NULL },
	{ "Dotted Names - Basic Interpolation", "{person: {name: Joe}}",
	  "\"{{person.name}}\" == \"{{#person}}{{name}}{{/person}}\"", "\"Joe\" == \"Joe\"", NULL },
	{ "Dotted Names - Triple Mustache Interpolation", "{person: {name: Joe}}",
	  "\"{{{person.name}}}\" == \"{{#person}}{{{name}}}{{/person}}\"", "\"Joe\" == \"Joe\"", NULL },
	{ "Dotted Names - Ampersand Interpolation", "{person: {name: Joe}}",
	  "\"{{&person.name}}\" == \"{{#person}}{{&name}}{{/person}}\"", "\"Joe\" == \"Joe\"", NULL },
	{ "Dotted Names - Arbitrary Depth", "{a: {b: {c: {d: {e: {name: Phil}}}}}}",
	  "\"{{a.b.c.d.e.name}}\" == \"Phil\"", "\"Phil\" == \"Phil\"", NULL },
	{ "Dotted Names - Broken Chains [herd: error]", "{a: {}}", "\"{{a.b.c}}\" == \"\"",
	  UNKNOWN("1:2", "a.b.c"), NULL },
	{ "Dotted Names - Broken Chain Resolution [herd: error]", "{a: {b: {}}, c: {name: Jim}}",
	  "\"{{a.b.c.name}}\" == \"\"", UNKNOWN("1:2", "a.b.c.name"), NULL },
	{ "Dotted Names - Initial Resolution",
	  "{a: {b: {c: {d: {e: {name: Phil}}}}}, b: {c: {d: {e: {name: Wrong}}}}}",
	  "\"{{#a}}{{b.c.d.e.name}}{{/a}}\" == \"Phil\"", "\"Phil\" == \"Phil\"", NULL },
	{ "Dotted Names - Leading Dot [herd: error for the miss]", "{a: {}, b: {name: Name}, name: Fail}",
	  "{{#a}}{{.name}}{{/a}}{{#b}}{{.name}}{{/b}}", UNKNOWN("1:7", ".name"), NULL },
	{ "Dotted Names - Leading Dot (found part)", "{a: {}, b: {name: Name}, name: Fail}",
	  "{{#b}}{{.name}}{{/b}}", "Name", NULL },
	{ "Dotted Names - Context Precedence [herd: error]", "{a: {b: {}}, b: {c: ERROR}}",
	  "{{#a}}{{b.c}}{{/a}}", UNKNOWN("1:7", "b.c"), NULL },
	{ "Interpolation - Surrounding Whitespace", "{string: '---'}", "| {{string}} |", "| --- |", NULL },
	{ "Triple Mustache - Surrounding Whitespace", "{string: '---'}", "| {{{string}}} |", "| --- |", NULL },
	{ "Ampersand - Surrounding Whitespace", "{string: '---'}", "| {{&string}} |", "| --- |", NULL },
	{ "Interpolation - Standalone", "{string: '---'}", "  {{string}}\n", "  ---\n", NULL },
	{ "Triple Mustache - Standalone", "{string: '---'}", "  {{{string}}}\n", "  ---\n", NULL },
	{ "Ampersand - Standalone", "{string: '---'}", "  {{&string}}\n", "  ---\n", NULL },
	{ "Interpolation With Padding", "{string: '---'}", "|{{ string }}|", "|---|", NULL },
	{ "Triple Mustache With Padding", "{string: '---'}", "|{{{ string }}}|", "|---|", NULL },
	{ "Ampersand With Padding", "{string: '---'}", "|{{& string }}|", "|---|", NULL },

	/* sections.yml */
	{ "Truthy", "{boolean: true}", "\"{{#boolean}}This should be rendered.{{/boolean}}\"",
	  "\"This should be rendered.\"", NULL },
	{ "Falsey", "{boolean: false}", "\"{{#boolean}}This should not be rendered.{{/boolean}}\"",
	  "\"\"", NULL },
	{ "Null is falsey", "{\"null\": null}", "\"{{#null}}This should not be rendered.{{/null}}\"",
	  "\"\"", NULL },
	{ "Context", "{context: {name: Joe}}", "\"{{#context}}Hi {{name}}.{{/context}}\"",
	  "\"Hi Joe.\"", NULL },
	{ "Parent contexts", "{a: foo, b: wrong, sec: {b: bar}, c: {d: baz}}",
	  "\"{{#sec}}{{a}}, {{b}}, {{c.d}}{{/sec}}\"", "\"foo, bar, baz\"", NULL },
	{ "Variable test", "{foo: bar}", "\"{{#foo}}{{.}} is {{foo}}{{/foo}}\"", "\"bar is bar\"", NULL },
	{ "List Contexts",
	  "tops:\n"
	  "  - tname: {upper: A, lower: a}\n"
	  "    middles:\n"
	  "      - mname: '1'\n"
	  "        bottoms: [{bname: x}, {bname: y}]\n",
	  "{{#tops}}{{#middles}}{{tname.lower}}{{mname}}.{{#bottoms}}{{tname.upper}}{{mname}}{{bname}}."
	  "{{/bottoms}}{{/middles}}{{/tops}}",
	  "a1.A1x.A1y.", NULL },
	{ "Deeply Nested Contexts",
	  "{a: {one: 1}, b: {two: 2}, c: {three: 3, d: {four: 4, five: 5}}}",
	  "{{#a}}\n{{one}}\n{{#b}}\n{{one}}{{two}}{{one}}\n{{#c}}\n{{one}}{{two}}{{three}}{{two}}{{one}}\n"
	  "{{#d}}\n{{one}}{{two}}{{three}}{{four}}{{three}}{{two}}{{one}}\n{{#five}}\n"
	  "{{one}}{{two}}{{three}}{{four}}{{five}}{{four}}{{three}}{{two}}{{one}}\n"
	  "{{one}}{{two}}{{three}}{{four}}{{.}}6{{.}}{{four}}{{three}}{{two}}{{one}}\n"
	  "{{one}}{{two}}{{three}}{{four}}{{five}}{{four}}{{three}}{{two}}{{one}}\n"
	  "{{/five}}\n{{one}}{{two}}{{three}}{{four}}{{three}}{{two}}{{one}}\n{{/d}}\n"
	  "{{one}}{{two}}{{three}}{{two}}{{one}}\n{{/c}}\n{{one}}{{two}}{{one}}\n{{/b}}\n{{one}}\n{{/a}}\n",
	  "1\n121\n12321\n1234321\n123454321\n12345654321\n123454321\n1234321\n12321\n121\n1\n", NULL },
	{ "List", "{list: [{item: 1}, {item: 2}, {item: 3}]}", "\"{{#list}}{{item}}{{/list}}\"",
	  "\"123\"", NULL },
	{ "Empty List", "{list: []}", "\"{{#list}}Yay lists!{{/list}}\"", "\"\"", NULL },
	{ "Strings Not Lists", "{section: '123'}", "\"{{#section}}foo{{/section}}\"", "\"foo\"", NULL },
	{ "Doubled", "{bool: true, two: second}",
	  "{{#bool}}\n* first\n{{/bool}}\n* {{two}}\n{{#bool}}\n* third\n{{/bool}}\n",
	  "* first\n* second\n* third\n", NULL },
	{ "Nested (Truthy)", "{bool: true}", "| A {{#bool}}B {{#bool}}C{{/bool}} D{{/bool}} E |",
	  "| A B C D E |", NULL },
	{ "Nested (Falsey)", "{bool: false}", "| A {{#bool}}B {{#bool}}C{{/bool}} D{{/bool}} E |",
	  "| A  E |", NULL },
	{ "Context Misses [herd: error]", "{}", "[{{#missing}}Found key 'missing'!{{/missing}}]",
	  UNKNOWN("1:2", "missing"), NULL },
	{ "Implicit Iterator - String", "{list: [a, b, c, d, e]}", "\"{{#list}}({{.}}){{/list}}\"",
	  "\"(a)(b)(c)(d)(e)\"", NULL },
	{ "Implicit Iterator - Integer", "{list: [1, 2, 3, 4, 5]}", "\"{{#list}}({{.}}){{/list}}\"",
	  "\"(1)(2)(3)(4)(5)\"", NULL },
	{ "Implicit Iterator - Decimal [herd: YAML text kept]", "{list: [1.10, 2.20, 3.30, 4.40, 5.50]}",
	  "\"{{#list}}({{.}}){{/list}}\"", "\"(1.10)(2.20)(3.30)(4.40)(5.50)\"", NULL },
	{ "Implicit Iterator - Array", "{list: [[1, 2, 3], [a, b, c]]}",
	  "\"{{#list}}({{#.}}{{.}}{{/.}}){{/list}}\"", "\"(123)(abc)\"", NULL },
	{ "Dotted Names - Truthy", "{a: {b: {c: true}}}", "\"{{#a.b.c}}Here{{/a.b.c}}\" == \"Here\"",
	  "\"Here\" == \"Here\"", NULL },
	{ "Dotted Names - Falsey", "{a: {b: {c: false}}}", "\"{{#a.b.c}}Here{{/a.b.c}}\" == \"\"",
	  "\"\" == \"\"", NULL },
	{ "Dotted Names - Broken Chains [herd: error]", "{a: {}}", "\"{{#a.b.c}}Here{{/a.b.c}}\" == \"\"",
	  UNKNOWN("1:2", "a.b.c"), NULL },
	{ "Surrounding Whitespace", "{boolean: true}", " | {{#boolean}}\t|\t{{/boolean}} | \n",
	  " | \t|\t | \n", NULL },
	{ "Internal Whitespace", "{boolean: true}",
	  " | {{#boolean}} {{! Important Whitespace }}\n {{/boolean}} | \n", " |  \n  | \n", NULL },
	{ "Indented Inline Sections", "{boolean: true}",
	  " {{#boolean}}YES{{/boolean}}\n {{#boolean}}GOOD{{/boolean}}\n", " YES\n GOOD\n", NULL },
	{ "Standalone Lines", "{boolean: true}",
	  "| This Is\n{{#boolean}}\n|\n{{/boolean}}\n| A Line\n", "| This Is\n|\n| A Line\n", NULL },
	{ "Indented Standalone Lines", "{boolean: true}",
	  "| This Is\n  {{#boolean}}\n|\n  {{/boolean}}\n| A Line\n", "| This Is\n|\n| A Line\n", NULL },
	{ "Standalone Line Endings", "{boolean: true}", "|\r\n{{#boolean}}\r\n{{/boolean}}\r\n|",
	  "|\r\n|", NULL },
	{ "Standalone Without Previous Line", "{boolean: true}", "  {{#boolean}}\n#{{/boolean}}\n/",
	  "#\n/", NULL },
	{ "Standalone Without Newline", "{boolean: true}", "#{{#boolean}}\n/\n  {{/boolean}}",
	  "#\n/\n", NULL },
	{ "Padding", "{boolean: true}", "|{{# boolean }}={{/ boolean }}|", "|=|", NULL },

	/* inverted.yml */
	{ "Inverted Falsey", "{boolean: false}", "\"{{^boolean}}This should be rendered.{{/boolean}}\"",
	  "\"This should be rendered.\"", NULL },
	{ "Inverted Null", "{boolean: null}", "\"{{^boolean}}This should be rendered.{{/boolean}}\"",
	  "\"This should be rendered.\"", NULL },
	{ "Inverted Truthy", "{boolean: true}", "\"{{^boolean}}This should not be rendered.{{/boolean}}\"",
	  "\"\"", NULL },
	{ "Inverted Truthy - Strings", "{string: rendered}",
	  "\"{{^string}}This should not be {{string}}.{{/string}}\"", "\"\"", NULL },
	{ "Inverted Context", "{context: {name: Joe}}", "\"{{^context}}Hi {{name}}.{{/context}}\"",
	  "\"\"", NULL },
	{ "Inverted List", "{list: [{n: 1}, {n: 2}, {n: 3}]}", "\"{{^list}}{{n}}{{/list}}\"", "\"\"", NULL },
	{ "Inverted Empty List", "{list: []}", "\"{{^list}}Yay lists!{{/list}}\"", "\"Yay lists!\"", NULL },
	{ "Inverted Doubled", "{t: false, two: second}",
	  "{{^t}}\n* first\n{{/t}}\n* {{two}}\n{{^t}}\n* third\n{{/t}}\n",
	  "* first\n* second\n* third\n", NULL },
	{ "Inverted Nested (Falsey)", "{t: false}", "| A {{^t}}B {{^t}}C{{/t}} D{{/t}} E |",
	  "| A B C D E |", NULL },
	{ "Inverted Nested (Truthy)", "{t: true}", "| A {{^t}}B {{^t}}C{{/t}} D{{/t}} E |",
	  "| A  E |", NULL },
	{ "Inverted Surrounding Whitespace", "{boolean: false}", " | {{^boolean}}\t|\t{{/boolean}} | \n",
	  " | \t|\t | \n", NULL },
	{ "Inverted Internal Whitespace", "{boolean: false}",
	  " | {{^boolean}} {{! Important Whitespace }}\n {{/boolean}} | \n", " |  \n  | \n", NULL },
	{ "Inverted Standalone Lines", "{boolean: false}",
	  "| This Is\n{{^boolean}}\n|\n{{/boolean}}\n| A Line\n", "| This Is\n|\n| A Line\n", NULL },
	{ "Inverted Standalone Indented Lines", "{boolean: false}",
	  "| This Is\n  {{^boolean}}\n|\n  {{/boolean}}\n| A Line\n", "| This Is\n|\n| A Line\n", NULL },
	{ "Inverted Padding", "{boolean: false}", "|{{^ boolean }}={{/ boolean }}|", "|=|", NULL },

	/* comments.json */
	{ "Comment Inline", "{}", "12345{{! Comment Block! }}67890", "1234567890", NULL },
	{ "Comment Multiline", "{}", "12345{{!\n  This is a\n  multi-line comment...\n}}67890\n",
	  "1234567890\n", NULL },
	{ "Comment Standalone", "{}", "Begin.\n{{! Comment Block! }}\nEnd.\n", "Begin.\nEnd.\n", NULL },
	{ "Comment Indented Standalone", "{}", "Begin.\n  {{! Indented Comment Block! }}\nEnd.\n",
	  "Begin.\nEnd.\n", NULL },
	{ "Comment Standalone Line Endings", "{}", "|\r\n{{! Standalone Comment }}\r\n|", "|\r\n|", NULL },
	{ "Comment Standalone Without Previous Line", "{}", "  {{! I'm Still Standalone }}\n!", "!", NULL },
	{ "Comment Standalone Without Newline", "{}", "!\n  {{! I'm Still Standalone }}", "!\n", NULL },
	{ "Comment Multiline Standalone", "{}", "Begin.\n{{!\nSomething's going on here...\n}}\nEnd.\n",
	  "Begin.\nEnd.\n", NULL },
	{ "Comment Indented Multiline Standalone", "{}",
	  "Begin.\n  {{!\n    Something's going on here...\n  }}\nEnd.\n", "Begin.\nEnd.\n", NULL },
	{ "Comment Indented Inline", "{}", "  12 {{! 34 }}\n", "  12 \n", NULL },
	{ "Comment Surrounding Whitespace", "{}", "12345 {{! Comment Block! }} 67890", "12345  67890", NULL },

	/* partials.yml */
	{ "Partial Basic Behavior", "{}", "\"{{>text}}\"", "\"from partial\"", "{text: from partial}" },
	{ "Partial Failed Lookup [herd: error]", "{}", "\"{{>text}}\"",
	  "ERROR: t:1:2: partial 'text': no partial 'text'", "{}" },
	{ "Partial Context", "{text: content}", "\"{{>partial}}\"", "\"*content*\"", "{partial: '*{{text}}*'}" },
	{ "Partial Recursion", "{content: X, nodes: [{content: Y, nodes: []}]}", "{{>node}}", "X<Y<>>",
	  "{node: '{{content}}<{{#nodes}}{{>node}}{{/nodes}}>'}" },
	{ "Partial Surrounding Whitespace", "{}", "| {{>partial}} |", "| \t|\t |", "{partial: \"\\t|\\t\"}" },
	{ "Partial Inline Indentation", "{data: '|'}", "  {{data}}  {{> partial}}\n", "  |  >\n>\n",
	  "{partial: \">\\n>\"}" },
	{ "Partial Standalone Line Endings", "{}", "|\r\n{{>partial}}\r\n|", "|\r\n>|", "{partial: '>'}" },
	{ "Partial Standalone Without Previous Line", "{}", "  {{>partial}}\n>", "  >\n  >>",
	  "{partial: \">\\n>\"}" },
	{ "Partial Standalone Without Newline", "{}", ">\n  {{>partial}}", ">\n  >\n  >",
	  "{partial: \">\\n>\"}" },
	{ "Partial Standalone Indentation", "{content: \"<\\n->\"}", "\\\n {{>partial}}\n/\n",
	  "\\\n |\n <\n->a b<\n->c\n |\n/\n",
	  "{partial: \"|\\n{{{content}}}a b{{{content}}}c\\n|\\n\"}" },
	{ "Partial Padding Whitespace", "{boolean: true}", "|{{> partial }}|", "|[]|", "{partial: '[]'}" },

	/* delimiters.json */
	{ "Pair Behavior", "{text: Hey!}", "{{=<% %>=}}(<%text%>)", "(Hey!)", NULL },
	{ "Special Characters", "{text: It worked!}", "({{=[ ]=}}[text])", "(It worked!)", NULL },
	{ "Delimiters Sections", "{section: true, data: I got interpolated.}",
	  "[\n{{#section}}\n  {{data}}\n  |data|\n{{/section}}\n\n{{= | | =}}\n|#section|\n"
	  "  {{data}}\n  |data|\n|/section|\n]\n",
	  "[\n  I got interpolated.\n  |data|\n\n  {{data}}\n  I got interpolated.\n]\n", NULL },
	{ "Delimiters Inverted Sections", "{section: false, data: I got interpolated.}",
	  "[\n{{^section}}\n  {{data}}\n  |data|\n{{/section}}\n\n{{= | | =}}\n|^section|\n"
	  "  {{data}}\n  |data|\n|/section|\n]\n",
	  "[\n  I got interpolated.\n  |data|\n\n  {{data}}\n  I got interpolated.\n]\n", NULL },
	{ "Partial Inheritence", "{value: 'yes'}", "[ {{>include}} ]\n{{= | | =}}\n[ |>include| ]\n",
	  "[ .yes. ]\n[ .yes. ]\n", "{include: '.{{value}}.'}" },
	{ "Post-Partial Behavior", "{value: 'yes'}", "[ {{>include}} ]\n[ .{{value}}.  .|value|. ]\n",
	  "[ .yes.  .yes. ]\n[ .yes.  .|value|. ]\n", "{include: '.{{value}}. {{= | | =}} .|value|.'}" },
	{ "Delimiters Surrounding Whitespace", "{}", "| {{=@ @=}} |", "|  |", NULL },
	{ "Outlying Whitespace (Inline)", "{}", " | {{=@ @=}}\n", " | \n", NULL },
	{ "Delimiters Standalone Tag", "{}", "Begin.\n{{=@ @=}}\nEnd.\n", "Begin.\nEnd.\n", NULL },
	{ "Delimiters Indented Standalone Tag", "{}", "Begin.\n  {{=@ @=}}\nEnd.\n", "Begin.\nEnd.\n", NULL },
	{ "Delimiters Standalone Line Endings", "{}", "|\r\n{{= @ @ =}}\r\n|", "|\r\n|", NULL },
	{ "Delimiters Standalone Without Previous Line", "{}", "  {{=@ @=}}\n=", "=", NULL },
	{ "Delimiters Standalone Without Newline", "{}", "=\n  {{=@ @=}}", "=\n", NULL },
	{ "Pair with Padding", "{}", "|{{= @   @ =}}|", "||", NULL },
};

static void test_spec(void **state)
{
	size_t i, failed = 0;

	(void)state;
	for (i = 0; i < sizeof spec_cases / sizeof spec_cases[0]; i++) {
		const struct spec_case *c = &spec_cases[i];
		char *got = render(c->data, c->tmpl, c->partials);
		if (strcmp(got, c->want) != 0) {
			fprintf(stderr, "spec case '%s':\n  want [%s]\n  got  [%s]\n",
				c->name, c->want, got);
			failed++;
		}
		free(got);
	}
	fprintf(stderr, "%zu spec cases, %zu failed\n", i, failed);
	assert_int_equal(failed, 0);
}

/* Render with a chosen file and start position. */
static char *render_at(const char *file, uint32_t line, uint32_t col,
		       const char *data, const char *tmpl)
{
	struct mustache_src src = { file, line, col, NULL, NULL };
	struct yarena *a = yarena_new();
	struct herd_err err = HERD_ERR_INIT;
	struct buf out;
	char *s;

	buf_init(&out);
	if (mustache_render(tmpl, strlen(tmpl), yaml_tree(a, data), &src,
			    &out, &err) < 0)
		s = xasprintf("ERROR: %s", err.msg);
	else
		s = xstrdup(buf_str(&out));
	buf_release(&out);
	yarena_free(a);
	return s;
}

#define EXPECT(got_expr, want) do { \
		char *got_ = (got_expr); \
		assert_string_equal(got_, (want)); \
		free(got_); \
	} while (0)

static void test_unknown_positions(void **state)
{
	(void)state;
	EXPECT(render_at("user-data.tmpl", 1, 1, "{hostname: web-1}",
			 "host: {{hostnme}}\n"),
	       "ERROR: user-data.tmpl:1:7: unknown variable 'hostnme'");
	EXPECT(render_at("u.tmpl", 1, 1, "{a: 1}",
			 "#cloud-config\nfqdn: {{a}}.{{ domain }}\nx: 1\n"),
	       "ERROR: u.tmpl:2:13: unknown variable 'domain'");
	/* A template inside a fleet file at line 12 column 9: the column
	 * counts from 9 on the first line and from 1 on later lines. */
	EXPECT(render_at("lab.yaml", 12, 9, "{name: web}", "{{name}}-{{nmae}}"),
	       "ERROR: lab.yaml:12:18: unknown variable 'nmae'");
	EXPECT(render_at("lab.yaml", 12, 9, "{name: web}",
			 "{{name}}\n  x {{#vars}}{{/vars}}"),
	       "ERROR: lab.yaml:13:5: unknown variable 'vars'");
	EXPECT(render_at("lab.yaml", 12, 9, "{}", "\n\n{{{triple}}}"),
	       "ERROR: lab.yaml:14:1: unknown variable 'triple'");
	/* After a delimiter change the position is still the tag's start. */
	EXPECT(render_at("f", 1, 1, "{}", "{{=<% %>=}}\nab <%& nope %>"),
	       "ERROR: f:2:4: unknown variable 'nope'");
}

static void test_dotted_and_lists(void **state)
{
	const char *ctx =
		"name: web-1\n"
		"vars: {role: db, net: {dns: 10.0.0.53}}\n"
		"all:\n"
		"  - {name: web-1, ip: 10.0.0.11}\n"
		"  - {name: web-2, ip: 10.0.0.12}\n"
		"  - {name: db-1, ip: 10.0.0.21}\n";

	(void)state;
	EXPECT(render_at("f", 1, 1, ctx, "{{name}} is {{vars.role}} ({{vars.net.dns}})"),
	       "web-1 is db (10.0.0.53)");
	EXPECT(render_at("f", 1, 1, ctx, "{{#vars}}{{role}}/{{name}}{{/vars}}"),
	       "db/web-1");
	EXPECT(render_at("f", 1, 1, ctx, "{{vars.nope}}"),
	       "ERROR: f:1:1: unknown variable 'vars.nope'");
	EXPECT(render_at("f", 1, 1, ctx,
			 "hosts:\n"
			 "  {{#all}}\n"
			 "  {{ip}} {{name}}\n"
			 "  {{/all}}\n"
			 "end\n"),
	       "hosts:\n  10.0.0.11 web-1\n  10.0.0.12 web-2\n  10.0.0.21 db-1\nend\n");
	EXPECT(render_at("f", 1, 1, ctx, "{{vars}}"),
	       "ERROR: f:1:1: 'vars' is a mapping, not a string");
	EXPECT(render_at("f", 1, 1, ctx, "{{all}}"),
	       "ERROR: f:1:1: 'all' is a list, not a string");
}

static void test_values_not_rerendered(void **state)
{
	(void)state;
	/* If {{x}}'s value were rendered again, {{y}} would be an unknown
	 * variable and {{#z}} an unclosed section. */
	EXPECT(render_at("f", 1, 1, "{x: '{{y}} {{#z}} {{>p}} {{=| |=}}'}",
			 "[{{x}}] [{{{x}}}] {{#x}}[{{.}}]{{/x}}"),
	       "[{{y}} {{#z}} {{>p}} {{=| |=}}] [{{y}} {{#z}} {{>p}} {{=| |=}}]"
	       " [{{y}} {{#z}} {{>p}} {{=| |=}}]");
}

static void test_truthiness(void **state)
{
	const char *ctx = "{f: false, F: False, n: no, q: 'false', e: '', nul: ~,"
			  " z: 0, m: {}, l: [], t: true}";
	const char *tmpl = "{{#f}}f{{/f}}{{#F}}F{{/F}}{{#n}}n{{/n}}{{#q}}q{{/q}}"
			   "{{#e}}e{{/e}}{{#nul}}u{{/nul}}{{#z}}z{{/z}}{{#m}}m{{/m}}"
			   "{{#l}}l{{/l}}{{#t}}t{{/t}}|{{^absent}}a{{/absent}}"
			   "[{{nul}}][{{e}}]";

	(void)state;
	EXPECT(render_at("f", 1, 1, ctx, tmpl), "qzmt|a[][]");
}

static void test_parse_errors(void **state)
{
	(void)state;
	EXPECT(render_at("f", 1, 1, "{a: 1}", "x\n  {{#a}}\n{{/b}}"),
	       "ERROR: f:3:1: '/b' does not close section 'a' (opened at 2:3)");
	EXPECT(render_at("f", 1, 1, "{a: 1}", "x {{#a}} y {{^a}}"),
	       "ERROR: f:1:12: section 'a' is not closed");
	EXPECT(render_at("f", 1, 1, "{a: 1}", "{{/a}}"),
	       "ERROR: f:1:1: '/a' closes no open section");
	EXPECT(render_at("f", 1, 1, "{a: 1}", "ok\n {{a}"),
	       "ERROR: f:2:2: tag '{{' is not closed (no '}}')");
	EXPECT(render_at("f", 1, 1, "{a: 1}", "{{{a}}"),
	       "ERROR: f:1:1: tag '{{' is not closed (no '}}}')");
	EXPECT(render_at("f", 1, 1, "{a: 1}", "{{ }}"), "ERROR: f:1:1: empty tag");
	EXPECT(render_at("f", 1, 1, "{a: 1}", "{{a b}}"),
	       "ERROR: f:1:1: bad name 'a b' (spaces in a name)");
	EXPECT(render_at("f", 1, 1, "{a: 1}", "{{=<%=}}"),
	       "ERROR: f:1:1: bad delimiters '<%' (want two words of 1 to 16"
	       " bytes without spaces or '=')");
	EXPECT(render_at("f", 1, 1, "{a: 1}", "{{>p}}"),
	       "ERROR: f:1:1: partial 'p': partials are not available here");
}

static void test_partial_errors(void **state)
{
	(void)state;
	/* The error is in the partial's own file, at its own column even
	 * though the standalone include indented it by four spaces. */
	EXPECT(render("{a: 1}", "x:\n    {{>part.tmpl}}\n",
		      "{part.tmpl: \"a: {{a}}\\nb: {{b}}\\n\"}"),
	       "ERROR: part.tmpl:2:4: unknown variable 'b'");
	EXPECT(render("{a: 1}", "x:\n    {{>part.tmpl}}\n", "{}"),
	       "ERROR: t:2:5: partial 'part.tmpl': no partial 'part.tmpl'");
	EXPECT(render("{}", "{{>p}}", "{p: '{{#x}}'}"),
	       "ERROR: p:1:1: section 'x' is not closed");
}

static void test_limits(void **state)
{
	struct buf deep;
	char *big, *got;
	int i;

	(void)state;
	/* Sections nested too deep: refused when parsed. */
	buf_init(&deep);
	for (i = 0; i < MUSTACHE_MAX_NEST + 1; i++)
		buf_adds(&deep, "{{#a}}");
	for (i = 0; i < MUSTACHE_MAX_NEST + 1; i++)
		buf_adds(&deep, "{{/a}}");
	got = render("{a: [1]}", buf_str(&deep), NULL);
	assert_non_null(strstr(got, "sections nest deeper than 64"));
	free(got);
	buf_release(&deep);
	/* A partial that includes itself stops at the partial depth. */
	got = render("{}", "{{>p}}", "{p: 'x{{>p}}'}");
	assert_non_null(strstr(got, "partials nest deeper than 32"));
	free(got);
	/* Two includes per level go depth-first into the depth limit... */
	got = render("{}", "{{>p}}", "{p: '{{>p}}{{>p}}'}");
	assert_non_null(strstr(got, "partials nest deeper than 32"));
	free(got);
	/* ...while 16 items in 7 nested loops (16^7 bodies, no output) are
	 * stopped by the step limit. */
	got = render("{l: [0,1,2,3,4,5,6,7,8,9,a,b,c,d,e,f]}",
		     "{{#l}}{{#l}}{{#l}}{{#l}}{{#l}}{{#l}}{{#l}}"
		     "{{/l}}{{/l}}{{/l}}{{/l}}{{/l}}{{/l}}{{/l}}", NULL);
	assert_non_null(strstr(got, "template does more than 4194304 steps"));
	free(got);
	/* 40,000 partial lines, each indented by 200 bytes = 8 MB. */
	big = xmalloc(200 + 40000 * 2 + 64);
	memset(big, ' ', 200);
	strcpy(big + 200, "{{>p}}\n");
	got = render("{}", big, NULL);	/* no such partial: small error */
	assert_non_null(strstr(got, "no partial 'p'"));
	free(got);
	{
		char *part = xmalloc(16 + 40000 * 2);
		strcpy(part, "{p: \"");
		for (i = 0; i < 40000; i++)
			strcat(part + 5 + 2 * i, "\\n");
		strcat(part, "\"}");
		got = render("{}", big, part);
		assert_string_equal(got, "ERROR: t:1:201: partial 'p': partials"
				    " are larger than 4 MiB in all");
		free(got);
		free(part);
	}
	free(big);
	/* A 1 MiB value repeated 17 times: the output limit. */
	big = xmalloc((1 << 20) + 64);
	strcpy(big, "{l: [1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17], v: ");
	memset(big + strlen(big), 'x', 1 << 20);
	strcpy(big + (1 << 20) + 52, "}");
	got = render(big, "{{#l}}{{v}}{{/l}}", NULL);
	assert_string_equal(got, "ERROR: t:1:7: output is larger than 16 MiB");
	free(got);
	free(big);
}

static void test_appends_and_nulls(void **state)
{
	struct herd_err err = HERD_ERR_INIT;
	struct buf out;

	(void)state;
	buf_init(&out);
	buf_adds(&out, "head:");
	assert_int_equal(mustache_render("{{! c }}x{{^a}}y{{/a}}", 22, NULL,
					 NULL, &out, &err), 0);
	assert_string_equal(buf_str(&out), "head:xy");
	assert_int_equal(mustache_render("{{a}}", 5, NULL, NULL, &out, &err), -1);
	assert_string_equal(err.msg, "template:1:1: unknown variable 'a'");
	assert_int_equal(err.code, HERD_E_CONFIG);
	/* Bytes after a NUL are template text too (len, not strlen). */
	buf_reset(&out);
	assert_int_equal(mustache_render("a\0b", 3, NULL, NULL, &out, &err), 0);
	assert_int_equal(out.len, 3);
	assert_memory_equal(out.data, "a\0b", 3);
	buf_release(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spec),
		cmocka_unit_test(test_unknown_positions),
		cmocka_unit_test(test_dotted_and_lists),
		cmocka_unit_test(test_values_not_rerendered),
		cmocka_unit_test(test_truthiness),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_partial_errors),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_appends_and_nulls),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
