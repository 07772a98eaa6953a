/* seed/yemit.h — write a ynode tree as YAML with libyaml's emitter (the
 * only libyaml emitter in herd), so that no value can break the document.
 *
 * Scalar typing: a plain scalar (quoted == false) is written so that a
 * YAML reader resolves it as the source did (true stays a boolean, 8080 a
 * number); a quoted scalar is always read back as a string: it is written
 * plain only when that cannot be mistaken for anything else, else quoted
 * (multi-line text as a literal block where libyaml allows it).
 */
#ifndef HERD_YEMIT_H
#define HERD_YEMIT_H

#include "common/buf.h"
#include "common/err.h"
#include "plans/ynode.h"

/* Deeper trees are refused (the emitter and this walk recurse). */
#define YEMIT_MAX_DEPTH 64

/* Append root as one block-style YAML document (no "---", no "...") to
 * out, at most max bytes (0: no limit; a tree that shares a big node many
 * times can be far larger written out than in memory).  Returns 0, or -1
 * with err set (HERD_E_CONFIG for a tree too deep, a scalar too long or an
 * output over max: then err->msg is "larger than N bytes"; HERD_E_IO
 * when libyaml refuses an event). */
int yemit_doc(const struct ynode *root, size_t max, struct buf *out,
	      struct herd_err *err);

/* True when the string s[0..len) may be written as a plain scalar and is
 * then read back as the same string by YAML 1.1 and 1.2 readers (no
 * boolean, null or number look-alike). */
int yemit_plain_is_string(const char *s, size_t len);

#endif
