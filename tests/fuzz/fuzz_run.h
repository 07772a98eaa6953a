/* tests/fuzz/fuzz_run.h — what the fuzzers share: options, a seed per
 * run, inputs that depend only on (seed, index), and forked workers whose
 * every input is bounded in time and memory by a supervising parent.
 *
 *   PROG [-s SEED] [-n MAX] [-t SECONDS] [-j JOBS] [-T SECS] [-M MIB]
 *   PROG -s SEED -i INDEX [-o FILE]      one input, in this process
 *   PROG FILE...                          replay files, in this process
 *
 * Without -s a run takes a fresh random seed and prints it first.  Input
 * i of seed s is made from a generator seeded with mix(s, i) alone, so
 * `-s S -i I` remakes (and -o writes) exactly the input a run reported,
 * and JOBS workers can share the indexes.  A run stops after MAX inputs or
 * SECONDS, whichever comes first.  Each worker is a fork of this process;
 * the parent polls them: an input that runs longer than -T seconds
 * (default 10) or a worker whose resident memory passes -M MiB (default
 * 1024) is killed and reported with its index, as is a worker that
 * crashes, aborts on a broken contract or a sanitizer report (LeakSanitizer
 * runs when a worker exits: a leak names the worker's inputs).  The last
 * line gives the inputs, the time measured and inputs/s.
 *
 * A fuzzer defines fuzz_name, fuzz_make (input i into buf) and fuzz_check
 * (run it; 1 when it got far, e.g. the fleet loaded; abort on a broken
 * contract), then calls fuzz_main from main.
 */
#ifndef HERD_FUZZ_RUN_H
#define HERD_FUZZ_RUN_H

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/mem.h"

#define FUZZ_MAX_INPUT (64 * 1024)
#define FUZZ_MAX_JOBS 16

extern const char fuzz_name[];
/* Make input i of seed into buf (FUZZ_MAX_INPUT bytes); its length. */
size_t fuzz_make(uint64_t seed, uint64_t i, char *buf);
/* Run one input: 1 when it got deep (parsed, rendered), 0 when refused. */
int fuzz_check(const char *data, size_t len);

/* Smaller quarantine and malloc stacks: the fuzzers allocate a lot and
 * run a million inputs; the checks stay the same. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "quarantine_size_mb=32:malloc_context_size=8";
}

static uint64_t fuzz_mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/* The generator state for input i of seed. */
static inline uint64_t fuzz_input_rng(uint64_t seed, uint64_t i)
{
	return fuzz_mix(seed ^ fuzz_mix(i + 1)) | 1;
}

/* xorshift64*: small, seedable, good enough to pick fragments. */
static inline uint64_t fuzz_next(uint64_t *rng)
{
	*rng ^= *rng >> 12;
	*rng ^= *rng << 25;
	*rng ^= *rng >> 27;
	return *rng * 2685821657736338717ULL;
}

static inline size_t fuzz_below(uint64_t *rng, size_t n)
{
	return n ? (size_t)(fuzz_next(rng) % n) : 0;
}

static double fuzz_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct fuzz_opts {
	uint64_t seed, max, index;
	double secs;
	unsigned jobs, timeout, mem_mib;
	int seeded, one;
	const char *out;
};

/* What a worker shares with the parent. */
struct fuzz_slot {
	volatile uint64_t current;	/* the input being run */
	volatile double started;	/* when it started; 0: between inputs */
	volatile uint64_t done, deep;
};

struct fuzz_shared {
	volatile int stop;
	struct fuzz_slot slot[FUZZ_MAX_JOBS];
};

static void fuzz_usage(void)
{
	fprintf(stderr, "usage: %s [-s SEED] [-n MAX] [-t SECONDS] [-j JOBS] [-T SECS] "
		"[-M MIB]\n       %s -s SEED -i INDEX [-o FILE]\n       %s FILE...\n",
		fuzz_name, fuzz_name, fuzz_name);
	exit(2);
}

static void fuzz_parse(int argc, char **argv, struct fuzz_opts *o, int *first_file)
{
	int c;

	memset(o, 0, sizeof *o);
	o->max = 1000000;
	o->secs = 5;
	o->jobs = 1;
	o->timeout = 10;
	o->mem_mib = 1024;
	while ((c = getopt(argc, argv, "s:n:t:j:T:M:i:o:")) != -1) {
		switch (c) {
		case 's': o->seed = strtoull(optarg, NULL, 0); o->seeded = 1; break;
		case 'n': o->max = strtoull(optarg, NULL, 0); break;
		case 't': o->secs = strtod(optarg, NULL); break;
		case 'j': o->jobs = (unsigned)strtoul(optarg, NULL, 0); break;
		case 'T': o->timeout = (unsigned)strtoul(optarg, NULL, 0); break;
		case 'M': o->mem_mib = (unsigned)strtoul(optarg, NULL, 0); break;
		case 'i': o->index = strtoull(optarg, NULL, 0); o->one = 1; break;
		case 'o': o->out = optarg; break;
		default: fuzz_usage();
		}
	}
	if (o->jobs < 1 || o->jobs > FUZZ_MAX_JOBS || o->timeout < 1 || o->mem_mib < 64 ||
	    (o->one && !o->seeded))
		fuzz_usage();
	if (!o->seeded && getrandom(&o->seed, sizeof o->seed, 0) != (ssize_t)sizeof o->seed)
		o->seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	if (!o->seeded)
		o->seed &= (1ULL << 53) - 1;	/* short enough to type */
	*first_file = optind;
}

/* HERD_FUZZ_SELFTEST=hang:I, crash:I or grow:I makes input I misbehave,
 * so a test can see the supervisor catch each (tests/integration/05-fuzz.sh). */
static void fuzz_selftest(uint64_t i)
{
	const char *t = getenv("HERD_FUZZ_SELFTEST"), *colon;
	char *p;
	size_t n;

	if (t == NULL || (colon = strchr(t, ':')) == NULL ||
	    strtoull(colon + 1, NULL, 10) != i)
		return;
	if (strncmp(t, "hang:", 5) == 0)
		for (;;)
			pause();
	if (strncmp(t, "crash:", 6) == 0)
		abort();
	if (strncmp(t, "grow:", 5) == 0)
		for (n = 0;; n++) {	/* touched, so it is resident */
			p = malloc(1 << 20);
			if (p == NULL)
				abort();
			memset(p, (int)n, 1 << 20);
		}
}

/* Worker k: inputs k, k + jobs, ... until max or stop; exit() runs
 * LeakSanitizer. */
static void fuzz_worker(const struct fuzz_opts *o, struct fuzz_shared *sh, unsigned k)
{
	struct fuzz_slot *s = &sh->slot[k];
	char *buf = xmalloc(FUZZ_MAX_INPUT);
	uint64_t i;
	size_t len;

	for (i = k; i < o->max && !sh->stop; i += o->jobs) {
		len = fuzz_make(o->seed, i, buf);
		s->current = i;
		s->started = fuzz_now();
		fuzz_selftest(i);
		s->deep += (uint64_t)fuzz_check(buf, len);
		s->started = 0;
		s->done++;
	}
	free(buf);
	exit(0);
}

static long fuzz_rss_mib(pid_t pid)
{
	char path[64];
	long pages = 0, rss = 0;
	FILE *fp;

	snprintf(path, sizeof path, "/proc/%d/statm", (int)pid);
	fp = fopen(path, "r");
	if (fp == NULL)
		return 0;
	if (fscanf(fp, "%ld %ld", &pages, &rss) != 2)
		rss = 0;
	fclose(fp);
	return rss * (sysconf(_SC_PAGESIZE) / 1024) / 1024;
}

static const char *fuzz_argv0 = "fuzz";

/* Say which input failed and how to run it again. */
static void fuzz_report(const struct fuzz_opts *o, const struct fuzz_slot *s,
			const char *what)
{
	if (s->started != 0)
		fprintf(stderr, "%s: FAIL: input %llu of seed %llu %s\n"
			"%s: replay: %s -s %llu -i %llu   (-o FILE writes the input)\n",
			fuzz_name, (unsigned long long)s->current,
			(unsigned long long)o->seed, what, fuzz_name, fuzz_argv0,
			(unsigned long long)o->seed, (unsigned long long)s->current);
	else
		fprintf(stderr, "%s: FAIL: a worker of seed %llu %s after its input %llu "
			"(a leak? -s %llu -n %llu in one job replays its inputs)\n",
			fuzz_name, (unsigned long long)o->seed, what,
			(unsigned long long)s->current, (unsigned long long)o->seed,
			(unsigned long long)s->current + 1);
}

/* Poll the workers until all are done; 0, or 1 after a failure. */
static int fuzz_supervise(const struct fuzz_opts *o, struct fuzz_shared *sh,
			  pid_t *pids, double start)
{
	unsigned k, live = o->jobs;
	int status, failed = 0;
	char what[96];

	while (live > 0) {
		usleep(20000);
		if (fuzz_now() - start >= o->secs)
			sh->stop = 1;
		for (k = 0; k < o->jobs; k++) {
			const struct fuzz_slot *s = &sh->slot[k];
			double st = s->started;
			if (pids[k] <= 0)
				continue;
			if (waitpid(pids[k], &status, WNOHANG) == pids[k]) {
				pids[k] = 0;
				live--;
				if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
					continue;
				if (WIFSIGNALED(status))
					snprintf(what, sizeof what, "crashed (signal %d)",
						 WTERMSIG(status));
				else
					snprintf(what, sizeof what, "failed (exit %d)",
						 WEXITSTATUS(status));
				fuzz_report(o, s, what);
				failed = 1;
				continue;
			}
			if (st != 0 && fuzz_now() - st > o->timeout) {
				snprintf(what, sizeof what, "ran longer than %u s", o->timeout);
			} else if (fuzz_rss_mib(pids[k]) > (long)o->mem_mib) {
				snprintf(what, sizeof what, "took more than %u MiB", o->mem_mib);
			} else {
				continue;
			}
			kill(pids[k], SIGKILL);
			waitpid(pids[k], &status, 0);
			pids[k] = 0;
			live--;
			fuzz_report(o, s, what);
			failed = 1;
		}
		if (failed)
			sh->stop = 1;
	}
	return failed;
}

/* Run the fuzzer as the options say; the process exit code. */
static int fuzz_run(const struct fuzz_opts *o)
{
	struct fuzz_shared *sh = mmap(NULL, sizeof *sh, PROT_READ | PROT_WRITE,
				      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	pid_t pids[FUZZ_MAX_JOBS];
	uint64_t runs = 0, deep = 0;
	double start = fuzz_now(), secs;
	unsigned k;
	int failed;

	if (sh == MAP_FAILED) {
		perror("mmap");
		return 2;
	}
	memset((void *)sh, 0, sizeof *sh);
	printf("%s: seed %llu (replay an input with -s %llu -i INDEX)\n", fuzz_name,
	       (unsigned long long)o->seed, (unsigned long long)o->seed);
	fflush(stdout);
	for (k = 0; k < o->jobs; k++) {
		pids[k] = fork();
		if (pids[k] < 0) {
			perror("fork");
			sh->stop = 1;
			continue;
		}
		if (pids[k] == 0)
			fuzz_worker(o, sh, k);
	}
	failed = fuzz_supervise(o, sh, pids, start);
	secs = fuzz_now() - start;
	for (k = 0; k < o->jobs; k++) {
		runs += sh->slot[k].done;
		deep += sh->slot[k].deep;
	}
	printf("%s: seed %llu: %llu inputs in %.1f s (%.0f inputs/s, %u jobs), %llu deep, %s\n",
	       fuzz_name, (unsigned long long)o->seed, (unsigned long long)runs, secs,
	       secs > 0 ? (double)runs / secs : 0.0, o->jobs, (unsigned long long)deep,
	       failed ? "FAILED" : "contract kept");
	munmap((void *)sh, sizeof *sh);
	return failed;
}

static int fuzz_replay_file(const char *path)
{
	char *data = xmalloc(1 << 24);
	FILE *fp = fopen(path, "rb");
	size_t len;
	int deep;

	if (fp == NULL) {
		perror(path);
		free(data);
		return 2;
	}
	len = fread(data, 1, 1 << 24, fp);
	fclose(fp);
	deep = fuzz_check(data, len);
	printf("%s: %s: %s\n", fuzz_name, path, deep ? "deep" : "refused");
	free(data);
	return 0;
}

static int fuzz_main(int argc, char **argv)
{
	struct fuzz_opts o;
	char *buf;
	size_t len;
	int first, rc = 0;

	fuzz_argv0 = argv[0];
	fuzz_parse(argc, argv, &o, &first);
	if (first < argc) {
		for (; first < argc; first++)
			rc |= fuzz_replay_file(argv[first]);
		return rc;
	}
	if (!o.one)
		return fuzz_run(&o);
	buf = xmalloc(FUZZ_MAX_INPUT);
	len = fuzz_make(o.seed, o.index, buf);
	if (o.out != NULL) {
		FILE *fp = fopen(o.out, "wb");
		if (fp == NULL || fwrite(buf, 1, len, fp) != len || fclose(fp) != 0) {
			perror(o.out);
			free(buf);
			return 2;
		}
	}
	printf("%s: input %llu of seed %llu (%zu bytes): %s\n", fuzz_name,
	       (unsigned long long)o.index, (unsigned long long)o.seed, len,
	       fuzz_check(buf, len) ? "deep" : "refused");
	free(buf);
	return 0;
}

#endif
