/* tests/unit/test_cli.c — the command line: global options after the verb
 * (herd validate -f lab.yaml), never taken from a verb option's value nor
 * after "--", and no verb option spelled like a global one; `herd up`
 * with repeated options (-j 1 -j 2 -j 3 overflowed a stack array) and
 * numbers that do not fit. */
#include "testutil.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "orchestrator/cli/cmd.h"
#include "orchestrator/cli/cmd_wait.h"
#include "orchestrator/cli/globals.h"
#include "orchestrator/cli/verbs.h"

#define DEFAULT_OPTS { "./herd.yaml", NULL, NULL, 0, 0, 0 }

/* Run globals_take over words (NULL-terminated) for verb; the words left
 * are joined by spaces into left. */
static int take(const char *verb, const char **words, struct herd_opts *o, char *left,
		size_t len, struct herd_err *err)
{
	char *argv[32];
	int argc = 0, rc, i;

	argv[argc++] = (char *)verb;
	for (i = 0; words[i] != NULL; i++)
		argv[argc++] = (char *)words[i];
	argv[argc] = NULL;
	rc = globals_take(verbs_find(verb)->opts, &argc, argv, o, err);
	left[0] = '\0';
	for (i = 0; i < argc; i++)
		snprintf(left + strlen(left), len - strlen(left), "%s%s", i ? " " : "", argv[i]);
	assert_null(argv[argc]);
	return rc;
}

static void test_globals_after_the_verb(void **state)
{
	struct herd_err err = HERD_ERR_INIT;
	struct herd_opts o = DEFAULT_OPTS;
	char left[256];

	(void)state;
	assert_int_equal(take("validate", (const char *[]){ "-f", "lab.yaml", NULL }, &o,
			      left, sizeof left, &err), 0);
	assert_string_equal(o.fleet_file, "lab.yaml");
	assert_string_equal(left, "validate");

	o = (struct herd_opts)DEFAULT_OPTS;
	assert_int_equal(take("up", (const char *[]){ "-f", "lab.yaml", "-j", "4", "-c",
			      "qemu:///x", "--state-dir", "/s", "-qv", "--allow-outside", NULL }, &o,
			      left, sizeof left, &err), 0);
	assert_string_equal(o.fleet_file, "lab.yaml");
	assert_string_equal(o.connect, "qemu:///x");
	assert_string_equal(o.state_dir, "/s");
	assert_true(o.quiet && o.verbose && o.allow_outside);
	assert_string_equal(left, "up -j 4");

	o = (struct herd_opts)DEFAULT_OPTS;
	assert_int_equal(take("seed", (const char *[]){ "web-1", "--file=a.yaml", "-o", "x.iso",
			      "-fb.yaml", "--connect=test:///default", "--quiet", NULL }, &o,
			      left, sizeof left, &err), 0);
	assert_string_equal(o.fleet_file, "b.yaml");	/* the last one counts */
	assert_string_equal(o.connect, "test:///default");
	assert_true(o.quiet);
	assert_string_equal(left, "seed web-1 -o x.iso");
}

/* A value of the verb's own option stays its value, whatever it looks
 * like, and nothing after "--" is an option. */
static void test_verb_values_and_dashdash_stay(void **state)
{
	struct herd_err err = HERD_ERR_INIT;
	struct herd_opts o = DEFAULT_OPTS;
	char left[256];

	(void)state;
	assert_int_equal(take("seed", (const char *[]){ "web-1", "-o", "-v", NULL }, &o, left,
			      sizeof left, &err), 0);
	assert_false(o.verbose);
	assert_string_equal(left, "seed web-1 -o -v");
	assert_int_equal(take("plan", (const char *[]){ "--output", "-q", "--out", "-f", NULL },
			      &o, left, sizeof left, &err), 0);
	assert_false(o.quiet);
	assert_string_equal(o.fleet_file, "./herd.yaml");
	assert_string_equal(left, "plan --output -q --out -f");
	assert_int_equal(take("exec", (const char *[]){ "-g", "-c", "--", "ls", "-f", "x",
			      "-v", NULL }, &o, left, sizeof left, &err), 0);
	assert_null(o.connect);
	assert_string_equal(o.fleet_file, "./herd.yaml");
	assert_string_equal(left, "exec -g -c -- ls -f x -v");
	assert_int_equal(take("ssh", (const char *[]){ "web-1", "--", "cat", "-v", NULL }, &o,
			      left, sizeof left, &err), 0);
	assert_false(o.verbose);
	assert_int_equal(take("render", (const char *[]){ "--only", "-v", "web-1", NULL }, &o,
			      left, sizeof left, &err), 0);
	assert_false(o.verbose);
	assert_string_equal(left, "render --only -v web-1");
	assert_int_equal(take("wait", (const char *[]){ "-j8", "--vm=-q", "-1", NULL }, &o,
			      left, sizeof left, &err), 0);
	assert_false(o.quiet);
	assert_string_equal(left, "wait -j8 --vm=-q -1");
}

static void test_global_without_value(void **state)
{
	struct herd_err err = HERD_ERR_INIT;
	struct herd_opts o = DEFAULT_OPTS;
	char left[256];

	(void)state;
	assert_int_equal(take("validate", (const char *[]){ "-f", NULL }, &o, left, sizeof left,
			      &err), -1);
	assert_string_equal(err.msg, "option -f needs a value");
	assert_int_equal(take("plan", (const char *[]){ "--state-dir", NULL }, &o, left,
			      sizeof left, &err), -1);
	assert_string_equal(err.msg, "option --state-dir needs a value");
	assert_int_equal(take("up", (const char *[]){ "-qj4", NULL }, &o, left, sizeof left,
			      &err), -1);
	assert_string_equal(err.msg, "-qj4 mixes global and up options: give them apart");
}

/* No verb has an option spelled like a global one: after the verb, the
 * verb's would win and the global one could not be given there. */
static void test_no_verb_shadows_a_global(void **state)
{
	const struct verb *v;
	const struct option *g, *o;
	const char *p;

	(void)state;
	for (v = verbs_table; v->name != NULL; v++) {
		if (v->opts == NULL)
			continue;
		for (p = v->opts->shortopts; *p; p++)
			if (*p != ':' && *p != '+' && strchr("fcqvhV", *p) != NULL)
				fail_msg("%s: -%c is a global option", v->name, *p);
		for (o = v->opts->longopts; o->name != NULL; o++)
			for (g = globals_longopts; g->name != NULL; g++)
				if (strcmp(o->name, g->name) == 0 && strcmp(g->name, "help") != 0)
					fail_msg("%s: --%s is a global option", v->name, o->name);
	}
}

static int up_parse(const char **words, struct up_args *u)
{
	char *argv[32];
	int argc = 0;

	argv[argc++] = "up";
	while (*words != NULL)
		argv[argc++] = (char *)*words++;
	argv[argc] = NULL;
	optind = 0;
	return cmd_up_parse(argc, argv, u);
}

/* Repeated options take the last value; apply's argv holds each once. */
static void test_up_repeated_options(void **state)
{
	struct up_args u;

	(void)state;
	assert_int_equal(up_parse((const char *[]){ "-j", "1", "-j", "2", "-j", "3", "--restart",
				  "--restart", "-j", "4", "-j", "5", NULL }, &u), 0);
	assert_int_equal(u.apply_argc, 4);
	assert_string_equal(u.apply_argv[0], "apply");
	assert_string_equal(u.apply_argv[1], "-j");
	assert_string_equal(u.apply_argv[2], "5");
	assert_string_equal(u.apply_argv[3], "--restart");
	assert_null(u.apply_argv[4]);
	assert_int_equal(u.w.jobs, 5);
	assert_int_equal(up_parse((const char *[]){ NULL }, &u), 0);
	assert_int_equal(u.apply_argc, 1);
	assert_null(u.apply_argv[1]);
	assert_int_equal(up_parse((const char *[]){ "-j", "65", NULL }, &u), -1);
	assert_int_equal(up_parse((const char *[]){ "-j", "4294967297", NULL }, &u), -1);
	assert_int_equal(up_parse((const char *[]){ "--timeout", "1000h", NULL }, &u), -1);
	assert_int_equal(up_parse((const char *[]){ "--timeout", "90s", "--timeout", "2m",
				  NULL }, &u), 0);
	assert_int_equal(u.w.timeout_ms, 120000);
}

/* The whole verb, as main runs it: many -j used to write past apply's
 * argv on the stack (ASan stops the test there); now it reaches apply,
 * which finds no fleet file. */
static void test_up_many_jobs_options(void **state)
{
	struct herd_opts o = { "/nonexistent/herd.yaml", NULL, NULL, 1, 0, 0 };
	char *argv[] = { "up", "-j", "1", "-j", "2", "-j", "3", "-j", "4", "--restart", NULL };

	(void)state;
	optind = 0;
	assert_int_equal(cmd_up(&o, 10, argv), EXIT_USAGE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_globals_after_the_verb),
		cmocka_unit_test(test_verb_values_and_dashdash_stay),
		cmocka_unit_test(test_global_without_value),
		cmocka_unit_test(test_no_verb_shadows_a_global),
		cmocka_unit_test(test_up_repeated_options),
		cmocka_unit_test(test_up_many_jobs_options),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
