# SPDX-License-Identifier: GPL-2.0-or-later
# Guest script: proves the VM has kernel GRE and a working eth0.
. /lib/gretun/lib.sh
t_check "ip link add gre" ip link add g0 type gre local 198.51.100.130 remote 198.51.100.129 key 5
j=$(ip -d -j link show g0)
echo "$j"
t_check "info_kind gre" jq_eq "$j" '.[0].linkinfo.info_kind' gre
t_check "ikey" jq_eq "$j" '.[0].linkinfo.info_data.ikey' 0.0.0.5
t_check "ping host v4" ping -c 1 -W 2 "$HOST_IP4"
t_check "ping host v6" ping -c 1 -W 2 "$HOST_IP6"
t_done
