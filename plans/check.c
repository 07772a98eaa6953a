#include "plans/check.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "common/mem.h"
#include "common/path.h"
#include "common/size.h"
#include "common/strdist.h"

/* check_word stores an enum through an int. */
_Static_assert(sizeof(enum fleet_accel) == sizeof(int), "enum is not int-sized");

int check_errf(struct check_ctx *c, const struct ynode *at, const char *fmt, ...)
{
	char msg[sizeof c->d->items[0].msg];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	c->errors++;
	if (c->quiet)
		return -1;
	if (c->what != NULL)
		fleet_diag_at(c->d, at, "%s: %s", c->what, msg);
	else
		fleet_diag_at(c->d, at, "%s", msg);
	return -1;
}

void check_suggest(char *out, size_t outlen, const char *word,
		   const char *const *names, size_t n, const char *label)
{
	size_t i, best = 0, bestd = STRDIST_FAR, used;
	size_t limit = strlen(word) < 4 ? 1 : strlen(word) < 8 ? 2 : 3;

	for (i = 0; i < n; i++) {
		size_t dd = strdist(word, names[i]);
		if (dd < bestd) {
			bestd = dd;
			best = i;
		}
	}
	if (bestd <= limit) {
		snprintf(out, outlen, "did you mean '%s'?", names[best]);
		return;
	}
	used = (size_t)snprintf(out, outlen, "%s: %s", label, n ? "" : "none");
	for (i = 0; i < n && used < outlen; i++)
		used += (size_t)snprintf(out + used, outlen - used, "%s%s",
					 i ? ", " : "", names[i]);
}

static const struct check_field *find_field(const struct check_table *t,
					    const char *key)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (strcmp(t->fields[i].key, key) == 0)
			return &t->fields[i];
	return NULL;
}

static int unknown_key(struct check_ctx *c, const struct check_table *t,
		       const struct ynode *k)
{
	const char *names[64];
	char hint[300];
	size_t i, n = 0;

	for (i = 0; i < t->n && n < 64; i++)
		if (t->fields[i].flags & c->where)
			names[n++] = t->fields[i].key;
	check_suggest(hint, sizeof hint, k->str, names, n, "expected one of");
	return check_errf(c, k, "unknown key '%s' (%s)", k->str, hint);
}

static const char *where_word(unsigned flags)
{
	if (flags == CHECK_AT_GROUP)
		return "a group";
	if (flags == CHECK_AT_VM)
		return "an entry of vms: (a group's VMs get theirs from the network)";
	if (flags & CHECK_AT_TOP)
		return "the top level";
	return "a VM's settings";
}

static int missing(struct check_ctx *c, const struct ynode *map,
		   const struct check_table *t, const bool *seen)
{
	size_t i;
	int rc = 0;

	for (i = 0; i < t->n; i++) {
		const struct check_field *fl = &t->fields[i];
		if ((fl->flags & CHECK_REQUIRED) && (fl->flags & c->where) && !seen[i])
			rc = check_errf(c, map, "%s is missing (add %s)", fl->key,
					fl->example ? fl->example : fl->key);
	}
	return rc;
}

int check_map(struct check_ctx *c, const struct ynode *map,
	      const struct check_table *t, void *dst)
{
	bool seen[64] = { false };
	size_t i;
	int rc = 0;

	if (t->n > sizeof seen / sizeof seen[0])
		abort();	/* a table this big is a programming error */

	if (map != NULL && ynode_is_null(map))
		map = NULL;
	if (map != NULL && map->kind != YNODE_MAP)
		return check_errf(c, map, "must be a mapping of key: value, not %s",
				  ynode_kind_name(map));
	for (i = 0; map != NULL && i < map->n; i++) {
		const struct ynode *k = ynode_key(map, i), *v = ynode_val(map, i);
		const struct check_field *fl = find_field(t, k->str);
		if (fl == NULL) {
			rc = unknown_key(c, t, k);
			continue;
		}
		if (!(fl->flags & c->where)) {
			rc = check_errf(c, k, "%s is only allowed in %s", fl->key,
					where_word(fl->flags & CHECK_AT_ANY));
			continue;
		}
		seen[fl - t->fields] = !ynode_is_null(v);
		if (!ynode_is_null(v) && fl->fn(c, fl, v, dst) < 0)
			rc = -1;
	}
	if (missing(c, map != NULL ? map : c->f->root, t, seen) < 0)
		rc = -1;
	return rc;
}

int check_scalar(struct check_ctx *c, const char *key, const struct ynode *val)
{
	if (val->kind != YNODE_SCALAR)
		return check_errf(c, val, "%s must be a string, not %s%s", key,
				  ynode_kind_name(val), val->kind == YNODE_MAP ?
				  " (quote a value that starts with {{ or {)" : "");
	if (strlen(val->str) != val->len)
		return check_errf(c, val, "%s holds a NUL character", key);
	return 0;
}

#define STORE(dst, off, type, v) (*(type *)((char *)(dst) + (off)) = (v))

int check_string(struct check_ctx *c, const struct check_field *fl,
		 const struct ynode *val, void *dst)
{
	if (check_scalar(c, fl->key, val) < 0)
		return -1;
	STORE(dst, fl->off, const char *, val->str);
	return 0;
}

int check_word(struct check_ctx *c, const struct check_field *fl,
	       const struct ynode *val, void *dst)
{
	const char *const *words = fl->arg;
	char hint[300];
	size_t i;

	if (check_scalar(c, fl->key, val) < 0)
		return -1;
	for (i = 0; words[i] != NULL; i++) {
		if (strcmp(words[i], val->str) == 0) {
			STORE(dst, fl->off, int, (int)i);
			return 0;
		}
	}
	check_suggest(hint, sizeof hint, val->str, words, i, "use one of");
	return check_errf(c, val, "%s \"%s\" is not valid (%s)", fl->key, val->str, hint);
}

int check_uint(struct check_ctx *c, const struct check_field *fl,
	       const struct ynode *val, void *dst)
{
	unsigned long long v = 0;
	const char *p;

	if (check_scalar(c, fl->key, val) < 0)
		return -1;
	for (p = val->str; *p >= '0' && *p <= '9'; p++)
		v = v > (1ULL << 40) ? v : v * 10 + (unsigned)(*p - '0');	/* saturate */
	if (p == val->str || *p != '\0')
		return check_errf(c, val, "%s \"%s\" is not a whole number", fl->key,
				  val->str);
	if ((long long)v < fl->min || (long long)v > fl->max)
		return check_errf(c, val, "%s %s is out of range (%lld to %lld)",
				  fl->key, val->str, fl->min, fl->max);
	STORE(dst, fl->off, unsigned, (unsigned)v);
	return 0;
}

int check_bool(struct check_ctx *c, const struct check_field *fl,
	       const struct ynode *val, void *dst)
{
	static const char *const yes[] = { "true", "yes", "on" }, *const no[] = { "false", "no", "off" };
	size_t i;

	if (check_scalar(c, fl->key, val) < 0)
		return -1;
	for (i = 0; i < 3; i++) {
		if (strcasecmp(val->str, yes[i]) == 0 || strcasecmp(val->str, no[i]) == 0) {
			STORE(dst, fl->off, bool, strcasecmp(val->str, yes[i]) == 0);
			return 0;
		}
	}
	return check_errf(c, val, "%s \"%s\" is not true or false", fl->key, val->str);
}

int check_size(struct check_ctx *c, const struct check_field *fl,
	       const struct ynode *val, void *dst)
{
	struct herd_err err = HERD_ERR_INIT;
	char lim[32];
	uint64_t v;

	if (check_scalar(c, fl->key, val) < 0)
		return -1;
	if (size_parse(val->str, &v, &err) < 0)
		return check_errf(c, val, "%s %s", fl->key, err.msg);
	if (v < (uint64_t)fl->min) {
		size_format((uint64_t)fl->min, lim, sizeof lim);
		return check_errf(c, val, "%s %s is too small (at least %s%s)", fl->key,
				  val->str, lim, strspn(val->str, "0123456789") ==
				  strlen(val->str) ? "; a bare number is bytes" : "");
	}
	if (v > (uint64_t)fl->max) {
		size_format((uint64_t)fl->max, lim, sizeof lim);
		return check_errf(c, val, "%s %s is too large (at most %s)", fl->key,
				  val->str, lim);
	}
	STORE(dst, fl->off, uint64_t, v);
	return 0;
}

const char *check_abspath(struct check_ctx *c, const char *p)
{
	const char *home = getenv("HOME");
	char *s;
	const char *r;

	if (p[0] == '/')
		return p;
	if (p[0] == '~' && p[1] == '/')
		s = xasprintf("%s/%s", home ? home : "", p + 2);
	else {
		while (p[0] == '.' && p[1] == '/')
			p += 2;
		s = xasprintf("%s/%s", c->f->dir, p);
	}
	r = yarena_strdup(c->f->arena, s, strlen(s));
	free(s);
	return r;
}

const char *check_file(struct check_ctx *c, const struct ynode *val, const char *key,
		       bool home_ok)
{
	bool home = val->str[0] == '~' && val->str[1] == '/';
	struct stat st;
	const char *abs;
	int in;

	if (val->len == 0) {
		check_errf(c, val, "%s is empty (give a file's path)", key);
		return NULL;
	}
	abs = check_abspath(c, val->str);
	if (stat(abs, &st) < 0) {
		check_errf(c, val, "%s %s: %s (looked for %s)", key, val->str,
			   errno == ENOENT ? "no such file" : strerror(errno), abs);
		return NULL;
	}
	if (S_ISDIR(st.st_mode)) {
		check_errf(c, val, "%s %s is a directory, not a file", key, val->str);
		return NULL;
	}
	if (c->f->allow_outside || (home && home_ok))
		return abs;
	in = home ? 0 : path_inside(c->f->dir, abs);
	if (in < 0) {
		check_errf(c, val, "%s %s: %s", key, val->str, strerror(errno));
		return NULL;
	}
	if (in == 0) {
		check_errf(c, val, "%s %s is outside the fleet file's folder %s (a fleet "
			   "file reads only files beside it, symlinks followed; run herd "
			   "with --allow-outside to allow it)", key, val->str, c->f->dir);
		return NULL;
	}
	return abs;
}

int check_path(struct check_ctx *c, const struct check_field *fl,
	       const struct ynode *val, void *dst)
{
	const char *abs;

	if (check_scalar(c, fl->key, val) < 0)
		return -1;
	if ((abs = check_file(c, val, fl->key, false)) == NULL)
		return -1;
	STORE(dst, fl->off, const char *, abs);
	return 0;
}

int check_hex(struct check_ctx *c, const struct check_field *fl,
	      const struct ynode *val, void *dst)
{
	char *s;
	size_t i;

	if (check_scalar(c, fl->key, val) < 0)
		return -1;
	if (val->len != (size_t)fl->min || strspn(val->str, "0123456789abcdefABCDEF") != val->len)
		return check_errf(c, val, "%s must be %lld hex digits (this is %zu "
				  "characters%s)", fl->key, fl->min, val->len,
				  strspn(val->str, "0123456789abcdefABCDEF") != val->len
				  ? ", not all hex" : "");
	s = yarena_alloc(c->f->arena, val->len + 1);
	for (i = 0; i < val->len; i++)
		s[i] = (char)(val->str[i] | 0x20);	/* hex digits: lower case */
	STORE(dst, fl->off, const char *, s);
	return 0;
}

int check_url(struct check_ctx *c, const struct check_field *fl,
	      const struct ynode *val, void *dst)
{
	static const char *const schemes[] = { "http://", "https://", "file://" };
	size_t i;

	if (check_scalar(c, fl->key, val) < 0)
		return -1;
	for (i = 0; i < sizeof schemes / sizeof schemes[0]; i++) {
		size_t n = strlen(schemes[i]);
		if (strncmp(val->str, schemes[i], n) == 0 && val->len > n) {
			STORE(dst, fl->off, const char *, val->str);
			return 0;
		}
	}
	return check_errf(c, val, "%s \"%s\" is not a URL (use http://, https:// "
			  "or file://)", fl->key, val->str);
}

int check_uri(struct check_ctx *c, const struct check_field *fl,
	      const struct ynode *val, void *dst)
{
	const char *sep;

	if (check_scalar(c, fl->key, val) < 0)
		return -1;
	sep = strstr(val->str, "://");
	if (sep == NULL || sep == val->str ||
	    strspn(val->str, "abcdefghijklmnopqrstuvwxyz0123456789+") != (size_t)(sep - val->str))
		return check_errf(c, val, "%s \"%s\" is not a libvirt URI (like "
				  "qemu:///system)", fl->key, val->str);
	STORE(dst, fl->off, const char *, val->str);
	return 0;
}

bool check_parse_ip(const char *s, uint32_t *ip)
{
	uint32_t v = 0;
	int part, digits;

	for (part = 0; part < 4; part++) {
		unsigned n = 0;
		if (part > 0 && *s++ != '.')
			return false;
		for (digits = 0; *s >= '0' && *s <= '9'; s++, digits++)
			n = n * 10 + (unsigned)(*s - '0');
		if (digits == 0 || digits > 3 || n > 255 ||
		    (digits > 1 && s[-digits] == '0'))
			return false;
		v = v << 8 | n;
	}
	*ip = v;
	return *s == '\0';
}

int check_ip(struct check_ctx *c, const struct check_field *fl,
	     const struct ynode *val, void *dst)
{
	uint32_t ip;

	if (check_scalar(c, fl->key, val) < 0)
		return -1;
	if (!check_parse_ip(val->str, &ip))
		return check_errf(c, val, "%s \"%s\" is not an IPv4 address (like "
				  "10.42.0.50)", fl->key, val->str);
	STORE(dst, fl->off, uint32_t, ip);
	return 0;
}

int check_cidr(struct check_ctx *c, const struct check_field *fl,
	       const struct ynode *val, void *dst)
{
	char addr[32], fix[24];
	const char *slash;
	unsigned long prefix;
	uint32_t ip, mask;
	char *end;

	if (check_scalar(c, fl->key, val) < 0)
		return -1;
	slash = strchr(val->str, '/');
	if (slash == NULL || (size_t)(slash - val->str) >= sizeof addr)
		goto bad;
	memcpy(addr, val->str, (size_t)(slash - val->str));
	addr[slash - val->str] = '\0';
	prefix = strtoul(slash + 1, &end, 10);
	if (!check_parse_ip(addr, &ip) || slash[1] < '0' || slash[1] > '9' ||
	    *end != '\0' || prefix > 32)
		goto bad;
	if ((long long)prefix < fl->min || (long long)prefix > fl->max)
		return check_errf(c, val, "%s %s: the prefix must be /%lld to /%lld "
				  "(a network for VMs)", fl->key, val->str, fl->min, fl->max);
	mask = prefix ? ~0u << (32 - prefix) : 0;
	if (ip & ~mask) {
		fleet_ip_str(ip & mask, fix);
		return check_errf(c, val, "%s %s has host bits set (use %s/%lu)",
				  fl->key, val->str, fix, prefix);
	}
	STORE(dst, fl->off, uint32_t, ip);
	STORE(dst, fl->off2, unsigned, (unsigned)prefix);
	return 0;
bad:
	return check_errf(c, val, "%s \"%s\" is not a CIDR (like 10.42.0.0/24)",
			  fl->key, val->str);
}

int check_mapping(struct check_ctx *c, const struct check_field *fl,
		  const struct ynode *val, void *dst)
{
	if (val->kind != YNODE_MAP)
		return check_errf(c, val, "%s must be a mapping, not %s", fl->key,
				  ynode_kind_name(val));
	STORE(dst, fl->off, const struct ynode *, val);
	return 0;
}

int check_sub(struct check_ctx *c, const struct check_field *fl,
	      const struct ynode *val, void *dst)
{
	const char *what = c->what;
	char sub[160];
	int rc;

	if (val->kind != YNODE_MAP)
		return check_errf(c, val, "%s must be a mapping, not %s", fl->key,
				  ynode_kind_name(val));
	/* "vm 'x': install: kernel ...": say which mapping the key is in */
	snprintf(sub, sizeof sub, "%s%s%s", what ? what : "", what ? ": " : "", fl->key);
	c->what = sub;
	rc = check_map(c, val, fl->arg, (char *)dst + fl->off);
	c->what = what;
	return rc;
}

/* Does ch fall in a class like "a-z0-9-"? */
static bool in_class(char ch, const char *cls)
{
	for (; *cls != '\0'; cls++) {
		if (cls[1] == '-' && cls[2] != '\0') {
			if (ch >= cls[0] && ch <= cls[2])
				return true;
			cls += 2;
		} else if (ch == *cls) {
			return true;
		}
	}
	return false;
}

bool check_chars(const char *s, const char *first, const char *rest, size_t max)
{
	size_t i;

	if (s[0] == '\0' || !in_class(s[0], first))
		return false;
	for (i = 1; s[i] != '\0'; i++)
		if (i >= max || !in_class(s[i], rest))
			return false;
	return true;
}

bool check_hostname(const char *s)
{
	size_t n = strlen(s);

	return check_chars(s, "a-z0-9", "a-z0-9-", 63) && s[n - 1] != '-';
}
