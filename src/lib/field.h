/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One row per tunnel parameter, for every place that writes, reads or
 * compares the parameters as a set: the control protocol's requests and
 * replies (gretund_proto.c, gretund_ctl.c, ctl.c), converge's "same
 * tunnel?" (cmd_up.c) and the state file, which is gretun.conf text
 * (runtime.c). A row has a protocol key, a config key, or both: the
 * protocol carries the GRE options of one direction as one list (iflags),
 * the config file as one key each (InputChecksum, InputSequence). The
 * rows with a config key are also gretun.conf's [Tunnel] keys and their
 * inline words (config.c parses them by kind, in the config spelling); what
 * is not one tunnel field (Key= and `csum', which set both directions,
 * Address, routes, hooks) is config.c's own. A new GRE option is one row
 * here, its kind if it is a new one (field.c for the protocol, config.c for
 * the config spelling), its netlink attribute, its use in the data path and
 * its man page rows.
 */
#ifndef GRETUN_FIELD_H
#define GRETUN_FIELD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "tunnel.h"

enum field_kind {
	FIELD_MODE,		/* gre | gretap | ip6gre | ip6gretap */
	FIELD_ADDR,		/* local: family from the mode */
	FIELD_REMOTE,		/* an address, or "any" | PREFIX (learning) */
	FIELD_LEARNED,		/* "ADDR,PORT,TIME": the peer a learning tunnel saw */
	FIELD_SECONDS,		/* "off" (0) or 1..65535 seconds */
	FIELD_KEY,		/* ikey, okey: the key and GRE_OPT_KEY in i/oflags */
	FIELD_GRE_FLAGS,	/* iflags, oflags: "csum,key,seq" | "none" */
	FIELD_GRE_FLAG,		/* one GRE_OPT_* bit of iflags or oflags: yes | no */
	FIELD_TTL,		/* 0 = inherit */
	FIELD_TOS,		/* "inherit" or a number */
	FIELD_BOOL,
	FIELD_IFNAME,		/* "" = none */
	FIELD_U32,		/* decimal or 0x hex */
	FIELD_ENCAP,		/* none | udp */
	FIELD_PORT,		/* 1..65535 */
	FIELD_SPORT,		/* "auto" (0) or 0..65535 */
	FIELD_KEEPALIVE,	/* "INTERVAL,RETRIES"; absent = off */
	FIELD_MTU,		/* "auto" (0) or 68..65535 */
	FIELD_BACKEND,		/* auto | kernel | userspace (config only) */
	FIELD_TABLE,		/* routing table number (config only) */
	FIELD_DATAPATH,		/* auto | bpf | userspace */
};

/* An inline word of `gretunctl up NAME WORD [VALUE]'. */
struct field_word {
	const char *word;
	const char *value;	/* a flag, no VALUE follows: the value it stands for */
};

#define FIELD_WORDS_MAX	3
/* the most rows the table may have (config.c keeps a line per row) */
#define TUNNEL_FIELDS_MAX	48

struct field {
	const char *ctl;	/* control protocol key, in requests and replies */
	const char *conf;	/* gretun.conf key in [Tunnel], as read and written */
	const char *what;	/* the noun of a config error: "invalid WHAT `VALUE'" */
	/* iproute2's words where it has them, else the lower-cased key; flags */
	struct field_word words[FIELD_WORDS_MAX];
	const char *json;	/* `gretunctl -j show' key; NULL: not a parameter there */
	const char *word;	/* the word `show' prints before the value */
	enum field_kind kind;
	uint32_t ctl_bit;	/* CTL_KEY_*: seen once per request */
	uint32_t has;		/* TUNNEL_HAS_* set by a value */
	size_t offset;		/* the member of struct tunnel */
	bool out;		/* FIELD_KEY, FIELD_GRE_FLAG(S): the output side */
	uint8_t bit;		/* FIELD_GRE_FLAG: which GRE_OPT_* */
	bool no_converge;	/* changed in place, never a reason to recreate */
};

/* A parameter's value as the protocol carries it: a reply writes it as
 * JSON of this type, a request as text. */
struct field_value {
	enum { FIELD_ABSENT, FIELD_STR, FIELD_NUM, FIELD_TRUE_FALSE } type;
	uint64_t num;
	bool on;
	char str[96];
};

extern const struct field tunnel_fields[];
extern const size_t tunnel_fields_n;

const struct field *field_by_ctl(const char *key);
/* The row of a gretun.conf [Tunnel] key, or of an inline word (*value: a
 * flag's value, NULL when a VALUE follows); NULL when none has it. */
const struct field *field_by_conf(const char *key);
const struct field *field_by_word(const char *word, const char **value);
/* t's value of f; FIELD_ABSENT when a request leaves it out. */
void field_get(const struct field *f, const struct tunnel *t, struct field_value *v);
/* The request text of v ("yes"/"no" for booleans); buf >= 96 bytes. */
const char *field_value_text(const struct field_value *v, char *buf, size_t size);
/* Set f in t from its protocol text: 0 or -EINVAL. An address's family
 * goes to *family (AF_INET or AF_INET6) when family is not NULL. */
int field_set(const struct field *f, struct tunnel *t, const char *val, int *family);
/* How `show' gives f: up to FIELD_SHOWN_MAX JSON members (key NULL: none; value
 * FIELD_ABSENT: null) and the words of the text form ("" for none). */
#define FIELD_SHOWN_MAX	3
struct field_shown {
	const char *key[FIELD_SHOWN_MAX];
	struct field_value val[FIELD_SHOWN_MAX];
	char text[128];
};
void field_show(const struct field *f, const struct tunnel *t, struct field_shown *s);
/* "Key = value" lines of every row with a config key that has a value in
 * t, in gretun.conf's spelling ([Tunnel] section, without the header). */
int tunnel_fields_format_conf(const struct tunnel *t, FILE *f);
/* Same value in a and b (both absent counts as the same). */
bool field_equal(const struct field *f, const struct tunnel *a, const struct tunnel *b);
/* Every field that converge compares is equal: no need to recreate. */
bool tunnel_fields_equal(const struct tunnel *a, const struct tunnel *b);
/* A past Unix time as people read it ("12 s ago", "3 min ago"; "never"
 * for 0), as `show' prints it. */
void field_format_ago(char *buf, size_t size, int64_t then, int64_t now);

#endif
