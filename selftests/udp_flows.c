// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * udp_flows: N UDP flows with per-flow sequence numbers, for the end-to-end
 * selftest and the demo. "send" transmits from sockets bound to sport+i to
 * dport+i; "recv" owns one socket per flow, connected to its sender (the
 * kernel keeps SO_INCOMING_CPU up to date only on connected UDP sockets),
 * and reports per flow what arrived, in which order and on which CPUs;
 * "pcap" writes the Ethernet frames "send" would produce, for
 * cpusteer classify. Bounded in packets and time. The payload and the flow
 * numbering are cpusteer gen's (include/cs_gen.h), so "recv" checks
 * generated traffic too.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <linux/in.h>

#include "cs_gen.h"
#include "frame.h"
#include "pcapio.h"
#include "seqtrack.h"

#define UF_MAX_FLOWS	4096
#define UF_MAX_CPUS	512

struct uf_opts {
	const char *src, *dst, *pcap;
	unsigned int flows, packets, sport, dport;
	double timeout, rate;
	unsigned char src_mac[6], dst_mac[6];
};

struct uf_flow {
	int fd;
	struct cs_seq_flow seq;
	uint64_t cpus[UF_MAX_CPUS / 64];
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int addr_make(const char *ip, unsigned int port,
		     struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in6 *s6 = (void *)ss;
	struct sockaddr_in *s4 = (void *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, ip, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		*len = sizeof(*s4);
		return AF_INET;
	}
	if (inet_pton(AF_INET6, ip, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		*len = sizeof(*s6);
		return AF_INET6;
	}
	fprintf(stderr, "udp_flows: '%s' is not an IPv4 or IPv6 address\n", ip);
	return -1;
}

/* A UDP socket bound to @local:@lport and connected to @remote:@rport. */
static int flow_socket(const char *local, unsigned int lport,
		       const char *remote, unsigned int rport)
{
	struct sockaddr_storage l, r;
	socklen_t ll, rl;
	int fam, fd, one = 1, rcvbuf = 8 << 20;

	fam = addr_make(local, lport, &l, &ll);
	if (fam < 0 || addr_make(remote, rport, &r, &rl) != fam)
		return -1;
	fd = socket(fam, SOCK_DGRAM, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	/* Bursts from cpusteer gen outrun the default 208 KiB rmem_max:
	 * take more as root (FORCE), or what the sysctl allows.
	 */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (bind(fd, (void *)&l, ll) || connect(fd, (void *)&r, rl)) {
		fprintf(stderr, "udp_flows: socket %s:%u -> %s:%u: %s\n",
			local, lport, remote, rport, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static int do_send(const struct uf_opts *o)
{
	static int fds[UF_MAX_FLOWS];
	double start = now(), gap = o->rate > 0 ? 1.0 / o->rate : 0;
	unsigned long sent = 0, failed = 0;
	unsigned int i, seq;
	int err = 0;

	for (i = 0; i < o->flows; i++) {
		fds[i] = flow_socket(o->src, o->sport + i, o->dst,
				     o->dport + i);
		if (fds[i] < 0)
			return 1;
	}
	/* Flows interleaved, so every flow's packets share the path. */
	for (seq = 0; seq < o->packets && now() - start < o->timeout; seq++) {
		for (i = 0; i < o->flows; i++) {
			struct cs_gen_payload p = { CS_GEN_MAGIC, i, seq, 0 };

			if (send(fds[i], &p, sizeof(p), 0) == sizeof(p))
				sent++;
			else
				failed++;
			while (gap && now() - start < sent * gap)
				;
		}
	}
	printf("{\"sent\": %lu, \"failed\": %lu, \"seconds\": %.3f}\n", sent,
	       failed, now() - start);
	for (i = 0; i < o->flows; i++)
		close(fds[i]);
	if (failed)
		err = 1;
	return err;
}

static void flow_take(struct uf_flow *f, const struct cs_gen_payload *p)
{
	int cpu = -1;
	socklen_t len = sizeof(cpu);

	if (getsockopt(f->fd, SOL_SOCKET, SO_INCOMING_CPU, &cpu, &len) == 0 &&
	    cpu >= 0 && cpu < UF_MAX_CPUS)
		f->cpus[cpu / 64] |= 1ULL << (cpu % 64);
	cs_seq_take(&f->seq, p->seq);
}

static void flow_report(const struct uf_opts *o, unsigned int i,
			const struct uf_flow *f)
{
	int cpu, first = 1;

	printf("{\"flow\": %u, \"sport\": %u, \"dport\": %u, \"received\": %llu, \"lost\": %llu, \"reordered\": %llu, \"cpus\": [",
	       i, o->sport + i, o->dport + i,
	       (unsigned long long)f->seq.received,
	       (unsigned long long)cs_seq_lost(&f->seq, o->packets),
	       (unsigned long long)f->seq.reordered);
	for (cpu = 0; cpu < UF_MAX_CPUS; cpu++)
		if (f->cpus[cpu / 64] & (1ULL << (cpu % 64))) {
			printf("%s%d", first ? "" : ", ", cpu);
			first = 0;
		}
	printf("]}\n");
}

static int do_recv(const struct uf_opts *o)
{
	static struct pollfd pfd[UF_MAX_FLOWS];
	static struct uf_flow flows[UF_MAX_FLOWS];
	unsigned long want = (unsigned long)o->flows * o->packets, got = 0;
	double start = now();
	unsigned int i;

	for (i = 0; i < o->flows; i++) {
		flows[i].fd = flow_socket(o->dst, o->dport + i, o->src,
					  o->sport + i);
		if (flows[i].fd < 0)
			return 1;
		pfd[i] = (struct pollfd){ .fd = flows[i].fd, .events = POLLIN };
	}
	/* Ready to receive: the sender may start now. */
	fprintf(stderr, "udp_flows: listening\n");
	while (got < want && now() - start < o->timeout) {
		if (poll(pfd, o->flows, 100) <= 0)
			continue;
		for (i = 0; i < o->flows; i++) {
			struct cs_gen_payload p;

			if (!(pfd[i].revents & POLLIN))
				continue;
			while (recv(flows[i].fd, &p, sizeof(p), MSG_DONTWAIT) ==
			       sizeof(p)) {
				if (p.magic != CS_GEN_MAGIC || p.flow != i)
					continue;
				flow_take(&flows[i], &p);
				got++;
			}
		}
	}
	for (i = 0; i < o->flows; i++) {
		flow_report(o, i, &flows[i]);
		close(flows[i].fd);
	}
	return 0;
}

/* The first frame of every flow, as the receiving XDP program sees it. */
static int do_pcap(const struct uf_opts *o)
{
	struct cs_frame_spec s;
	struct cs_pcap *p;
	__u8 buf[256];
	unsigned int i;
	size_t len;

	cs_frame_spec_init(&s);
	if (cs_frame_set_addrs(&s, o->src, o->dst)) {
		fprintf(stderr, "udp_flows: bad --src/--dst pair\n");
		return 1;
	}
	memcpy(s.src_mac, o->src_mac, 6);
	memcpy(s.dst_mac, o->dst_mac, 6);
	s.proto = IPPROTO_UDP;
	s.payload_len = sizeof(struct cs_gen_payload);
	if (cs_pcap_open_write(o->pcap, &p))
		return 1;
	for (i = 0; i < o->flows; i++) {
		struct cs_gen_payload pl = { CS_GEN_MAGIC, i, 0, 0 };

		s.sport = o->sport + i;
		s.dport = o->dport + i;
		s.payload = &pl;
		len = cs_frame_build(&s, buf, sizeof(buf));
		cs_pcap_write(p, i, buf, len);
	}
	return cs_pcap_close(p) ? 1 : 0;
}

static int parse_mac(const char *s, unsigned char *mac)
{
	return sscanf(s, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &mac[0], &mac[1],
		      &mac[2], &mac[3], &mac[4], &mac[5]) == 6 ? 0 : -1;
}

static void usage(FILE *f)
{
	fprintf(f,
"Usage: udp_flows send|recv|pcap --src IP --dst IP [options]\n"
"  --flows N        flows (default 16, at most 4096)\n"
"  --packets N      packets per flow (default 100)\n"
"  --sport P        first source port (default 20000)\n"
"  --dport P        first destination port (default 30000)\n"
"  --timeout S      give up after S seconds (default 10)\n"
"  --rate PPS       send: packets per second, all flows (default: no limit)\n"
"  --pcap FILE      pcap: where to write one frame per flow\n"
"  --src-mac MAC, --dst-mac MAC   pcap: Ethernet addresses\n"
"Flow i goes from --src:sport+i to --dst:dport+i. recv runs on --dst and\n"
"prints one JSON object per flow: received, lost, reordered, cpus.\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "src", required_argument, NULL, 's' },
		{ "dst", required_argument, NULL, 'd' },
		{ "flows", required_argument, NULL, 'f' },
		{ "packets", required_argument, NULL, 'n' },
		{ "sport", required_argument, NULL, 'S' },
		{ "dport", required_argument, NULL, 'D' },
		{ "timeout", required_argument, NULL, 't' },
		{ "rate", required_argument, NULL, 'r' },
		{ "pcap", required_argument, NULL, 'p' },
		{ "src-mac", required_argument, NULL, 'm' },
		{ "dst-mac", required_argument, NULL, 'M' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct uf_opts o = { .flows = 16, .packets = 100, .sport = 20000,
			     .dport = 30000, .timeout = 10 };
	const char *mode;
	int c;

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	mode = argv[1];
	optind = 2;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 's': o.src = optarg; break;
		case 'd': o.dst = optarg; break;
		case 'f': o.flows = strtoul(optarg, NULL, 0); break;
		case 'n': o.packets = strtoul(optarg, NULL, 0); break;
		case 'S': o.sport = strtoul(optarg, NULL, 0); break;
		case 'D': o.dport = strtoul(optarg, NULL, 0); break;
		case 't': o.timeout = strtod(optarg, NULL); break;
		case 'r': o.rate = strtod(optarg, NULL); break;
		case 'p': o.pcap = optarg; break;
		case 'm':
		case 'M':
			if (parse_mac(optarg, c == 'm' ? o.src_mac : o.dst_mac)) {
				fprintf(stderr, "udp_flows: bad MAC '%s'\n", optarg);
				return 2;
			}
			break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (!o.src || !o.dst || !o.flows || o.flows > UF_MAX_FLOWS ||
	    !o.packets || o.timeout <= 0 || o.sport + o.flows > 65536 ||
	    o.dport + o.flows > 65536) {
		fprintf(stderr, "udp_flows: need --src and --dst, 1-%d flows, packets > 0, timeout > 0, ports that fit\n",
			UF_MAX_FLOWS);
		return 2;
	}
	if (!strcmp(mode, "send"))
		return do_send(&o);
	if (!strcmp(mode, "recv"))
		return do_recv(&o);
	if (!strcmp(mode, "pcap") && o.pcap)
		return do_pcap(&o);
	usage(stderr);
	return 2;
}
