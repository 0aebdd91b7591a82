// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * gretund's in-kernel fast path: TC programs that encapsulate (egress on a
 * tunnel's TUN/TAP device) and decapsulate (ingress on an underlay device)
 * GRE as gretund does, from the maps of fp_abi.h. Whatever they are not sure
 * about they pass on unchanged (TC_ACT_OK), to gretund's own path.
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "fp_abi.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, FP_MAX_TUNNELS);
	__type(key, __u32);
	__type(value, struct fp_tx);
} fp_tx SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 2 * FP_MAX_TUNNELS);
	__type(key, struct fp_rx_key);
	__type(value, struct fp_rx);
} fp_rx SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, FP_MAX_TUNNELS);
	__type(key, __u32);
	__type(value, struct fp_stats);
} fp_stats SEC(".maps");

SEC("tc")
int gretun_egress(struct __sk_buff *skb)
{
	return TC_ACT_OK;
}

SEC("tc")
int gretun_ingress(struct __sk_buff *skb)
{
	return TC_ACT_OK;
}

char _license[] SEC("license") = "GPL";
