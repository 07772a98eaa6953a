/* common/jsonw.h — the little JSON herd writes (--json outputs, plan files).
 *
 * Only string escaping is needed by hand: numbers and structure are plain
 * printf.  No installed library of ours writes JSON; reading JSON back
 * (plan files) goes through libyaml, which reads JSON's flow syntax.
 */
#ifndef HERD_JSONW_H
#define HERD_JSONW_H

#include "common/buf.h"

/* Append s as a JSON string literal ("..." with \" \\ \n \u00XX escapes);
 * NULL appends null. */
void jsonw_str(struct buf *b, const char *s);

/* Append `"key": ` (the key escaped). */
void jsonw_key(struct buf *b, const char *key);

#endif
