/* orchestrator/run/session.c — the common start of plan, apply and destroy. */
#include "orchestrator/run/session.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "common/log.h"
#include "common/mem.h"
#include "orchestrator/run/apply.h"
#include "orchestrator/cli/fleetload.h"
#include "orchestrator/run/state.h"

static int take_lock(struct session *s, struct herd_err *err)
{
	char *path = xasprintf("%s/apply.lock", s->state_dir);
	int rc = 0;

	s->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (s->lock_fd < 0)
		rc = herd_errno(err, HERD_E_STATE, errno, "open lock %s", path);
	else if (flock(s->lock_fd, LOCK_EX | LOCK_NB) < 0)
		rc = errno == EWOULDBLOCK
			? herd_errf(err, HERD_E_STATE, "fleet '%s' is busy: another herd "
				    "apply or destroy holds %s", s->fleet->name, path)
			: herd_errno(err, HERD_E_STATE, errno, "lock %s", path);
	free(path);
	return rc;
}

/* HERD_POOL_DIR, else /var/lib/herd for a system daemon, else the state
 * root's .pools folder (not a fleet name: those start with a letter). */
static char *pool_base(const struct herd_opts *opts, const struct virt *v)
{
	const char *env = getenv("HERD_POOL_DIR");

	if (env != NULL && *env == '/')
		return xstrdup(env);
	if (virt_is_system(v))
		return xstrdup("/var/lib/herd");
	return state_fleet_dir(opts->state_dir, ".pools");
}

static int seed_hashes(struct session *s, struct herd_err *err)
{
	const struct fleet *f = s->fleet;
	struct bundle b;
	char hex[65];
	size_t i;

	s->seeds = vmseed_new(f, s->state_dir, err);
	if (s->seeds == NULL)
		return -1;
	s->seed_hashes = xcalloc(f->n_vms + 1, sizeof *s->seed_hashes);
	for (i = 0; i < f->n_vms; i++) {
		bundle_init(&b);
		if (vmseed_build(s->seeds, &f->vms[i], &b, err) < 0)
			return herd_errctx(err, "vm '%s': seed", f->vms[i].name);
		apply_seed_hash(&b, hex);
		s->seed_hashes[i] = xstrdup(hex);
		bundle_release(&b);
	}
	return 0;
}

int session_replan(struct session *s, struct herd_err *err)
{
	plan_release(&s->plan);
	plan_observed_release(&s->obs);
	if (virt_observe(s->virt, s->fleet->name, &s->obs, err) < 0)
		return -1;
	plan_build(s->fleet, (const char *const *)s->seed_hashes, &s->obs, &s->plan);
	return 0;
}

int session_open(struct session *s, const struct herd_opts *opts, int flags,
		 struct herd_err *err)
{
	memset(s, 0, sizeof *s);
	s->lock_fd = -1;
	s->fleet = fleet_load(opts->fleet_file, &s->diags);
	if (s->fleet == NULL)
		return -2;
	s->state_dir = state_fleet_dir_ensure(opts->state_dir, s->fleet->name, err);
	if (s->state_dir == NULL)
		return -1;
	if ((flags & SESSION_LOCK) && take_lock(s, err) < 0)
		return -1;
	s->virt = virt_open(virt_pick_uri(opts->connect, s->fleet->libvirt_uri), err);
	if (s->virt == NULL)
		return -1;
	s->pool_base = pool_base(opts, s->virt);
	if ((flags & SESSION_SEEDS) && seed_hashes(s, err) < 0)
		return -1;
	if ((flags & SESSION_PLAN) && session_replan(s, err) < 0)
		return -1;
	return 0;
}

void session_close(struct session *s)
{
	size_t i;

	plan_release(&s->plan);
	plan_observed_release(&s->obs);
	if (s->seed_hashes != NULL)
		for (i = 0; i < s->fleet->n_vms; i++)
			free(s->seed_hashes[i]);
	free(s->seed_hashes);
	vmseed_free(s->seeds);
	virt_close(s->virt);
	if (s->lock_fd >= 0)
		close(s->lock_fd);	/* releases the flock */
	free(s->pool_base);
	free(s->state_dir);
	fleet_free(s->fleet);
	memset(s, 0, sizeof *s);
	s->lock_fd = -1;
}

int session_exit_code(int rc, const struct session *s, const struct herd_err *err)
{
	if (rc == -2) {
		fleetload_print(&s->diags);
		return EXIT_USAGE;
	}
	if (rc < 0) {
		log_err(err);
		return EXIT_FAIL;
	}
	return EXIT_OK;
}
