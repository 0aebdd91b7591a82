// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The tunnel parameter table (field.h). Values are read and written through
 * each row's kind; the parsers are parse.c's, strict (no sign, no octal, no
 * trailing bytes), so both ends of the control socket read one spelling.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "field.h"
#include "gretund_proto.h"
#include "inet.h"
#include "parse.h"

#define T(member)	offsetof(struct tunnel, member)
#define F(key, ckey, k, bit, has_bit, off, ...) \
	{ .ctl = key, .conf = ckey, .kind = k, .ctl_bit = bit, .has = has_bit, .offset = off, \
	  __VA_ARGS__ }
/* the inline words: VALUED takes a VALUE, a FLAG_WORD stands for one */
#define WORDS(...)	.words = { __VA_ARGS__ }
#define VALUED(w)	{ .word = w }
#define FLAG_WORD(w, v)	{ .word = w, .value = v }
/* the config and show words of a GRE option: yes/no, `icsum'/`noicsum' */
#define FLAG(ckey, has_bit, member, opt, name) \
	F(NULL, ckey, FIELD_GRE_FLAG, 0, has_bit, T(member), .bit = opt, \
	  .out = offsetof(struct tunnel, member) == offsetof(struct tunnel, oflags), \
	  .json = name, .word = name, .what = "boolean", \
	  WORDS(FLAG_WORD(name, "yes"), FLAG_WORD("no" name, "no")))

const struct field tunnel_fields[] = {
	F("mode", "Mode", FIELD_MODE, CTL_KEY_MODE, TUNNEL_HAS_MODE, T(mode),
	  .what = "mode", WORDS(VALUED("mode"))),
	F("local", "Local", FIELD_ADDR, CTL_KEY_LOCAL, TUNNEL_HAS_LOCAL, T(local),
	  .json = "local", .word = "local", .what = "address", WORDS(VALUED("local"))),
	F("remote", "Remote", FIELD_REMOTE, CTL_KEY_REMOTE, TUNNEL_HAS_REMOTE, T(remote),
	  .json = "remote", .word = "remote", .what = "address", WORDS(VALUED("remote"))),
	/* gretund's: the peer a learning tunnel saw last (not configured; a
	 * handover and the state file carry it in the create line) */
	F("learned", NULL, FIELD_LEARNED, CTL_KEY_LEARNED, TUNNEL_HAS_LEARNED, T(learned),
	  .json = "learned_remote", .word = "learned", .no_converge = true),
	F("ikey", "InputKey", FIELD_KEY, CTL_KEY_IKEY, TUNNEL_HAS_IKEY, T(ikey),
	  .json = "ikey", .word = "ikey", .what = "key",
	  WORDS(VALUED("ikey"), FLAG_WORD("noikey", ""))),
	F("okey", "OutputKey", FIELD_KEY, CTL_KEY_OKEY, TUNNEL_HAS_OKEY, T(okey), .out = true,
	  .json = "okey", .word = "okey", .what = "key",
	  WORDS(VALUED("okey"), FLAG_WORD("nookey", ""))),
	F("iflags", NULL, FIELD_GRE_FLAGS, CTL_KEY_IFLAGS, 0, T(iflags)),
	F("oflags", NULL, FIELD_GRE_FLAGS, CTL_KEY_OFLAGS, 0, T(oflags), .out = true),
	FLAG("InputChecksum", TUNNEL_HAS_ICSUM, iflags, GRE_OPT_CSUM, "icsum"),
	FLAG("OutputChecksum", TUNNEL_HAS_OCSUM, oflags, GRE_OPT_CSUM, "ocsum"),
	FLAG("InputSequence", TUNNEL_HAS_ISEQ, iflags, GRE_OPT_SEQ, "iseq"),
	FLAG("OutputSequence", TUNNEL_HAS_OSEQ, oflags, GRE_OPT_SEQ, "oseq"),
	F("ttl", "TTL", FIELD_TTL, CTL_KEY_TTL, TUNNEL_HAS_TTL, T(ttl), .json = "ttl", .word = "ttl",
	  .what = "TTL", WORDS(VALUED("ttl"))),
	F("tos", "TOS", FIELD_TOS, CTL_KEY_TOS, TUNNEL_HAS_TOS, T(tos), .json = "tos", .word = "tos",
	  .what = "TOS", WORDS(VALUED("tos"))),
	F("pmtudisc", "PMTUDiscovery", FIELD_BOOL, CTL_KEY_PMTUDISC, TUNNEL_HAS_PMTUDISC,
	  T(pmtudisc), .json = "pmtudisc", .word = "pmtudisc", .what = "boolean",
	  WORDS(FLAG_WORD("pmtudisc", "yes"), FLAG_WORD("nopmtudisc", "no"))),
	F("ignore_df", "IgnoreDF", FIELD_BOOL, CTL_KEY_IGNORE_DF, TUNNEL_HAS_IGNORE_DF,
	  T(ignore_df), .json = "ignore_df", .word = "ignore-df", .what = "boolean",
	  WORDS(FLAG_WORD("ignore-df", "yes"), FLAG_WORD("noignore-df", "no"))),
	F("dev", "Device", FIELD_IFNAME, CTL_KEY_DEV, TUNNEL_HAS_DEV, T(dev),
	  .json = "dev", .word = "dev", .what = "device name", WORDS(VALUED("dev"))),
	F("fwmark", "FirewallMark", FIELD_U32, CTL_KEY_FWMARK, TUNNEL_HAS_FWMARK, T(fwmark),
	  .json = "fwmark", .word = "fwmark", .what = "firewall mark", WORDS(VALUED("fwmark"))),
	F("encap", "Encapsulation", FIELD_ENCAP, CTL_KEY_ENCAP, TUNNEL_HAS_ENCAP, T(encap),
	  .json = "encapsulation", .word = "encapsulation", .what = "encapsulation",
	  WORDS(VALUED("encapsulation"), VALUED("encap"))),
	F("encap_dport", "EncapsulationPort", FIELD_PORT, CTL_KEY_ENCAP_DPORT,
	  TUNNEL_HAS_ENCAP_DPORT, T(encap_dport), .json = "encapsulation_port", .word = "port",
	  .what = "port", WORDS(VALUED("encapsulation-port"), VALUED("encap-dport"))),
	F("encap_sport", "EncapsulationSourcePort", FIELD_SPORT, CTL_KEY_ENCAP_SPORT,
	  TUNNEL_HAS_ENCAP_SPORT, T(encap_sport), .json = "encapsulation_source_port",
	  .word = "sport", .what = "port",
	  WORDS(VALUED("encapsulation-source-port"), VALUED("encap-sport"))),
	/* an MTU change is applied to the device as it is */
	F("mtu", "MTU", FIELD_MTU, CTL_KEY_MTU, TUNNEL_HAS_MTU, T(mtu), .no_converge = true,
	  .what = "MTU", WORDS(VALUED("mtu"))),
	/* gretunctl's own (no protocol key): which backend serves the tunnel
	 * and the table its routes go to; in the state file's old order */
	F(NULL, "Backend", FIELD_BACKEND, 0, TUNNEL_HAS_BACKEND, T(backend), .no_converge = true,
	  .what = "backend", WORDS(VALUED("backend"))),
	F("keepalive", "Keepalive", FIELD_KEEPALIVE, CTL_KEY_KEEPALIVE, TUNNEL_HAS_KEEPALIVE, 0,
	  .what = "keepalive", WORDS(VALUED("keepalive"))),
	F("persistent_keepalive", "PersistentKeepalive", FIELD_SECONDS,
	  CTL_KEY_PERSISTENT_KEEPALIVE, TUNNEL_HAS_PERSISTENT_KEEPALIVE, T(persistent_keepalive),
	  .json = "persistent_keepalive", .word = "persistent-keepalive",
	  .what = "persistent keepalive", WORDS(VALUED("persistent-keepalive"))),
	F(NULL, "Table", FIELD_TABLE, 0, TUNNEL_HAS_TABLE, T(table), .no_converge = true,
	  .what = "table", WORDS(VALUED("table"))),
	/* gretund moves a tunnel between its data paths in place; show gives
	 * the one that serves it (gretund's reply), not this wish */
	F("datapath", "Datapath", FIELD_DATAPATH, CTL_KEY_DATAPATH, TUNNEL_HAS_DATAPATH,
	  T(datapath), .no_converge = true, .what = "data path", WORDS(VALUED("datapath"))),
};

_Static_assert(sizeof(tunnel_fields) / sizeof(tunnel_fields[0]) <= TUNNEL_FIELDS_MAX,
	       "TUNNEL_FIELDS_MAX too small for the field table");

const size_t tunnel_fields_n = sizeof(tunnel_fields) / sizeof(tunnel_fields[0]);

#define MEMBER(t, f, type)	((type *)(void *)((char *)(t) + (f)->offset))
#define CMEMBER(t, f, type)	((const type *)(const void *)((const char *)(t) + (f)->offset))

const struct field *field_by_ctl(const char *key)
{
	for (size_t i = 0; i < tunnel_fields_n; i++)
		if (tunnel_fields[i].ctl && !strcmp(tunnel_fields[i].ctl, key))
			return &tunnel_fields[i];
	return NULL;
}

const struct field *field_by_conf(const char *key)
{
	for (size_t i = 0; i < tunnel_fields_n; i++)
		if (tunnel_fields[i].conf && !strcmp(tunnel_fields[i].conf, key))
			return &tunnel_fields[i];
	return NULL;
}

const struct field *field_by_word(const char *word, const char **value)
{
	for (size_t i = 0; i < tunnel_fields_n; i++) {
		const struct field_word *w = tunnel_fields[i].words;

		for (size_t k = 0; k < FIELD_WORDS_MAX && w[k].word; k++) {
			if (!strcmp(w[k].word, word)) {
				*value = w[k].value;
				return &tunnel_fields[i];
			}
		}
	}
	return NULL;
}

static void value_str(struct field_value *v, const char *s)
{
	v->type = FIELD_STR;
	snprintf(v->str, sizeof(v->str), "%s", s);
}

static void value_num(struct field_value *v, uint64_t n)
{
	v->type = FIELD_NUM;
	v->num = n;
}

static uint8_t gre_flags(const struct field *f, const struct tunnel *t)
{
	return f->out ? t->oflags : t->iflags;
}

/* FIELD_KEY and FIELD_GRE_FLAGS name one side of the tunnel */
static uint8_t *gre_flags_of(const struct field *f, struct tunnel *t)
{
	return f->out ? &t->oflags : &t->iflags;
}

static void get_addr(const struct field *f, const struct tunnel *t, struct field_value *v)
{
	char buf[INET6_ADDRSTRLEN];

	/* a request always carries the remote (gretund requires it) */
	if (f->has == TUNNEL_HAS_LOCAL && !(t->flags & TUNNEL_HAS_LOCAL))
		return;
	value_str(v, inet_ntop(t->family, CMEMBER(t, f, union inet_addr), buf, sizeof(buf)) ?
		  buf : "?");
}

/* Remote: the address, or for a learning tunnel "any" or its prefix. */
static void get_remote(const struct tunnel *t, struct field_value *v)
{
	char buf[INET6_ADDRSTRLEN];

	if (!tunnel_learns(t)) {
		value_str(v, inet_ntop(t->family, &t->remote, buf, sizeof(buf)) ? buf : "?");
		return;
	}
	if (!t->remote_plen) {
		value_str(v, "any");
		return;
	}
	v->type = FIELD_STR;
	snprintf(v->str, sizeof(v->str), "%s/%u",
		 inet_ntop(t->family, &t->remote, buf, sizeof(buf)) ? buf : "?", t->remote_plen);
}

static void get_learned(const struct tunnel *t, struct field_value *v)
{
	char buf[INET6_ADDRSTRLEN];

	if (!(t->flags & TUNNEL_HAS_LEARNED))
		return;
	v->type = FIELD_STR;
	snprintf(v->str, sizeof(v->str), "%s,%u,%" PRId64,
		 inet_ntop(t->family, &t->learned.addr, buf, sizeof(buf)) ? buf : "?",
		 t->learned.port, t->learned.changed);
}

void field_get(const struct field *f, const struct tunnel *t, struct field_value *v)
{
	char buf[24];

	memset(v, 0, sizeof(*v));
	switch (f->kind) {
	case FIELD_MODE:
		value_str(v, tunnel_mode_name(t->mode));
		break;
	case FIELD_ADDR:
		get_addr(f, t, v);
		break;
	case FIELD_REMOTE:
		get_remote(t, v);
		break;
	case FIELD_LEARNED:
		get_learned(t, v);
		break;
	case FIELD_SECONDS:
		if (*CMEMBER(t, f, uint16_t))
			value_num(v, *CMEMBER(t, f, uint16_t));
		break;
	case FIELD_KEY:
		if (gre_flags(f, t) & GRE_OPT_KEY)
			value_num(v, *CMEMBER(t, f, uint32_t));
		break;
	case FIELD_GRE_FLAGS:
		value_str(v, ctl_flags_str(gre_flags(f, t), buf, sizeof(buf)));
		break;
	case FIELD_GRE_FLAG:
		v->type = FIELD_TRUE_FALSE;
		v->on = gre_flags(f, t) & f->bit;
		break;
	case FIELD_TTL:
		value_num(v, t->ttl);
		break;
	case FIELD_TOS:
		if (t->tos_inherit)
			value_str(v, "inherit");
		else
			value_num(v, t->tos);
		break;
	case FIELD_BOOL:
		v->type = FIELD_TRUE_FALSE;
		v->on = *CMEMBER(t, f, bool);
		break;
	case FIELD_IFNAME:
		if (*CMEMBER(t, f, char))
			value_str(v, CMEMBER(t, f, char));
		break;
	case FIELD_U32:
	case FIELD_MTU:
		value_num(v, *CMEMBER(t, f, uint32_t));
		break;
	case FIELD_ENCAP:
		value_str(v, t->encap == ENCAP_UDP ? "udp" : "none");
		break;
	case FIELD_PORT:
	case FIELD_SPORT:
		value_num(v, *CMEMBER(t, f, uint16_t));
		break;
	case FIELD_KEEPALIVE:
		if (t->keepalive_interval) {
			snprintf(buf, sizeof(buf), "%u,%u", t->keepalive_interval,
				 t->keepalive_retries);
			value_str(v, buf);
		}
		break;
	case FIELD_BACKEND:
		value_str(v, tunnel_backend_name(t->backend));
		break;
	case FIELD_TABLE:
		value_num(v, t->table);
		break;
	case FIELD_DATAPATH:
		/* auto is said by saying nothing: requests, replies and state
		 * files of tunnels that do not choose stay as they were */
		if (t->datapath != DATAPATH_AUTO)
			value_str(v, tunnel_datapath_name(t->datapath));
		break;
	}
}

/* The config file's spelling where it differs from the protocol's: words
 * for the 0 that means inherit/auto, TOS in hex, keepalive "I R", no MTU
 * line for auto. false: no line. */
static bool conf_text(const struct field *f, const struct tunnel *t, char *buf, size_t size)
{
	struct field_value v;

	switch (f->kind) {
	case FIELD_TTL:
		return snprintf(buf, size, t->ttl ? "%u" : "inherit", t->ttl) > 0;
	case FIELD_TOS:
		return snprintf(buf, size, t->tos_inherit ? "inherit" : "0x%02x", t->tos) > 0;
	case FIELD_SPORT:
		return snprintf(buf, size, t->encap_sport ? "%u" : "auto", t->encap_sport) > 0;
	case FIELD_MTU:
		return t->mtu && snprintf(buf, size, "%u", t->mtu) > 0;
	case FIELD_KEEPALIVE:
		return t->keepalive_interval &&
		       snprintf(buf, size, "%u %u", t->keepalive_interval, t->keepalive_retries) > 0;
	default:
		field_get(f, t, &v);
		return v.type != FIELD_ABSENT && field_value_text(&v, buf, size);
	}
}

/* The text form's words where they are not "WORD VALUE": a flag is its
 * word when on, a default or an unset value says nothing. */
static void show_text(const struct field *f, const struct tunnel *t,
		      const struct field_value *v, char *buf, size_t size)
{
	char val[96];

	buf[0] = '\0';
	switch (f->kind) {
	case FIELD_ADDR:
		if (f->has == TUNNEL_HAS_LOCAL)	/* the line starts here */
			snprintf(buf, size, "  local %s", v->type == FIELD_ABSENT ? "any" : v->str);
		else if (v->type != FIELD_ABSENT)
			snprintf(buf, size, " %s %s", f->word, v->str);
		return;
	case FIELD_GRE_FLAG:
	case FIELD_BOOL:
		if (v->on)
			snprintf(buf, size, " %s", f->word);
		else if (f->has == TUNNEL_HAS_PMTUDISC)
			snprintf(buf, size, " no%s", f->word);
		return;
	case FIELD_TTL:
		snprintf(buf, size, t->ttl ? " ttl %u" : " ttl inherit", t->ttl);
		return;
	case FIELD_TOS:
		if (t->tos_inherit)
			snprintf(buf, size, " tos inherit");
		else if (t->tos)
			snprintf(buf, size, " tos 0x%02x", t->tos);
		return;
	case FIELD_U32:
		if (v->num)
			snprintf(buf, size, " %s 0x%" PRIx64, f->word, v->num);
		return;
	case FIELD_SECONDS:
		if (v->num)
			snprintf(buf, size, " %s %" PRIu64, f->word, v->num);
		return;
	case FIELD_ENCAP:
	case FIELD_PORT:
	case FIELD_SPORT:
		/* GRE-in-UDP's words, only for a GRE-in-UDP tunnel */
		if (t->encap == ENCAP_UDP && (f->kind != FIELD_SPORT || v->num))
			snprintf(buf, size, " %s %s", f->word, field_value_text(v, val, sizeof(val)));
		return;
	default:
		if (v->type != FIELD_ABSENT)
			snprintf(buf, size, " %s %s", f->word, field_value_text(v, val, sizeof(val)));
		return;
	}
}

void field_format_ago(char *buf, size_t size, int64_t then, int64_t now)
{
	int64_t d = now - then;

	if (!then) {
		snprintf(buf, size, "never");
		return;
	}
	if (d < 0)
		d = 0;
	if (d < 120)
		snprintf(buf, size, "%" PRId64 " s ago", d);
	else if (d < 120 * 60)
		snprintf(buf, size, "%" PRId64 " min ago", d / 60);
	else if (d < 48 * 3600)
		snprintf(buf, size, "%" PRId64 " h ago", d / 3600);
	else
		snprintf(buf, size, "%" PRId64 " d ago", d / 86400);
}

/* The learned peer: its address, UDP port (GRE-in-UDP) and when it last
 * changed as JSON members, "learned ADDR:PORT (12 s ago)" as text, both
 * only said of a learning tunnel (null and nothing otherwise). */
static void show_learned(const struct tunnel *t, struct field_shown *s)
{
	char addr[INET6_ADDRSTRLEN], ago[32];
	bool has = t->flags & TUNNEL_HAS_LEARNED, udp = t->encap == ENCAP_UDP;

	s->key[1] = "learned_port";
	s->key[2] = "learned_at";
	s->val[0].type = FIELD_ABSENT;
	if (!tunnel_learns(t))
		return;
	if (!has) {
		snprintf(s->text, sizeof(s->text), " learned nothing yet");
		return;
	}
	if (!inet_ntop(t->family, &t->learned.addr, addr, sizeof(addr)))
		snprintf(addr, sizeof(addr), "?");
	value_str(&s->val[0], addr);
	if (udp)
		value_num(&s->val[1], t->learned.port);
	value_num(&s->val[2], (uint64_t)t->learned.changed);
	field_format_ago(ago, sizeof(ago), t->learned.changed, (int64_t)time(NULL));
	if (!udp)
		snprintf(s->text, sizeof(s->text), " learned %s (%s)", addr, ago);
	else if (t->family == AF_INET6)
		snprintf(s->text, sizeof(s->text), " learned [%s]:%u (%s)", addr, t->learned.port, ago);
	else
		snprintf(s->text, sizeof(s->text), " learned %s:%u (%s)", addr, t->learned.port, ago);
}

void field_show(const struct field *f, const struct tunnel *t, struct field_shown *s)
{
	memset(s, 0, sizeof(*s));
	if (!f->json)
		return;
	s->key[0] = f->json;
	if (f->kind == FIELD_LEARNED) {
		show_learned(t, s);
		return;
	}
	field_get(f, t, &s->val[0]);
	if ((f->kind == FIELD_ADDR || f->kind == FIELD_REMOTE) && !(t->flags & f->has))
		s->val[0].type = FIELD_ABSENT;	/* show: null, as for local */
	if (f->kind == FIELD_SECONDS && s->val[0].type == FIELD_ABSENT)
		value_num(&s->val[0], 0);	/* JSON: 0 is off */
	if (f->kind == FIELD_TOS) {
		/* a number always, inherit as a member of its own */
		value_num(&s->val[0], t->tos);
		s->key[1] = "tos_inherit";
		s->val[1].type = FIELD_TRUE_FALSE;
		s->val[1].on = t->tos_inherit;
	}
	show_text(f, t, &s->val[0], s->text, sizeof(s->text));
}

int tunnel_fields_format_conf(const struct tunnel *t, FILE *f)
{
	char buf[96];

	for (size_t i = 0; i < tunnel_fields_n; i++)
		if (tunnel_fields[i].conf && conf_text(&tunnel_fields[i], t, buf, sizeof(buf)))
			fprintf(f, "%s = %s\n", tunnel_fields[i].conf, buf);
	return ferror(f) ? -EIO : 0;
}

const char *field_value_text(const struct field_value *v, char *buf, size_t size)
{
	switch (v->type) {
	case FIELD_STR:
		snprintf(buf, size, "%s", v->str);
		break;
	case FIELD_NUM:
		snprintf(buf, size, "%" PRIu64, v->num);
		break;
	case FIELD_TRUE_FALSE:
		snprintf(buf, size, "%s", v->on ? "yes" : "no");
		break;
	default:
		snprintf(buf, size, "%s", "");
		break;
	}
	return buf;
}

static int number(const char *s, uint32_t min, uint32_t max, uint32_t *out)
{
	return parse_u32(s, min, max, true, out, NULL, 0) ? -EINVAL : 0;
}

/* "inherit"/"auto"/"off" word, else a number in [min, max] */
static int number_or(const char *s, const char *word, uint32_t min, uint32_t max, uint32_t *out)
{
	if (!strcmp(s, word)) {
		*out = 0;
		return 0;
	}
	return number(s, min, max, out);
}

static int set_gre_flags(uint8_t *flags, const char *s)
{
	static const struct {
		const char *word;
		uint8_t bit;
	} words[] = { { "csum", GRE_OPT_CSUM }, { "key", GRE_OPT_KEY }, { "seq", GRE_OPT_SEQ } };
	const char *p = s;
	uint8_t f = 0;

	if (!strcmp(s, "none")) {
		*flags = 0;
		return 0;
	}
	/* a comma list, no empty word ("csum,,key", a trailing comma) */
	while (*p) {
		size_t len = strcspn(p, ","), i;

		for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
			if (len == strlen(words[i].word) && !strncmp(p, words[i].word, len))
				break;
		if (i == sizeof(words) / sizeof(words[0]))
			return -EINVAL;
		f |= words[i].bit;
		p += len;
		if (*p == ',' && !*++p)
			return -EINVAL;
	}
	if (p == s)
		return -EINVAL;
	*flags |= f;
	return 0;
}

static int set_keepalive(struct tunnel *t, const char *s)
{
	uint32_t iv, rt;
	char buf[24], *comma;

	if (!strcmp(s, "off")) {
		t->keepalive_interval = 0;
		t->keepalive_retries = 0;
		return 1;	/* nothing given: no HAS bit */
	}
	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	comma = strchr(buf, ',');
	if (!comma)
		return -EINVAL;
	*comma = '\0';
	if (number(buf, 0, 65535, &iv) || number(comma + 1, 0, 255, &rt))
		return -EINVAL;
	t->keepalive_interval = (uint16_t)iv;
	t->keepalive_retries = (uint8_t)rt;
	return 0;
}

static int set_remote(struct tunnel *t, const char *s, int *family)
{
	bool learn;

	if (parse_remote(s, &t->remote, &t->remote_plen, &learn, family, NULL, 0))
		return -EINVAL;
	if (learn)
		t->flags |= TUNNEL_HAS_REMOTE_PREFIX;
	else
		t->flags &= ~TUNNEL_HAS_REMOTE_PREFIX;
	return 0;
}

/* "ADDR,PORT,TIME", each strict; the address's family to *family. */
static int set_learned(struct tunnel *t, const char *s, int *family)
{
	char buf[INET6_ADDRSTRLEN + 32], *c1, *c2;
	uint32_t port;
	uint64_t when = 0;

	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	c1 = strchr(buf, ',');
	c2 = c1 ? strchr(c1 + 1, ',') : NULL;
	if (!c2 || !c2[1] || strlen(c2 + 1) > 18)
		return -EINVAL;
	*c1 = *c2 = '\0';
	for (const char *p = c2 + 1; *p; p++) {
		if (*p < '0' || *p > '9')
			return -EINVAL;
		when = when * 10 + (uint64_t)(*p - '0');
	}
	if (parse_addr(buf, AF_UNSPEC, &t->learned.addr, family, NULL, 0) ||
	    number(c1 + 1, 0, 65535, &port))
		return -EINVAL;
	t->learned.port = (uint16_t)port;
	t->learned.changed = (int64_t)when;
	return 0;
}

static int set_tos(struct tunnel *t, const char *s)
{
	uint32_t v;

	if (!strcmp(s, "inherit")) {
		t->tos_inherit = true;
		t->tos = 0;
		return 0;
	}
	if (number(s, 0, 255, &v))
		return -EINVAL;
	t->tos_inherit = false;
	t->tos = (uint8_t)v;
	return 0;
}

/* The kinds whose value is a plain unsigned number of some width. */
static int set_number(const struct field *f, struct tunnel *t, const char *s)
{
	uint32_t v;

	switch (f->kind) {
	case FIELD_TTL:
		if (number_or(s, "inherit", 0, 255, &v))
			return -EINVAL;
		*MEMBER(t, f, uint8_t) = (uint8_t)v;
		return 0;
	case FIELD_U32:
		return number(s, 0, UINT32_MAX, MEMBER(t, f, uint32_t));
	case FIELD_MTU:
		if (number_or(s, "auto", 0, 65535, &v) || (v && v < 68))
			return -EINVAL;
		*MEMBER(t, f, uint32_t) = v;
		return 0;
	case FIELD_PORT:
	case FIELD_SPORT:
		if (f->kind == FIELD_SPORT ? number_or(s, "auto", 0, 65535, &v) :
					     number(s, 1, 65535, &v))
			return -EINVAL;
		*MEMBER(t, f, uint16_t) = (uint16_t)v;
		return 0;
	default:
		return -EINVAL;
	}
}

static int set_value(const struct field *f, struct tunnel *t, const char *s, int *family)
{
	bool b;

	switch (f->kind) {
	case FIELD_MODE:
		if (tunnel_mode_parse(s, &t->mode))
			return -EINVAL;
		t->family = tunnel_mode_family(t->mode);
		return 0;
	case FIELD_ADDR:
		return parse_addr(s, AF_UNSPEC, MEMBER(t, f, union inet_addr), family, NULL, 0);
	case FIELD_REMOTE:
		return set_remote(t, s, family);
	case FIELD_LEARNED:
		return set_learned(t, s, family);
	case FIELD_SECONDS:
		if (parse_persistent_keepalive(s, MEMBER(t, f, uint16_t), NULL, 0))
			return -EINVAL;
		return *MEMBER(t, f, uint16_t) ? 0 : 1;	/* off: no HAS bit */
	case FIELD_KEY:
		if (parse_key(s, MEMBER(t, f, uint32_t), NULL, 0))
			return -EINVAL;
		*gre_flags_of(f, t) |= GRE_OPT_KEY;
		return 0;
	case FIELD_GRE_FLAGS:
		return set_gre_flags(gre_flags_of(f, t), s);
	case FIELD_TOS:
		return set_tos(t, s);
	case FIELD_BOOL:
		if (parse_bool(s, &b, NULL, 0))
			return -EINVAL;
		*MEMBER(t, f, bool) = b;
		return 0;
	case FIELD_IFNAME:
		if (*s && !ifname_valid(s))
			return -EINVAL;
		snprintf(MEMBER(t, f, char), IFNAMSIZ, "%s", s);
		return *s ? 0 : 1;	/* "" is none: no HAS bit */
	case FIELD_ENCAP:
		return parse_encap(s, &t->encap, NULL, 0);
	case FIELD_KEEPALIVE:
		return set_keepalive(t, s);
	case FIELD_DATAPATH:
		return tunnel_datapath_parse(s, &t->datapath);
	default:
		return set_number(f, t, s);
	}
}

int field_set(const struct field *f, struct tunnel *t, const char *val, int *family)
{
	int ret = set_value(f, t, val, family);

	if (ret < 0)
		return ret;
	if (f->kind == FIELD_GRE_FLAGS) {
		uint8_t fl = gre_flags(f, t);

		/* which options were given, for the HAS bits of config.c */
		if (fl & GRE_OPT_CSUM)
			t->flags |= f->out ? TUNNEL_HAS_OCSUM : TUNNEL_HAS_ICSUM;
		if (fl & GRE_OPT_SEQ)
			t->flags |= f->out ? TUNNEL_HAS_OSEQ : TUNNEL_HAS_ISEQ;
	} else if (ret == 0) {
		t->flags |= f->has;
	}
	return 0;
}

bool field_equal(const struct field *f, const struct tunnel *a, const struct tunnel *b)
{
	struct field_value va, vb;

	field_get(f, a, &va);
	field_get(f, b, &vb);
	if (va.type != vb.type)
		return false;
	switch (va.type) {
	case FIELD_STR:
		return !strcmp(va.str, vb.str);
	case FIELD_NUM:
		return va.num == vb.num;
	case FIELD_TRUE_FALSE:
		return va.on == vb.on;
	default:
		return true;
	}
}

bool tunnel_fields_equal(const struct tunnel *a, const struct tunnel *b)
{
	if (a->family != b->family)
		return false;
	for (size_t i = 0; i < tunnel_fields_n; i++)
		if (!tunnel_fields[i].no_converge && !field_equal(&tunnel_fields[i], a, b))
			return false;
	return true;
}
