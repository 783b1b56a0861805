/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The marks part of `shiftmount show` (show.c calls show_marks()). */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <json-c/json.h>

#include "cli.h"
#include "util.h"

/* NULL when out of memory. */
static struct json_object *mark_json(const char *path, const struct sm_mark *m, const char *bad)
{
	struct json_object *o = json_object_new_object();
	int failed = sm_json_add_string(o, "path", path) < 0;
	if (bad) {
		failed = failed || sm_json_add(o, "valid", json_object_new_boolean(0)) < 0 ||
			 sm_json_add_string(o, "error", bad) < 0;
		goto out;
	}
	struct json_object *by = json_object_new_array();
	failed = failed || !by;
	for (unsigned i = 0; !failed && i < m->n_by; i++) {
		char e[48];
		if (m->by[i].is_user)
			snprintf(e, sizeof(e), "@%s", m->by[i].user);
		else
			snprintf(e, sizeof(e), "%u", m->by[i].uid);
		failed = sm_json_append(by, json_object_new_string(e)) < 0;
	}
	failed = failed || sm_json_add(o, "valid", json_object_new_boolean(1)) < 0 ||
		 sm_json_add(o, "origin_uid", json_object_new_int64(m->origin_uid)) < 0 ||
		 sm_json_add(o, "origin_gid", json_object_new_int64(m->origin_gid)) < 0 ||
		 sm_json_add(o, "range", json_object_new_int64(m->range)) < 0 ||
		 sm_json_add(o, "by", steal_pointer(by)) < 0 ||
		 sm_json_add(o, "anyone_as_disk_root",
			     json_object_new_boolean(m->anyone_as_disk_root)) < 0;
	json_object_put(by);
	if (m->name[0])
		failed = failed || sm_json_add_string(o, "name", m->name) < 0;
out:
	if (failed) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

/* One directory: 1 shown, 0 it has no mark, -ENOMEM. */
static int show_one(FILE *out, struct json_object *arr, const char *path)
{
	_cleanup_close_ int fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	struct sm_mark m;
	struct sm_error err = {.why = NULL};
	int r = sm_mark_get(fd, &m, &err);
	char bad[256] = "";
	if (r == -EBADMSG)
		snprintf(bad, sizeof(bad), "invalid mark: \"%s\": %s", err.token,
			 err.why ? err.why : "?");
	else if (r < 0)
		return 0;
	if (arr) {
		if (sm_json_append(arr, mark_json(path, &m, bad[0] ? bad : NULL)) < 0)
			return -ENOMEM;
	} else if (bad[0]) {
		fprintf(out, "mark %s: %s\n", path, bad);
	} else {
		fprintf(out, "mark %s\n  origin %u:%u range %u", path, m.origin_uid, m.origin_gid,
			m.range);
		if (m.n_by) {
			fputs("  by ", out);
			for (unsigned i = 0; i < m.n_by; i++) {
				if (m.by[i].is_user)
					fprintf(out, "%s@%s", i ? "," : "", m.by[i].user);
				else
					fprintf(out, "%s%u", i ? "," : "", m.by[i].uid);
			}
		} else if (m.anyone_as_disk_root) {
			fputs("  by anyone who can reach it, as disk root (--anyone-as-disk-root)",
			      out);
		} else if (sm_mark_grants_anyone_root(&m)) {
			fputs("  by nobody: origin 0 without --by needs --anyone-as-disk-root",
			      out);
		} else {
			fputs("  by anyone who can reach it", out);
		}
		if (m.name[0])
			fprintf(out, "  name %s", m.name);
		fputc('\n', out);
	}
	return 1;
}

int show_marks(FILE *out, struct json_object *json, char **paths, int n)
{
	struct json_object *arr = json ? json_object_new_array() : NULL;
	int r = json && !arr ? -ENOMEM : 0;
	if (n > 0) {
		for (int i = 0; r >= 0 && i < n; i++)
			r = show_one(out, arr, paths[i]);
	} else {
		/* Without paths: every mark that has a registered name. */
		const char *reg = sm_registry_dir();
		DIR *d = opendir(reg);
		struct dirent *de;
		while (r >= 0 && d && (de = readdir(d))) {
			_cleanup_free_ char *p = NULL;
			if (de->d_name[0] == '.' || sm_registry_lookup(reg, de->d_name, &p) < 0)
				continue;
			r = show_one(out, arr, p);
		}
		if (d)
			closedir(d);
	}
	if (r >= 0 && json)
		r = sm_json_add(json, "marks", steal_pointer(arr));
	json_object_put(arr);
	return r < 0 ? EXIT_FAILED : EXIT_OK;
}
