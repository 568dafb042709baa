/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * What this kernel offers cpusteer, probed without changing anything:
 * each feature, the first Linux release that has it, what needs it, and
 * how it was found out. "cpusteer features" prints the table; commands
 * check what they need before they load anything and say what is missing
 * in plain words.
 */
#ifndef CS_KFEATURES_H
#define CS_KFEATURES_H

#include <stdbool.h>
#include <stdio.h>

/* Who needs a feature: a command, or nothing cpusteer cannot go without. */
enum cs_need {
	CS_NEED_STEER = 1 << 0,	/* attach: every steering attachment */
	CS_NEED_GEN = 1 << 1,	/* gen through an interface, live tests */
	CS_NEED_HW = 1 << 2,	/* attach --hash hw */
	CS_NEED_NICE = 1 << 3,	/* better with it, works without */
};

/*
 * Columns: enum suffix, name, what it is, first Linux release, needed by.
 * The order is the order of the table.
 */
#define CS_FEATURES(X)							\
	X(BTF, "btf", "kernel BTF (/sys/kernel/btf/vmlinux): tp_btf counters", \
	  "5.4", CS_NEED_STEER)						\
	X(CPUMAP_PROG, "cpumap_prog",					\
	  "an XDP program in a cpumap entry (stage 2 on the target CPU)", \
	  "5.9", CS_NEED_STEER)						\
	X(XDP_LINK, "xdp_link", "XDP attached through a bpf_link (pinned)", \
	  "5.9", CS_NEED_STEER)						\
	X(TP_ENQUEUE, "tp_cpumap_enqueue",				\
	  "tracepoint xdp_cpumap_enqueue: bulks and ring-full drops", "4.15", \
	  CS_NEED_STEER)						\
	X(TP_KTHREAD, "tp_cpumap_kthread",				\
	  "tracepoint xdp_cpumap_kthread (5.9 form): the targets' kthreads", \
	  "5.9", CS_NEED_STEER)						\
	X(TP_EXCEPTION, "tp_xdp_exception",				\
	  "tracepoint xdp_exception: aborted and invalid verdicts", "4.13", \
	  CS_NEED_STEER)						\
	X(TP_REDIRECT_ERR, "tp_redirect_err",				\
	  "tracepoint xdp_redirect_err: failed redirects", "4.14",	\
	  CS_NEED_STEER | CS_NEED_GEN)					\
	X(TP_DEVMAP_XMIT, "tp_devmap_xmit",				\
	  "tracepoint xdp_devmap_xmit (5.8 form): what a device took",	\
	  "5.8", CS_NEED_GEN)						\
	X(LIVE_FRAMES, "live_frames",					\
	  "BPF_F_TEST_XDP_LIVE_FRAMES: test runs whose frames are sent", \
	  "5.18", CS_NEED_GEN)						\
	X(NETNS_COOKIE, "netns_cookie",					\
	  "SO_NETNS_COOKIE: pin directories of a namespace never reused", \
	  "5.14", CS_NEED_NICE)						\
	X(RX_HASH, "xdp_rx_hash",					\
	  "device-bound XDP programs and bpf_xdp_metadata_rx_hash()",	\
	  "6.3", CS_NEED_HW)						\
	X(RX_META_QUERY, "rx_metadata_query",				\
	  "netdev netlink: which drivers give XDP their RX hash",	\
	  "6.8", CS_NEED_NICE)

#define CS_FEATURE_ENUM(sfx, name, what, since, need) CS_FEAT_##sfx,
enum cs_feature {
	CS_FEATURES(CS_FEATURE_ENUM)
	CS_FEAT_MAX,
};
#undef CS_FEATURE_ENUM

struct cs_feature_desc {
	const char *name;
	const char *what;
	const char *since;
	unsigned int need;
};
extern const struct cs_feature_desc cs_features[CS_FEAT_MAX];

/* Probe one feature (once; the answer is kept): 1 yes, 0 no. */
bool cs_feature_has(enum cs_feature f);
/* Is the running kernel's release at least @since ("5.9", "6.3")? */
bool cs_kernel_at_least(const char *since);
/*
 * What a test should do about a missing feature: a kernel older than the
 * release that brought it lacks it as documented (skip, naming it); a
 * newer one should have it (fail). Writes the reason into @why.
 */
bool cs_feature_missing_is_documented(enum cs_feature f, char *why,
				      size_t len);
/*
 * Every feature @need needs must be there; otherwise say that @what needs
 * each missing one (what it is, its name, the Linux release that brought
 * it), then @hint (what to do instead; may be NULL), and return
 * -EOPNOTSUPP.
 */
int cs_features_require(unsigned int need, const char *what,
			const char *hint);

/* Commands that touch BPF need root: say so before the kernel does. */
int cs_require_root(void);

#endif
