/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* shiftmount: the command-line front end.  Dispatches to one verb a file. */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <string.h>

#include "cli.h"

int cli_verbose;

static const struct verb {
	const char *name;
	int (*fn)(int, char **);
	const char *synopsis;
} verbs[] = {
	{"bind", verb_bind, "make a uid/gid-shifting bind mount"},
	{"reconfigure", verb_reconfigure, "change a live shifted mount's map or flags"},
	{"show", verb_show, "list marks and shifted mounts with their maps"},
	{"mark", verb_mark, "mark a directory shiftable (admin)"},
	{"unmark", verb_unmark, "remove a directory's mark (admin)"},
	{"request", verb_request, "ask shiftmountd for a shifted mount (container root)"},
	{"audit", verb_audit, "list what tenants left that is dangerous on the host"},
};

/* "shiftmount: PREFIX" and the message, one line on stderr. */
__attribute__((format(printf, 2, 0))) static void say(const char *prefix, const char *fmt,
						      va_list ap)
{
	fprintf(stderr, "shiftmount: %s", prefix);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

int usage_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	say("", fmt, ap);
	va_end(ap);
	return EXIT_USAGE;
}

int op_error(int err, const char *hint, const char *fmt, ...)
{
	va_list ap;
	fputs("shiftmount: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, ": %s\n", strerror(err < 0 ? -err : err));
	if (hint)
		fprintf(stderr, "  hint: %s\n", hint);
	return EXIT_FAILED;
}

int map_error(const char *option, const struct sm_error *err)
{
	if (!err->bad_input) {
		fprintf(stderr, "shiftmount: %s: %s\n", option, err->message);
		return EXIT_FAILED;
	}
	return usage_error("%s: %s", option, err->message);
}

int report_error(const struct sm_error *e)
{
	fprintf(stderr, "shiftmount: %s\n", e->message);
	if (e->hint[0])
		fprintf(stderr, "  hint: %s\n", e->hint);
	return e->bad_input ? EXIT_USAGE : EXIT_FAILED;
}

int unknown_option(const char *verb, char **argv)
{
	/* optopt names an unknown short option inside a cluster ("-rz"); for
	 * a long one argv has it whole. */
	if (optopt > 0 && optopt < 0x100)
		return usage_error("\"-%c\": unknown option; see shiftmount %s --help", optopt,
				   verb);
	return usage_error("\"%s\": unknown option; see shiftmount %s --help", argv[optind - 1],
			   verb);
}

int parse_id_option(const char *opt, const char *s, uint32_t *ret)
{
	if (sm_parse_id(s, ret) < 0)
		return usage_error("%s: \"%s\": must be a number from 0 to 4294967294", opt, s);
	return 0;
}

void warning(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	say("warning: ", fmt, ap);
	va_end(ap);
}

void verbose(const char *fmt, ...)
{
	va_list ap;
	if (!cli_verbose)
		return;
	va_start(ap, fmt);
	say("", fmt, ap);
	va_end(ap);
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: shiftmount VERB [OPTIONS] ...\n\n"
		   "uid/gid-shifting bind mounts: a tree appears owned by a container's ids\n"
		   "without being chowned.\n\nVerbs:\n");
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		fprintf(f, "  %-11s %s\n", verbs[i].name, verbs[i].synopsis);
	fprintf(f, "\n'shiftmount VERB --help' describes a verb; shiftmount(1) has it all.\n"
		   "Exit status: 0 success, 1 the operation failed, 2 bad usage or input.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(stdout);
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("shiftmount %s\n", SM_VERSION);
		return EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (!strcmp(argv[1], verbs[i].name))
			return verbs[i].fn(argc - 1, argv + 1);
	usage_error("unknown verb \"%s\"; see shiftmount --help", argv[1]);
	return EXIT_USAGE;
}
