/* orchestrator/reach/execpar.c — one command on many SSH targets in parallel. */
#include "orchestrator/reach/execpar.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "common/mem.h"
#include "orchestrator/reach/sshc_net.h"

#define DEFAULT_JOBS 8

struct pool {
	const struct sshc_target *targets;
	struct execpar_result *results;
	size_t n, next;		/* next: first target no worker took yet */
	const char *cmd;
	int timeout_ms;
	FILE *out, *err;
	pthread_mutex_t lock;	/* guards next and the output streams */
};

/* Per-target context for the line callback. */
struct line_ctx {
	struct pool *pool;
	const char *name;
	struct buf line;	/* "NAME: text\n", built outside the lock */
};

static void on_line(void *ud, int is_stderr, const char *text, size_t len)
{
	struct line_ctx *c = ud;
	FILE *f = is_stderr ? c->pool->err : c->pool->out;

	buf_reset(&c->line);
	buf_adds(&c->line, c->name);
	buf_adds(&c->line, ": ");
	buf_add(&c->line, text, len);
	buf_addc(&c->line, '\n');
	/* One write per whole line under the lock: lines never interleave. */
	pthread_mutex_lock(&c->pool->lock);
	fwrite(c->line.data, 1, c->line.len, f);
	fflush(f);
	pthread_mutex_unlock(&c->pool->lock);
}

static void run_one(struct pool *p, size_t i)
{
	const struct sshc_target *t = &p->targets[i];
	struct execpar_result *r = &p->results[i];
	struct herd_err err = HERD_ERR_INIT;
	struct line_ctx c = { .pool = p, .name = t->name ? t->name : t->host };
	long long start = sshc_net_now_ms();
	struct sshc_exit ex;
	struct sshc *s;

	memset(r, 0, sizeof *r);
	r->exit_status = -1;
	buf_init(&c.line);
	s = sshc_connect(t, p->timeout_ms, &r->fail, &err);
	if (s != NULL && sshc_exec(s, p->cmd, on_line, &c, &ex, &err) < 0)
		r->fail = SSHC_FAIL_SESSION;
	else if (s != NULL) {
		r->exit_status = ex.status;
		memcpy(r->signal, ex.signal, sizeof r->signal);
	}
	if (r->fail != SSHC_OK)
		snprintf(r->msg, sizeof r->msg, "%s", err.msg);
	sshc_free(s);
	buf_release(&c.line);
	r->secs = (double)(sshc_net_now_ms() - start) / 1000.0;
}

static void *worker(void *arg)
{
	struct pool *p = arg;
	size_t i;

	for (;;) {
		pthread_mutex_lock(&p->lock);
		i = p->next < p->n ? p->next++ : p->n;
		pthread_mutex_unlock(&p->lock);
		if (i == p->n)
			return NULL;
		run_one(p, i);
	}
}

int execpar_ok(const struct execpar_result *r)
{
	return r->fail == SSHC_OK && r->exit_status == 0;
}

size_t execpar_run(const struct sshc_target *targets, size_t n, const char *cmd,
		   const struct execpar_opts *opts, struct execpar_result *results)
{
	struct pool p = {
		.targets = targets, .results = results, .n = n, .cmd = cmd,
		.timeout_ms = opts->timeout_ms,
		.out = opts->out ? opts->out : stdout,
		.err = opts->err ? opts->err : stderr,
	};
	size_t jobs = opts->jobs > 0 ? (size_t)opts->jobs : DEFAULT_JOBS;
	size_t started = 0, failed = 0;
	pthread_t *tids;

	jobs = jobs < n ? jobs : n;
	pthread_mutex_init(&p.lock, NULL);
	tids = xcalloc(jobs ? jobs : 1, sizeof *tids);
	for (; started < jobs; started++)
		if (pthread_create(&tids[started], NULL, worker, &p) != 0)
			break;
	/* No thread at all (resource limits): do the work here. */
	if (started == 0)
		worker(&p);
	for (size_t i = 0; i < started; i++)
		pthread_join(tids[i], NULL);
	free(tids);
	pthread_mutex_destroy(&p.lock);
	for (size_t i = 0; i < n; i++)
		failed += !execpar_ok(&results[i]);
	return failed;
}

void execpar_why(const struct execpar_result *r, char *out, size_t n)
{
	if (r->fail != SSHC_OK)
		snprintf(out, n, "%s", sshc_fail_str(r->fail));
	else if (r->signal[0] != '\0')
		snprintf(out, n, "killed by signal %s", r->signal);
	else if (r->exit_status < 0)
		snprintf(out, n, "no exit status");
	else if (r->exit_status > 0)
		snprintf(out, n, "exit status %d", r->exit_status);
	else
		snprintf(out, n, "ok");
}

void execpar_summary(const struct sshc_target *targets,
		     const struct execpar_result *results, size_t n,
		     struct buf *out)
{
	size_t ok = 0, width = 0, len;
	char why[64];

	for (size_t i = 0; i < n; i++) {
		ok += (size_t)execpar_ok(&results[i]);
		len = strlen(targets[i].name ? targets[i].name : targets[i].host);
		if (!execpar_ok(&results[i]) && len > width)
			width = len;
	}
	buf_addf(out, "%zu target%s: %zu ok, %zu failed\n", n, n == 1 ? "" : "s",
		 ok, n - ok);
	for (size_t i = 0; i < n; i++) {
		if (execpar_ok(&results[i]))
			continue;
		execpar_why(&results[i], why, sizeof why);
		buf_addf(out, "  %-*s  %s", (int)width,
			 targets[i].name ? targets[i].name : targets[i].host, why);
		/* Where it tried: an address learned at run time may be stale. */
		if (results[i].fail != SSHC_OK)
			buf_addf(out, " (%s port %d)", targets[i].host,
				 targets[i].port > 0 ? targets[i].port : 22);
		buf_addc(out, '\n');
	}
}
