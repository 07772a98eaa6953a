/* orchestrator/cli/cmd_image.c — `herd image`: manage the base-image cache (pull, list, rm). */
#include "orchestrator/cli/cmd.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "common/num.h"
#include "common/mem.h"
#include "orchestrator/cli/fleetload.h"
#include "orchestrator/image/image_cache.h"
#include "orchestrator/image/image_fleet.h"
#include "orchestrator/cli/progress.h"

const char cmd_image_help[] =
	"usage: herd image pull URL|PATH --sha256 SUM|--sha512 SUM [options]\n"
	"       herd image pull FLEET-FILE\n"
	"       herd image list [--json]\n"
	"       herd image rm SUM-OR-PREFIX...\n"
	"\n"
	"Manage the content-addressed base-image cache ($HERD_CACHE_DIR, else\n"
	"$XDG_CACHE_HOME/herd/images).  pull downloads (resuming an interrupted\n"
	"download), decompresses .gz/.bz2/.xz/.zst, verifies the checksum and\n"
	"prints the cached image's path; list shows the entries; rm deletes them.\n"
	"\n"
	"pull options:\n"
	"  --sha256 SUM, --sha512 SUM   the expected checksum (required for a URL)\n"
	"  --sha256-of download|image   what the checksum covers: the file as\n"
	"                               downloaded (default) or the decompressed image\n"
	"  --cacert FILE                also trust the CAs in FILE (PEM); default\n"
	"                               $HERD_CA_BUNDLE (apply reads it too)\n"
	"  --retries N                  retries on transient failures (default 3)\n"
	"  --stall-timeout SECS         give up below 1 KiB/s for SECS (default 30)\n"
	"  --fleet NAME                 record that fleet NAME uses the image\n"
	"list options:\n"
	"  --json                       one JSON array with every field\n";

struct pull_args {
	struct image_src src;
	struct fetch_opts fo;
	const char *fleet;
};

static int usage_err(const char *fmt, const char *arg)
{
	log_error(fmt, arg);
	cmd_print_usage("image", 1);
	return EXIT_USAGE;
}

static int parse_count(const char *s, long max, long *out)
{
	return num_parse(s, 0, max, out);
}

static const struct option longopts[] = {
	{ "cacert", required_argument, NULL, 'C' },
	{ "fleet", required_argument, NULL, 'F' },
	{ "retries", required_argument, NULL, 'R' },
	{ "sha256", required_argument, NULL, '2' },
	{ "sha256-of", required_argument, NULL, 'O' },
	{ "sha512", required_argument, NULL, '5' },
	{ "sha512-of", required_argument, NULL, 'O' },
	{ "stall-timeout", required_argument, NULL, 'S' },
	{ NULL, 0, NULL, 0 },
};

const struct cmd_optspec cmd_image_opts = { "", longopts };

static int parse_pull(int argc, char **argv, struct pull_args *a)
{
	struct herd_err err = HERD_ERR_INIT;
	long v;
	int c;

	a->fo.retries = -1;
	/* 0, not 1: glibc then forgets main's "+" (stop at the first
	 * operand), so options may follow the URL. */
	optind = 0;
	while ((c = getopt_long(argc, argv, cmd_image_opts.shortopts, longopts, NULL)) != -1) {
		switch (c) {
		case 'C': a->fo.ca_bundle = optarg; break;
		case 'F': a->fleet = optarg; break;
		case '2': a->src.algo = HASH_SHA256; a->src.sum = optarg; break;
		case '5': a->src.algo = HASH_SHA512; a->src.sum = optarg; break;
		case 'O':
			if (image_sum_of_parse(optarg, &a->src.sum_of, &err) < 0)
				return usage_err("image pull: %s", err.msg);
			break;
		case 'R':
			if (parse_count(optarg, 100, &v) < 0)
				return usage_err("image pull: --retries \"%s\" is not 0..100", optarg);
			a->fo.retries = (int)v;
			break;
		case 'S':
			if (parse_count(optarg, 86400, &v) < 0 || v == 0)
				return usage_err("image pull: --stall-timeout \"%s\" is not 1..86400 seconds", optarg);
			a->fo.stall_timeout = v;
			break;
		default:
			cmd_print_usage("image", 1);
			return EXIT_USAGE;
		}
	}
	if (optind + 1 != argc)
		return usage_err("image pull: %s", "give one URL, path or fleet file");
	/* Now, not as a TLS error after connecting. */
	if (a->fo.ca_bundle != NULL && access(a->fo.ca_bundle, R_OK) < 0)
		return usage_err("image pull: --cacert %s: no such readable file", a->fo.ca_bundle);
	return EXIT_OK;
}

struct pull_ui {
	struct progress *bar;
	int used;		/* something was transferred (not a cache hit) */
};

static void on_progress(void *ctx, const struct fetch_progress *p)
{
	struct pull_ui *ui = ctx;

	ui->used = 1;
	if (p->note != NULL)
		progress_note(ui->bar, p->note);
	else
		progress_update(ui->bar, p->bytes, p->total, p->rate);
}

static int is_fleet_file(const char *arg)
{
	size_t n = strlen(arg);

	return (n > 5 && strcmp(arg + n - 5, ".yaml") == 0) ||
	       (n > 4 && strcmp(arg + n - 4, ".yml") == 0);
}

/* `herd image pull FLEET-FILE`: every url image the fleet names, each
 * once, recorded as used by the fleet.  Local path images need no pull. */
static int pull_fleet(const struct herd_opts *opts, const char *file,
		      struct pull_args *a)
{
	struct herd_opts fo = *opts;
	struct herd_err err = HERD_ERR_INIT;
	struct handle acc;
	size_t i, bad = 0;
	int rc;

	fo.fleet_file = file;
	rc = fleetload_open(&acc, &fo, "image", 0);
	if (rc != EXIT_OK)
		return rc;
	for (i = 0; i < acc.fleet->n_images; i++) {
		const struct fleet_image *im = &acc.fleet->images[i];
		struct pull_ui ui = { NULL, 0 };
		struct image_entry e;

		if (im->url == NULL)
			continue;
		image_fleet_src(im, &a->src);
		if (!opts->quiet) {
			ui.bar = progress_new(stderr, im->name, isatty(STDERR_FILENO));
			a->fo.progress = on_progress;
			a->fo.progress_ctx = &ui;
		}
		memset(&e, 0, sizeof e);
		rc = image_cache_ensure(&a->src, NULL, &a->fo, &e, &err);
		if (ui.used)
			progress_done(ui.bar, rc == 0);
		progress_free(ui.bar);
		if (rc == 0 && e.cached)
			rc = image_cache_record_use(NULL, e.name, acc.fleet->name, &err) < 0 ? -1 : 0;
		if (rc < 0) {
			log_error("image '%s': %s", im->name, err.msg);
			bad++;
		} else {
			log_info("%s: %s image, %s", im->name, image_format_name(e.format), e.name);
		}
		image_entry_release(&e);
	}
	handle_close(&acc);
	return bad ? EXIT_FAIL : EXIT_OK;
}

static int pull(const struct herd_opts *opts, int argc, char **argv)
{
	struct pull_args a;
	struct image_entry e;
	struct herd_err err = HERD_ERR_INIT;
	struct pull_ui ui = { NULL, 0 };
	const char *arg;
	int rc;

	memset(&a, 0, sizeof a);
	rc = parse_pull(argc, argv, &a);
	if (rc != EXIT_OK)
		return rc;
	arg = argv[optind];
	if (strstr(arg, "://") == NULL && is_fleet_file(arg))
		return pull_fleet(opts, arg, &a);
	if (strstr(arg, "://") != NULL)
		a.src.url = arg;
	else
		a.src.path = arg;
	if (a.src.url != NULL && a.src.sum == NULL)
		return usage_err("image pull %s: a URL needs --sha256 SUM or --sha512 SUM", arg);
	if (!opts->quiet) {
		char *label = image_origin_name(arg, 0);

		ui.bar = progress_new(stderr, label, isatty(STDERR_FILENO));
		free(label);
		a.fo.progress = on_progress;
		a.fo.progress_ctx = &ui;
	}
	rc = image_cache_ensure(&a.src, NULL, &a.fo, &e, &err);
	if (ui.used)
		progress_done(ui.bar, rc == 0);
	progress_free(ui.bar);
	if (rc == 0 && a.fleet != NULL && e.cached &&
	    image_cache_record_use(NULL, e.name, a.fleet, &err) < 0)
		rc = -1;
	if (rc < 0) {
		log_err(&err);
		image_entry_release(&e);
		return EXIT_FAIL;
	}
	log_info("%s: %s %s image, %s", arg, e.cached ? "cached" : "local",
		 image_format_name(e.format), e.name ? e.name : "not cached (used in place)");
	printf("%s\n", e.path);
	image_entry_release(&e);
	return EXIT_OK;
}

static void json_str(const char *s)
{
	putchar('"');
	for (; s != NULL && *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static void list_json(const struct image_entry *v, size_t n)
{
	size_t i, j;

	putchar('[');
	for (i = 0; i < n; i++) {
		printf("%s\n  {\"name\": ", i ? "," : "");
		json_str(v[i].name);
		printf(", \"origin\": ");
		json_str(v[i].origin);
		printf(", \"algo\": \"%s\", \"checksum\": \"%s\", \"format\": \"%s\"",
		       image_algo_name(v[i].algo), v[i].sum, image_format_name(v[i].format));
		printf(", \"size\": %" PRIu64 ", \"disk\": %" PRIu64 ", \"path\": ",
		       v[i].size, v[i].disk);
		json_str(v[i].path);
		printf(", \"url\": ");
		if (v[i].url != NULL)
			json_str(v[i].url);
		else
			printf("null");
		printf(", \"compression\": ");
		json_str(v[i].compression ? v[i].compression : "none");
		printf(", \"fleets\": [");
		for (j = 0; j < v[i].nfleets; j++) {
			printf("%s", j ? ", " : "");
			json_str(v[i].fleets[j]);
		}
		printf("]}");
	}
	printf("%s]\n", n ? "\n" : "");
}

static void list_table(const struct image_entry *v, size_t n)
{
	char size[24], fleets[256];
	size_t i, j;

	printf("%-19s  %-40s  %9s  %-6s  %s\n", "ID", "NAME", "SIZE", "FORMAT", "FLEETS");
	for (i = 0; i < n; i++) {
		fleets[0] = '\0';
		for (j = 0; j < v[i].nfleets; j++)
			snprintf(fleets + strlen(fleets), sizeof fleets - strlen(fleets),
				 "%s%s", j ? "," : "", v[i].fleets[j]);
		progress_fmt_bytes(v[i].size, size, sizeof size);
		printf("%.19s  %-40.40s  %9s  %-6s  %s\n", v[i].name,
		       v[i].origin ? v[i].origin : "-", size,
		       image_format_name(v[i].format), fleets[0] ? fleets : "-");
	}
}

static int list(int argc, char **argv)
{
	struct herd_err err = HERD_ERR_INIT;
	struct image_entry *v = NULL;
	size_t n = 0, i;
	int json = argc == 2 && strcmp(argv[1], "--json") == 0;

	if (argc > 2 || (argc == 2 && !json))
		return usage_err("image list: unexpected \"%s\"", argv[argc - 1]);
	if (image_cache_list(NULL, &v, &n, &err) < 0) {
		log_err(&err);
		return EXIT_FAIL;
	}
	if (json)
		list_json(v, n);
	else
		list_table(v, n);
	for (i = 0; i < n; i++)
		image_entry_release(&v[i]);
	free(v);
	return EXIT_OK;
}

static int rm(int argc, char **argv)
{
	struct herd_err err = HERD_ERR_INIT;
	struct image_entry e;
	int i, rc = EXIT_OK;

	if (argc < 2)
		return usage_err("image rm: %s", "give one or more checksums or prefixes");
	for (i = 1; i < argc; i++) {
		if (image_cache_find(NULL, argv[i], &e, &err) < 0 ||
		    image_cache_remove(NULL, e.name, &err) < 0) {
			log_err(&err);
			rc = EXIT_FAIL;
		} else {
			printf("removed %s (%s)\n", e.name, e.origin ? e.origin : "-");
		}
		image_entry_release(&e);
	}
	return rc;
}

int cmd_image(const struct herd_opts *opts, int argc, char **argv)
{
	if (argc < 2)
		return usage_err("image: %s", "give a subcommand: pull, list or rm");
	if (strcmp(argv[1], "pull") == 0)
		return pull(opts, argc - 1, argv + 1);
	if (strcmp(argv[1], "list") == 0 || strcmp(argv[1], "ls") == 0)
		return list(argc - 1, argv + 1);
	if (strcmp(argv[1], "rm") == 0)
		return rm(argc - 1, argv + 1);
	return usage_err("image: unknown subcommand \"%s\" (pull, list, rm)", argv[1]);
}
