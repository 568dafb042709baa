/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Ethernet pcap files through libpcap. Kept in its own module because
 * <pcap/pcap.h> defines classic-BPF types that clash with <linux/bpf.h>.
 */
#ifndef CS_PCAPIO_H
#define CS_PCAPIO_H

#include <stdbool.h>
#include <linux/types.h>

struct cs_pcap;

/* Errors name @path and are printed; only DLT_EN10MB files are accepted. */
int cs_pcap_open_read(const char *path, struct cs_pcap **out);
/* 1 with a frame, 0 at the end, negative on a read error (printed). */
int cs_pcap_next(struct cs_pcap *p, const __u8 **data, __u32 *len);
int cs_pcap_open_write(const char *path, struct cs_pcap **out);
/*
 * A frame stamped @usec microseconds after the epoch: the caller's clock,
 * so that a file written twice from the same input is the same, byte for
 * byte (gen stamps frame n at n us).
 */
int cs_pcap_write(struct cs_pcap *p, __u64 usec, const void *data, __u32 len);
/* Returns the first write error, if any (the file is flushed first). */
int cs_pcap_close(struct cs_pcap *p);

#endif
