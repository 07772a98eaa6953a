/* orchestrator/cli/cmd.h — what main.c hands to each verb.
 *
 * A verb handler gets the global options and its own argv (argv[0] is the
 * verb) and returns the process exit code: 0 success, 1 failure (also
 * partial), 2 usage error or invalid fleet file.  Verbs print their own
 * results (stdout) and diagnostics (stderr, through common/log.h).
 */
#ifndef HERD_CMD_H
#define HERD_CMD_H

enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

/* The most parallel SSH sessions or VM operations -j may ask of wait,
 * exec and snapshot (apply and up: APPLY_MAX_JOBS). */
#define CMD_MAX_JOBS 256

struct herd_opts {
	const char *fleet_file;	/* -f, default "./herd.yaml" */
	const char *connect;	/* -c/--connect, or NULL: file, then env */
	const char *state_dir;	/* --state-dir, or NULL: $XDG_STATE_HOME/herd */
	int quiet;		/* -q */
	int verbose;		/* -v */
	int allow_outside;	/* --allow-outside: the fleet may name files
				 * outside its folder (plans/fleet.h) */
};

typedef int (*cmd_fn)(const struct herd_opts *opts, int argc, char **argv);

/* A verb's own options, as its getopt_long() loop takes them.  main.c
 * reads them too: it picks the global options out of a verb's arguments
 * (herd validate -f lab.yaml) and must know which verb options take a
 * value, so that a value is never mistaken for a global option. */
struct option;
struct cmd_optspec {
	const char *shortopts;		/* getopt's string ("+" may lead) */
	const struct option *longopts;	/* terminated by a NULL name */
};

int cmd_apply(const struct herd_opts *opts, int argc, char **argv);
int cmd_destroy(const struct herd_opts *opts, int argc, char **argv);
int cmd_exec(const struct herd_opts *opts, int argc, char **argv);
int cmd_image(const struct herd_opts *opts, int argc, char **argv);
int cmd_inventory(const struct herd_opts *opts, int argc, char **argv);
int cmd_plan(const struct herd_opts *opts, int argc, char **argv);
int cmd_render(const struct herd_opts *opts, int argc, char **argv);
int cmd_revert(const struct herd_opts *opts, int argc, char **argv);
int cmd_seed(const struct herd_opts *opts, int argc, char **argv);
int cmd_snapshot(const struct herd_opts *opts, int argc, char **argv);
int cmd_ssh(const struct herd_opts *opts, int argc, char **argv);
int cmd_status(const struct herd_opts *opts, int argc, char **argv);
int cmd_up(const struct herd_opts *opts, int argc, char **argv);
int cmd_validate(const struct herd_opts *opts, int argc, char **argv);
int cmd_wait(const struct herd_opts *opts, int argc, char **argv);

/* Shared by verbs: true when argv holds -h or --help before any "--". */
int cmd_wants_help(int argc, char **argv);
/* Print "usage: herd VERB ..." and the help text for `verb` to stream f. */
void cmd_print_usage(const char *verb, int to_stderr);

#endif
