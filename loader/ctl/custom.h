/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * A user's own stage 2 (--stage2-obj FILE [--stage2-prog NAME]): one
 * SEC("xdp/cpumap") program of the user's object file, checked to fit
 * cpusteer's cpumap and loaded. The cpumap entries hold the program once
 * it is in them, and the program holds its maps: the object is closed
 * after that, and the maps stay for the user to read with bpftool.
 */
#ifndef CS_CUSTOM_H
#define CS_CUSTOM_H

#include <linux/types.h>

struct bpf_object;

struct cs_custom {
	struct bpf_object *obj;
	int fd;			/* the chosen program; -1: none */
	char name[64];
	__u8 tag[8];		/* the kernel's tag of the loaded program */
};

/*
 * Load program @want (NULL: the object's only cpumap program) of object
 * file @path. Every refusal is printed, naming the file, the program and
 * what to change; nothing is left loaded then.
 */
int cs_custom_load(const char *path, const char *want, struct cs_custom *c);
void cs_custom_close(struct cs_custom *c);

#endif /* CS_CUSTOM_H */
