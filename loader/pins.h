/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * What an attachment leaves in bpffs, so steering outlives the loader:
 *   /sys/fs/bpf/cpusteer/IFACE/{link,cpu_map,table,stats,
 *                               trace_enqueue,trace_redirect_err,saved}
 * Everything else (the stage-1 parameters, the stage-2 program, the XDP
 * mode) is read back from these objects, never stored twice.
 */
#ifndef CS_PINS_H
#define CS_PINS_H

#include <stddef.h>

#define CS_BPFFS	"/sys/fs/bpf"
#define CS_PIN_ROOT	CS_BPFFS "/cpusteer"

enum cs_pin {
	CS_PIN_LINK = 0,
	CS_PIN_CPU_MAP,
	CS_PIN_TABLE,
	CS_PIN_STATS,
	CS_PIN_TRACE_ENQUEUE,
	CS_PIN_TRACE_REDIRECT_ERR,
	CS_PIN_SAVED,		/* attach --auto: the values to restore */
	CS_PIN_MAX,
};
extern const char *const cs_pin_names[CS_PIN_MAX];

/* Mount bpffs on /sys/fs/bpf unless something already is. */
int cs_bpffs_ensure(void);
int cs_pin_dir(char *buf, size_t len, const char *ifname);
int cs_pin_path(char *buf, size_t len, const char *ifname, enum cs_pin pin);
/* 1 if IFACE has a pin directory, 0 if not. */
int cs_pin_dir_exists(const char *ifname);
int cs_pin_dir_create(const char *ifname);
/* Remove every pin in IFACE's directory and the directory. */
int cs_pins_remove(const char *ifname);
/* Open a pinned object; -ENOENT quietly when it is missing. */
int cs_pin_open(const char *ifname, enum cs_pin pin);

#endif
