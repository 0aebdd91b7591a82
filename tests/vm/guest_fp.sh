# SPDX-License-Identifier: GPL-2.0-or-later
# Guest script (test_fp.sh): the fast path's TC programs load on this
# Debian kernel and pass check_fp's BPF_PROG_TEST_RUN cases here too.
. /lib/gretun/lib.sh
echo "# kernel $(uname -r)"
_out=$(CK_FORK=no /check_fp 2>&1)
_rc=$?
printf '%s\n' "$_out" | sed 's/^/#   /'
if [ "$_rc" = 0 ]; then
	t_ok "check_fp on $(uname -r)"
else
	t_notok "check_fp on $(uname -r) (exit $_rc)"
fi
t_done
