/* orchestrator/run/track.c — following VMs through the readiness stages. */
#include "orchestrator/run/track.h"

#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/mem.h"
#include "orchestrator/reach/sshc_net.h"
#include "orchestrator/run/track_record.h"
#include "orchestrator/run/workers.h"

static const char *const stage_names[] = {
	[TRACK_NONE] = "-", [TRACK_RUNNING] = "running", [TRACK_IP] = "ip",
	[TRACK_SSH] = "ssh", [TRACK_CLOUD_INIT] = "cloud-init",
};

int track_stage_parse(const char *s, enum track_stage *st, struct herd_err *err)
{
	int i;

	for (i = TRACK_RUNNING; i <= TRACK_CLOUD_INIT; i++) {
		if (strcmp(s, stage_names[i]) == 0) {
			*st = (enum track_stage)i;
			return 0;
		}
	}
	return herd_errf(err, HERD_E_USAGE,
			 "unknown stage '%s' (use running, ip, ssh or cloud-init)", s);
}

const char *track_stage_str(enum track_stage st)
{
	return stage_names[st];
}

static double now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void track_init(struct track_vm *t, const struct handle *s, const size_t *idx, size_t n)
{
	size_t i;

	memset(t, 0, n * sizeof *t);
	for (i = 0; i < n; i++)
		t[i].vm = &s->fleet->vms[idx[i]];
}

/* ---- the shared state of one run ---- */

struct run {
	struct handle *s;
	struct track_vm *t;
	size_t n;
	const struct track_opts *o;
	double start, deadline;
	bool probe_only;
	pthread_mutex_t mu;	/* serialises stage changes and on_change calls */
	/* Set once a VM failed: the wait's outcome is decided (exit 1), so
	 * the others stop at their next pause instead of running to the
	 * deadline.  first_failed is its name, written under mu. */
	atomic_int give_up;
	const char *first_failed;
};

/* The connection t's follower asks libvirt over. */
static struct virt *conn_of(const struct run *r, const struct track_vm *t)
{
	return t->conn != NULL ? t->conn : r->s->virt;
}

static void changed(struct run *r, struct track_vm *t, enum track_stage st)
{
	pthread_mutex_lock(&r->mu);
	if (st > t->reached) {
		t->reached = st;
		t->elapsed = now_mono() - r->start;
		t->since = track_record_stage(r->s->state_dir, t->vm->name,
					      track_stage_str(st));
	}
	if (r->o && r->o->on_change)
		r->o->on_change(r->o->ud, t);
	pthread_mutex_unlock(&r->mu);
}

/* The VM is down: its stage times start afresh at its next start. */
static void forget(struct run *r, const struct track_vm *t)
{
	track_record_clear(r->s->state_dir, t->vm->name);
}

static void fail(struct run *r, struct track_vm *t, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void fail(struct run *r, struct track_vm *t, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(t->why, sizeof t->why, fmt, ap);
	va_end(ap);
	t->failed = true;
	pthread_mutex_lock(&r->mu);
	if (r->first_failed == NULL)
		r->first_failed = t->vm->name;
	pthread_mutex_unlock(&r->mu);
	atomic_store(&r->give_up, 1);
	changed(r, t, t->reached);
}

/* Nothing more to wait for: the VM stopped, another failed, or time is up. */
static bool done_waiting(struct run *r, const struct track_vm *t)
{
	return t->stopped || atomic_load(&r->give_up) || now_mono() >= r->deadline;
}

/* Sleep ms (cut at the deadline) in short steps, so a stop is seen within
 * 0.1 s; false when done_waiting(). */
static bool pause_ok(struct run *r, struct track_vm *t, int ms)
{
	double end = now_mono() + ms / 1000.0, left;

	if (end > r->deadline)
		end = r->deadline;
	for (;;) {
		if (done_waiting(r, t))
			return false;
		left = end - now_mono();
		if (left <= 0)
			return true;
		usleep((useconds_t)((left < 0.1 ? left : 0.1) * 1e6));
	}
}

/* Why the wait for stage ended early: the domain stopped, another VM
 * failed (not this VM's failure), or the deadline (cause: the last
 * attempt's failure, may be NULL). */
static void lost(struct run *r, struct track_vm *t, const char *stage,
		 const char *cause)
{
	enum virt_dom_state st = t->state == VIRT_DOM_RUNNING ? VIRT_DOM_SHUTOFF : t->state;

	/* The deadline before give_up: at the deadline every VM times out,
	 * whichever of them noticed first. */
	if (t->stopped) {
		forget(r, t);
		fail(r, t, "domain %s while waiting for %s%s", virt_dom_state_str(st), stage,
		     t->vm->spec->bootstrap == FLEET_BOOT_KICKSTART
		     ? " (an installer powers its VM off when done: herd apply then "
		       "boots the disk)" : "");
	} else if (now_mono() >= r->deadline) {
		fail(r, t, "timed out waiting for %s after %.0fs%s%s%s", stage,
		     now_mono() - r->start, cause ? " (last: " : "",
		     cause ? cause : "", cause ? ")" : "");
	} else {
		pthread_mutex_lock(&r->mu);
		snprintf(t->why, sizeof t->why, "not ready: stopped waiting for %s when %s failed",
			 stage, r->first_failed ? r->first_failed : "another VM");
		pthread_mutex_unlock(&r->mu);
	}
}


/* ---- the stages ---- */

static bool stage_running(struct run *r, struct track_vm *t)
{
	struct herd_err err = HERD_ERR_INIT;

	for (;;) {
		if (virt_dom_state(conn_of(r, t), t->vm->domain, &t->state, &err) != 0) {
			fail(r, t, "%s", err.msg);
			return false;
		}
		switch (t->state) {
		case VIRT_DOM_RUNNING:
			changed(r, t, TRACK_RUNNING);
			return true;
		case VIRT_DOM_MISSING:
			forget(r, t);
			fail(r, t, "domain %s does not exist (run herd apply)", t->vm->domain);
			return false;
		case VIRT_DOM_SHUTOFF:
		case VIRT_DOM_CRASHED:
			forget(r, t);
			fail(r, t, "domain is %s", virt_dom_state_str(t->state));
			return false;
		default:
			if (!pause_ok(r, t, 500)) {
				lost(r, t, "running", NULL);
				return false;
			}
		}
	}
}

static bool stage_ip(struct run *r, struct track_vm *t)
{
	struct herd_err err = HERD_ERR_INIT;
	char mac[18], *net;
	bool ok = false;

	if (t->vm->spec->n_networks == 0) {
		fail(r, t, "vm has no network, so no address");
		return false;
	}
	fleet_mac_str(t->vm->nics[0].mac, mac);
	net = handle_primary_net(r->s, t->vm);
	for (;;) {
		if (virt_dom_addr(conn_of(r, t), t->vm->domain, net, mac, t->ip, &t->src, &err) != 0) {
			fail(r, t, "%s", err.msg);
			break;
		}
		if (t->ip[0] != '\0') {
			changed(r, t, TRACK_IP);
			ok = true;
			break;
		}
		if (!pause_ok(r, t, 1000)) {
			lost(r, t, "an address", NULL);
			break;
		}
	}
	free(net);
	return ok;
}

/* A login attempt lasts at most SSH_ATTEMPT_MS, which is also the
 * session's timeout for what follows (libssh applies it to every blocking
 * call: opening the cloud-init stage's channel on a loaded TCG guest).
 * Until sshd has answered once, a bare TCP connect of at most
 * SSH_TCP_CHECK_MS comes first, so a guest that stops meanwhile is noticed
 * within it: a stopped guest's address does not refuse, it stays silent,
 * and a login attempt would sit out its whole timeout. */
#define SSH_ATTEMPT_MS 10000
#define SSH_TCP_CHECK_MS 1500

/* Does anything listen?  Refused or unreachable, or SSHC_OK (accepted) or
 * SSHC_FAIL_TIMEOUT (cannot tell). */
static enum sshc_fail tcp_check(const struct sshc_target *tg, int ms)
{
	struct herd_err err = HERD_ERR_INIT;
	int fd = sshc_net_connect(tg->host, tg->port, ms, &err);

	if (fd >= 0) {
		close(fd);
		return SSHC_OK;
	}
	if (err.sys_errno == ECONNREFUSED)
		return SSHC_FAIL_REFUSED;
	return err.sys_errno == ETIMEDOUT ? SSHC_FAIL_TIMEOUT : SSHC_FAIL_UNREACHABLE;
}

/* One try within ms: the TCP check while sshd has not answered yet
 * (*answered), then a login.  Returns the session, or NULL with *why. */
static struct sshc *ssh_try(struct run *r, struct track_vm *t,
			    const struct sshc_target *tg, int ms, bool *answered,
			    enum sshc_fail *why, struct herd_err *err)
{
	struct sshc *c;
	double start = now_mono();

	if (!*answered) {
		*why = tcp_check(tg, ms < SSH_TCP_CHECK_MS ? ms : SSH_TCP_CHECK_MS);
		if (*why == SSHC_FAIL_REFUSED || *why == SSHC_FAIL_UNREACHABLE ||
		    done_waiting(r, t))
			return NULL;
		ms -= (int)((now_mono() - start) * 1000);
		if (ms < 1)
			return NULL;
	}
	c = sshc_connect(tg, ms, why, err);
	if (c == NULL && (*why == SSHC_FAIL_PROTOCOL || *why == SSHC_FAIL_AUTH))
		*answered = true;
	return c;
}

/* Log in, retrying with a backoff until the deadline.  Returns the session
 * for the next stage, or NULL (failed). */
static struct sshc *stage_ssh(struct run *r, struct track_vm *t)
{
	struct handle_target_hold hold;
	struct herd_err err = HERD_ERR_INIT;
	struct sshc_target tg;
	enum sshc_fail why = SSHC_OK, last = SSHC_OK;
	struct sshc *c = NULL;
	int delay = SSHC_NET_BACKOFF_MIN_MS, ms;
	bool answered = false;
	double left;

	if (handle_target(r->s, t->vm, t->ip, &tg, &hold, &err) != 0) {
		fail(r, t, "%s", err.msg);
		return NULL;
	}
	for (;;) {
		left = r->deadline - now_mono();
		if (done_waiting(r, t) || left * 1000 < 1) {
			lost(r, t, "ssh", last != SSHC_OK ? sshc_fail_str(last) : NULL);
			break;
		}
		ms = left * 1000 > SSH_ATTEMPT_MS ? SSH_ATTEMPT_MS : (int)(left * 1000);
		c = ssh_try(r, t, &tg, ms, &answered, &why, &err);
		if (c != NULL) {
			changed(r, t, TRACK_SSH);
			break;
		}
		if (why == SSHC_FAIL_HOSTKEY || why == SSHC_FAIL_HOSTKEY_UNKNOWN ||
		    why == SSHC_FAIL_CONFIG) {
			fail(r, t, "%s", err.msg);
			break;
		}
		/* An attempt cut short by the deadline only reports its own
		 * timeout, which would hide the real cause. */
		if (why != SSHC_OK && (ms >= 1000 || last == SSHC_OK))
			last = why;
		herd_err_clear(&err);
		if (!pause_ok(r, t, delay)) {
			lost(r, t, "ssh", last != SSHC_OK ? sshc_fail_str(last) : NULL);
			break;
		}
		delay = sshc_net_backoff(delay);
	}
	handle_target_release(&hold);
	return c;
}

static void collect(void *ud, int is_stderr, const char *line, size_t len)
{
	struct buf *b = ud;

	(void)is_stderr;
	if (b->len < 400) {
		if (b->len)
			buf_adds(b, "; ");
		buf_add(b, line, len);
	}
}

/* Old cloud-init has no `status --wait`: poll for boot-finished. */
static int wait_boot_finished(struct run *r, struct track_vm *t, struct sshc *c,
			      struct herd_err *err)
{
	struct sshc_exit ex;

	for (;;) {
		if (sshc_exec(c, "test -f /var/lib/cloud/instance/boot-finished",
			      NULL, NULL, &ex, err) != 0)
			return -1;
		if (ex.status == 0)
			return 0;
		if (!pause_ok(r, t, 2000))
			return 1;
	}
}

/* Ask cloud-init how it went.  Returns true when the SSH session broke
 * (a loaded guest that is slow to open a channel, a guest that rebooted)
 * and there is time left: the caller logs in again and asks again. */
struct cancel_ctx {
	struct run *r;
	struct track_vm *t;
};

static int cancel_check(void *ud)
{
	struct cancel_ctx *cc = ud;

	return done_waiting(cc->r, cc->t);
}

static bool stage_cloud_init(struct run *r, struct track_vm *t, struct sshc *c)
{
	struct cancel_ctx cc = { r, t };
	struct herd_err err = HERD_ERR_INIT;
	struct sshc_exit ex = { -1, "" };
	struct buf out;
	char cmd[96];
	double left = r->deadline - now_mono();
	bool again = false;

	buf_init(&out);
	/* A guest that dies mid-command never closes the TCP connection: stop
	 * reading when the VM stopped, another failed, or time is up. */
	sshc_set_cancel(c, cancel_check, &cc);
	/* The guest's own timeout bounds the wait: the command is herd's,
	 * with a number only. */
	snprintf(cmd, sizeof cmd, "timeout %d cloud-init status --wait --long",
		 left > 1 ? (int)left : 1);
	if (sshc_exec(c, cmd, collect, &out, &ex, &err) != 0) {
		if (pause_ok(r, t, 1000))
			again = true;
		else
			lost(r, t, "cloud-init", err.msg);
	} else if (ex.status == 0) {
		changed(r, t, TRACK_CLOUD_INIT);
	} else if (ex.status == 2) {
		t->warning = true;
		snprintf(t->why, sizeof t->why, "cloud-init finished degraded: %s", buf_str(&out));
		changed(r, t, TRACK_CLOUD_INIT);
	} else if (ex.status == 124) {
		lost(r, t, "cloud-init", NULL);
	} else if (ex.status == 127) {
		int rc = wait_boot_finished(r, t, c, &err);
		if (rc == 0)
			changed(r, t, TRACK_CLOUD_INIT);
		else if (rc < 0)
			fail(r, t, "cloud-init: %s", err.msg);
		else
			lost(r, t, "cloud-init", NULL);
	} else {
		fail(r, t, "cloud-init failed (status %d): %s", ex.status, buf_str(&out));
	}
	sshc_set_cancel(c, NULL, NULL);
	buf_release(&out);
	return again;
}

static void follow_stages(struct run *r, struct track_vm *t)
{
	enum track_stage target = r->o->target;
	struct sshc *c = NULL;

	if (!stage_running(r, t) || target <= TRACK_RUNNING)
		return;
	if (!stage_ip(r, t) || target <= TRACK_IP)
		return;
	c = stage_ssh(r, t);
	while (c != NULL && target >= TRACK_CLOUD_INIT && stage_cloud_init(r, t, c)) {
		sshc_free(c);
		c = stage_ssh(r, t);
	}
	sshc_free(c);
}

/* A wait lasts minutes with many followers at once: each asks libvirt over
 * its own connection (see virt_open_sibling), the shared one if none. */
static void follow_one(struct run *r, struct track_vm *t)
{
	struct herd_err ignored = HERD_ERR_INIT;

	t->conn = virt_open_sibling(r->s->virt, &ignored);
	follow_stages(r, t);
	virt_close(t->conn);
	t->conn = NULL;
}

/* status's SSH look: short enough for a quick table, long enough for a
 * guest under software emulation on a loaded host to answer a login. */
#define PROBE_SSH_MS 6000

/* For status: where is the VM now?  Quick checks, no waiting. */
static void probe_one(struct run *r, struct track_vm *t)
{
	struct handle_target_hold hold;
	struct herd_err err = HERD_ERR_INIT;
	struct sshc_target tg;
	struct sshc_exit ex = { -1, "" };
	struct sshc *c = NULL;
	struct buf out;
	char mac[18], *net;

	if (virt_dom_state(conn_of(r, t), t->vm->domain, &t->state, &err) != 0)
		return;
	if (t->state == VIRT_DOM_SHUTOFF || t->state == VIRT_DOM_CRASHED ||
	    t->state == VIRT_DOM_MISSING)
		forget(r, t);
	if (t->state != VIRT_DOM_RUNNING)
		return;
	changed(r, t, TRACK_RUNNING);
	if (t->vm->spec->n_networks == 0)
		return;
	fleet_mac_str(t->vm->nics[0].mac, mac);
	net = handle_primary_net(r->s, t->vm);
	virt_dom_addr(conn_of(r, t), t->vm->domain, net, mac, t->ip, &t->src, &err);
	free(net);
	if (t->ip[0] == '\0')
		return;
	changed(r, t, TRACK_IP);
	if (handle_target(r->s, t->vm, t->ip, &tg, &hold, &err) != 0)
		return;
	c = sshc_connect(&tg, PROBE_SSH_MS, NULL, &err);
	handle_target_release(&hold);
	if (c == NULL)
		return;
	changed(r, t, TRACK_SSH);
	buf_init(&out);
	if (sshc_exec(c, "cloud-init status", collect, &out, &ex, &err) == 0 &&
	    strstr(buf_str(&out), "status: done") != NULL)
		changed(r, t, TRACK_CLOUD_INIT);
	else if (strstr(buf_str(&out), "status: error") != NULL)
		snprintf(t->why, sizeof t->why, "cloud-init: %s", buf_str(&out));
	buf_release(&out);
	sshc_free(c);
}

static void work(void *ud, size_t i)
{
	struct run *r = ud;

	if (r->probe_only)
		probe_one(r, &r->t[i]);
	else
		follow_one(r, &r->t[i]);
}

static void on_event(void *ud, const char *domain, enum virt_dom_state now,
		     const char *event)
{
	struct run *r = ud;
	size_t i;

	(void)event;
	if (now == VIRT_DOM_RUNNING || now == VIRT_DOM_OTHER || now == VIRT_DOM_PAUSED)
		return;
	for (i = 0; i < r->n; i++) {
		if (strcmp(r->t[i].vm->domain, domain) == 0) {
			r->t[i].state = now;
			r->t[i].stopped = 1;
		}
	}
}

size_t track_wait(struct handle *s, struct track_vm *t, size_t n,
		  const struct track_opts *o)
{
	struct run r = { s, t, n, o, now_mono(), 0, false, PTHREAD_MUTEX_INITIALIZER, 0, NULL };
	struct herd_err err = HERD_ERR_INIT;
	int watch = -1;
	size_t i, bad = 0;

	r.deadline = r.start + (o->timeout_ms > 0 ? o->timeout_ms : 600000) / 1000.0;
	/* Without events a crash is still seen, at the next state poll. */
	if (virt_lifecycle_watch(s->virt, on_event, &r, &watch, &err) != 0)
		watch = -1;
	workers_run(n, o->jobs > 0 ? o->jobs : 16, work, &r);
	virt_lifecycle_unwatch(s->virt, watch);
	for (i = 0; i < n; i++)
		if (t[i].failed || t[i].reached < o->target)
			bad++;
	pthread_mutex_destroy(&r.mu);
	return bad;
}

void track_probe(struct handle *s, struct track_vm *t, size_t n, int jobs)
{
	struct run r = { s, t, n, NULL, now_mono(), 0, true, PTHREAD_MUTEX_INITIALIZER, 0, NULL };

	r.deadline = r.start + 30;
	workers_run(n, jobs > 0 ? jobs : 16, work, &r);
	pthread_mutex_destroy(&r.mu);
}
