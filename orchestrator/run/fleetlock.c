/* orchestrator/run/fleetlock.c — the fleet lock's policy: who holds it, when
 * it is stale, and breaking a stale one so that only one taker wins. */
#include "orchestrator/run/fleetlock.h"

#include <errno.h>
#include <pwd.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/mem.h"
#include "orchestrator/virt/virt_lock.h"
#include "orchestrator/virt/virt_pool.h"

/* How long a taker waits for a holder being written or a break under
 * way: both take milliseconds unless their herd died in between. */
#define STEP_MS 100
#define STEPS 30
/* A lock that stays empty this long lost its taker between creating and
 * writing it (a matter of milliseconds): it is stale.  Generous, since
 * the age is the daemon host's clock against this machine's;
 * HERD_LOCK_EMPTY_SECS overrides it (tests, clusters with skewed clocks). */
#define EMPTY_STALE_SECS 300

static long empty_stale_secs(void)
{
	const char *s = getenv("HERD_LOCK_EMPTY_SECS");
	char *end;
	long n;

	if (s == NULL || *s == '\0')
		return EMPTY_STALE_SECS;
	n = strtol(s, &end, 10);
	return *end == '\0' && n > 0 ? n : EMPTY_STALE_SECS;
}

struct fleetlock {
	struct virt *v;
	char *name;	/* <fleet>.lock */
	char *text;	/* what this process wrote: release deletes only its own */
};

/* ---- the holder record ---- */

enum kind { K_STR, K_ULONG, K_LONG, K_ULL, K_LL };

#define F(key, kind, member) \
	{ key, kind, offsetof(struct fleetlock_holder, member), \
	  sizeof(((struct fleetlock_holder *)0)->member) }

static const struct field {
	const char *key;
	enum kind kind;
	size_t off, size;
} fields[] = {
	F("verb", K_STR, verb), F("user", K_STR, user), F("uid", K_ULONG, uid),
	F("pid", K_LONG, pid), F("host", K_STR, host), F("machine", K_STR, machine),
	F("boot", K_STR, boot), F("pidns", K_STR, pidns), F("start", K_ULL, start),
	F("since", K_LL, since),
};

#define MAGIC "herd-lock 1"

char *fleetlock_format(const struct fleetlock_holder *h)
{
	const char *base = (const char *)h;
	struct buf b;
	size_t i, j;

	buf_init(&b);
	buf_adds(&b, MAGIC "\n");
	for (i = 0; i < sizeof fields / sizeof fields[0]; i++) {
		const struct field *f = &fields[i];
		const void *p = base + f->off;

		buf_addf(&b, "%s ", f->key);
		switch (f->kind) {
		case K_STR:	/* one word: blanks and controls would split it */
			for (j = 0; ((const char *)p)[j] != '\0'; j++) {
				unsigned char c = (unsigned char)((const char *)p)[j];
				buf_addc(&b, c <= ' ' || c == 127 ? '?' : (char)c);
			}
			break;
		case K_ULONG: buf_addf(&b, "%lu", *(const unsigned long *)p); break;
		case K_LONG: buf_addf(&b, "%ld", *(const long *)p); break;
		case K_ULL: buf_addf(&b, "%llu", *(const unsigned long long *)p); break;
		case K_LL: buf_addf(&b, "%lld", *(const long long *)p); break;
		}
		buf_addc(&b, '\n');
	}
	return buf_take(&b, NULL);
}

static void set_field(struct fleetlock_holder *h, const struct field *f,
		      const char *val, size_t len)
{
	char *p = (char *)h + f->off, num[32];

	if (f->kind == K_STR) {
		if (len >= f->size)
			len = f->size - 1;
		memcpy(p, val, len);
		p[len] = '\0';
		return;
	}
	snprintf(num, sizeof num, "%.*s", (int)(len < 31 ? len : 31), val);
	switch (f->kind) {
	case K_ULONG: *(unsigned long *)p = strtoul(num, NULL, 10); break;
	case K_LONG: *(long *)p = strtol(num, NULL, 10); break;
	case K_ULL: *(unsigned long long *)p = strtoull(num, NULL, 10); break;
	case K_LL: *(long long *)p = strtoll(num, NULL, 10); break;
	case K_STR: break;
	}
}

int fleetlock_parse(const char *text, struct fleetlock_holder *h)
{
	const char *line = text, *end, *sp;
	size_t i, klen;

	memset(h, 0, sizeof *h);
	if (strncmp(text, MAGIC "\n", sizeof MAGIC) != 0)
		return -1;
	for (line = text + sizeof MAGIC; *line; line = *end ? end + 1 : end) {
		end = line + strcspn(line, "\n");
		sp = memchr(line, ' ', (size_t)(end - line));
		if (sp == NULL)
			continue;
		klen = (size_t)(sp - line);
		for (i = 0; i < sizeof fields / sizeof fields[0]; i++)
			if (strlen(fields[i].key) == klen && memcmp(fields[i].key, line, klen) == 0)
				set_field(h, &fields[i], sp + 1, (size_t)(end - sp - 1));
	}
	return h->pid > 0 && h->host[0] != '\0' && h->since > 0 ? 0 : -1;
}

/* ---- this process, and judging another ---- */

static void first_line(const char *path, char *out, size_t n)
{
	FILE *f = fopen(path, "re");

	out[0] = '\0';
	if (f == NULL)
		return;
	if (fgets(out, (int)n, f) == NULL)
		out[0] = '\0';
	out[strcspn(out, "\n")] = '\0';
	fclose(f);
}

/* Field 22 of /proc/PID/stat: when the process started, in clock ticks
 * after boot; 0 when there is no such process. */
static unsigned long long proc_start(long pid)
{
	char path[64], buf[1024], *p;
	size_t n;
	FILE *f;
	int i;

	snprintf(path, sizeof path, "/proc/%ld/stat", pid);
	f = fopen(path, "re");
	if (f == NULL)
		return 0;
	n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	p = strrchr(buf, ')');	/* the command name may hold blanks and ')' */
	for (i = 3; i <= 22 && p != NULL; i++)	/* the blank before field i */
		p = strchr(p + 1, ' ');
	return p != NULL ? strtoull(p + 1, NULL, 10) : 0;
}

void fleetlock_self(struct fleetlock_holder *h, const char *verb)
{
	struct passwd pw, *res = NULL;
	char pwbuf[2048];
	ssize_t n;

	memset(h, 0, sizeof *h);
	snprintf(h->verb, sizeof h->verb, "%s", verb);
	h->uid = (unsigned long)geteuid();
	if (getpwuid_r(geteuid(), &pw, pwbuf, sizeof pwbuf, &res) == 0 && res != NULL)
		snprintf(h->user, sizeof h->user, "%s", pw.pw_name);
	else
		snprintf(h->user, sizeof h->user, "uid-%lu", h->uid);
	h->pid = (long)getpid();
	if (gethostname(h->host, sizeof h->host - 1) != 0 || h->host[0] == '\0')
		snprintf(h->host, sizeof h->host, "unknown");
	first_line("/etc/machine-id", h->machine, sizeof h->machine);
	first_line("/proc/sys/kernel/random/boot_id", h->boot, sizeof h->boot);
	n = readlink("/proc/self/ns/pid", h->pidns, sizeof h->pidns - 1);
	h->pidns[n > 0 ? n : 0] = '\0';
	h->start = proc_start(h->pid);
	h->since = (long long)time(NULL);
}

enum fleetlock_verdict fleetlock_judge(const struct fleetlock_holder *h,
				       const struct fleetlock_holder *self)
{
	unsigned long long start;

	if (strcmp(h->host, self->host) != 0 || strcmp(h->machine, self->machine) != 0)
		return FLEETLOCK_FOREIGN;
	if (h->boot[0] != '\0' && strcmp(h->boot, self->boot) != 0)
		return FLEETLOCK_STALE;		/* this machine rebooted since */
	if (strcmp(h->pidns, self->pidns) != 0)
		return FLEETLOCK_FOREIGN;	/* its PIDs are not ours to see */
	if (kill((pid_t)h->pid, 0) != 0 && errno == ESRCH)
		return FLEETLOCK_STALE;
	start = proc_start(h->pid);
	if (start != 0 && h->start != 0 && start != h->start)
		return FLEETLOCK_STALE;		/* the PID now names another process */
	return FLEETLOCK_LIVE;
}

void fleetlock_describe(const struct fleetlock_holder *h, char *out, size_t n)
{
	char when[64] = "?";
	time_t t = (time_t)h->since;
	struct tm tm;

	if (gmtime_r(&t, &tm) != NULL)
		strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S UTC", &tm);
	snprintf(out, n, "herd %s by %s (uid %lu), pid %ld on host %s, since %s",
		 h->verb[0] ? h->verb : "?", h->user[0] ? h->user : "?", h->uid, h->pid,
		 h->host, when);
}

/* ---- taking and breaking ---- */

static void nap(void)
{
	struct timespec ts = { 0, STEP_MS * 1000000L };

	nanosleep(&ts, NULL);
}

static int busy(struct herd_err *err, const char *fleet, const char *name,
		 const struct fleetlock_holder *h, enum fleetlock_verdict verdict)
{
	char who[512];

	if (h == NULL)
		return herd_errf(err, HERD_E_STATE, "fleet '%s' is busy: lock %s/%s is held, "
				 "but its holder wrote nothing (herd takes it over once it stays "
				 "empty for %ld s); if no herd runs for this fleet, "
				 "delete it: virsh vol-delete --pool %s %s", fleet,
				 VIRT_IMAGES_POOL, name, empty_stale_secs(), VIRT_IMAGES_POOL, name);
	fleetlock_describe(h, who, sizeof who);
	if (verdict == FLEETLOCK_LIVE)
		return herd_errf(err, HERD_E_STATE, "fleet '%s' is busy: %s holds its lock "
				 "(%s/%s)", fleet, who, VIRT_IMAGES_POOL, name);
	return herd_errf(err, HERD_E_STATE, "fleet '%s' is busy: %s holds its lock (%s/%s); "
			 "herd cannot tell from here whether that process still runs: once "
			 "it is gone, delete the lock: virsh vol-delete --pool %s %s",
			 fleet, who, VIRT_IMAGES_POOL, name, VIRT_IMAGES_POOL, name);
}

/* A break lock that another taker holds: deleted when its holder is gone.
 * 0: try again, 1: wait for that break to end, -1 with err. */
static int stale_breaker(struct fleetlock *l, const char *bname,
			 const struct fleetlock_holder *self, struct herd_err *err)
{
	struct fleetlock_holder h;
	char *text = NULL;
	int r = virt_lock_read(l->v, VIRT_IMAGES_POOL, bname, &text, err);

	if (r > 0)
		r = 0;			/* that break just ended */
	else if (r == 0 && fleetlock_parse(text, &h) == 0 &&
		 fleetlock_judge(&h, self) == FLEETLOCK_STALE)
		r = virt_vol_delete(l->v, NULL, VIRT_IMAGES_POOL, bname, err);
	else if (r == 0)
		r = 1;
	free(text);
	return r;
}

/* Delete the stale lock whose text was seen, unless it changed since:
 * under the break lock, so that of two takers that judged the same stale
 * holder, the second finds the first's new lock and leaves it.  0: try
 * to take again (*deleted: this call deleted it), 1: wait (another break
 * is under way), -1 with err. */
static int break_stale(struct fleetlock *l, const char *seen,
		       const struct fleetlock_holder *self, bool *deleted,
		       struct herd_err *err)
{
	char *bname = xasprintf("%s-break", l->name), *now = NULL;
	int r = virt_lock_create(l->v, VIRT_IMAGES_POOL, bname, l->text, err);

	if (r > 0) {
		r = stale_breaker(l, bname, self, err);
		free(bname);
		return r;
	}
	if (r == 0) {
		r = virt_lock_read(l->v, VIRT_IMAGES_POOL, l->name, &now, err);
		if (r == 0 && strcmp(now, seen) == 0) {
			r = virt_vol_delete(l->v, NULL, VIRT_IMAGES_POOL, l->name, err);
			*deleted = r == 0;
		}
		virt_vol_delete(l->v, NULL, VIRT_IMAGES_POOL, bname, NULL);
	}
	free(now);
	free(bname);
	return r < 0 ? -1 : 0;
}

/* True when the empty lock is older than empty_stale_secs(). */
static bool empty_abandoned(struct fleetlock *l)
{
	long age = 0;

	return virt_lock_age(l->v, VIRT_IMAGES_POOL, l->name, &age, NULL) == 0 &&
	       age > empty_stale_secs();
}

/* The lock exists: judge its holder.  0: try to take it again (it went
 * away, or was stale and is broken), 1: wait a moment, -1 with err. */
static int held(struct fleetlock *l, const char *fleet, const struct fleetlock_holder *self,
		int last, char *broke, struct herd_err *err)
{
	enum fleetlock_verdict verdict;
	struct fleetlock_holder h;
	bool deleted = false;
	char *text = NULL;
	int r = virt_lock_read(l->v, VIRT_IMAGES_POOL, l->name, &text, err);

	if (r != 0)
		return r > 0 ? 0 : -1;		/* gone meanwhile: take it */
	if (fleetlock_parse(text, &h) != 0) {	/* being written, unless it stays so */
		r = empty_abandoned(l) ? break_stale(l, text, self, &deleted, err)
		    : last ? busy(err, fleet, l->name, NULL, FLEETLOCK_LIVE) : 1;
		if (deleted && broke != NULL)
			snprintf(broke, 512, "a lock left empty for over %ld s (its herd died "
				 "while taking it)", empty_stale_secs());
	} else if ((verdict = fleetlock_judge(&h, self)) != FLEETLOCK_STALE) {
		r = busy(err, fleet, l->name, &h, verdict);
	} else {
		r = break_stale(l, text, self, &deleted, err);
		if (deleted && broke != NULL)
			fleetlock_describe(&h, broke, 512);
	}
	free(text);
	return r;
}

struct fleetlock *fleetlock_take(struct virt *v, const char *fleet,
				 const char *images_dir, const char *verb,
				 char *broke, struct herd_err *err)
{
	struct fleetlock *l = xcalloc(1, sizeof *l);
	struct fleetlock_holder self;
	int step, r;

	if (broke != NULL)
		broke[0] = '\0';
	fleetlock_self(&self, verb);
	l->v = v;
	l->name = xasprintf("%s.lock", fleet);
	l->text = fleetlock_format(&self);
	if (virt_pool_ensure(v, NULL, VIRT_IMAGES_POOL, images_dir, err) < 0)
		goto fail;
	for (step = 0; step < STEPS; step++) {
		r = virt_lock_create(v, VIRT_IMAGES_POOL, l->name, l->text, err);
		if (r == 0)
			return l;
		if (r < 0 || (r = held(l, fleet, &self, step + 1 == STEPS, broke, err)) < 0)
			goto fail;
		if (r > 0)
			nap();
	}
	herd_errf(err, HERD_E_STATE, "fleet '%s' is busy: its lock %s/%s keeps changing "
		  "hands; try again", fleet, VIRT_IMAGES_POOL, l->name);
fail:
	l->v = NULL;
	fleetlock_release(l);
	return NULL;
}

void fleetlock_release(struct fleetlock *l)
{
	char *text = NULL;

	if (l == NULL)
		return;
	/* The test driver keeps no text (""): there the lock is ours. */
	if (l->v != NULL &&
	    virt_lock_read(l->v, VIRT_IMAGES_POOL, l->name, &text, NULL) == 0 &&
	    (strcmp(text, l->text) == 0 || (virt_is_test(l->v) && text[0] == '\0')))
		virt_vol_delete(l->v, NULL, VIRT_IMAGES_POOL, l->name, NULL);
	/* drafts of takers killed mid-take; a live taker's draft lives for
	 * milliseconds */
	if (l->v != NULL)
		virt_lock_sweep_drafts(l->v, VIRT_IMAGES_POOL, l->name, 60);
	free(text);
	free(l->name);
	free(l->text);
	free(l);
}
