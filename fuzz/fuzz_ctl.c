// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Everything gretund and its client parse from the control socket: the
 * request parser (daemon side) and the JSON reply parsers (client side),
 * which read through json_parse (json.h).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "gretund_proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ctl_request req;
	struct tunnel t;
	struct tunnel_stats st;
	char err[CTL_ERR_MAX], line[CTL_LINE_MAX];

	if (!ctl_request_parse((const char *)data, size, &req, err, sizeof(err)) &&
	    (req.cmd == CTL_CMD_CREATE || req.cmd == CTL_CMD_CHANGE)) {
		/* what parses must format and parse back */
		if (ctl_request_format(line, sizeof(line), req.cmd, &req.t) > 0 &&
		    ctl_request_parse(line, strlen(line), &req, err, sizeof(err)))
			abort();
	}
	ctl_reply_status((const char *)data, size, err, sizeof(err));
	ctl_reply_parse_tunnel((const char *)data, size, &t, &st, err, sizeof(err));
	return 0;
}
