#include "plans/strset.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "common/hash.h"
#include "common/mem.h"

struct slot {
	const char *str;	/* NULL: empty */
	size_t len, v;
	uint64_t h;
};

struct strset {
	struct slot *slots;
	size_t cap, n;		/* cap is a power of two, kept at most half full */
};

/* Keys come from files someone else may have written: a seed chosen per
 * process keeps them from being picked to collide (and turn every lookup
 * into a long probe).  Nothing iterates a set, so no output depends on it. */
static uint64_t seed;
static pthread_once_t seed_once = PTHREAD_ONCE_INIT;

static void seed_init(void)
{
	if (getrandom(&seed, sizeof seed, GRND_NONBLOCK) != (ssize_t)sizeof seed)
		seed = (uint64_t)time(NULL) ^ (uint64_t)(uintptr_t)&seed;
	seed ^= HASH_FNV_SEED;
}

static uint64_t key_hash(const char *str, size_t len)
{
	uint64_t h = hash_fnv1a(str, len, seed);

	h ^= h >> 33;	/* FNV's low bits are weak: the slot is the low bits */
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return h;
}

struct strset *strset_new(size_t hint)
{
	struct strset *s = xcalloc(1, sizeof *s);

	pthread_once(&seed_once, seed_init);
	s->cap = 16;
	while (s->cap < hint * 2)
		s->cap *= 2;
	s->slots = xcalloc(s->cap, sizeof *s->slots);
	return s;
}

void strset_free(struct strset *s)
{
	if (s == NULL)
		return;
	free(s->slots);
	free(s);
}

static struct slot *lookup(const struct strset *s, const char *str, size_t len,
			   uint64_t h)
{
	size_t i = (size_t)h & (s->cap - 1);

	for (;; i = (i + 1) & (s->cap - 1)) {
		struct slot *sl = &s->slots[i];
		if (sl->str == NULL ||
		    (sl->h == h && sl->len == len && memcmp(sl->str, str, len) == 0))
			return sl;
	}
}

static void grow(struct strset *s)
{
	struct slot *old = s->slots;
	size_t i, oldcap = s->cap;

	s->cap *= 2;
	s->slots = xcalloc(s->cap, sizeof *s->slots);
	for (i = 0; i < oldcap; i++)
		if (old[i].str != NULL)
			*lookup(s, old[i].str, old[i].len, old[i].h) = old[i];
	free(old);
}

bool strset_add(struct strset *s, const char *str, size_t len, size_t v,
		size_t *old)
{
	uint64_t h = key_hash(str, len);
	struct slot *sl = lookup(s, str, len, h);

	if (sl->str != NULL) {
		if (old != NULL)
			*old = sl->v;
		return false;
	}
	sl->str = str;
	sl->len = len;
	sl->v = v;
	sl->h = h;
	if (++s->n * 2 > s->cap)
		grow(s);
	return true;
}

bool strset_find(const struct strset *s, const char *str, size_t len,
		 size_t *v)
{
	const struct slot *sl = lookup(s, str, len, key_hash(str, len));

	if (sl->str == NULL)
		return false;
	if (v != NULL)
		*v = sl->v;
	return true;
}
