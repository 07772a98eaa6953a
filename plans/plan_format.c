/* plans/plan_format.c — a plan as text and as JSON. */
#include "plans/plan_format.h"

#include <stdio.h>
#include <string.h>

#include "common/jsonw.h"

/* Text prefix, verb and JSON name of each kind. */
static const struct {
	const char *mark, *verb, *json;
} kinds[PLAN_KIND_COUNT] = {
	[PLAN_POOL_CREATE] = { "+", "pool", "pool-create" },
	[PLAN_NET_CREATE] = { "+", "network", "network-create" },
	[PLAN_NET_START] = { "~", "start network", "network-start" },
	[PLAN_NET_RECREATE] = { "-/+", "network", "network-recreate" },
	[PLAN_DELETE] = { "-", "delete", "delete" },
	[PLAN_VOL_DELETE] = { "-", "delete volume", "volume-delete" },
	[PLAN_NET_DELETE] = { "-", "delete network", "network-delete" },
	[PLAN_RECREATE] = { "-/+", "recreate", "recreate" },
	[PLAN_CREATE] = { "+", "create", "create" },
	[PLAN_UPDATE] = { "~", "update", "update" },
	[PLAN_RESEED] = { "~", "reseed", "reseed" },
	[PLAN_START] = { "~", "start", "start" },
	[PLAN_RESTART] = { "~", "restart", "restart" },
	[PLAN_INSTALLED] = { "~", "boot disk", "boot-disk" },
	[PLAN_UNCHANGED] = { " ", "unchanged", "unchanged" },
};

void plan_format_summary(const struct plan *p, struct buf *out)
{
	const size_t *c = p->count;

	buf_addf(out, "Plan: %zu to create, %zu to update, %zu to recreate, "
		 "%zu to delete, %zu unchanged.",
		 c[PLAN_CREATE], plan_count_updates(p),
		 c[PLAN_RECREATE] + c[PLAN_NET_RECREATE],
		 c[PLAN_DELETE] + c[PLAN_VOL_DELETE] + c[PLAN_NET_DELETE],
		 c[PLAN_UNCHANGED]);
}

static void action_text(const struct plan_action *a, struct buf *out)
{
	buf_addf(out, "%s %s %s", kinds[a->kind].mark, kinds[a->kind].verb, a->object);
	if (a->why[0] != '\0')
		buf_addf(out, " (%s)", a->why);
	if (plan_kind_restarts(a->kind) && a->restart)
		buf_adds(out, " [restart needed: apply --restart]");
	buf_addc(out, '\n');
}

void plan_format_text(const struct plan *p, bool show_unchanged, struct buf *out)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		if (p->acts[i].kind != PLAN_UNCHANGED || show_unchanged)
			action_text(&p->acts[i], out);
	plan_format_summary(p, out);
	buf_addc(out, '\n');
}

static void action_json(const struct plan_action *a, struct buf *out)
{
	unsigned f;
	int first = 1;

	buf_adds(out, "{");
	jsonw_key(out, "action");
	jsonw_str(out, kinds[a->kind].json);
	buf_adds(out, ", ");
	jsonw_key(out, "object");
	jsonw_str(out, a->object);
	if (a->vm != NULL) {
		buf_adds(out, ", ");
		jsonw_key(out, "vm");
		jsonw_str(out, a->vm->name);
		buf_adds(out, ", ");
		jsonw_key(out, "spec");
		jsonw_str(out, a->h.spec);
	}
	if (a->old != NULL) {
		buf_adds(out, ", ");
		jsonw_key(out, "renamed_from");
		jsonw_str(out, a->old);
	}
	if (a->kind == PLAN_RECREATE || a->kind == PLAN_RESEED) {
		buf_adds(out, ", \"changed\": [");
		for (f = 0; f < PLAN_F_COUNT; f++)
			if (a->changed & (1u << f)) {
				buf_adds(out, first ? "" : ", ");
				jsonw_str(out, plan_field_name((enum plan_field)f));
				first = 0;
			}
		buf_adds(out, "]");
	}
	if (plan_kind_restarts(a->kind))
		buf_addf(out, ", \"restart_needed\": %s", a->restart ? "true" : "false");
	if (a->why[0] != '\0') {
		buf_adds(out, ", ");
		jsonw_key(out, "why");
		jsonw_str(out, a->why);
	}
	buf_adds(out, "}");
}

void plan_format_json(const struct plan *p, const char *fleet, struct buf *out)
{
	const size_t *c = p->count;
	size_t i;

	buf_adds(out, "{\n  \"herd_plan\": 1,\n  ");
	jsonw_key(out, "fleet");
	jsonw_str(out, fleet);
	buf_addf(out, ",\n  \"observed\": \"%s\",\n  \"desired\": \"%s\",\n",
		 p->observed_fp, p->desired_fp);
	buf_addf(out, "  \"summary\": {\"create\": %zu, \"update\": %zu, \"recreate\": %zu, "
		 "\"delete\": %zu, \"unchanged\": %zu},\n  \"actions\": [",
		 c[PLAN_CREATE], plan_count_updates(p),
		 c[PLAN_RECREATE] + c[PLAN_NET_RECREATE],
		 c[PLAN_DELETE] + c[PLAN_VOL_DELETE] + c[PLAN_NET_DELETE],
		 c[PLAN_UNCHANGED]);
	for (i = 0; i < p->n; i++) {
		buf_adds(out, i ? ",\n    " : "\n    ");
		action_json(&p->acts[i], out);
	}
	buf_adds(out, p->n ? "\n  ]\n}\n" : "]\n}\n");
}

/* The value of "key": "..." (no escapes: herd writes hex and fleet names
 * there) into out[outlen]; 0 when found. */
static int json_field(const char *json, const char *key, char *out, size_t outlen)
{
	char pat[64];
	const char *p, *e;

	snprintf(pat, sizeof pat, "\"%s\": \"", key);
	p = strstr(json, pat);
	if (p == NULL)
		return -1;
	p += strlen(pat);
	e = strchr(p, '"');
	if (e == NULL || (size_t)(e - p) >= outlen)
		return -1;
	memcpy(out, p, (size_t)(e - p));
	out[e - p] = '\0';
	return 0;
}

int plan_format_parse_fp(const char *json, char fleet_out[64], char observed[65],
			 char desired[65], struct herd_err *err)
{
	if (strstr(json, "\"herd_plan\": 1") == NULL ||
	    json_field(json, "fleet", fleet_out, 64) != 0 ||
	    json_field(json, "observed", observed, 65) != 0 ||
	    json_field(json, "desired", desired, 65) != 0 ||
	    strlen(observed) != 64 || strlen(desired) != 64)
		return herd_errf(err, HERD_E_USAGE, "not a plan file written by herd plan -o");
	return 0;
}
