// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pcap/pcap.h>

#include "log.h"
#include "pcapio.h"

#define CS_PCAP_USEC	1000000ULL	/* microseconds a second */

struct cs_pcap {
	pcap_t *pcap;
	pcap_dumper_t *dumper;
	const char *path;
	unsigned long long frames;
};

/* Frames we write are at most a jumbo frame. */
#define CS_PCAP_SNAPLEN	9216

int cs_pcap_open_read(const char *path, struct cs_pcap **out)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct cs_pcap *p;
	pcap_t *pc;

	pc = pcap_open_offline(path, errbuf);
	if (!pc) {
		/* Some libpcap messages name the file, others do not. */
		if (strstr(errbuf, path))
			cs_err("cannot read pcap: %s", errbuf);
		else
			cs_err("cannot read pcap %s: %s", path, errbuf);
		return -EINVAL;
	}
	if (pcap_datalink(pc) != DLT_EN10MB) {
		cs_err("pcap %s: link type %s, but XDP sees Ethernet frames: capture on an Ethernet interface",
		       path, pcap_datalink_val_to_name(pcap_datalink(pc)));
		pcap_close(pc);
		return -EINVAL;
	}
	p = calloc(1, sizeof(*p));
	if (!p) {
		pcap_close(pc);
		return -ENOMEM;
	}
	p->pcap = pc;
	p->path = path;
	*out = p;
	return 0;
}

int cs_pcap_next(struct cs_pcap *p, const __u8 **data, __u32 *len)
{
	struct pcap_pkthdr *hdr;
	const u_char *pkt;
	int rc;

	rc = pcap_next_ex(p->pcap, &hdr, &pkt);
	if (rc == 1) {
		*data = pkt;
		*len = hdr->caplen;
		p->frames++;
		return 1;
	}
	if (rc == PCAP_ERROR_BREAK)
		return 0;
	cs_err("pcap %s: read error after %llu frames: %s", p->path,
	       p->frames, pcap_geterr(p->pcap));
	return -EIO;
}

int cs_pcap_open_write(const char *path, struct cs_pcap **out)
{
	struct cs_pcap *p = calloc(1, sizeof(*p));

	if (!p)
		return -ENOMEM;
	p->path = path;
	p->pcap = pcap_open_dead(DLT_EN10MB, CS_PCAP_SNAPLEN);
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

int cs_pcap_write(struct cs_pcap *p, __u64 usec, const void *data, __u32 len)
{
	struct pcap_pkthdr hdr = { .caplen = len, .len = len };

	hdr.ts.tv_sec = usec / CS_PCAP_USEC;
	hdr.ts.tv_usec = usec % CS_PCAP_USEC;
	pcap_dump((u_char *)p->dumper, &hdr, data);
	p->frames++;
	return 0;
}

int cs_pcap_close(struct cs_pcap *p)
{
	int err = 0;

	if (!p)
		return 0;
	if (p->dumper) {
		if (pcap_dump_flush(p->dumper) ||
		    ferror(pcap_dump_file(p->dumper))) {
			cs_err("cannot write pcap %s: %s", p->path,
			       strerror(errno));
			err = -EIO;
		}
		pcap_dump_close(p->dumper);
	}
	pcap_close(p->pcap);
	free(p);
	return err;
}
