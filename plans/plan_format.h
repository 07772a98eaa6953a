/* plans/plan_format.h — a plan as text for people and as JSON for tools.
 *
 * Pure: writes into a caller's buffer.  The JSON carries both fingerprints,
 * so `herd apply plan.json` can refuse a plan the world has moved past.
 */
#ifndef HERD_PLAN_FORMAT_H
#define HERD_PLAN_FORMAT_H

#include <stdbool.h>

#include "common/buf.h"
#include "plans/plan.h"

/* Human lines ("+ create lab--web-1", ...), then the summary line. */
void plan_format_text(const struct plan *p, bool show_unchanged, struct buf *out);
/* The summary alone: "Plan: 1 to create, 1 to update, 0 to recreate, 2 to
 * delete, 40 unchanged." */
void plan_format_summary(const struct plan *p, struct buf *out);
/* The plan as one JSON object (with both fingerprints). */
void plan_format_json(const struct plan *p, const char *fleet, struct buf *out);

/* Read the fingerprints back from a plan file's text (as written by
 * plan_format_json).  Returns 0, or -1 with err (HERD_E_USAGE) when the
 * text is not a herd plan.  fleet is copied into fleet_out[64]. */
int plan_format_parse_fp(const char *json, char fleet_out[64], char observed[65],
			 char desired[65], struct herd_err *err);

#endif
