/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef GRETUN_HOOKS_H
#define GRETUN_HOOKS_H

/* Run a [Hooks] command with /bin/sh -c, %i replaced by name (%% is a %).
 * NULL cmd is a no-op. 0, or -ECHILD/-EIO when the hook failed. */
int hook_run(const char *cmd, const char *name);

#endif
