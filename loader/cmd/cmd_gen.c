// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* cpusteer gen: flows of test traffic, live through an interface or to a
 * pcap, each datagram numbered within its flow.
 */
#define _GNU_SOURCE	/* strerrorname_np() */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/in.h>
#include <json-c/json.h>

#include "commands.h"
#include "iface.h"
#include "kfeatures.h"
#include "gen.h"
#include "log.h"

enum {
	OPT_FLOWS = 'f',
	OPT_COUNT = 'n',
	OPT_DURATION = 'd',
	OPT_DIST = 256,
	OPT_IPV6,
	OPT_PROTO,
	OPT_SIZE,
	OPT_VLAN,
	OPT_DST_MAC,
	OPT_SRC,
	OPT_DST,
	OPT_SPORT,
	OPT_DPORT,
	OPT_RATE,
	OPT_ENCAP,
	OPT_OUTER_SRC,
	OPT_OUTER_DST,
	OPT_TUNNEL_ID,
	OPT_PCAP,
	OPT_SEED,
};

static const struct cs_option gen_opts[] = {
	{ "flows", required_argument, OPT_FLOWS, "N",
	  "flows, 1 to 1048576 (default 16)" },
	{ "count", required_argument, OPT_COUNT, "N",
	  "frames to send (default 1000)" },
	{ "duration", required_argument, OPT_DURATION, "S",
	  "stop after S seconds even if frames are left" },
	{ "rate", required_argument, OPT_RATE, "PPS",
	  "frames per second (default: as fast as the CPU goes)" },
	{ "dist", required_argument, OPT_DIST, "D",
	  "flow popularity: uniform, zipf:S or elephants:K:SHARE" },
	{ "seed", required_argument, OPT_SEED, "N",
	  "seed of the random flow order, 0 to 2^64-1 (default: a fresh one, reported)" },
	{ "ipv6", no_argument, OPT_IPV6, NULL, "IPv6 instead of IPv4" },
	{ "proto", required_argument, OPT_PROTO, "P", "udp (default) or tcp" },
	{ "size", required_argument, OPT_SIZE, "BYTES",
	  "frame size with FCS, 64 or more (default: the smallest that fits)" },
	{ "vlan", required_argument, OPT_VLAN, "ID[,ID]",
	  "802.1Q tag, or 802.1ad outer + 802.1Q inner" },
	{ "encap", required_argument, OPT_ENCAP, "E",
	  "none, pppoe, mpls, gre, gre-eth, erspan1, erspan2, erspan3, vxlan, vxlan-gpe, geneve, gtpu, ipip" },
	{ "outer-src", required_argument, OPT_OUTER_SRC, "IP",
	  "tunnel source (default 192.0.2.1; IPv6 makes an IPv6 tunnel)" },
	{ "outer-dst", required_argument, OPT_OUTER_DST, "IP",
	  "tunnel destination (default 192.0.2.2)" },
	{ "tunnel-id", required_argument, OPT_TUNNEL_ID, "N",
	  "VNI, TEID, first MPLS label or PPPoE session (default 1)" },
	{ "src", required_argument, OPT_SRC, "IP",
	  "first source address (default 198.18.0.1 / 2001:2::1)" },
	{ "dst", required_argument, OPT_DST, "IP",
	  "destination address (default 198.19.0.1 / 2001:2::2)" },
	{ "sport", required_argument, OPT_SPORT, "PORT",
	  "first source port (default 20000)" },
	{ "dport", required_argument, OPT_DPORT, "PORT",
	  "first destination port (default 30000)" },
	{ "dst-mac", required_argument, OPT_DST_MAC, "MAC",
	  "destination MAC (default ff:ff:ff:ff:ff:ff)" },
	{ "pcap", required_argument, OPT_PCAP, "FILE",
	  "write the frames to FILE instead of sending them (no --rate, --duration)" },
	{ "json", no_argument, CS_OPT_JSON, NULL, "print the report as JSON" },
	{ "help", no_argument, CS_OPT_HELP, NULL, "show this help" },
	{}
};

const struct cs_command cs_cmd_gen = {
	.name = "gen",
	.func = cmd_gen,
	.synopsis = "(IFACE | --pcap FILE) [--flows N] [--count N] [--duration S] [--dist D] [OPTIONS]",
	.summary = "Generate numbered flows of test traffic, live or into a pcap.",
	.details =
"Live: transmits out of IFACE with BPF_PROG_TEST_RUN and live frames; an XDP\n"
"program rewrites a template frame per packet. The report says how many\n"
"frames IFACE's driver accepted and why it refused any (from the kernel's\n"
"xdp_devmap_xmit and xdp_redirect_err tracepoints); gen exits 1 unless it\n"
"accepted every one. On a veth, the peer must run an XDP program (cpusteer\n"
"does) or have GRO on, or the frames are refused.\n"
"Flow i goes from --src + i/16384, port --sport + i%16384, to --dst, port\n"
"--dport + i%16384. Every payload carries the flow id and its sequence\n"
"number in the flow (include/cs_gen.h), so a receiver sees loss and\n"
"reordering. --encap wraps every frame in a tunnel (its outer headers fixed,\n"
"the inner flows varying). With --pcap, the same frames go to a file, for\n"
"'cpusteer classify'; IFACE is then optional. The same --seed gives the\n"
"same frames, live and in a pcap; without one, gen draws a seed and\n"
"reports it.\n",
	.opts = gen_opts,
};

struct gen_args {
	struct cs_gen_cfg cfg;
	const char *ifname, *pcap, *src, *dst, *outer_src, *outer_dst;
	__u32 encap, tunnel_id;
	__u32 ifindex;
	bool seeded;		/* --seed given */
};

/* --encap names, in enum cs_frame_encap_type order. */
static const char *const encap_names[CS_FE_MAX] = {
	[CS_FE_NONE] = "none", [CS_FE_PPPOE] = "pppoe", [CS_FE_MPLS] = "mpls",
	[CS_FE_GRE] = "gre", [CS_FE_GRE_TEB] = "gre-eth",
	[CS_FE_ERSPAN2] = "erspan2", [CS_FE_ERSPAN3] = "erspan3",
	[CS_FE_VXLAN] = "vxlan", [CS_FE_GENEVE] = "geneve",
	[CS_FE_GTPU] = "gtpu", [CS_FE_IPIP] = "ipip",
	[CS_FE_ERSPAN1] = "erspan1", [CS_FE_VXLAN_GPE] = "vxlan-gpe",
};

static int parse_vlans(const char *s, struct cs_frame_spec *spec)
{
	__u32 ids[2];
	char *comma = strchr(s, ',');
	int err;

	if (comma) {
		*comma = '\0';
		err = cs_parse_u32("--vlan outer ID", s, 1, 4094, &ids[0]) ||
		      cs_parse_u32("--vlan inner ID", comma + 1, 1, 4094, &ids[1]);
		spec->nvlan = 2;
		spec->vlan_tpid[0] = 0x88a8;	/* 802.1ad S-tag outside */
		spec->vlan_tpid[1] = 0x8100;
		spec->vlan_id[0] = ids[0];
		spec->vlan_id[1] = ids[1];
		return err ? -EINVAL : 0;
	}
	if (cs_parse_u32("--vlan ID", s, 1, 4094, &ids[0]))
		return -EINVAL;
	spec->nvlan = 1;
	spec->vlan_tpid[0] = 0x8100;
	spec->vlan_id[0] = ids[0];
	return 0;
}

static int parse_one(struct gen_args *a, int c)
{
	static const char *const protos[] = { "udp", "tcp" };
	struct cs_gen_cfg *cfg = &a->cfg;
	__u32 v;

	switch (c) {
	case OPT_FLOWS:
		return cs_parse_u32("--flows", optarg, 1, CS_GEN_MAX_FLOWS,
				    &cfg->flows);
	case OPT_COUNT:
		return cs_parse_u64("--count", optarg, 1, CS_GEN_MAX_COUNT,
				    &cfg->count);
	case OPT_DURATION:
		return cs_parse_double("--duration", optarg, 0.001, 86400,
				       &cfg->duration);
	case OPT_RATE:
		return cs_parse_double("--rate", optarg, 1, 1e9, &cfg->rate);
	case OPT_DIST:
		return cs_gen_parse_dist(optarg, cfg);
	case OPT_IPV6:
		cfg->spec.family = 6;
		return 0;
	case OPT_PROTO:
		if (cs_parse_enum("--proto", optarg, protos, 2, &v))
			return -EINVAL;
		cfg->spec.proto = v ? IPPROTO_TCP : IPPROTO_UDP;
		return 0;
	case OPT_SIZE:
		return cs_parse_u32("--size", optarg, 1, CS_FRAME_MAX,
				    &cfg->size);
	case OPT_VLAN:
		return parse_vlans(optarg, &cfg->spec);
	case OPT_ENCAP:
		return cs_parse_enum("--encap", optarg, encap_names, CS_FE_MAX,
				     &a->encap);
	case OPT_OUTER_SRC:
		a->outer_src = optarg;
		return 0;
	case OPT_OUTER_DST:
		a->outer_dst = optarg;
		return 0;
	case OPT_TUNNEL_ID:
		return cs_parse_u32("--tunnel-id", optarg, 0, 0xfffff,
				    &a->tunnel_id);
	case OPT_SRC:
		a->src = optarg;
		return 0;
	case OPT_DST:
		a->dst = optarg;
		return 0;
	case OPT_SPORT:
		if (cs_parse_u32("--sport", optarg, 1, 65535, &v))
			return -EINVAL;
		cfg->sport_base = v;
		return 0;
	case OPT_DPORT:
		if (cs_parse_u32("--dport", optarg, 1, 65535, &v))
			return -EINVAL;
		cfg->dport_base = v;
		return 0;
	case OPT_DST_MAC:
		return cs_parse_mac("--dst-mac", optarg, cfg->spec.dst_mac);
	case OPT_PCAP:
		a->pcap = optarg;
		return 0;
	case OPT_SEED:
		a->seeded = true;
		/* Any 64-bit value, in decimal, so a report's can be
		 * pasted back.
		 */
		return cs_parse_u64("--seed", optarg, 0, UINT64_MAX,
				    &cfg->seed);
	case CS_OPT_JSON:
		cs_json = true;
		return 0;
	}
	return -EINVAL;
}

/* Addresses after --ipv6 is known; their family must match it. */
static int gen_addrs(struct gen_args *a)
{
	struct cs_gen_cfg *cfg = &a->cfg;
	int want = cfg->spec.family;
	const char *src = a->src ? a->src :
			  want == 6 ? "2001:2::1" : "198.18.0.1";
	const char *dst = a->dst ? a->dst :
			  want == 6 ? "2001:2::2" : "198.19.0.1";

	if (cs_frame_set_addrs(&cfg->spec, src, dst) ||
	    cfg->spec.family != want) {
		cs_err("--src %s / --dst %s: give two IPv%d addresses%s", src,
		       dst, want, want == 4 ? " (or pass --ipv6)" : "");
		return -EINVAL;
	}
	if (cfg->sport_base + (cfg->flows < CS_GEN_PORTS ? cfg->flows :
			       CS_GEN_PORTS) - 1 > 65535 ||
	    cfg->dport_base + (cfg->flows < CS_GEN_PORTS ? cfg->flows :
			       CS_GEN_PORTS) - 1 > 65535) {
		cs_err("--sport %u / --dport %u leave no room for %u flows' ports (flow i uses base + i %% %u)",
		       cfg->sport_base, cfg->dport_base, cfg->flows,
		       CS_GEN_PORTS);
		return -EINVAL;
	}
	return 0;
}

/* The encapsulation around every frame, once the inner family is known. */
static int gen_encap(struct gen_args *a)
{
	const char *src = a->outer_src ? a->outer_src : "192.0.2.1";
	const char *dst = a->outer_dst ? a->outer_dst : "192.0.2.2";
	bool ip_based = a->encap != CS_FE_NONE && a->encap != CS_FE_PPPOE &&
			a->encap != CS_FE_MPLS;
	struct cs_frame_encap *e;

	if (!ip_based && (a->outer_src || a->outer_dst)) {
		cs_err("--outer-src and --outer-dst go with an IP tunnel (--encap gre, vxlan, ...), not --encap %s",
		       encap_names[a->encap]);
		return -EINVAL;
	}
	if (a->encap == CS_FE_NONE)
		return 0;
	e = cs_frame_add_encap(&a->cfg.spec, a->encap,
			       ip_based ? src : NULL, ip_based ? dst : NULL);
	if (!e) {
		cs_err("--outer-src %s / --outer-dst %s: give two IPv4 or two IPv6 addresses",
		       src, dst);
		return -EINVAL;
	}
	e->id = a->tunnel_id;
	return 0;
}

static int src_mac(const char *ifname, __u8 *mac)
{
	struct ifreq ifr = {};
	int fd = socket(AF_INET, SOCK_DGRAM, 0), err = 0;

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (fd < 0 || ioctl(fd, SIOCGIFHWADDR, &ifr))
		err = -errno;
	else
		memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	if (fd >= 0)
		close(fd);
	return err;
}

static int gen_one(void *ctx, int c, const char *arg)
{
	(void)arg;	/* parse_one() reads optarg, as getopt left it */
	return parse_one(ctx, c);
}

/* 0, 1 after --help, or -EINVAL after an error was printed. */
static int gen_parse(int argc, char **argv, struct gen_args *a)
{
	int err;

	cs_gen_cfg_init(&a->cfg);
	a->tunnel_id = 1;
	err = cs_opts_parse(argc, argv, &cs_cmd_gen, gen_one, a);
	if (err)
		return err;
	if (optind < argc)
		a->ifname = argv[optind++];
	if (optind < argc) {
		cs_err("unexpected argument '%s'", argv[optind]);
		return -EINVAL;
	}
	if (!a->ifname && !a->pcap) {
		cs_err("give an interface to send through, or --pcap FILE to write the frames");
		return -EINVAL;
	}
	/* A pcap is written at once and its times are synthetic. */
	if (a->pcap && a->cfg.rate > 0) {
		cs_err("--rate paces live sending, but --pcap writes every frame at once and stamps them 1 us apart: drop --rate, or drop --pcap to send through IFACE");
		return -EINVAL;
	}
	if (a->pcap && a->cfg.duration > 0) {
		cs_err("--duration bounds live sending, but --pcap always writes --count frames: drop --duration and give the number of frames with --count");
		return -EINVAL;
	}
	if (a->cfg.dist == CS_DIST_ELEPHANTS &&
	    a->cfg.elephants >= a->cfg.flows) {
		cs_err("--dist elephants:%u needs more than %u flows (--flows %u)",
		       a->cfg.elephants, a->cfg.elephants, a->cfg.flows);
		return -EINVAL;
	}
	if (gen_addrs(a) || gen_encap(a) || cs_gen_set_size(&a->cfg))
		return -EINVAL;
	if (a->ifname && (cs_ifname_check("IFACE", a->ifname) ||
			  cs_iface_resolve(a->ifname, &a->ifindex)))
		return -ENODEV;
	if (a->ifname && src_mac(a->ifname, a->cfg.spec.src_mac))
		cs_warn("%s: cannot read its MAC; sending from %02x:..:%02x",
			a->ifname, a->cfg.spec.src_mac[0],
			a->cfg.spec.src_mac[5]);
	return 0;
}

/* IFF_* flags of @ifname, or 0 if they cannot be read. */
static unsigned int link_flags(const char *ifname)
{
	struct ifreq ifr = {};
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	unsigned int flags = 0;

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (fd >= 0 && !ioctl(fd, SIOCGIFFLAGS, &ifr))
		flags = (unsigned short)ifr.ifr_flags;
	if (fd >= 0)
		close(fd);
	return flags;
}

/* Has @ifname carrier (a veth: is its peer up)? ETHTOOL_GLINK, since the
 * SIOCGIFFLAGS flags stop short of IFF_LOWER_UP.
 */
static bool has_carrier(const char *ifname)
{
	struct ethtool_value ev = { .cmd = ETHTOOL_GLINK };
	struct ifreq ifr = { .ifr_data = (void *)&ev };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	bool up = false;

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (fd >= 0 && !ioctl(fd, SIOCETHTOOL, &ifr))
		up = ev.data;
	if (fd >= 0)
		close(fd);
	return up;
}

/* Where a refusal count lives besides the errnos (include/cs_gen.h). */
enum {
	REFUSED_DROPPED = 0,			/* no errno given */
	REFUSED_OTHER = CS_GEN_ERRNO_MAX,	/* an errno past the table */
	REFUSED_UNACCOUNTED = CS_GEN_REFUSED_SLOTS,	/* seen by no one */
};

/* Is @ifname a veth? Its refusals mean something about its peer. */
static bool is_veth(const char *ifname)
{
	struct ethtool_drvinfo info = { .cmd = ETHTOOL_GDRVINFO };
	struct ifreq ifr = { .ifr_data = (void *)&info };
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	bool veth = false;

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (fd >= 0 && !ioctl(fd, SIOCETHTOOL, &ifr))
		veth = !strcmp(info.driver, "veth");
	if (fd >= 0)
		close(fd);
	return veth;
}

/* A refusal's name: the errno's, or what stands for it. */
static const char *cause_name(int slot)
{
	const char *name;

	switch (slot) {
	case REFUSED_DROPPED:
		return "dropped";
	case REFUSED_OTHER:
		return "other";
	case REFUSED_UNACCOUNTED:
		return "unaccounted";
	}
	name = strerrorname_np(slot);
	return name ? name : "other";
}

/*
 * Why the device refused frames, and what to do. As measured on 6.18
 * (selftests/test_gen_live.sh): __xdp_enqueue() refuses with EOPNOTSUPP a
 * device whose xdp_features lack NDO_XMIT (lo; a veth whose peer has
 * neither a native XDP program nor GRO on: generic XDP on the peer does
 * not count), xdp_ok_fwd_dev() with ENETDOWN or EMSGSIZE; veth_xdp_xmit()
 * refuses a whole burst with ENXIO when its peer is down (and, on 6.1,
 * where xdp_features do not exist yet, when the peer has neither native
 * XDP nor GRO), and drops frames
 * without an errno that exceed the peer's MTU. From the source, not seen
 * here: EINVAL when no device has the ifindex any more, and veth's drops
 * when the peer's ring is full.
 */
static void cause_why(int slot, const struct gen_args *a, bool veth,
		      char *buf, size_t len)
{
	const char *dev = a->ifname;

	switch (slot) {
	case EOPNOTSUPP:
		if (veth)
			snprintf(buf, len, "%s is a veth whose peer has no native XDP program and GRO off (generic XDP does not count): attach one in native mode (cpusteer does) or run 'ethtool -K PEER gro on' where the peer is",
				 dev);
		else if (link_flags(dev) & IFF_LOOPBACK)
			snprintf(buf, len, "%s is a loopback device, which cannot transmit XDP frames (no ndo_xdp_xmit): send through a veth or a NIC",
				 dev);
		else
			snprintf(buf, len, "%s's driver cannot transmit XDP frames now (no ndo_xdp_xmit, or XDP transmit turned off): send through one that can, such as a veth or most NIC drivers",
				 dev);
		return;
	case ENXIO:
		/* veth_xdp_xmit(): the peer's queue has no NAPI. From 6.3 a
		 * peer without XDP or GRO is refused earlier (EOPNOTSUPP, see
		 * above); before, it lands here too. A veth has carrier
		 * while its peer is up: that tells the two apart.
		 */
		if (veth && !has_carrier(dev))
			snprintf(buf, len, "%s is a veth whose peer is down or gone (%s has no carrier): bring the peer up",
				 dev, dev);
		else if (veth)
			snprintf(buf, len, "%s is a veth whose peer has no native XDP program and GRO off (generic XDP does not count): attach one in native mode (cpusteer does) or run 'ethtool -K PEER gro on' where the peer is",
				 dev);
		else
			snprintf(buf, len, "%s's driver had nowhere to put them: %s",
				 dev, strerror(slot));
		return;
	case ENETDOWN:
		snprintf(buf, len, "%s is down: bring it up with 'ip link set dev %s up'",
			 dev, dev);
		return;
	case EMSGSIZE:
		snprintf(buf, len, "%u-byte frames are longer than %s's MTU allows: lower --size, or raise the MTU with 'ip link set dev %s mtu N'",
			 a->cfg.size, dev, dev);
		return;
	case EINVAL:
		snprintf(buf, len, "%s went away while gen was sending", dev);
		return;
	case REFUSED_DROPPED:
		snprintf(buf, len, veth ?
			 "%s's peer took only part of some bursts: the frames exceed the peer's MTU (make it at least %s's), or its 256-frame ring was full because it drains slower than gen sends (lower --rate)" :
			 "%s's driver took only part of some bursts (its transmit ring was full, or the frames are too long for it): lower --rate or --size",
			 dev, dev);
		return;
	case REFUSED_OTHER:
		snprintf(buf, len, "errors numbered %d or more, which gen does not tell apart",
			 CS_GEN_ERRNO_MAX);
		return;
	case REFUSED_UNACCOUNTED:
		snprintf(buf, len, "no tracepoint reported these: the generator program did not redirect them (a bug in cpusteer, please report it)");
		return;
	}
	snprintf(buf, len, "%s refused them: %s", dev, strerror(slot));
}

static __u64 cause_count(const struct cs_gen_result *r, int slot)
{
	return slot == REFUSED_UNACCOUNTED ? r->unaccounted : r->refused[slot];
}

/* "ENXIO: 10, dropped: 2": the refusals, counted by cause. */
static void cause_list(const struct cs_gen_result *r, char *buf, size_t len)
{
	const char *sep = "";
	size_t off = 0;
	int slot;

	buf[0] = '\0';
	for (slot = 0; slot <= REFUSED_UNACCOUNTED && off < len; slot++) {
		if (!cause_count(r, slot))
			continue;
		off += snprintf(buf + off, len - off, "%s%s: %llu", sep,
				cause_name(slot),
				(unsigned long long)cause_count(r, slot));
		sep = ", ";
	}
}

/* The one-line verdict on a live run; empty if every frame was taken. */
static void verdict(const struct gen_args *a, const struct cs_gen_result *r,
		    char *buf, size_t len)
{
	char list[256];

	buf[0] = '\0';
	if (r->accepted >= r->sent)
		return;
	cause_list(r, list, sizeof(list));
	snprintf(buf, len, "%s accepted %s%llu of %llu frames (%s); the report says why and what to do",
		 a->ifname, r->accepted ? "only " : "",
		 (unsigned long long)r->accepted, (unsigned long long)r->sent,
		 list);
}

static void report_text(const struct gen_args *a,
			const struct cs_gen_result *r, double pps)
{
	__u64 refused = cs_gen_refused_total(r) + r->unaccounted;
	bool veth = refused && is_veth(a->ifname);
	char why[512], list[256];
	int slot;

	printf("%s %llu frames (%u flows, %u bytes, seed %llu) in %.3f s, %.0f frames/s",
	       a->pcap ? "wrote" : "sent", (unsigned long long)r->sent,
	       a->cfg.flows, a->cfg.size, (unsigned long long)a->cfg.seed,
	       r->seconds, pps);
	if (a->pcap) {
		printf("\n");
		return;
	}
	if (r->stopped)
		printf(" (stopped by a signal)");
	cause_list(r, list, sizeof(list));
	printf(": %s accepted %llu, refused %llu%s%s%s\n", a->ifname,
	       (unsigned long long)r->accepted, (unsigned long long)refused,
	       refused ? " (" : "", list, refused ? ")" : "");
	for (slot = 0; slot <= REFUSED_UNACCOUNTED; slot++) {
		if (!cause_count(r, slot))
			continue;
		cause_why(slot, a, veth, why, sizeof(why));
		printf("  %s: %s\n", cause_name(slot), why);
	}
}

static void report_json(const struct gen_args *a,
			const struct cs_gen_result *r, double pps,
			const char *error)
{
	__u64 refused = cs_gen_refused_total(r) + r->unaccounted;
	struct json_object *o = json_object_new_object(), *counts, *causes;
	bool veth = refused && is_veth(a->ifname);
	char why[512];
	int slot;

	json_object_object_add(o, "sent", json_object_new_uint64(r->sent));
	json_object_object_add(o, "seed", json_object_new_uint64(a->cfg.seed));
	json_object_object_add(o, "seconds", json_object_new_double(r->seconds));
	json_object_object_add(o, "pps", json_object_new_double(pps));
	json_object_object_add(o, "flows", json_object_new_int(a->cfg.flows));
	json_object_object_add(o, "size", json_object_new_int(a->cfg.size));
	if (!a->pcap)
		json_object_object_add(o, "stopped",
				       json_object_new_boolean(r->stopped));
	if (!a->pcap) {
		counts = json_object_new_object();
		causes = json_object_new_object();
		for (slot = 0; slot <= REFUSED_UNACCOUNTED; slot++) {
			if (!cause_count(r, slot))
				continue;
			cause_why(slot, a, veth, why, sizeof(why));
			json_object_object_add(counts, cause_name(slot),
				json_object_new_uint64(cause_count(r, slot)));
			json_object_object_add(causes, cause_name(slot),
				json_object_new_string(why));
		}
		json_object_object_add(o, "accepted",
				       json_object_new_uint64(r->accepted));
		json_object_object_add(o, "refused",
				       json_object_new_uint64(refused));
		json_object_object_add(o, "refusals", counts);
		json_object_object_add(o, "causes", causes);
		/* The name before "refused": frames the kernel did not take. */
		json_object_object_add(o, "tx_errors",
				       json_object_new_uint64(refused));
	}
	if (error && *error)
		json_object_object_add(o, "error", json_object_new_string(error));
	printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

/*
 * The report, then the verdict: every frame accepted, or an error. Under
 * --json the error rides in the report object, so stdout holds one object
 * (cs_err() would print a second one).
 */
static int report(const struct gen_args *a, const struct cs_gen_result *r)
{
	double pps = r->seconds > 0 ? r->sent / r->seconds : 0;
	char error[512] = "";

	if (!a->pcap)
		verdict(a, r, error, sizeof(error));
	if (cs_json)
		report_json(a, r, pps, error);
	else
		report_text(a, r, pps);
	if (!error[0])
		return 0;
	cs_err_text("%s", error);
	return -EIO;
}

/* Refuse to send through a down interface: the kernel would only count
 * ENETDOWN per frame.
 */
static int check_up(const struct gen_args *a)
{
	if (link_flags(a->ifname) & IFF_UP)
		return 0;
	cs_err("%s is down, so it cannot take frames: bring it up with 'ip link set dev %s up'",
	       a->ifname, a->ifname);
	return -ENETDOWN;
}

static void stop_handler(int sig)
{
	(void)sig;
	cs_gen_stop = 1;
}

/* Ctrl-C or a SIGTERM: stop sending and report what was sent. */
static void on_stop(void)
{
	struct sigaction sa = { .sa_handler = stop_handler };

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

int cmd_gen(int argc, char **argv)
{
	struct gen_args a = {};
	struct cs_gen_result r = {};
	int err;

	err = gen_parse(argc, argv, &a);
	if (err)
		return err > 0 ? CS_EXIT_OK : CS_EXIT_USAGE;
	if (!a.seeded && (err = cs_gen_random_seed(&a.cfg.seed))) {
		cs_err("cannot draw a random seed (getrandom: %s): give one with --seed N",
		       strerror(-err));
		return CS_EXIT_FAIL;
	}
	if (a.pcap) {
		err = cs_gen_write_pcap(&a.cfg, a.pcap, &r);
	} else {
		if (cs_require_root() ||
		    cs_features_require(CS_NEED_GEN, "gen through an interface",
					"gen --pcap FILE writes the same frames") ||
		    check_up(&a))
			return CS_EXIT_FAIL;
		on_stop();
		err = cs_gen_live(&a.cfg, a.ifindex, &r);
	}
	if (err && (!r.sent || r.miscounted))
		return CS_EXIT_FAIL;
	if (report(&a, &r))
		err = -EIO;
	return err ? CS_EXIT_FAIL : CS_EXIT_OK;
}
