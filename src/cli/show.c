/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * shiftmount show: the marks (listed by show-marks.c) and the shifted mounts
 * with their maps, as text or JSON.
 */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <json-c/json.h>

#include "cli.h"
#include "util.h"

static void help(void)
{
	printf("Usage: shiftmount show [-v] [--json] [PATH...]\n"
	       "\n"
	       "List the shifted mounts (and marks) with their maps: for each mount, which disk\n"
	       "ids appear as which host ids.  PATHs keep only mounts at or below them.\n"
	       "\n"
	       "  -v, --verbose  also a \"features\" line for each FUSE mount: what\n"
	       "                 shiftfs-fuse negotiated with the kernel, as it says it\n"
	       "                 (e.g. passthrough=on killpriv_v2=on writeback=off)\n"
	       "  --json         one JSON object: {\"marks\": [...], \"mounts\": [...]}\n"
	       "  -h, --help     this text\n");
}

static void range_text(uint32_t first, uint32_t count, char *buf, size_t len)
{
	if (count == 1)
		snprintf(buf, len, "%u", first);
	else
		snprintf(buf, len, "%u-%u", first, (uint32_t)((uint64_t)first + count - 1));
}

static int same_map(const struct sm_idmap *a, const struct sm_idmap *b)
{
	if (a->n != b->n)
		return 0;
	for (unsigned i = 0; i < a->n; i++)
		if (a->ext[i].inner != b->ext[i].inner || a->ext[i].outer != b->ext[i].outer ||
		    a->ext[i].count != b->ext[i].count)
			return 0;
	return 1;
}

/* "disk 100000-165535 <-> host 200000-265535", one line an extent. */
static void print_map(const char *label, const struct sm_idmap *m)
{
	for (unsigned i = 0; i < m->n; i++) {
		char d[32], h[32];
		range_text(m->ext[i].inner, m->ext[i].count, d, sizeof(d));
		range_text(m->ext[i].outer, m->ext[i].count, h, sizeof(h));
		printf("  %-8s disk %s <-> host %s\n", i == 0 ? label : "", d, h);
	}
}

static void print_text(const struct sm_mount_entry *e)
{
	char flags[64];
	sm_mount_format_flags(e->flags, flags, sizeof(flags));
	printf("%s\n", e->target);
	printf("  %-8s %s\n", "source", e->source);
	printf("  %-8s %s (%s)\n", "backend", sm_backend_name(e->backend), e->fstype);
	printf("  %-8s %s\n", "flags", flags);
	if (!e->maps_known) {
		printf("  %-8s unknown (%s)\n", "maps",
		       e->backend == SM_BACKEND_KERNEL ? "this kernel does not report them; "
							 "Linux 6.15 does"
						       : "the FUSE backend does not report them");
	} else if (same_map(&e->uid, &e->gid)) {
		print_map("ids", &e->uid);
	} else {
		print_map("uids", &e->uid);
		print_map("gids", &e->gid);
	}
	/* Verbatim: shiftfs-fuse owns the words; printing them as given keeps
	 * this line true when it learns new ones. */
	if (cli_verbose && e->backend == SM_BACKEND_FUSE)
		printf("  %-8s %s\n", "features",
		       e->fuse_features[0] ? e->fuse_features
					   : "unknown (the FUSE server does not say)");
}

/* The builders give NULL when out of memory (util.h's sm_json_add). */
static struct json_object *json_map(const struct sm_idmap *m)
{
	struct json_object *a = json_object_new_array();
	for (unsigned i = 0; a && i < m->n; i++) {
		struct json_object *o = json_object_new_object();
		if (sm_json_add(o, "disk", json_object_new_int64(m->ext[i].inner)) < 0 ||
		    sm_json_add(o, "host", json_object_new_int64(m->ext[i].outer)) < 0 ||
		    sm_json_add(o, "count", json_object_new_int64(m->ext[i].count)) < 0 ||
		    sm_json_append(a, steal_pointer(o)) < 0) {
			json_object_put(o);
			json_object_put(a);
			return NULL;
		}
	}
	return a;
}

static struct json_object *json_entry(const struct sm_mount_entry *e)
{
	static const struct {
		unsigned bit;
		const char *name;
	} fl[] = {
		{SM_MOUNT_RDONLY, "ro"},
		{SM_MOUNT_NOSUID, "nosuid"},
		{SM_MOUNT_NODEV, "nodev"},
		{SM_MOUNT_NOEXEC, "noexec"},
	};
	struct json_object *o = json_object_new_object();
	struct json_object *flags = json_object_new_array();
	int failed = !flags;
	for (size_t i = 0; i < ELEMENTSOF(fl); i++)
		if (e->flags & fl[i].bit)
			failed = failed ||
				 sm_json_append(flags, json_object_new_string(fl[i].name)) < 0;
	failed = failed || sm_json_add_string(o, "target", e->target) < 0 ||
		 sm_json_add_string(o, "source", e->source) < 0 ||
		 sm_json_add_string(o, "fstype", e->fstype) < 0 ||
		 sm_json_add_string(o, "backend", sm_backend_name(e->backend)) < 0 ||
		 sm_json_add(o, "flags", steal_pointer(flags)) < 0 ||
		 sm_json_add(o, "mnt_id", json_object_new_int64((int64_t)e->mnt_id)) < 0 ||
		 sm_json_add(o, "maps_known", json_object_new_boolean(e->maps_known)) < 0;
	if (e->maps_known)
		failed = failed || sm_json_add(o, "uid_map", json_map(&e->uid)) < 0 ||
			 sm_json_add(o, "gid_map", json_map(&e->gid)) < 0;
	if (e->fuse_features[0])
		failed = failed || sm_json_add_string(o, "fuse_features", e->fuse_features) < 0;
	if (failed) {
		json_object_put(flags);
		json_object_put(o);
		return NULL;
	}
	return o;
}

static int under(const char *target, char **paths, int n)
{
	if (n == 0)
		return 1;
	for (int i = 0; i < n; i++) {
		size_t l = strlen(paths[i]);
		if (!strcmp(paths[i], "/") ||
		    (!strncmp(target, paths[i], l) && (target[l] == '\0' || target[l] == '/')))
			return 1;
	}
	return 0;
}

static void free_paths(char **paths, int n)
{
	for (int i = 0; i < n; i++)
		free(paths[i]);
	free(paths);
}

int verb_show(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"json", no_argument, NULL, 'j'},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{},
	};
	int json = 0, c;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = 1;
			break;
		case 'v':
			cli_verbose = 1;
			break;
		case 'h':
			help();
			return EXIT_OK;
		default:
			return usage_error("\"%s\": unknown option; see shiftmount show --help",
					   argv[optind - 1]);
		}
	}

	int n = argc - optind;
	char **paths = calloc((size_t)n + 1, sizeof(char *));
	if (!paths)
		return op_error(-ENOMEM, NULL, "show");
	for (int i = 0; i < n; i++) {
		paths[i] = realpath(argv[optind + i], NULL);
		if (!paths[i]) {
			int e = errno;
			free_paths(paths, i);
			return usage_error("\"%s\": %s", argv[optind + i], strerror(e));
		}
	}

	struct sm_mount_entry *list = NULL;
	size_t nl = 0;
	int r = sm_mountinfo_list_shifted(&list, &nl);
	if (r < 0) {
		free_paths(paths, n);
		return op_error(r, NULL, "listing the mounts");
	}

	int rc = EXIT_OK;
	if (json) {
		struct json_object *root = json_object_new_object();
		rc = root ? show_marks(NULL, root, paths, n) : EXIT_FAILED;
		struct json_object *mounts = json_object_new_array();
		int failed = rc != EXIT_OK || !mounts;
		for (size_t i = 0; !failed && i < nl; i++)
			if (under(list[i].target, paths, n))
				failed = sm_json_append(mounts, json_entry(&list[i])) < 0;
		failed = failed || sm_json_add(root, "mounts", steal_pointer(mounts)) < 0;
		const char *text = failed ? NULL
					  : json_object_to_json_string_ext(
						    root, JSON_C_TO_STRING_PRETTY |
								  JSON_C_TO_STRING_NOSLASHESCAPE);
		if (text)
			printf("%s\n", text);
		else
			rc = op_error(-ENOMEM, NULL, "show --json");
		json_object_put(mounts);
		json_object_put(root);
	} else {
		rc = show_marks(stdout, NULL, paths, n);
		for (size_t i = 0; i < nl; i++)
			if (under(list[i].target, paths, n))
				print_text(&list[i]);
	}
	free(list);
	free_paths(paths, n);
	if (fflush(stdout) != 0)
		return op_error(-errno, NULL, "writing the listing");
	return rc;
}
