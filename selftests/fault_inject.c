// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Failures the kernel will not produce on demand, for the tests that check
 * cpusteer's error paths. LD_PRELOAD this and name the functions to fail:
 *
 *	CS_FAULT=bpf_prog_get_fd_by_id,bpf_map__set_max_entries cpusteer ...
 *
 * Each named function fails with CS_FAULT_ERRNO (a number, default EPERM)
 * the way libbpf reports errors, when cpusteer calls it; calls that libbpf
 * makes itself (it updates maps while loading) and every other call go
 * through. With CS_FAULT_MAP=NAME, the map calls fail only on the map of
 * that name (cpusteer probes the kernel with maps of its own first). With
 * CS_FAULT_ONCE=1 only the first such call fails: the rollback after it
 * then runs for real.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <linux/types.h>
#include <bpf/bpf.h>

struct bpf_map;

/* Is @ret, a return address, inside libbpf? */
static bool from_libbpf(const void *ret)
{
	Dl_info info;

	return dladdr(ret, &info) && info.dli_fname &&
	       strstr(info.dli_fname, "libbpf");
}

#define fault(fn, err) \
	(!from_libbpf(__builtin_return_address(0)) && should_fail(fn, err))

static bool should_fail(const char *fn, int *err)
{
	const char *list = getenv("CS_FAULT"), *p, *e;
	size_t n = strlen(fn);
	static bool failed;

	if (failed && getenv("CS_FAULT_ONCE"))
		return false;
	for (p = list; p && *p; p += strcspn(p, ",") + (p[strcspn(p, ",")] != 0))
		if (strcspn(p, ",") == n && !strncmp(p, fn, n)) {
			failed = true;
			e = getenv("CS_FAULT_ERRNO");
			*err = e ? atoi(e) : EPERM;
			errno = *err;
			return true;
		}
	return false;
}

#define REAL(fn) ((__typeof__(&fn))dlsym(RTLD_NEXT, #fn))

int bpf_prog_get_fd_by_id(__u32 id)
{
	int err;

	return fault(__func__, &err) ? -err : REAL(bpf_prog_get_fd_by_id)(id);
}

int bpf_map__set_max_entries(struct bpf_map *map, __u32 max)
{
	int err;

	return fault(__func__, &err) ? -err :
	       REAL(bpf_map__set_max_entries)(map, max);
}

/* Is @fd the map CS_FAULT_MAP names (or is no map named)? */
static bool map_chosen(int fd)
{
	const char *want = getenv("CS_FAULT_MAP");
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	if (!want)
		return true;
	return !REAL(bpf_obj_get_info_by_fd)(fd, &info, &len) &&
	       !strcmp(info.name, want);
}

int bpf_map_lookup_elem(int fd, const void *key, void *value)
{
	int err;

	return map_chosen(fd) && fault(__func__, &err) ? -err :
	       REAL(bpf_map_lookup_elem)(fd, key, value);
}

int bpf_map_update_elem(int fd, const void *key, const void *value,
			__u64 flags)
{
	int err;

	return map_chosen(fd) && fault(__func__, &err) ? -err :
	       REAL(bpf_map_update_elem)(fd, key, value, flags);
}

int bpf_map_delete_elem(int fd, const void *key)
{
	int err;

	return map_chosen(fd) && fault(__func__, &err) ? -err :
	       REAL(bpf_map_delete_elem)(fd, key);
}

int bpf_link_update(int link_fd, int new_prog_fd,
		    const struct bpf_link_update_opts *opts)
{
	int err;

	return fault(__func__, &err) ? -err :
	       REAL(bpf_link_update)(link_fd, new_prog_fd, opts);
}
