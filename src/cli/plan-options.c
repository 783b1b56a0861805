/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The plan options of bind and reconfigure; see plan-options.h. */
#include <string.h>

#include "cli.h"
#include "plan-options.h"

void plan_options_init(struct plan_options *p)
{
	p->shift = p->have_map = 0;
	sm_idmap_init(&p->map_uid);
	sm_idmap_init(&p->map_gid);
	sm_plan_request_init(&p->req);
}

int plan_option(struct plan_options *p, int c, const char *arg)
{
	struct sm_plan_request *q = &p->req;
	struct sm_error err;
	uint32_t v;
	switch (c) {
	case OPT_SHIFT:
		if (p->shift)
			return usage_error("--shift: given twice");
		p->shift = 1;
		q->target = arg;
		if (arg && !*arg)
			return usage_error("--shift: \"\": TARGET must be a PID or a "
					   "user-namespace file");
		return 0;
	case OPT_ORIGIN:
		if (parse_id_option("--origin", arg, &v))
			return EXIT_USAGE;
		q->origin_uid = q->origin_gid = v;
		q->have_origin_uid = q->have_origin_gid = 1;
		q->names.origin_uid = q->names.origin_gid = "--origin";
		return 0;
	case OPT_ORIGIN_UID:
		if (parse_id_option("--origin-uid", arg, &q->origin_uid))
			return EXIT_USAGE;
		q->have_origin_uid = 1;
		q->names.origin_uid = "--origin-uid";
		return 0;
	case OPT_ORIGIN_GID:
		if (parse_id_option("--origin-gid", arg, &q->origin_gid))
			return EXIT_USAGE;
		q->have_origin_gid = 1;
		q->names.origin_gid = "--origin-gid";
		return 0;
	case OPT_ORIGIN_NS:
		q->origin_ns = arg;
		return 0;
	case OPT_RANGE:
		/* RANGE counts ids, so 4294967295 (all of them) is allowed. */
		if (!strcmp(arg, "4294967295"))
			v = 0;
		else if (sm_parse_id(arg, &v) < 0 || v == 0)
			return usage_error("--range: \"%s\": must be a number from 1 to "
					   "4294967295",
					   arg);
		q->range = v ? v : UINT32_MAX;
		q->have_range = 1;
		return 0;
	case OPT_MAP:
		if (sm_idmap_parse_spec(arg, &p->map_uid, &p->map_gid, &err) < 0)
			return map_error("--map", &err);
		p->have_map = 1;
		return 0;
	}
	return -1;
}

int plan_options_any(const struct plan_options *p)
{
	const struct sm_plan_request *q = &p->req;
	return p->have_map || p->shift || q->have_origin_uid || q->have_origin_gid ||
	       q->origin_ns || q->have_range;
}

int plan_options_check(const struct plan_options *p)
{
	const struct sm_plan_request *q = &p->req;
	if (p->have_map &&
	    (p->shift || q->have_origin_uid || q->have_origin_gid || q->origin_ns || q->have_range))
		return usage_error("--map: cannot be combined with %s (a map says it all)",
				   p->shift	   ? "--shift"
				   : q->origin_ns  ? "--origin-ns"
				   : q->have_range ? "--range"
						   : "--origin");
	if (q->origin_ns && (q->have_origin_uid || q->have_origin_gid))
		return usage_error("--origin-ns: cannot be combined with --origin, --origin-uid "
				   "or --origin-gid");
	if (p->have_map && (p->map_uid.n == 0 || p->map_gid.n == 0))
		return usage_error("--map: no %s extent; add %s: or b: entries",
				   p->map_uid.n == 0 ? "uid" : "gid",
				   p->map_uid.n == 0 ? "u" : "g");
	return 0;
}

void plan_options_finish(struct plan_options *p)
{
	if (p->have_map) {
		p->req.map_uid = &p->map_uid;
		p->req.map_gid = &p->map_gid;
	}
}
