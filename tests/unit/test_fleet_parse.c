/* tests/unit/test_fleet_parse.c — libyaml to nodes: positions, anchors,
 * aliases, merge keys, and every file-level refusal. */
#include "fleettest.h"

#include <fcntl.h>
#include <sys/stat.h>

#include "plans/fleet_parse.h"

struct parsed {
	struct yarena *a;
	const struct ynode *root;
	struct fleet_diags d;
};

static void parse(struct parsed *p, const char *yaml)
{
	memset(&p->d, 0, sizeof p->d);
	p->a = yarena_new();
	p->root = fleet_parse(p->a, "p.yaml", yaml, strlen(yaml), &p->d);
}

static void parse_fails(const char *yaml, size_t len, const char *want)
{
	struct parsed p;

	memset(&p.d, 0, sizeof p.d);
	p.a = yarena_new();
	p.root = fleet_parse(p.a, "p.yaml", yaml, len, &p.d);
	assert_null(p.root);
	assert_int_equal(p.d.n, 1);
	if (strcmp(ft_first(&p.d), want) != 0) {
		print_error("want: %s\ngot:  %s\n", want, ft_first(&p.d));
		fail();
	}
	yarena_free(p.a);
}

static void test_positions(void **state)
{
	struct parsed p;
	const struct ynode *groups, *web, *k;

	(void)state;
	parse(&p, "fleet: lab\ngroups:\n  web:\n    count: 3\n    name: \"w-{{index}}\"\n");
	assert_non_null(p.root);
	groups = ynode_get(p.root, "groups");
	k = ynode_get_key(p.root, "groups");
	assert_int_equal(k->line, 2);
	assert_int_equal(k->col, 1);
	web = ynode_get(groups, "web");
	assert_int_equal(web->kind, YNODE_MAP);
	assert_int_equal(ynode_get(web, "count")->line, 4);
	assert_int_equal(ynode_get(web, "count")->col, 12);
	assert_false(ynode_get(web, "count")->quoted);
	assert_int_equal(ynode_get(web, "name")->col, 11);
	assert_true(ynode_get(web, "name")->quoted);
	assert_string_equal(ynode_get(web, "name")->str, "w-{{index}}");
	assert_string_equal(ynode_get(p.root, "fleet")->file, "p.yaml");
	yarena_free(p.a);
}

static void test_alias_shares_node(void **state)
{
	struct parsed p;
	const struct ynode *a, *b;

	(void)state;
	parse(&p, "x: &cc {packages: [curl, git]}\ny: *cc\nz: &s hello\nw: *s\n");
	assert_non_null(p.root);
	a = ynode_get(p.root, "x");
	b = ynode_get(p.root, "y");
	assert_ptr_equal(a, b);
	assert_int_equal(ynode_get(a, "packages")->n, 2);
	assert_ptr_equal(ynode_get(p.root, "z"), ynode_get(p.root, "w"));
	yarena_free(p.a);
}

static void test_merge_keys(void **state)
{
	struct parsed p;
	const struct ynode *m;

	(void)state;
	parse(&p, "base: &b {cpus: 1, memory: 1GiB, disk: 5GiB}\n"
		  "more: &m {cpus: 4, clone: full}\n"
		  "one:\n  <<: *b\n  cpus: 2\n"
		  "two:\n  <<: [*m, *b]\n  disk: 9GiB\n");
	assert_non_null(p.root);
	m = ynode_get(p.root, "one");
	assert_string_equal(ynode_get(m, "cpus")->str, "2");	/* explicit wins */
	assert_string_equal(ynode_get(m, "memory")->str, "1GiB");
	assert_null(ynode_get(m, "<<"));
	assert_int_equal(m->n, 3);
	m = ynode_get(p.root, "two");
	assert_string_equal(ynode_get(m, "cpus")->str, "4");	/* earlier map wins */
	assert_string_equal(ynode_get(m, "clone")->str, "full");
	assert_string_equal(ynode_get(m, "disk")->str, "9GiB");
	assert_string_equal(ynode_get(m, "memory")->str, "1GiB");
	assert_int_equal(m->n, 4);
	yarena_free(p.a);
}

static void test_quoted_merge_key_is_a_key(void **state)
{
	struct parsed p;

	(void)state;
	parse(&p, "a: {\"<<\": 1}\n");
	assert_non_null(p.root);
	assert_string_equal(ynode_get(ynode_get(p.root, "a"), "<<")->str, "1");
	yarena_free(p.a);
}

static void test_merge_errors(void **state)
{
	(void)state;
	parse_fails("a:\n  <<: 3\n", 10, "p.yaml:2:7: merge key << takes a mapping "
		    "or a list of mappings, not a string");
	parse_fails("a:\n  <<: [[1]]\n", 14, "p.yaml:2:8: merge key << takes a "
		    "mapping or a list of mappings, not a list");
}

static void test_duplicate_key(void **state)
{
	char big[8192];
	size_t i, n = 0;

	(void)state;
	parse_fails("fleet: a\ncpus: 1\nfleet: b\n", 26,
		    "p.yaml:3:1: duplicate key 'fleet' (first at line 1; write each key once)");
	for (i = 0; i < 200; i++)
		n += (size_t)snprintf(big + n, sizeof big - n, "k%zu: %zu\n", i, i);
	n += (size_t)snprintf(big + n, sizeof big - n, "k7: again\n");
	parse_fails(big, n, "p.yaml:201:1: duplicate key 'k7' (first at line 8; write each key once)");
}

static void test_key_not_string(void **state)
{
	(void)state;
	parse_fails("? [a, b]\n: 1\n", 13, "p.yaml:1:3: a key must be a string, not a list");
}

static void test_undefined_alias(void **state)
{
	(void)state;
	parse_fails("a: *nope\n", 9, "p.yaml:1:4: alias *nope is not defined "
		    "(write &nope on a value before it)");
	/* An alias inside its own anchor is not defined yet: no cycles. */
	parse_fails("a: &x [1, *x]\n", 14, "p.yaml:1:11: alias *x is not defined "
		    "(write &x on a value before it)");
}

static void test_alias_bomb(void **state)
{
	const char *bomb =
		"a: &a [x, x, x, x, x, x, x, x, x, x]\n"
		"b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
		"c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
		"d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
		"e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
		"f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
		"g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\n";

	(void)state;
	parse_fails(bomb, strlen(bomb), "p.yaml:7:8: aliases expand to more than "
		    "2000000 nodes (an alias bomb? write the values out)");
}

/* Few nodes, much text: a 1 MiB anchor used 400 times would be 400 MiB
 * of user-data from a 1 MiB file.  The 63rd use is past the budget. */
static void test_alias_text_budget(void **state)
{
	size_t cap = (2u << 20), n = 0, i;
	char *y = malloc(cap);
	struct parsed p;
	char want[200];

	(void)state;
	n += (size_t)snprintf(y + n, cap - n, "fleet: lab\nbig: &big \"");
	memset(y + n, 'x', 1u << 20);
	n += 1u << 20;
	n += (size_t)snprintf(y + n, cap - n, "\"\ndefaults:\n  cloud_config:\n    runcmd:\n");
	for (i = 0; i < 400; i++)
		n += (size_t)snprintf(y + n, cap - n, "    - *big\n");
	/* line 6 is the first use; with the 1 MiB written and the keys, the
	 * 63rd use passes 64 MiB */
	snprintf(want, sizeof want, "p.yaml:%d:7: aliases expand to more than 64MiB of "
		 "text (an alias bomb? use a large anchor fewer times)", 6 + 62);
	parse_fails(y, n, want);
	/* 60 uses are fine */
	n = (size_t)(strstr(y, "    - *big\n") - y) + 60 * strlen("    - *big\n");
	y[n] = '\0';
	parse(&p, y);
	assert_non_null(p.root);
	yarena_free(p.a);
	free(y);
}

static void test_depth(void **state)
{
	char deep[256];

	(void)state;
	memset(deep, '[', 70);
	strcpy(deep + 70, "\n");
	parse_fails(deep, strlen(deep), "p.yaml:1:65: nesting is deeper than 64 levels");
	memset(deep, '[', 63);
	memset(deep + 63, ']', 63);
	strcpy(deep + 126, "\n");
	{
		struct parsed p;
		parse(&p, deep);
		assert_null(p.root);	/* parses, but is a list, not a mapping */
		assert_non_null(strstr(ft_first(&p.d), "the top level is a list"));
		yarena_free(p.a);
	}
}

static void test_not_yaml(void **state)
{
	(void)state;
	parse_fails("fleet: lab\n  cpus: 2\n", 21, "p.yaml:2:7: invalid YAML: mapping "
		    "values are not allowed in this context");
	parse_fails("a: [1, 2\n", 9, "p.yaml:2:1: invalid YAML: did not find expected "
		    "',' or ']' (while parsing a flow sequence at line 1)");
	parse_fails("a: \"x\n", 6, "p.yaml:2:1: invalid YAML: found unexpected end of "
		    "stream (while scanning a quoted scalar at line 1)");
}

static void test_empty_and_binary(void **state)
{
	(void)state;
	parse_fails("", 0, "p.yaml: is empty (a fleet file starts with fleet: NAME)");
	parse_fails("# only a comment\n\n", 18, "p.yaml: is empty (a fleet file starts "
		    "with fleet: NAME)");
	parse_fails("---\n", 4, "p.yaml: is empty (a fleet file starts with fleet: NAME)");
	parse_fails("fleet: a\nx: b\0c\n", 16, "p.yaml:2:5: not a text file: a NUL "
		    "byte (a fleet file is UTF-8 YAML)");
	parse_fails("fleet: \xc3\x28\n", 10, "p.yaml:1:8: not a text file: invalid "
		    "UTF-8 (a fleet file is UTF-8 YAML)");
	parse_fails("a: \xed\xa0\x80\n", 7, "p.yaml:1:4: not a text file: invalid "
		    "UTF-8 (a fleet file is UTF-8 YAML)");
}

/* Keys are names: no control characters (a NUL made "a\0x" and "a\0y"
 * two VMs called "a"), in every mapping; and no NUL in any string. */
static void test_control_characters_in_keys(void **state)
{
	const char *y;

	(void)state;
	y = "fleet: lab\nvms:\n  \"a\\0x\": {}\n  \"a\\0y\": {}\n";
	parse_fails(y, strlen(y), "p.yaml:3:3: a string holds a NUL character (\\0); "
		    "herd cannot pass it on");
	y = "fleet: lab\ngroups:\n  \"w\\te\": {}\n";
	parse_fails(y, strlen(y), "p.yaml:3:3: key \"w\\x09e\" holds a control "
		    "character (U+0009); a key is a name: use letters, digits and punctuation");
	y = "fleet: lab\nnetworks: {\"n\\x1b[2J\": {cidr: 10.0.0.0/24}}\n";
	parse_fails(y, strlen(y), "p.yaml:2:12: key \"n\\x1b[2J\" holds a control "
		    "character (U+001B); a key is a name: use letters, digits and punctuation");
	y = "fleet: lab\nimages:\n  \"i\\u0085\": {path: x}\n";
	parse_fails(y, strlen(y), "p.yaml:3:3: key \"i\\xc2\\x85\" holds a control "
		    "character (U+0085); a key is a name: use letters, digits and punctuation");
	y = "fleet: lab\ndefaults:\n  vars:\n    deep: {\"k\\n\": 1}\n";
	parse_fails(y, strlen(y), "p.yaml:4:12: key \"k\\x0a\" holds a control "
		    "character (U+000A); a key is a name: use letters, digits and punctuation");
	y = "fleet: lab\ndefaults: {cloud_config: {runcmd: [\"a\\0b\"]}}\n";
	parse_fails(y, strlen(y), "p.yaml:2:36: a string holds a NUL character (\\0); "
		    "herd cannot pass it on");
	/* an alias used as a key is checked as one */
	y = "fleet: lab\nx: &k \"a\\x7f\"\nvms: {*k : {}}\n";
	parse_fails(y, strlen(y), "p.yaml:3:7: key \"a\\x7f\" holds a control "
		    "character (U+007F); a key is a name: use letters, digits and punctuation");
}

static void test_top_level(void **state)
{
	(void)state;
	parse_fails("- a\n- b\n", 8, "p.yaml:1:1: the top level is a list, not a "
		    "mapping (a fleet file starts with fleet: NAME)");
	parse_fails("just words\n", 11, "p.yaml:1:1: the top level is a string, not a "
		    "mapping (a fleet file starts with fleet: NAME)");
	parse_fails("a: 1\n---\nb: 2\n", 14, "p.yaml:2:1: a second YAML document "
		    "(a fleet file holds one; remove this ---)");
}

static void test_utf8_text_is_fine(void **state)
{
	struct parsed p;

	(void)state;
	parse(&p, "fleet: lab\nnote: \"caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x90\x91\"\n");
	assert_non_null(p.root);
	assert_string_equal(ynode_get(p.root, "note")->str, "caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x90\x91");
	yarena_free(p.a);
}

static void test_read_limits(void **state)
{
	struct fleet_diags d;
	char path[128], *data = NULL;
	size_t len;
	int fd;

	(void)state;
	memset(&d, 0, sizeof d);
	snprintf(path, sizeof path, "%s/huge.yaml", ft_dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, FLEET_MAX_FILE + 1), 0);	/* sparse: never read */
	close(fd);
	assert_int_equal(fleet_parse_read(path, &data, &len, &d), -1);
	assert_non_null(strstr(ft_first(&d), "huge.yaml: is larger than 16MiB"));
	unlink(path);

	memset(&d, 0, sizeof d);
	assert_int_equal(fleet_parse_read(ft_dir, &data, &len, &d), -1);
	assert_non_null(strstr(ft_first(&d), ": is a directory, not a fleet file"));

	memset(&d, 0, sizeof d);
	snprintf(path, sizeof path, "%s/ks.tmpl", ft_dir);
	assert_int_equal(fleet_parse_read(path, &data, &len, &d), 0);
	assert_int_equal(len, 5);
	assert_string_equal(data, "text\n");
	free(data);
}

static void test_load_reports_file_level_errors(void **state)
{
	struct fleet_diags d;

	(void)state;
	assert_null(fleet_load("/nonexistent/herd.yaml", &d));
	assert_int_equal(d.n, 1);
	assert_string_equal(ft_first(&d), "/nonexistent/herd.yaml: cannot open: No such "
			    "file or directory");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_positions),
		cmocka_unit_test(test_alias_shares_node),
		cmocka_unit_test(test_merge_keys),
		cmocka_unit_test(test_quoted_merge_key_is_a_key),
		cmocka_unit_test(test_merge_errors),
		cmocka_unit_test(test_duplicate_key),
		cmocka_unit_test(test_key_not_string),
		cmocka_unit_test(test_undefined_alias),
		cmocka_unit_test(test_alias_bomb),
		cmocka_unit_test(test_alias_text_budget),
		cmocka_unit_test(test_depth),
		cmocka_unit_test(test_not_yaml),
		cmocka_unit_test(test_empty_and_binary),
		cmocka_unit_test(test_top_level),
		cmocka_unit_test(test_control_characters_in_keys),
		cmocka_unit_test(test_utf8_text_is_fine),
		cmocka_unit_test(test_read_limits),
		cmocka_unit_test(test_load_reports_file_level_errors),
	};

	return cmocka_run_group_tests(tests, ft_setup, ft_teardown);
}
