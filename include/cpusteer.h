/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The one ABI shared by the BPF programs (clang -target bpf) and the loader
 * (gcc): limits, the per-attach parameters, map value layouts and the
 * vocabulary of packet outcomes. Only __u32/__be16-style types here, so both
 * compilers agree on every layout; userspace adds _Static_assert on sizes.
 */
#ifndef CPUSTEER_H
#define CPUSTEER_H

#include <linux/types.h>

/*
 * Highest CPU number (exclusive) that can be a steering target. It sizes the
 * per-target counters inside the per-CPU stats value; 512 keeps that value
 * (512 x 8 bytes + reasons) well below the 32 KiB per-CPU allocation limit
 * the kernel puts on per-CPU map values.
 */
#ifndef CS_MAX_CPUS
#define CS_MAX_CPUS		512
#endif

/*
 * Indirection table size. Must be a power of two so the bucket is a mask of
 * the hash. 256 buckets spread 2..64 targets to within 1/256 of even and
 * give the rebalancer a fine enough grain; 65536 is the ceiling because the
 * table is an ARRAY map rewritten bucket by bucket.
 */
#ifndef CS_DEFAULT_BUCKETS
#define CS_DEFAULT_BUCKETS	256
#endif
#ifndef CS_MAX_BUCKETS
#define CS_MAX_BUCKETS		65536
#endif

/* 802.1Q/802.1ad tags walked before giving up (QinQ-in-QinQ is the most
 * seen in provider networks; 4 leaves room for one more level).
 */
#ifndef CS_VLAN_MAX
#define CS_VLAN_MAX		4
#endif

/* MPLS labels walked before giving up: carrier cores stack 3-4 (transport,
 * service, entropy); 8 leaves room.
 */
#ifndef CS_MPLS_MAX
#define CS_MPLS_MAX		8
#endif

/*
 * Tunnels entered before hashing what has been reached: two levels cover
 * VXLAN in GRE or GTP-U in a VLAN'd IPsec-less core; one more is spare.
 */
#ifndef CS_ENCAP_DEPTH
#define CS_ENCAP_DEPTH		3
#endif

/*
 * GTP-U extension headers walked (3GPP TS 29.281 5.2): a G-PDU from a 5G
 * core carries one PDU Session Container; 4 leaves room for a UDP Port and
 * a PDCP PDU Number beside it, and bounds the loop for the verifier.
 */
#ifndef CS_GTP_EXT_MAX
#define CS_GTP_EXT_MAX		4
#endif

/*
 * Where the encapsulation walk stops looking: a header starting this far
 * into the frame is not walked. The deepest stack the walk can meet (4
 * tags, 8 labels, three tunnels each under an IPv6 header with 6 extension
 * headers, ERSPAN III with its subheader) starts under 900 bytes; a
 * constant bound also gives the verifier a range for the cursor offset
 * that travels between the walk's functions.
 */
#define CS_WALK_MAX_OFF		1024

/* UDP ports of the tunnels stage 1 enters (IANA; GTP-U: 3GPP TS 29.281). */
#define CS_PORT_VXLAN		4789
#define CS_PORT_GENEVE		6081
#define CS_PORT_GTPU		2152
#define CS_PORT_VXLAN_GPE	4790	/* draft-ietf-nvo3-vxlan-gpe */

/* Extra UDP ports treated as VXLAN besides 4789 (e.g. 8472, Linux's old
 * default), set per attach.
 */
#define CS_VXLAN_PORTS_MAX	4

/* IPv6 extension headers walked before giving up. RFC 8200 expects at most
 * one of each kind plus a repeated destination-options header; 6 covers
 * hop-by-hop, dest-opts, routing, fragment, dest-opts and one spare.
 */
#ifndef CS_IPV6_EXT_MAX
#define CS_IPV6_EXT_MAX		6
#endif

/*
 * cpumap queue size per target. 2048 frames is xdp-tools' default: at
 * 10 Mpps it absorbs ~200 us of target-CPU stall (a wake-up, a softirq
 * burst) before the ring overflows, while costing 16 KiB of pointers per
 * target. The kernel refuses more than 16384.
 */
#define CS_DEFAULT_QSIZE	2048
#define CS_MAX_QSIZE		16384

/*
 * Hash modes are two bits, so stage 1 tests a bit rather than comparing
 * against a list of modes.
 */
#define CS_HASH_F_PORTS		0x1	/* ports are part of the flow */
#define CS_HASH_F_SYM		0x2	/* A->B and B->A hash alike */
#define CS_HASH_F_HW		0x4	/* the NIC's RSS hash when it has one */

enum cs_hash_mode {
	CS_HASH_L3 = 0,				/* addresses, protocol */
	CS_HASH_L4 = CS_HASH_F_PORTS,		/* ... and ports */
	CS_HASH_L3_SYM = CS_HASH_F_SYM,
	CS_HASH_L4_SYM = CS_HASH_F_SYM | CS_HASH_F_PORTS,
	/* The NIC's hash; per packet the l4-sym software hash without one. */
	CS_HASH_HW = CS_HASH_F_HW | CS_HASH_L4_SYM,
	CS_HASH_MODE_MAX,
};

/* Where a frame goes when it has no flow to hash. */
#define CS_FALLBACK_PASS	0xffffffffU	/* XDP_PASS on the RX CPU */
#define CS_FALLBACK_DROP	0xfffffffeU	/* XDP_DROP (counted) */
/* Any other value names the CPU that takes them. */
#define CS_FALLBACK_IS_CPU(v)	((v) < CS_MAX_CPUS)

/*
 * Every outcome of a frame, and the metrics vocabulary: one X-macro so the
 * enum and its names table cannot drift apart. The order is ABI (it indexes
 * struct cs_stats.reason). Columns: enum suffix, name, meaning.
 */
#define CS_REASONS(X)							\
	X(HASHED,	  "hashed",	    "hashed and sent to its target") \
	X(NOT_IP,	  "not_ip",	    "ethertype is neither IPv4 nor IPv6") \
	X(TRUNCATED,	  "truncated",	    "a header runs past the frame end") \
	X(BAD_IPV4,	  "bad_ipv4",	    "IPv4 version or header length invalid") \
	X(BAD_IPV6,	  "bad_ipv6",	    "IPv6 version invalid")	\
	X(VLAN_DEPTH,	  "vlan_depth",	    "more VLAN tags than CS_VLAN_MAX") \
	X(IPV6_EXT_DEPTH, "ipv6_ext_depth", "more IPv6 extension headers than CS_IPV6_EXT_MAX") \
	X(BAD_PPPOE,	  "bad_pppoe",	    "PPPoE session frame with a non-IP PPP protocol") \
	X(MPLS_DEPTH,	  "mpls_depth",	    "more MPLS labels than CS_MPLS_MAX") \
	X(BAD_GRE,	  "bad_gre",	    "GRE version other than 0, or routing present") \
	X(BAD_GTP,	  "bad_gtp",	    "GTP-U version other than 1") \
	X(NO_TARGET,	  "no_target",	    "bucket names a CPU without a cpumap entry; passed") \
	X(REDIRECT_ERR,	  "redirect_err",   "the kernel failed the redirect after the program") \
	X(CPUMAP_DROP,	  "cpumap_drop",    "target ring full: dropped at enqueue") \
	X(STAGE2_PASS,	  "stage2_pass",    "stage 2 passed the frame to the stack") \
	X(STAGE2_DROP,	  "stage2_drop",    "stage 2 dropped the frame (measuring)") \
	X(HW_HASH,	  "hw_hash",	    "--hash hw: steered by the NIC's RSS hash") \
	X(HW_NO_HASH,	  "hw_no_hash",	    "--hash hw: no NIC hash, steered by the l4-sym hash") \
	X(META_FAIL,	  "meta_fail",	    "stage 1 could not write the metadata (no headroom); steered without it") \
	X(STAGE2_NO_META, "stage2_no_meta", "stage 2 found no metadata and parsed the frame itself") \
	X(STAGE2_FILTERED, "stage2_filtered", "stage 2 filter: dropped by a rule (counted per rule too)") \
	X(STAGE2_REDIRECT, "stage2_redirect", "stage 2 redirect: sent out of --redirect-dev") \
	X(STAGE2_NO_DEV,  "stage2_no_dev",  "stage 2 redirect: dropped, --redirect-dev is gone") \
	X(XDP_EXCEPTION,  "xdp_exception",  "the kernel raised an XDP exception on the interface (aborted or invalid verdict, stage 1 or 2)")

#define CS_REASON_ENUM(sfx, name, help) CS_REASON_##sfx,
enum cs_reason {
	CS_REASONS(CS_REASON_ENUM)
	CS_REASON_MAX,
};
#undef CS_REASON_ENUM

/*
 * Per-attach parameters, fixed at load time in .rodata so the verifier
 * prunes the hash modes and the recording path a live program does not use.
 */
/* Tunnel handling flags, struct cs_params.tunnel. */
#define CS_TUN_OUTER		0x1	/* hash the outermost flow only */
#define CS_TUN_ID		0x2	/* mix VNI / GRE key / TEID in */
#define CS_TUN_MPLS_ETH		0x4	/* after the MPLS stack: Ethernet
					 * (pseudowire), with or without a
					 * control word; else IP by nibble
					 */
#define CS_TUN_EXTRA_PORTS	0x8	/* vxlan_ports has entries */

/*
 * cs_params.record: 0 on a live attachment (the verifier prunes all of it).
 * CS_RECORD_ON writes each decision into struct cs_record (classify, the
 * tests); CS_RECORD_NO_FAST (tests only) also loads cs_steer_general, the
 * general parser without the fixed-offset fast paths, so the differential
 * test can hold one against the other.
 */
#define CS_RECORD_ON		0x1
#define CS_RECORD_NO_FAST	0x2

struct cs_params {
	__u64 key[2];		/* hash key: random odd multipliers */
	__u32 hash_mode;	/* enum cs_hash_mode */
	__u32 bucket_mask;	/* buckets - 1 */
	__u32 bucket_shift;	/* 64 - log2(buckets); 63 for one bucket */
	__u32 fallback_cpu;	/* CS_FALLBACK_PASS, _DROP or a CPU with an entry */
	__u32 record;		/* CS_RECORD_*: classify and the tests */
	__u32 tunnel;		/* CS_TUN_* */
	__be16 vxlan_ports[CS_VXLAN_PORTS_MAX];	/* extra, 0 = unused */
	__u32 meta;		/* write struct cs_meta (cs_meta.h) per frame */
	__u32 pad;
};

/*
 * Encapsulations stage 1 recognises and enters, counted by name in
 * struct cs_stats.encap (malformed ones fall back under a reason).
 */
#define CS_ENCAPS(X)							\
	X(PPPOE,    "pppoe")	X(MPLS,	    "mpls")			\
	X(GRE,	    "gre")	X(ERSPAN,   "erspan")			\
	X(VXLAN,    "vxlan")	X(GENEVE,   "geneve")			\
	X(GTPU,	    "gtpu")	X(IPIP,	    "ip_in_ip")			\
	X(ICMP_ERR, "icmp_error") X(VXLAN_GPE, "vxlan_gpe")

#define CS_ENCAP_ENUM(sfx, name) CS_ENCAP_##sfx,
enum cs_encap {
	CS_ENCAPS(CS_ENCAP_ENUM)
	CS_ENCAP_MAX,
};
#undef CS_ENCAP_ENUM

/*
 * One bucket of the indirection table. The table is a PERCPU_ARRAY: every
 * CPU's copy names the same target CPU (the cpumap key), and each copy
 * counts the frames that CPU hashed into the bucket. Keeping the counter in
 * the entry saves stage 1 a second map lookup per frame, and gives the
 * loader per-bucket load, which is what rebalancing moves. Per-target
 * totals are sums over the buckets pointing at the target. (No byte count:
 * adding the frame length cost stage 1 1-1.5 ns a frame, 0.03-0.07 of the
 * bare redirect, measured with cpusteer bench.)
 */
struct cs_bucket {
	__u32 cpu;
	__u32 pad;
	__u64 packets;
};

/*
 * Redirect errors are counted by errno (the tracepoint's -err): slots
 * 1..CS_ERRNO_SLOTS-1 by number, slot 0 for any larger one. The kernel's
 * redirect fails with a handful of small errnos (ENOENT, EINVAL, ENOSPC,
 * EOVERFLOW, ENETDOWN...), all below 64.
 */
#define CS_ERRNO_SLOTS		64

/*
 * Per-CPU counters of everything that is not a hashed redirect: one value
 * per CPU, read by the loader per CPU and summed. reason[CS_REASON_HASHED]
 * is never written by BPF (hashed frames count in their bucket); readers
 * fill it in. A CPU's value holds what it did in both roles: as an RX CPU
 * (stage 1's reasons, its enqueues by target from xdp_cpumap_enqueue,
 * once per bulk of up to 8 frames) and as a target (stage 2's reasons,
 * its cpumap kthread from xdp_cpumap_kthread, which runs on that CPU).
 */
struct cs_stats {
	__u64 reason[CS_REASON_MAX];
	__u64 encap[CS_ENCAP_MAX];	 /* encapsulations entered */
	__u64 redirect_errno[CS_ERRNO_SLOTS]; /* xdp_redirect_err, by -err */
	/* the kthread of this CPU's cpumap entry */
	__u64 kt_frames;		/* frames taken off the ring */
	__u64 kt_drops;			/* dropped: no memory for the SKB */
	__u64 kt_sched;			/* times it slept or yielded */
	__u64 kt_runs;			/* passes of its loop */
	__u64 kt_pass;			/* stage 2's verdicts, whichever */
	__u64 kt_drop;			/* program (cpusteer's or a */
	__u64 kt_redirect;		/* custom one) runs there */
	/* by target CPU: what this CPU offered the target's ring */
	__u64 enq_frames[CS_MAX_CPUS];	 /* frames, dropped ones included */
	__u64 enq_bulks[CS_MAX_CPUS];	 /* flushes that carried them */
	__u64 enqueue_drops[CS_MAX_CPUS]; /* ring full */
};

/* What one frame did, written only by a program loaded with record set. */
struct cs_record {
	__u32 reason;		/* enum cs_reason */
	__u32 bucket;		/* CS_NO_BUCKET when not hashed */
	__u32 cpu;		/* target CPU, CS_FALLBACK_PASS when passed */
	__u32 hash;		/* top 32 bits of the flow hash */
};
#define CS_NO_BUCKET		0xffffffffU

/*
 * Stage 2 "filter": drop rules on the flow's (inner) headers, changed at
 * run time by "cpusteer filter". A rule's numbered slot in the rules array
 * is its number minus one. A rule with a source prefix is indexed in the
 * source trie of its family, else one with a destination prefix in the
 * destination trie, else in the one "any" set. Each trie entry holds every
 * rule of that trie whose prefix contains the entry's prefix, so one
 * longest-prefix lookup per trie finds all candidates; each candidate is
 * then checked in full.
 *
 * CS_FILTER_MAX: 16384 rules, e.g. a blocklist of 10,000 prefixes with
 * room; the rules array then takes 16384 x 48 B = 768 KiB and the per-CPU
 * hit counters 128 KiB per CPU, so both are sized to 1 entry unless stage 2
 * is the filter. CS_FILTER_COVER: how many rules of one trie may contain
 * one address (nested prefixes, or one prefix with several port rules);
 * it bounds stage 2's loop and "filter add" refuses a rule past it.
 */
#define CS_FILTER_MAX		16384
#define CS_FILTER_COVER		8

/* struct cs_filter_rule.match: the fields the rule constrains */
#define CS_FLT_SRC		0x01
#define CS_FLT_DST		0x02
#define CS_FLT_PROTO		0x04
#define CS_FLT_SPORT		0x08
#define CS_FLT_DPORT		0x10

struct cs_filter_rule {
	__u8 used;
	__u8 match;		/* CS_FLT_* */
	__u8 ipver;		/* 4 or 6 with a prefix, else 0 (either) */
	__u8 proto;		/* with CS_FLT_PROTO */
	__u8 src_len;		/* prefix lengths, with CS_FLT_SRC/DST */
	__u8 dst_len;
	__u16 pad;
	__u16 sport_lo;		/* host order, inclusive ranges */
	__u16 sport_hi;
	__u16 dport_lo;
	__u16 dport_hi;
	__u8 src[16];		/* network order, host bits zero; IPv4 */
	__u8 dst[16];		/* in the first 4 bytes */
};

/* A trie entry's value, and the "any" set. */
struct cs_filter_set {
	__u32 n;
	__u32 rule[CS_FILTER_COVER];	/* slots, lowest number first */
};

/* Stage 2 "redirect": the MAC addresses to write before sending. */
#define CS_OUT_DST		0x1
#define CS_OUT_SRC		0x2

struct cs_out {
	__u8 dst[6];
	__u8 src[6];
	__u32 flags;		/* CS_OUT_* */
};

/*
 * The "any" entry: the rules with no prefix, and how many rules each trie
 * holds, so stage 2 looks up only the tries that have rules (each lookup
 * is a helper call). Indexed by CS_FLT_SRC4 - 2 .. CS_FLT_DST6 - 2 in the
 * loader's terms: src4, dst4, src6, dst6.
 */
struct cs_filter_any {
	__u32 in_trie[4];
	struct cs_filter_set set;
};

struct cs_lpm4 {
	__u32 prefixlen;
	__u8 addr[4];
};

struct cs_lpm6 {
	__u32 prefixlen;
	__u8 addr[16];
};

#ifndef __bpf__
struct cs_reason_desc {
	const char *name;
	const char *help;
};

#define CS_REASON_DESC(sfx, n, h) [CS_REASON_##sfx] = { .name = n, .help = h },
static const struct cs_reason_desc cs_reasons[CS_REASON_MAX]
	__attribute__((unused)) = { CS_REASONS(CS_REASON_DESC) };
#undef CS_REASON_DESC

#define CS_ENCAP_NAME(sfx, n) [CS_ENCAP_##sfx] = n,
static const char *const cs_encap_names[CS_ENCAP_MAX]
	__attribute__((unused)) = { CS_ENCAPS(CS_ENCAP_NAME) };
#undef CS_ENCAP_NAME

static const char *const cs_hash_mode_names[CS_HASH_MODE_MAX]
	__attribute__((unused)) = {
	[CS_HASH_L4] = "l4",
	[CS_HASH_L3] = "l3",
	[CS_HASH_L4_SYM] = "l4-sym",
	[CS_HASH_L3_SYM] = "l3-sym",
	[CS_HASH_HW] = "hw",
};
#endif

#endif /* CPUSTEER_H */
