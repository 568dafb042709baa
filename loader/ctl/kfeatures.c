// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "kfeatures.h"
#include "log.h"
#include "netdev.h"

#define CS_FEATURE_DESC(sfx, n, w, s, nd)				\
	[CS_FEAT_##sfx] = { .name = n, .what = w, .since = s, .need = nd },
const struct cs_feature_desc cs_features[CS_FEAT_MAX] = {
	CS_FEATURES(CS_FEATURE_DESC)
};
#undef CS_FEATURE_DESC

static struct btf *vmlinux_btf(void)
{
	static struct btf *btf;
	static bool tried;

	if (!tried) {
		tried = true;
		btf = btf__load_vmlinux_btf();
		if (libbpf_get_error(btf))
			btf = NULL;
	}
	return btf;
}

static bool btf_has(const char *name, int kind)
{
	struct btf *btf = vmlinux_btf();

	return btf && btf__find_by_name_kind(btf, name, kind) > 0;
}

/* r0 = @ret; exit */
static int load_xdp(enum bpf_attach_type type, int ret)
{
	const struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0,
		  .imm = ret },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = type);

	return bpf_prog_load(BPF_PROG_TYPE_XDP, "cs_probe", "GPL", insns,
			     sizeof(insns) / sizeof(insns[0]), &opts);
}

/* A one-entry cpumap whose entry runs a BPF_XDP_CPUMAP program. */
static bool probe_cpumap_prog(void)
{
	struct bpf_cpumap_val val = { .qsize = 8 };
	__u32 cpu = 0;
	int map, prog;
	bool ok;

	map = bpf_map_create(BPF_MAP_TYPE_CPUMAP, "cs_probe", sizeof(cpu),
			     sizeof(val), 1, NULL);
	prog = load_xdp(BPF_XDP_CPUMAP, XDP_PASS);
	val.bpf_prog.fd = prog;
	ok = map >= 0 && prog >= 0 &&
	     !bpf_map_update_elem(map, &cpu, &val, BPF_ANY);
	if (prog >= 0)
		close(prog);
	if (map >= 0)
		close(map);
	return ok;
}

/* A frame run with live frames through a program that drops it. */
static bool probe_live_frames(void)
{
	__u8 frame[64] = { [12] = 0x08 };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame,
		    .data_size_in = sizeof(frame), .repeat = 1,
		    .flags = BPF_F_TEST_XDP_LIVE_FRAMES);
	int prog = load_xdp(0, XDP_DROP);
	bool ok;

	ok = prog >= 0 && !bpf_prog_test_run_opts(prog, &opts);
	if (prog >= 0)
		close(prog);
	return ok;
}

static bool probe_netns_cookie(void)
{
	__u64 cookie;
	socklen_t len = sizeof(cookie);
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	bool ok;

	ok = fd >= 0 &&
	     !getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE, &cookie, &len);
	if (fd >= 0)
		close(fd);
	return ok;
}

static bool probe(enum cs_feature f)
{
	switch (f) {
	case CS_FEAT_BTF:
		return vmlinux_btf();
	case CS_FEAT_CPUMAP_PROG:
		return probe_cpumap_prog();
	case CS_FEAT_XDP_LINK:
		return btf_has("bpf_xdp_link", BTF_KIND_STRUCT);
	case CS_FEAT_TP_ENQUEUE:
		return btf_has("btf_trace_xdp_cpumap_enqueue",
			       BTF_KIND_TYPEDEF);
	case CS_FEAT_TP_KTHREAD:
		return btf_has("btf_trace_xdp_cpumap_kthread",
			       BTF_KIND_TYPEDEF) &&
		       btf_has("xdp_cpumap_stats", BTF_KIND_STRUCT);
	case CS_FEAT_TP_EXCEPTION:
		return btf_has("btf_trace_xdp_exception", BTF_KIND_TYPEDEF);
	case CS_FEAT_TP_REDIRECT_ERR:
		return btf_has("btf_trace_xdp_redirect_err", BTF_KIND_TYPEDEF);
	case CS_FEAT_TP_DEVMAP_XMIT:
		return btf_has("btf_trace_xdp_devmap_xmit", BTF_KIND_TYPEDEF);
	case CS_FEAT_LIVE_FRAMES:
		return probe_live_frames();
	case CS_FEAT_NETNS_COOKIE:
		return probe_netns_cookie();
	case CS_FEAT_RX_HASH:
		return btf_has("bpf_xdp_metadata_rx_hash", BTF_KIND_FUNC);
	case CS_FEAT_RX_META_QUERY:
		return cs_netdev_has_rx_hash(1) != -EOPNOTSUPP;
	default:
		return false;
	}
}

bool cs_feature_has(enum cs_feature f)
{
	static signed char known[CS_FEAT_MAX];	/* 0 unknown, 1 yes, -1 no */

	if (f >= CS_FEAT_MAX)
		return false;
	if (!known[f])
		known[f] = probe(f) ? 1 : -1;
	return known[f] > 0;
}

/* "6.18.44-fc" -> 6, 18: the first two numbers of a release. */
static void release_of(const char *s, unsigned int *major, unsigned int *minor)
{
	*major = *minor = 0;
	sscanf(s, "%u.%u", major, minor);
}

bool cs_kernel_at_least(const char *since)
{
	unsigned int a, b, x, y;
	struct utsname u;

	if (uname(&u))
		return true;	/* cannot tell: expect everything */
	release_of(u.release, &a, &b);
	release_of(since, &x, &y);
	return a > x || (a == x && b >= y);
}

bool cs_feature_missing_is_documented(enum cs_feature f, char *why,
				      size_t len)
{
	bool older = !cs_kernel_at_least(cs_features[f].since);

	snprintf(why, len, "this kernel lacks %s (%s, Linux %s)%s",
		 cs_features[f].what, cs_features[f].name,
		 cs_features[f].since,
		 older ? "" : ", which a kernel of this release should have");
	return older;
}

int cs_features_require(unsigned int need, const char *what,
			const char *hint)
{
	int f, missing = 0;

	for (f = 0; f < CS_FEAT_MAX; f++) {
		if (!(cs_features[f].need & need) || cs_feature_has(f))
			continue;
		cs_err("%s needs %s (%s), which came with Linux %s and this kernel lacks",
		       what, cs_features[f].what, cs_features[f].name,
		       cs_features[f].since);
		missing++;
	}
	if (missing && hint)
		cs_err("%s ('cpusteer features' lists what this kernel has)",
		       hint);
	else if (missing)
		cs_err("'cpusteer features' lists what this kernel has");
	return missing ? -EOPNOTSUPP : 0;
}

int cs_require_root(void)
{
	if (geteuid() == 0)
		return 0;
	cs_err("must run as root: it needs CAP_BPF, CAP_NET_ADMIN and CAP_SYS_ADMIN");
	return -1;
}
