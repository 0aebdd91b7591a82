// SPDX-License-Identifier: GPL-2.0-or-later
/* field.h: the tunnel parameter table, its values, parsers and equality. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "field.h"
#include "gretund_proto.h"
#include "suite.h"

/* A tunnel through a request line and back is the same tunnel. */
static void roundtrip(const char *line)
{
	struct ctl_request a, b;
	char err[CTL_ERR_MAX] = "", out[CTL_LINE_MAX];
	int n;

	ck_assert_msg(!ctl_request_parse(line, strlen(line), &a, err, sizeof(err)), "%s: %s",
		      line, err);
	n = ctl_request_format(out, sizeof(out), CTL_CMD_CREATE, &a.t);
	ck_assert_int_gt(n, 0);
	ck_assert_msg(!ctl_request_parse(out, (size_t)n, &b, err, sizeof(err)), "%s: %s", out,
		      err);
	ck_assert_msg(tunnel_fields_equal(&a.t, &b.t), "%s -> %s", line, out);
	ck_assert_uint_eq(a.t.mtu, b.t.mtu);
	/* what was given stays given (the line sends every default too) */
	ck_assert_uint_eq(a.t.flags & b.t.flags, a.t.flags);
}

START_TEST(test_roundtrip)
{
	roundtrip("create g1 mode=gre remote=192.0.2.2");
	roundtrip("create g2 mode=gre local=192.0.2.1 remote=192.0.2.2 ikey=7 okey=0.0.0.9 "
		  "iflags=csum,seq oflags=seq ttl=64 tos=0x10 pmtudisc=yes dev=eth0 fwmark=0x2a");
	roundtrip("create g3 mode=ip6gretap local=2001:db8::1 remote=2001:db8::2 tos=inherit "
		  "ttl=inherit pmtudisc=no ignore_df=yes encap=udp encap_dport=4754 "
		  "encap_sport=auto mtu=1400");
	roundtrip("create g4 mode=gre remote=192.0.2.2 keepalive=10,3 encap=fou encap_sport=5000");
	roundtrip("create g5 mode=gre remote=192.0.2.2 datapath=bpf");
}
END_TEST

/* Datapath goes to gretund when chosen; auto is said by saying nothing. */
START_TEST(test_datapath)
{
	static const char *const line[] = {
		"create g1 mode=gre remote=192.0.2.2",
		"create g1 mode=gre remote=192.0.2.2 datapath=auto",
		"create g1 mode=gre remote=192.0.2.2 datapath=bpf",
		"create g1 mode=gre remote=192.0.2.2 datapath=userspace",
	};
	static const enum tunnel_datapath want[] = { DATAPATH_AUTO, DATAPATH_AUTO, DATAPATH_BPF,
						     DATAPATH_USERSPACE };
	struct ctl_request a, b;
	char err[CTL_ERR_MAX] = "", out[CTL_LINE_MAX];
	int n;

	for (size_t i = 0; i < sizeof(line) / sizeof(line[0]); i++) {
		ck_assert_msg(!ctl_request_parse(line[i], strlen(line[i]), &a, err, sizeof(err)),
			      "%s: %s", line[i], err);
		ck_assert_int_eq(a.t.datapath, want[i]);
		n = ctl_request_format(out, sizeof(out), CTL_CMD_CREATE, &a.t);
		ck_assert_int_gt(n, 0);
		ck_assert_msg((strstr(out, "datapath=") != NULL) == (want[i] != DATAPATH_AUTO),
			      "%s", out);
		ck_assert(!ctl_request_parse(out, (size_t)n, &b, err, sizeof(err)));
		ck_assert_int_eq(b.t.datapath, want[i]);
	}
	ck_assert(ctl_request_parse("create x mode=gre remote=192.0.2.2 datapath=xdp", 47, &a, err,
				    sizeof(err)) < 0);
	ck_assert_str_eq(err, "invalid datapath `xdp'");
}
END_TEST

/* Each kind refuses what is not its spelling, naming the key. */
START_TEST(test_invalid)
{
	static const char *const bad[] = {
		"mode=gre6", "remote=192.0.2", "ikey=-1", "ikey=4294967296", "iflags=csum,",
		"iflags=,csum", "iflags=csum,,seq", "iflags=", "oflags=key,crc", "ttl=256",
		"ttl=+1", "tos=0x100", "pmtudisc=maybe", "dev=a/b", "fwmark=010x",
		"encap=gue", "encap_dport=0", "encap_dport=auto", "encap_sport=65536",
		"keepalive=10", "keepalive=10,256", "mtu=67", "mtu=65536", "ttl=1 ttl=2",
	};
	char line[256], err[CTL_ERR_MAX];
	struct ctl_request r;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(line, sizeof(line), "create x mode=gre remote=192.0.2.2 %s", bad[i]);
		if (!strncmp(bad[i], "mode=", 5) || !strncmp(bad[i], "remote=", 7))
			snprintf(line, sizeof(line), "create x %s", bad[i]);
		err[0] = '\0';
		ck_assert_msg(ctl_request_parse(line, strlen(line), &r, err, sizeof(err)) < 0,
			      "accepted: %s", bad[i]);
		ck_assert_msg(err[0], "no message for %s", bad[i]);
	}
}
END_TEST

/* Every protocol key is one row, with its own seen bit. */
START_TEST(test_table)
{
	uint32_t bits = 0;

	for (size_t i = 0; i < tunnel_fields_n; i++) {
		const struct field *f = &tunnel_fields[i];

		ck_assert_msg(f->ctl || f->conf, "row %zu has no key", i);
		/* a config key is also parsed, read inline and named in errors */
		if (f->conf) {
			const char *v = "?";

			ck_assert_ptr_eq(field_by_conf(f->conf), f);
			ck_assert_msg(f->what && *f->what, "%s: no noun for errors", f->conf);
			ck_assert_msg(f->words[0].word, "%s: no inline word", f->conf);
			for (size_t k = 0; k < FIELD_WORDS_MAX && f->words[k].word; k++) {
				ck_assert_ptr_eq(field_by_word(f->words[k].word, &v), f);
				ck_assert_ptr_eq(v, f->words[k].value);
			}
		} else {
			ck_assert_msg(!f->words[0].word, "%s: inline words but no config key", f->ctl);
		}
		if (!f->ctl)
			continue;
		ck_assert_ptr_eq(field_by_ctl(f->ctl), f);
		ck_assert_msg(f->ctl_bit && !(bits & f->ctl_bit), "%s: seen bit", f->ctl);
		bits |= f->ctl_bit;
		ck_assert(ctl_param_known(f->ctl));
	}
	ck_assert_ptr_null(field_by_ctl("key"));
	ck_assert_ptr_null(field_by_conf("Key"));	/* config.c's own: both directions */
}
END_TEST

/* Converge: a key that is not sent does not count; MTU never does. */
START_TEST(test_equal)
{
	struct tunnel a, b;

	tunnel_init(&a);
	tunnel_init(&b);
	a.mode = b.mode = MODE_GRE;
	a.family = b.family = AF_INET;
	ck_assert(tunnel_fields_equal(&a, &b));
	a.ikey = 5;		/* no GRE_OPT_KEY: not a key */
	ck_assert(tunnel_fields_equal(&a, &b));
	a.iflags |= GRE_OPT_KEY;
	ck_assert(!tunnel_fields_equal(&a, &b));
	b.iflags |= GRE_OPT_KEY;
	b.ikey = 5;
	ck_assert(tunnel_fields_equal(&a, &b));
	a.mtu = 1400;
	ck_assert(tunnel_fields_equal(&a, &b));
	a.tos_inherit = !b.tos_inherit;
	ck_assert(!tunnel_fields_equal(&a, &b));
}
END_TEST

/* The state file's [Tunnel] lines: the spelling gretun.conf(5) documents,
 * the same bytes as before the table, and read back as the same tunnel. */
START_TEST(test_conf)
{
	static const char want[] =
		"Mode = ip6gre\n"
		"Local = 2001:db8::1\n"
		"Remote = 2001:db8::2\n"
		"InputKey = 7\n"
		"InputChecksum = yes\n"
		"OutputChecksum = no\n"
		"InputSequence = no\n"
		"OutputSequence = yes\n"
		"TTL = inherit\n"
		"TOS = 0x10\n"
		"PMTUDiscovery = yes\n"
		"IgnoreDF = no\n"
		"Device = eth0\n"
		"FirewallMark = 42\n"
		"Encapsulation = udp\n"
		"EncapsulationPort = 4754\n"
		"EncapsulationSourcePort = auto\n"
		"MTU = 1400\n"
		"Backend = userspace\n"
		"Table = 100\n";
	const char *line = "create c1 mode=ip6gre local=2001:db8::1 remote=2001:db8::2 ikey=7 "
			   "iflags=csum oflags=seq ttl=inherit tos=16 dev=eth0 fwmark=42 encap=udp "
			   "mtu=1400";
	char err[CTL_ERR_MAX] = "", *text = NULL;
	struct ctl_request r;
	struct tunnel back;
	size_t len = 0;
	FILE *f;

	ck_assert_msg(!ctl_request_parse(line, strlen(line), &r, err, sizeof(err)), "%s", err);
	r.t.backend = BACKEND_USERSPACE;
	r.t.table = 100;
	f = open_memstream(&text, &len);
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(tunnel_fields_format_conf(&r.t, f), 0);
	fclose(f);
	ck_assert_str_eq(text, want);

	/* as a config file: the same tunnel */
	tunnel_init(&back);
	{
		char *conf = NULL;
		size_t clen = 0;
		FILE *c = open_memstream(&conf, &clen);

		fputs("[Tunnel]\n", c);
		fputs(text, c);
		fclose(c);
		ck_assert_msg(!config_parse_buffer("state", conf, clen, &back, err, sizeof(err)),
			      "%s", err);
		free(conf);
	}
	ck_assert_msg(!config_finalize(&back, err, sizeof(err)), "%s", err);
	for (size_t i = 0; i < tunnel_fields_n; i++)
		ck_assert_msg(field_equal(&tunnel_fields[i], &r.t, &back), "%s differs",
			      tunnel_fields[i].conf ? tunnel_fields[i].conf : tunnel_fields[i].ctl);
	ck_assert_uint_eq(back.mtu, 1400);
	ck_assert_int_eq(back.backend, BACKEND_USERSPACE);
	ck_assert_uint_eq(back.table, 100);
	tunnel_free(&back);
	free(text);
}
END_TEST

/* `show': the text line and the JSON members, as gretunctl(8) documents */
START_TEST(test_show)
{
	const char *line = "create s1 mode=gre remote=192.0.2.2 okey=9 iflags=csum ttl=0 tos=inherit "
			   "pmtudisc=no ignore_df=yes fwmark=0x2a encap=udp encap_sport=4000";
	char err[CTL_ERR_MAX] = "", text[512] = "", keys[512] = "";
	struct field_shown sh;
	struct ctl_request r;

	ck_assert_msg(!ctl_request_parse(line, strlen(line), &r, err, sizeof(err)), "%s", err);
	for (size_t i = 0; i < tunnel_fields_n; i++) {
		field_show(&tunnel_fields[i], &r.t, &sh);
		strcat(text, sh.text);
		for (int k = 0; k < FIELD_SHOWN_MAX && sh.key[k]; k++) {
			strcat(keys, sh.key[k]);
			strcat(keys, sh.val[k].type == FIELD_ABSENT ? "=null " : " ");
		}
	}
	ck_assert_str_eq(text, "  local any remote 192.0.2.2 okey 9 icsum ttl inherit tos inherit"
			       " nopmtudisc ignore-df fwmark 0x2a encapsulation udp port 4754"
			       " sport 4000");
	ck_assert_str_eq(keys, "local=null remote learned_remote=null learned_port=null "
			       "learned_at=null ikey=null okey icsum ocsum iseq oseq ttl tos "
			       "tos_inherit pmtudisc ignore_df dev=null fwmark encapsulation "
			       "encapsulation_port encapsulation_source_port persistent_keepalive ");
}
END_TEST

/* The text and JSON of one field row of t, by its JSON key. */
static void shown(const struct tunnel *t, const char *json, struct field_shown *sh)
{
	for (size_t i = 0; i < tunnel_fields_n; i++) {
		if (tunnel_fields[i].json && !strcmp(tunnel_fields[i].json, json)) {
			field_show(&tunnel_fields[i], t, sh);
			return;
		}
	}
	ck_abort_msg("no row %s", json);
}

static void parse_ok(const char *line, struct ctl_request *r)
{
	char err[CTL_ERR_MAX] = "";

	ck_assert_msg(!ctl_request_parse(line, strlen(line), r, err, sizeof(err)), "%s: %s", line,
		      err);
}

/* Remote = any | PREFIX: the protocol's spelling both ways, the learned
 * peer apart from it (in a create line, as a handover sends it), and what
 * show says of both; PersistentKeepalive as a number, 0 when off. */
START_TEST(test_learning)
{
	struct field_shown sh;
	struct ctl_request r;
	char out[CTL_LINE_MAX];

	parse_ok("create l1 mode=gre remote=any encap=udp persistent_keepalive=25", &r);
	ck_assert(tunnel_learns(&r.t));
	ck_assert_uint_eq(r.t.remote_plen, 0);
	ck_assert_uint_eq(r.t.persistent_keepalive, 25);
	ck_assert_int_gt(ctl_request_format(out, sizeof(out), CTL_CMD_CREATE, &r.t), 0);
	ck_assert_ptr_nonnull(strstr(out, " remote=any "));
	ck_assert_ptr_nonnull(strstr(out, " persistent_keepalive=25"));
	ck_assert_ptr_null(strstr(out, "learned"));
	shown(&r.t, "remote", &sh);
	ck_assert_str_eq(sh.text, " remote any");
	shown(&r.t, "learned_remote", &sh);
	ck_assert_str_eq(sh.text, " learned nothing yet");
	ck_assert_int_eq(sh.val[0].type, FIELD_ABSENT);
	shown(&r.t, "persistent_keepalive", &sh);
	ck_assert_str_eq(sh.text, " persistent-keepalive 25");
	ck_assert_uint_eq(sh.val[0].num, 25);

	parse_ok("create l2 mode=gre remote=198.51.100.0/24 encap=udp "
		 "learned=198.51.100.7,40123,1700000000", &r);
	ck_assert_uint_eq(r.t.remote_plen, 24);
	ck_assert(r.t.flags & TUNNEL_HAS_LEARNED);
	ck_assert_uint_eq(r.t.learned.port, 40123);
	ck_assert_int_eq(r.t.learned.changed, 1700000000);
	/* the prefix stays the prefix: the peer is kept apart */
	ck_assert_uint_eq(r.t.remote.bytes[3], 0);
	ck_assert_int_gt(ctl_request_format(out, sizeof(out), CTL_CMD_CREATE, &r.t), 0);
	ck_assert_ptr_nonnull(strstr(out, " remote=198.51.100.0/24 learned=198.51.100.7,40123,1700000000 "));
	shown(&r.t, "remote", &sh);
	ck_assert_str_eq(sh.text, " remote 198.51.100.0/24");
	shown(&r.t, "learned_remote", &sh);
	ck_assert_str_eq(sh.val[0].str, "198.51.100.7");
	ck_assert_uint_eq(sh.val[1].num, 40123);
	ck_assert_uint_eq(sh.val[2].num, 1700000000);
	ck_assert_msg(!strncmp(sh.text, " learned 198.51.100.7:40123 (", 29), "%s", sh.text);
	shown(&r.t, "persistent_keepalive", &sh);
	ck_assert_str_eq(sh.text, "");
	ck_assert_uint_eq(sh.val[0].num, 0);
	roundtrip("create l3 mode=ip6gre remote=2001:db8::/32 learned=2001:db8:1::7,0,5");
	roundtrip("create l4 mode=gretap remote=any persistent_keepalive=1");

	/* the learned peer does not make a tunnel differ (converge) */
	{
		struct ctl_request a;

		parse_ok("create l2 mode=gre remote=198.51.100.0/24 encap=udp", &a);
		ck_assert(tunnel_fields_equal(&a.t, &r.t));
		parse_ok("create l2 mode=gre remote=198.51.100.0/25 encap=udp", &a);
		ck_assert(!tunnel_fields_equal(&a.t, &r.t));
		parse_ok("create l2 mode=gre remote=198.51.100.0 encap=udp", &a);
		ck_assert(!tunnel_fields_equal(&a.t, &r.t));
	}
}
END_TEST

/* What the protocol refuses of learning tunnels, each with a message. */
START_TEST(test_learning_invalid)
{
	static const char *const bad[] = {
		"mode=gre remote=198.51.100.7/24",	/* host bits */
		"mode=gre remote=198.51.100.0/33", "mode=gre remote=anyhow",
		"mode=gre remote=2001:db8::/32", "mode=ip6gre remote=198.51.100.0/24",
		"mode=gre remote=192.0.2.2 learned=192.0.2.2,1,1",	/* not learning */
		"mode=gre remote=198.51.100.0/24 learned=192.0.2.2,1,1",	/* outside */
		"mode=gre remote=any learned=2001:db8::1,1,1",
		"mode=gre remote=any learned=192.0.2.2,65536,1",
		"mode=gre remote=any learned=192.0.2.2,1,-1", "mode=gre remote=any learned=192.0.2.2,1",
		"mode=gre remote=any keepalive=10,3",
		"mode=gre remote=any persistent_keepalive=65536",
		"mode=gre remote=any persistent_keepalive=-1",
	};
	char line[256], err[CTL_ERR_MAX];
	struct ctl_request r;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(line, sizeof(line), "create x %s", bad[i]);
		err[0] = '\0';
		ck_assert_msg(ctl_request_parse(line, strlen(line), &r, err, sizeof(err)) < 0,
			      "accepted: %s", bad[i]);
		ck_assert_msg(err[0], "no message for %s", bad[i]);
	}
	parse_ok("create x mode=ip6gre remote=any", &r);
	parse_ok("create x mode=gre remote=any persistent_keepalive=off", &r);
	ck_assert_uint_eq(r.t.persistent_keepalive, 0);
	ck_assert(!(r.t.flags & TUNNEL_HAS_PERSISTENT_KEEPALIVE));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("field");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_roundtrip);
	tcase_add_test(tc, test_invalid);
	tcase_add_test(tc, test_datapath);
	tcase_add_test(tc, test_table);
	tcase_add_test(tc, test_equal);
	tcase_add_test(tc, test_conf);
	tcase_add_test(tc, test_show);
	tcase_add_test(tc, test_learning);
	tcase_add_test(tc, test_learning_invalid);
	suite_add_tcase(s, tc);
	return check_run(s);
}
