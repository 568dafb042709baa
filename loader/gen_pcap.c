// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The pcap side of "cpusteer gen --pcap". Its own file for the reason
 * pcapio.c is one (<pcap/pcap.h> and <linux/bpf.h> clash), and not
 * pcapio's writer because that one stamps every frame with the wall clock:
 * a generated file must be the same, byte for byte, for the same --seed.
 * Frame n is stamped n microseconds after the epoch (a 1 Mpps sender
 * starting at time 0): the order shows in any pcap tool, the file carries
 * no trace of when it was written.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pcap/pcap.h>

#include "frame.h"
#include "gen.h"
#include "log.h"

#define GEN_PCAP_USEC	1000000ULL	/* microseconds a second */

struct cs_gen_pcap {
	pcap_t *pcap;
	pcap_dumper_t *dumper;
	const char *path;
};

int cs_gen_pcap_open(const char *path, struct cs_gen_pcap **out)
{
	struct cs_gen_pcap *p = calloc(1, sizeof(*p));

	if (!p)
		return -ENOMEM;
	p->path = path;
	p->pcap = pcap_open_dead(DLT_EN10MB, CS_FRAME_MAX);
	if (p->pcap)
		p->dumper = pcap_dump_open(p->pcap, path);
	if (!p->dumper) {
		cs_err("cannot write pcap %s: %s", path,
		       p->pcap ? pcap_geterr(p->pcap) : "out of memory");
		if (p->pcap)
			pcap_close(p->pcap);
		free(p);
		return -EIO;
	}
	*out = p;
	return 0;
}

void cs_gen_pcap_write(struct cs_gen_pcap *p, __u64 n, const void *data,
		       __u32 len)
{
	struct pcap_pkthdr hdr = { .caplen = len, .len = len };

	hdr.ts.tv_sec = n / GEN_PCAP_USEC;
	hdr.ts.tv_usec = n % GEN_PCAP_USEC;
	pcap_dump((u_char *)p->dumper, &hdr, data);
}

int cs_gen_pcap_close(struct cs_gen_pcap *p)
{
	int err = 0;

	if (pcap_dump_flush(p->dumper) || ferror(pcap_dump_file(p->dumper))) {
		cs_err("cannot write pcap %s: %s", p->path, strerror(errno));
		err = -EIO;
	}
	pcap_dump_close(p->dumper);
	pcap_close(p->pcap);
	free(p);
	return err;
}
