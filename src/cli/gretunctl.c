// SPDX-License-Identifier: GPL-2.0-or-later
/* gretunctl: the command table, global options, and what subcommands share. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "ctl.h"
#include "gretunctl.h"
#include "nl.h"
#include "parse.h"


struct globals g = {
	.config_dir = "/etc/gretun",
};
const char *prog = "gretunctl";

static const struct {
	const char *name;
	int (*fn)(int argc, char *argv[]);
	const char *usage;
	const char *description;
} subcommands[] = {
	{ "up", up_main, "NAME|FILE [OPTION [VALUE]]... | --all", "bring a tunnel up, or converge it to its config (--all: all of DIR)" },
	{ "set", set_main, "NAME OPTION [VALUE]...", "change some options of a tunnel that is up" },
	{ "down", down_main, "NAME|FILE | --all", "take a tunnel down: rules, routes, addresses, device (--all: all of DIR)" },
	{ "show", show_main, "[NAME]", "show tunnels: options, MTU, addresses, routes, rules, counters" },
	{ "list", list_main, "", "list the tunnels gretun manages" },
	{ "check", check_main, "NAME|FILE [OPTION [VALUE]]... | --all", "validate a config, change nothing" },
	{ "route", route_main, "add|del|replace|list|batch NAME ...", "manage routes over a tunnel (PREFIX or default)" },
	{ "restart", restart_main, "NAME|all", "hand the userspace data plane to a new gretund" },
	{ "version", version_main, "", "print the version" },
	{ "help", help_main, "[keys|words]", "print this usage, the config keys or the inline words" },
};

void errmsg(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	if (g.errbuf && g.errbuf_len && !g.errbuf[0]) {
		va_list aq;

		va_copy(aq, ap);
		vsnprintf(g.errbuf, g.errbuf_len, fmt, aq);
		va_end(aq);
	}
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void infomsg(const char *fmt, ...)
{
	va_list ap;

	if (g.quiet)
		return;
	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int exit_for_errno(int err)
{
	switch (-err) {
	case EPERM:
	case EACCES:
		return EXIT_PRIVILEGE;
	case ENODEV:
	case ENOENT:
		return EXIT_NOTFOUND;
	default:
		return EXIT_FAILED;
	}
}

const char *backend_reason_format(const struct backend_ops *be, const char *err, char *buf,
				  size_t size)
{
	if (!err || !*err)
		return "";
	snprintf(buf, size, " (%s: %s)", be == &backend_userspace ? "gretund" : "kernel", err);
	return buf;
}

const char *nl_reason_format(struct nl_sock *nl, char *buf, size_t size)
{
	char m[BACKEND_ERR_MAX];

	nl_errmsg(nl, m, sizeof(m));
	return backend_reason_format(&backend_kernel, m, buf, size);
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: %s [-j|--json] [-q] [--backend auto|kernel|userspace] [-c DIR] [--] COMMAND [ARGS]\n\n",
		prog);
	fputs("Commands:\n", f);
	for (size_t i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++)
		fprintf(f, "  %-8s %-38s %s\n", subcommands[i].name, subcommands[i].usage,
			subcommands[i].description);
	fputs("\nOptions:\n"
	      "  -j, --json            print JSON (show, list, route list)\n"
	      "  -q, --quiet           no informational messages\n"
	      "  --backend BACKEND     auto (default), kernel or userspace\n"
	      "  -c, --config-dir DIR  config directory (default /etc/gretun)\n"
	      "  -h, --help            this help\n"
	      "  --version             print the version\n"
	      "\nSee gretunctl(8) and gretun.conf(5).\n", f);
}

/* `help keys': "[Section] Key" a line; `help words': the inline words, a
 * flag alone, a word that takes a value followed by VALUE. From the tables
 * the parser reads, for the bash completion and the docs check. */
int help_main(int argc, char *argv[])
{
	const char *a, *b;
	char q[80];

	if (argc > 2 || (argc == 2 && strcmp(argv[1], "keys") && strcmp(argv[1], "words"))) {
		errmsg("help: unexpected argument `%s' (expected keys or words)",
		       parse_quote(argv[argc > 2 ? 2 : 1], q, sizeof(q)));
		return EXIT_USAGE;
	}
	if (argc == 1) {
		usage(stdout);
	} else if (!strcmp(argv[1], "keys")) {
		for (size_t i = 0; config_key_nth(i, &a, &b); i++)
			printf("[%s] %s\n", a, b);
	} else {
		for (size_t i = 0; config_word_nth(i, &a, &b); i++)
			printf("%s%s\n", a, b ? "" : " VALUE");
	}
	return EXIT_OK;
}

int version_main(int argc, char *argv[])
{
	if (argc > 1) {
		char q[80];

		errmsg("version: unexpected argument `%s'", parse_quote(argv[1], q, sizeof(q)));
		return EXIT_USAGE;
	}
	puts("gretun " PACKAGE_VERSION);
	return EXIT_OK;
}

static int backend_parse(const char *s, enum tunnel_backend *b)
{
	if (!strcmp(s, "auto"))
		*b = BACKEND_AUTO;
	else if (!strcmp(s, "kernel"))
		*b = BACKEND_KERNEL;
	else if (!strcmp(s, "userspace"))
		*b = BACKEND_USERSPACE;
	else
		return -EINVAL;
	return 0;
}

/* Global options may stand before the command or anywhere after it (as in
 * `show gre1 -j`); they are removed from argv. Returns an exit status or -1. */
static int globals_parse(int *argc, char *argv[])
{
	int out = 0;

	for (int i = 0; i < *argc; i++) {
		const char *a = argv[i];
		const char *val = NULL;

		/* `--' ends the options: it goes, what follows stays as is
		 * (a tunnel named `-j', say). */
		if (!strcmp(a, "--")) {
			while (++i < *argc)
				argv[out++] = argv[i];
			break;
		}
		if (!strcmp(a, "-j") || !strcmp(a, "--json")) {
			g.json = true;
		} else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
			g.quiet = true;
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return EXIT_OK;
		} else if (!strcmp(a, "--version")) {
			puts("gretun " PACKAGE_VERSION);
			return EXIT_OK;
		} else if (!strcmp(a, "--backend") || !strncmp(a, "--backend=", 10) ||
			   !strcmp(a, "-c") || !strcmp(a, "--config-dir") ||
			   !strncmp(a, "--config-dir=", 13)) {
			bool is_backend = !strncmp(a, "--backend", 9);
			const char *eq = strchr(a, '=');

			if (eq) {
				val = eq + 1;
			} else if (i + 1 < *argc) {
				val = argv[++i];
			} else {
				errmsg("option `%s' needs a value", a);
				return EXIT_USAGE;
			}
			if (is_backend) {
				if (backend_parse(val, &g.backend) < 0) {
					char q[80];

					errmsg("invalid backend `%s': expected auto, kernel or userspace",
					       parse_quote(val, q, sizeof(q)));
					return EXIT_USAGE;
				}
				g.backend_set = true;
			} else {
				if (!*val) {
					errmsg("invalid config directory `': expected a path");
					return EXIT_USAGE;
				}
				g.config_dir = val;
				g.config_dir_set = true;
			}
		} else {
			argv[out++] = argv[i];
		}
	}
	*argc = out;
	argv[out] = NULL;
	return -1;
}

int main(int argc, char *argv[])
{
	int ret;

	argc--;
	argv++;
	ret = globals_parse(&argc, argv);
	if (ret >= 0)
		return ret;
	if (argc < 1) {
		usage(stderr);
		return EXIT_USAGE;
	}
	for (size_t i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++) {
		if (!strcmp(argv[0], subcommands[i].name))
			return subcommands[i].fn(argc, argv);
	}
	{
		char q[80];

		errmsg("unknown command `%s' (try `%s --help')", parse_quote(argv[0], q, sizeof(q)),
		       prog);
	}
	return EXIT_USAGE;
}
