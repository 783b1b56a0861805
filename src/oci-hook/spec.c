/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the container asks for.  The runtime gives the hook the container's
 * state on stdin (its init's pid, its bundle); the bundle's config.json
 * names the root and carries the annotations:
 *
 *   org.shiftmount.rootfs   "true": shift the root along the container's
 *                           user namespace; "false" (or absent): leave it
 *   org.shiftmount.volumes  "SRC:DEST[:ro|:rw];...": mount each marked host
 *                           directory SRC shifted at DEST in the container
 *
 * The entries are separated by ";", not ",": podman splits --annotation's
 * value at commas.
 *
 * Annotations, not mount options, because runtimes refuse mount options
 * they do not know.  Everything is checked strictly and before anything is
 * touched: a malformed annotation fails the container's start.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "hook.h"
#include "util.h"

#define STATE_MAX  (1024 * 1024)
#define CONFIG_MAX (16 * 1024 * 1024)

static int read_all(FILE *f, size_t max, char **ret)
{
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap);
	if (!buf)
		return -ENOMEM;
	for (;;) {
		if (len + 1 >= cap) {
			if (cap > max) {
				free(buf);
				return -EFBIG;
			}
			char *n = realloc(buf, cap *= 2);
			if (!n) {
				free(buf);
				return -ENOMEM;
			}
			buf = n;
		}
		size_t got = fread(buf + len, 1, cap - len - 1, f);
		len += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		free(buf);
		return -EIO;
	}
	buf[len] = '\0';
	*ret = buf;
	return 0;
}

/* One JSON object, nothing after it. */
static json_object *parse_object(const char *text)
{
	json_tokener *tok = json_tokener_new();
	if (!tok)
		return NULL;
	json_object *o = json_tokener_parse_ex(tok, text, (int)strlen(text));
	size_t used = json_tokener_get_parse_end(tok);
	enum json_tokener_error e = json_tokener_get_error(tok);
	json_tokener_free(tok);
	if (!o || e != json_tokener_success || !json_object_is_type(o, json_type_object) ||
	    text[used + strspn(text + used, " \t\r\n")] != '\0') {
		json_object_put(o);
		return NULL;
	}
	return o;
}

/* A clean absolute path: "/" then components that are not empty, "." or
 * "..", no trailing slash. */
static int clean_path(const char *p)
{
	if (p[0] != '/' || strlen(p) >= PATH_MAX / 2)
		return 0;
	if (!strcmp(p, "/"))
		return 1;
	for (const char *c = p + 1;;) {
		size_t n = strcspn(c, "/");
		if (n == 0 || (n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
			return 0;
		if (c[n] == '\0')
			return 1;
		c += n + 1;
	}
}

/* A config destination made comparable: slashes collapsed, none trailing. */
static char *normalise_dest(const char *d)
{
	char *out = malloc(strlen(d) + 2), *o = out;
	if (!out)
		return NULL;
	*o++ = '/';
	for (const char *c = d; *c; c++)
		if (*c != '/' || o[-1] != '/')
			*o++ = *c;
	if (o - out > 1 && o[-1] == '/')
		o--;
	*o = '\0';
	return out;
}

/* A below-or-equal B as paths: "/data" in "/data", "/data/x" in "/data". */
static int path_within(const char *a, const char *b)
{
	size_t n = strlen(b);
	if (!strcmp(b, "/"))
		return 1;
	return !strncmp(a, b, n) && (a[n] == '\0' || a[n] == '/');
}

static int volume_error(const char *entry, const char *why)
{
	return hook_error(HOOK_USAGE, "%s: \"%s\": %s", HOOK_ANN_VOLUMES, entry, why);
}

/* "SRC:DEST[:ro|:rw]" */
static int parse_volume(struct hook_spec *s, const char *entry)
{
	char buf[PATH_MAX * 2 + 8];
	if (strlen(entry) >= sizeof(buf))
		return volume_error(entry, "too long");
	strcpy(buf, entry);
	char *src = buf, *dest = strchr(buf, ':'), *mode = NULL;
	if (strchr(entry, ','))
		return volume_error(entry, "\",\" is not allowed; separate the entries with \";\" "
					   "(podman splits --annotation at commas)");
	if (!dest)
		return volume_error(entry, "must be SRC:DEST or SRC:DEST:ro");
	*dest++ = '\0';
	if ((mode = strchr(dest, ':')))
		*mode++ = '\0';
	if (mode && strcmp(mode, "ro") && strcmp(mode, "rw"))
		return volume_error(entry, "the mode after DEST must be ro or rw");
	if (!clean_path(src))
		return volume_error(entry, "SRC must be an absolute path without \".\", \"..\", "
					   "\"//\" or a trailing \"/\"");
	if (!clean_path(dest))
		return volume_error(entry, "DEST must be an absolute path without \".\", \"..\", "
					   "\"//\" or a trailing \"/\"");
	if (!strcmp(dest, "/"))
		return volume_error(entry,
				    "DEST cannot be \"/\" (the root is " HOOK_ANN_ROOTFS ")");
	for (unsigned i = 0; i < s->n_items; i++) {
		struct hook_item *o = &s->item[i];
		if (!o->is_root && (path_within(dest, o->dest) || path_within(o->dest, dest)))
			return volume_error(entry,
					    !strcmp(dest, o->dest)
						    ? "DEST is given twice"
						    : "DEST nests with another volume's DEST");
	}
	/* The runtime makes its own mounts; one at, above or below DEST would
	 * cover ours or be covered by it. */
	for (unsigned i = 0; i < s->n_config_dests; i++) {
		const char *d = s->config_dests[i];
		if (!strcmp(d, "/") || !(path_within(dest, d) || path_within(d, dest)))
			continue;
		char why[PATH_MAX + 128];
		snprintf(why, sizeof(why),
			 "the config mounts %s too; leave DEST out of its mounts (the hook makes "
			 "this mount)",
			 d);
		return volume_error(entry, why);
	}
	if (s->n_items >= ELEMENTSOF(s->item))
		return volume_error(entry, "more than 16 volumes");
	struct hook_item *it = &s->item[s->n_items++];
	/* clean_path() kept both below PATH_MAX / 2. */
	memcpy(it->src, src, strlen(src) + 1);
	memcpy(it->dest, dest, strlen(dest) + 1);
	it->readonly = mode && !strcmp(mode, "ro");
	return HOOK_OK;
}

static int parse_volumes(struct hook_spec *s, const char *text)
{
	if (!*text)
		return hook_error(HOOK_USAGE, "%s: empty; list SRC:DEST entries separated by \";\"",
				  HOOK_ANN_VOLUMES);
	_cleanup_free_ char *copy = strdup(text);
	if (!copy)
		return hook_error(HOOK_FAILED, "out of memory");
	for (char *e = copy;;) {
		char *next = strchr(e, ';');
		if (next)
			*next = '\0';
		if (!*e)
			return hook_error(HOOK_USAGE,
					  "%s: \"%s\": an empty entry (\",,\" or a "
					  "leading or trailing \",\")",
					  HOOK_ANN_VOLUMES, text);
		int r = parse_volume(s, e);
		if (r)
			return r;
		if (!next)
			return HOOK_OK;
		e = next + 1;
	}
}

static int read_annotations(struct hook_spec *s, json_object *cfg)
{
	json_object *ann = NULL, *v;
	if (!json_object_object_get_ex(cfg, "annotations", &ann) || !ann)
		return HOOK_OK;
	if (!json_object_is_type(ann, json_type_object))
		return hook_error(HOOK_USAGE, "config.json: \"annotations\" is not an object");
	/* A misspelt annotation must not pass as "nothing asked for". */
	json_object_object_foreach(ann, key, val)
	{
		if (strncmp(key, "org.shiftmount.", 15))
			continue;
		if (strcmp(key, HOOK_ANN_ROOTFS) && strcmp(key, HOOK_ANN_VOLUMES))
			return hook_error(HOOK_USAGE, "%s: unknown annotation (known: %s, %s)", key,
					  HOOK_ANN_ROOTFS, HOOK_ANN_VOLUMES);
		if (!json_object_is_type(val, json_type_string))
			return hook_error(HOOK_USAGE, "%s: not a string", key);
	}
	if (json_object_object_get_ex(ann, HOOK_ANN_ROOTFS, &v)) {
		const char *t = json_object_get_string(v);
		if (strcmp(t, "true") && strcmp(t, "false"))
			return hook_error(HOOK_USAGE, "%s: \"%s\": must be \"true\" or \"false\"",
					  HOOK_ANN_ROOTFS, t);
		if (!strcmp(t, "true")) {
			struct hook_item *it = &s->item[s->n_items++];
			snprintf(it->src, sizeof(it->src), "%s", s->root);
			strcpy(it->dest, "/");
			it->is_root = 1;
		}
	}
	if (json_object_object_get_ex(ann, HOOK_ANN_VOLUMES, &v))
		return parse_volumes(s, json_object_get_string(v));
	return HOOK_OK;
}

static int read_config_dests(struct hook_spec *s, json_object *cfg)
{
	json_object *mounts, *m, *d;
	if (!json_object_object_get_ex(cfg, "mounts", &mounts) || !mounts)
		return HOOK_OK;
	if (!json_object_is_type(mounts, json_type_array))
		return hook_error(HOOK_USAGE, "config.json: \"mounts\" is not an array");
	size_t n = json_object_array_length(mounts);
	for (size_t i = 0; i < n && s->n_config_dests < HOOK_MAX_MOUNTS; i++) {
		m = json_object_array_get_idx(mounts, i);
		if (!json_object_is_type(m, json_type_object) ||
		    !json_object_object_get_ex(m, "destination", &d) ||
		    !json_object_is_type(d, json_type_string))
			return hook_error(HOOK_USAGE,
					  "config.json: mounts[%zu] has no string \"destination\"",
					  i);
		char *nd = normalise_dest(json_object_get_string(d));
		if (!nd)
			return hook_error(HOOK_FAILED, "out of memory");
		s->config_dests[s->n_config_dests++] = nd;
	}
	if (n > HOOK_MAX_MOUNTS)
		return hook_error(HOOK_USAGE, "config.json: more than %d mounts", HOOK_MAX_MOUNTS);
	return HOOK_OK;
}

static int read_root(struct hook_spec *s, json_object *cfg)
{
	json_object *root, *path;
	if (!json_object_object_get_ex(cfg, "root", &root) ||
	    !json_object_is_type(root, json_type_object) ||
	    !json_object_object_get_ex(root, "path", &path) ||
	    !json_object_is_type(path, json_type_string))
		return hook_error(HOOK_USAGE, "config.json: no string \"root\".\"path\"");
	const char *p = json_object_get_string(path);
	char joined[PATH_MAX * 2];
	snprintf(joined, sizeof(joined), "%s%s%s", p[0] == '/' ? "" : s->bundle,
		 p[0] == '/' ? "" : "/", p);
	if (!realpath(joined, s->root))
		return hook_error(HOOK_USAGE, "config.json: root.path %s: %s", joined,
				  strerror(errno));
	return HOOK_OK;
}

static int read_state(FILE *in, struct hook_spec *s)
{
	_cleanup_free_ char *text = NULL;
	int r = read_all(in, STATE_MAX, &text);
	if (r < 0)
		return hook_error(HOOK_USAGE, "reading the container state on stdin: %s",
				  strerror(-r));
	json_object *st = parse_object(text), *pid, *bundle;
	if (!st)
		return hook_error(HOOK_USAGE, "the container state on stdin is not one JSON object "
					      "(is this run as an OCI hook?)");
	int ok = json_object_object_get_ex(st, "pid", &pid) &&
		 json_object_is_type(pid, json_type_int) && json_object_get_int64(pid) > 0 &&
		 json_object_get_int64(pid) < (1 << 22) &&
		 json_object_object_get_ex(st, "bundle", &bundle) &&
		 json_object_is_type(bundle, json_type_string) &&
		 json_object_get_string(bundle)[0] == '/' &&
		 strlen(json_object_get_string(bundle)) < sizeof(s->bundle);
	if (ok) {
		s->pid = (pid_t)json_object_get_int64(pid);
		strcpy(s->bundle, json_object_get_string(bundle));
	}
	json_object_put(st);
	if (!ok)
		return hook_error(HOOK_USAGE,
				  "the container state needs \"pid\" (the container's "
				  "init; run at createRuntime) and an absolute \"bundle\"");
	return HOOK_OK;
}

int hook_read_spec(FILE *in, struct hook_spec *s)
{
	int r = read_state(in, s);
	if (r)
		return r;

	char path[PATH_MAX + 16];
	snprintf(path, sizeof(path), "%s/config.json", s->bundle);
	FILE *f = fopen(path, "re");
	if (!f)
		return hook_error(HOOK_USAGE, "%s: %s", path, strerror(errno));
	_cleanup_free_ char *text = NULL;
	r = read_all(f, CONFIG_MAX, &text);
	fclose(f);
	if (r < 0)
		return hook_error(HOOK_USAGE, "%s: %s", path, strerror(-r));
	json_object *cfg = parse_object(text);
	if (!cfg)
		return hook_error(HOOK_USAGE, "%s: not one JSON object", path);
	if (!(r = read_root(s, cfg)) && !(r = read_config_dests(s, cfg)))
		r = read_annotations(s, cfg);
	json_object_put(cfg);
	return r;
}

void hook_spec_free(struct hook_spec *s)
{
	for (unsigned i = 0; i < s->n_config_dests; i++)
		free(s->config_dests[i]);
	for (unsigned i = 0; i < s->n_items; i++) {
		if (s->item[i].srcfd >= 0)
			close(s->item[i].srcfd);
		if (s->item[i].mntfd >= 0)
			close(s->item[i].mntfd);
	}
}
