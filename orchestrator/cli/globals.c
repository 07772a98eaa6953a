/* orchestrator/cli/globals.c — global options before and after the verb. */
#include "orchestrator/cli/globals.h"

#include <stdbool.h>
#include <string.h>

const char globals_shortopts[] = "+f:c:qvhV";

const struct option globals_longopts[] = {
	{ "file", required_argument, NULL, 'f' },
	{ "connect", required_argument, NULL, 'c' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "state-dir", required_argument, NULL, GLOBALS_STATE_DIR },
	{ "allow-outside", no_argument, NULL, GLOBALS_ALLOW_OUTSIDE },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

int globals_set(struct herd_opts *o, int c, const char *arg)
{
	switch (c) {
	case 'f': o->fleet_file = arg; return 1;
	case 'c': o->connect = arg; return 1;
	case 'q': o->quiet = 1; return 1;
	case 'v': o->verbose = 1; return 1;
	case GLOBALS_STATE_DIR: o->state_dir = arg; return 1;
	case GLOBALS_ALLOW_OUTSIDE: o->allow_outside = 1; return 1;
	default: return 0;
	}
}

/* The global option taken after the verb: long name `name` (len bytes),
 * or short letter c when name is NULL.  NULL when none (-h, -V: not
 * after the verb). */
static const struct option *global(const char *name, size_t len, int c)
{
	const struct option *g;

	for (g = globals_longopts; g->name != NULL; g++) {
		if (g->val == 'h' || g->val == 'V')
			continue;
		if (name != NULL ? strlen(g->name) == len && strncmp(g->name, name, len) == 0
				 : g->val == c)
			return g;
	}
	return NULL;
}

/* The verb's short option c: 0 unknown, 1 flag, 2 takes a value. */
static int verb_short(const struct cmd_optspec *spec, int c)
{
	const char *p;

	if (spec == NULL || c == ':' || c == '+' || c == '-')
		return 0;
	p = strchr(spec->shortopts, c);
	return p == NULL ? 0 : p[1] == ':' ? 2 : 1;
}

/* How the verb reads "--name" (len bytes, without "=value"): 0 not its
 * option, 1 a flag, 2 takes a value.  Like getopt, an unambiguous prefix
 * counts when no option is spelled exactly so. */
static int verb_long(const struct cmd_optspec *spec, const char *name, size_t len)
{
	const struct option *o, *hit = NULL;
	int n = 0;

	for (o = spec ? spec->longopts : NULL; o != NULL && o->name != NULL; o++) {
		if (strncmp(o->name, name, len) != 0)
			continue;
		if (strlen(o->name) == len)
			return o->has_arg == required_argument ? 2 : 1;
		hit = o;
		n++;
	}
	return n == 1 ? (hit->has_arg == required_argument ? 2 : 1) : 0;
}

/* argv[*i], "--name[=value]": apply it if it is global (1), else say how
 * many words the verb's reading takes (0). */
static int take_long(const struct cmd_optspec *spec, int argc, char **argv, int *i,
		     struct herd_opts *o, int *words, struct herd_err *err)
{
	const char *name = argv[*i] + 2, *eq = strchr(name, '=');
	size_t len = eq ? (size_t)(eq - name) : strlen(name);
	const struct option *g;
	int k = verb_long(spec, name, len);

	*words = 1;
	if (k > 0 || (g = global(name, len, 0)) == NULL) {
		if (k == 2 && eq == NULL && *i + 1 < argc)
			*words = 2;	/* its value, whatever it looks like */
		return 0;
	}
	if (g->has_arg == no_argument) {
		globals_set(o, g->val, NULL);
		return 1;
	}
	if (eq == NULL && *i + 1 >= argc)
		return herd_errf(err, HERD_E_USAGE, "option --%s needs a value", g->name);
	globals_set(o, g->val, eq ? eq + 1 : argv[++*i]);
	return 1;
}

/* argv[*i], "-abc": a cluster of global letters (the last one may take
 * the rest or the next word as its value) is applied (1); a cluster that
 * starts with a letter that is not global is the verb's (0, *words). */
static int take_short(const struct cmd_optspec *spec, int argc, char **argv, int *i,
		      struct herd_opts *o, int *words, struct herd_err *err)
{
	const char *p = argv[*i] + 1;
	const struct option *g;

	*words = 1;
	if (verb_short(spec, *p) != 0 || global(NULL, 0, *p) == NULL) {
		for (; *p; p++)
			if (verb_short(spec, *p) == 2) {
				if (p[1] == '\0' && *i + 1 < argc)
					*words = 2;
				break;
			}
		return 0;
	}
	for (; *p; p++) {
		g = global(NULL, 0, *p);
		if (g == NULL || verb_short(spec, *p) != 0)
			return herd_errf(err, HERD_E_USAGE, "%s mixes global and %s options: "
					 "give them apart", argv[*i], argv[0]);
		if (g->has_arg == no_argument) {
			globals_set(o, g->val, NULL);
			continue;
		}
		if (p[1] == '\0' && *i + 1 >= argc)
			return herd_errf(err, HERD_E_USAGE, "option -%c needs a value", *p);
		globals_set(o, g->val, p[1] ? p + 1 : argv[++*i]);
		break;
	}
	return 1;
}

int globals_take(const struct cmd_optspec *spec, int *argc, char **argv,
		 struct herd_opts *o, struct herd_err *err)
{
	int i, out = 1, words, r;
	bool rest = false;	/* after "--": not options */

	for (i = 1; i < *argc; i++) {
		const char *a = argv[i];

		words = 1;
		r = 0;
		if (rest || a[0] != '-' || a[1] == '\0') {
			r = 0;
		} else if (strcmp(a, "--") == 0) {
			rest = true;
		} else if (a[1] == '-') {
			r = take_long(spec, *argc, argv, &i, o, &words, err);
		} else {
			r = take_short(spec, *argc, argv, &i, o, &words, err);
		}
		if (r < 0)
			return -1;
		if (r == 1)
			continue;
		while (words-- > 0)
			argv[out++] = argv[i++];
		i--;
	}
	argv[out] = NULL;
	*argc = out;
	return 0;
}
