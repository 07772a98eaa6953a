/* plans/check.h — the table-driven checker behind fleet_check.
 *
 * Each YAML mapping of a fleet file has a table: its keys, one checker per
 * key (by type: string, word, number, size, path, ...) and where in a C
 * struct the checked value goes (offsetof).  check_map() walks a mapping
 * against its table: unknown keys (with a "did you mean"), keys in the
 * wrong place, required keys, and each value's checker.  Errors go into the
 * fleet's diagnostics as "FILE:LINE:COL: WHAT: message"; nothing prints.
 *
 * A YAML null (`key:` or `key: ~`) means "not set" everywhere: the default
 * applies, and a group or vm can unset what defaults set.
 */
#ifndef HERD_CHECK_H
#define HERD_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "plans/fleet.h"
#include "plans/ynode.h"

/* Where a mapping sits, for keys allowed only in some places. */
#define CHECK_AT_TOP 0x01u
#define CHECK_AT_DEFAULTS 0x02u
#define CHECK_AT_GROUP 0x04u
#define CHECK_AT_VM 0x08u
#define CHECK_AT_LAYER (CHECK_AT_DEFAULTS | CHECK_AT_GROUP | CHECK_AT_VM)
#define CHECK_AT_ANY 0xffu
#define CHECK_REQUIRED 0x100u	/* flag: the key must be present */

struct check_ctx {
	struct fleet *f;		/* the model being filled: arena, dir, images, networks */
	struct fleet_diags *d;
	const char *what;		/* "group 'web'": message prefix, or NULL */
	unsigned where;			/* CHECK_AT_* of the mapping being checked */
	bool merged;			/* checking a merged layer (see check_vms) */
	bool quiet;			/* count errors but do not report them */
	size_t errors;			/* errors reported through this ctx */
};

struct check_field;

/* Check val (never NULL nor a YAML null) for field fl; store the result at
 * (char *)dst + fl->off (and fl->off2).  Returns 0, or -1 after reporting
 * one error through check_errf. */
typedef int (*check_fn)(struct check_ctx *c, const struct check_field *fl,
			const struct ynode *val, void *dst);

struct check_field {
	const char *key;
	check_fn fn;
	unsigned flags;			/* CHECK_AT_* where allowed | CHECK_REQUIRED */
	size_t off, off2;		/* where fn stores */
	long long min, max;		/* numbers, sizes (bytes), hex length, prefix */
	const void *arg;		/* words (NULL-terminated) or a sub table */
	const char *example;		/* for "missing" messages: "fleet: NAME" */
};

struct check_table {
	const struct check_field *fields;
	size_t n;
};

#define CHECK_TABLE(arr) { arr, sizeof arr / sizeof arr[0] }

/* Walk map (NULL or a YAML null: an empty mapping) against table t,
 * storing into dst.  Returns 0 when every key checked out, else -1 (every
 * error found reported). */
int check_map(struct check_ctx *c, const struct ynode *map,
	      const struct check_table *t, void *dst);

/* Report "WHAT: message" at node at (its file, line, column); returns -1. */
int check_errf(struct check_ctx *c, const struct ynode *at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The checkers, by what they store at off:
 *   check_string  const char *  any string (no NUL bytes)
 *   check_word    int           one of arg's words (an enum's order)
 *   check_uint    unsigned      whole number in [min, max]
 *   check_bool    bool          true/false (yes/no, on/off)
 *   check_size    uint64_t      2GiB (common/size.h) in [min, max] bytes
 *   check_path    const char *  an existing file (check_file); stored absolute
 *   check_hex     const char *  exactly min hex digits; stored lower-case
 *   check_url     const char *  http://, https:// or file://
 *   check_uri     const char *  a libvirt URI: scheme://...
 *   check_ip      uint32_t      dotted quad, host order
 *   check_cidr    uint32_t addr at off, unsigned prefix at off2, prefix in [min, max]
 *   check_mapping const struct ynode *  any mapping (cloud_config, vars)
 *   check_sub     a nested table (arg) stored at dst + off */
int check_string(struct check_ctx *, const struct check_field *, const struct ynode *, void *);
int check_word(struct check_ctx *, const struct check_field *, const struct ynode *, void *);
int check_uint(struct check_ctx *, const struct check_field *, const struct ynode *, void *);
int check_bool(struct check_ctx *, const struct check_field *, const struct ynode *, void *);
int check_size(struct check_ctx *, const struct check_field *, const struct ynode *, void *);
int check_path(struct check_ctx *, const struct check_field *, const struct ynode *, void *);
int check_hex(struct check_ctx *, const struct check_field *, const struct ynode *, void *);
int check_url(struct check_ctx *, const struct check_field *, const struct ynode *, void *);
int check_uri(struct check_ctx *, const struct check_field *, const struct ynode *, void *);
int check_ip(struct check_ctx *, const struct check_field *, const struct ynode *, void *);
int check_cidr(struct check_ctx *, const struct check_field *, const struct ynode *, void *);
int check_mapping(struct check_ctx *, const struct check_field *, const struct ynode *, void *);
int check_sub(struct check_ctx *, const struct check_field *, const struct ynode *, void *);

/* val must be a scalar: returns 0, or -1 after "KEY must be a string, not
 * a list". */
int check_scalar(struct check_ctx *c, const char *key, const struct ynode *val);

/* s matches [first][rest]{0,max-1}; classes are like "a-z0-9-". */
bool check_chars(const char *s, const char *first, const char *rest, size_t max);
/* s is one DNS label in lower case: [a-z0-9-]{1,63}, no '-' at either end. */
bool check_hostname(const char *s);
/* Strict dotted quad (no leading zeros) into *ip, host order. */
bool check_parse_ip(const char *s, uint32_t *ip);

/* Absolute form of path p written in the fleet file ("~/" is $HOME,
 * relative is against the fleet file's folder), in the fleet's arena. */
const char *check_abspath(struct check_ctx *c, const char *p);

/* The absolute path of the file named by scalar val (the value of `key`,
 * for messages): it must exist, not be a folder, and lie inside the fleet
 * file's folder with symlinks resolved, unless the fleet allows outside
 * files ("~/" paths count as outside unless home_ok).  NULL after
 * reporting one error. */
const char *check_file(struct check_ctx *c, const struct ynode *val, const char *key,
		       bool home_ok);

/* Write into out either "did you mean 'x'?" (a name within a small edit
 * distance of word) or "LABEL: a, b, c" (every name; "none" when n is 0). */
void check_suggest(char *out, size_t outlen, const char *word,
		   const char *const *names, size_t n, const char *label);

#endif
