/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Value parsers shared by the config file, the inline OPTION VALUE words and
 * the `route` command line. Each takes the whole string (no surrounding
 * whitespace, no sign, nothing trailing), returns 0, -EINVAL (malformed) or
 * -ERANGE (well formed but out of range), and on error writes into
 * reason/reasonlen the part of the message after the quoted value, e.g.
 * "expected a number or a dotted quad". parse_error() builds the full
 * "invalid WHAT `VALUE': REASON" line from it.
 *
 * A reason is not an error message: it is a fragment that only makes sense
 * after a value its caller quotes, which is why it has its own name. Whole
 * one-line messages travel the project's one way, a caller's buffer passed
 * as char *err, size_t errlen (config.h, ctl.h, gretund_proto.h, nl.h).
 */
#ifndef GRETUN_PARSE_H
#define GRETUN_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tunnel.h"

/* The value of one hex digit (either case), -1 if c is none. */
int parse_hex_digit(char c);
/* Decimal (or 0x hexadecimal when hex is true) unsigned number in [min, max]. */
int parse_u32(const char *s, uint32_t min, uint32_t max, bool hex, uint32_t *out,
	      char *reason, size_t reasonlen);
/* yes/no, true/false, on/off, 1/0 (letters in any case). */
int parse_bool(const char *s, bool *out, char *reason, size_t reasonlen);
/* GRE key: decimal 0..4294967295, 0x hex, or a dotted quad; host byte order. */
int parse_key(const char *s, uint32_t *out, char *reason, size_t reasonlen);
/* An address of family (AF_INET, AF_INET6, or AF_UNSPEC for either); the
 * family found goes to *family_out when that is not NULL. */
int parse_addr(const char *s, int family, union inet_addr *out, int *family_out,
	       char *reason, size_t reasonlen);
/* ADDR[/LEN]; LEN defaults to the full length. With host_bits_ok false
 * (route destinations), bits set past LEN are an error. */
int parse_prefix(const char *s, int family, bool host_bits_ok, struct prefix *out,
		 char *reason, size_t reasonlen);
/* A route's destination: parse_prefix without host bits, or `default'
 * (0.0.0.0/0, as ip-route(8) reads it). */
int parse_route_prefix(const char *s, struct prefix *out, char *reason, size_t reasonlen);
/* Routing table: 1..4294967295, main, local, default, or a name from
 * /etc/iproute2/rt_tables or /usr/share/iproute2/rt_tables. */
int parse_table(const char *s, uint32_t *out, char *reason, size_t reasonlen);
/* Same, looking names up in the given NULL-terminated list of files. */
int parse_table_files(const char *s, const char *const files[], uint32_t *out,
		      char *reason, size_t reasonlen);
/* 1..255 or "inherit" (stored as 0). */
int parse_ttl(const char *s, uint8_t *out, char *reason, size_t reasonlen);
/* "inherit", 0x00..0xff or 0..255. */
int parse_tos(const char *s, uint8_t *tos, bool *inherit, char *reason, size_t reasonlen);
/* "auto" (stored as 0) or 68..65535. */
int parse_mtu(const char *s, uint32_t *out, char *reason, size_t reasonlen);
/* "off" (0, 0) or "INTERVAL RETRIES", 1..32767 and 1..255, blank separated. */
int parse_keepalive(const char *s, uint16_t *interval, uint8_t *retries,
		    char *reason, size_t reasonlen);
/* A tunnel's remote: an address (*learn false), or `any' or a PREFIX
 * (*learn true; the peer's address is then learnt, from inside the prefix:
 * *plen its length, 0 for any, no host bits). *family_out gets the family
 * written, 0 for `any'. */
int parse_remote(const char *s, union inet_addr *out, uint8_t *plen, bool *learn,
		 int *family_out, char *reason, size_t reasonlen);
/* "off" or 0 (stored as 0), else 1..65535 seconds. */
int parse_persistent_keepalive(const char *s, uint16_t *out, char *reason, size_t reasonlen);
/* UDP port 1..65535. */
int parse_port(const char *s, uint16_t *out, char *reason, size_t reasonlen);
/* none or udp (fou, the kernel's name, too). */
int parse_encap(const char *s, enum tunnel_encap *out, char *reason, size_t reasonlen);

/* Copy s into buf for quoting in a message: at most 64 bytes of it, bytes
 * outside printable ASCII shown as '?', "..." when cut. Returns buf. */
const char *parse_quote(const char *s, char *buf, size_t buflen);
/* "invalid WHAT `VALUE': REASON" into err. */
void parse_error(char *err, size_t errlen, const char *what, const char *value,
		 const char *reason);

#endif
