// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "custom.h"
#include "log.h"

void cs_custom_close(struct cs_custom *c)
{
	if (c->obj)
		bpf_object__close(c->obj);	/* closes c->fd too */
	c->obj = NULL;
	c->fd = -1;
}

static bool is_cpumap_prog(const struct bpf_program *p)
{
	return bpf_program__type(p) == BPF_PROG_TYPE_XDP &&
	       bpf_program__expected_attach_type(p) == BPF_XDP_CPUMAP;
}

/* "a (xdp/cpumap), b (xdp)": the object's programs, for messages. */
static void list_progs(struct bpf_object *obj, char *buf, size_t len)
{
	struct bpf_program *p;
	size_t n = 0;

	buf[0] = '\0';
	bpf_object__for_each_program(p, obj)
		if (n < len)
			n += snprintf(buf + n, len - n, "%s%s (SEC(\"%s\"))",
				      n ? ", " : "", bpf_program__name(p),
				      bpf_program__section_name(p));
}

/* Does @p fit a cpumap entry beside cpusteer's stage 1? Says why not. */
static int check_fits(const char *path, const struct bpf_program *p)
{
	const char *name = bpf_program__name(p);

	if (bpf_program__type(p) != BPF_PROG_TYPE_XDP) {
		cs_err("--stage2-obj %s: %s is a %s program (SEC(\"%s\")), not XDP: stage 2 runs a SEC(\"xdp/cpumap\") program",
		       path, name, libbpf_bpf_prog_type_str(bpf_program__type(p)),
		       bpf_program__section_name(p));
		return -EINVAL;
	}
	if (bpf_program__expected_attach_type(p) != BPF_XDP_CPUMAP) {
		cs_err("--stage2-obj %s: %s (SEC(\"%s\")) is an XDP program for an interface; a cpumap runs only programs built for it: use SEC(\"xdp/cpumap\")",
		       path, name, bpf_program__section_name(p));
		return -EINVAL;
	}
	/* libbpf sets BPF_F_XDP_HAS_FRAGS from the section only at load. */
	if ((bpf_program__flags(p) & BPF_F_XDP_HAS_FRAGS) ||
	    !strncmp(bpf_program__section_name(p), "xdp.frags", 9)) {
		cs_err("--stage2-obj %s: %s (SEC(\"%s\")) takes multi-buffer frames; cpusteer's stage 1 does not, and a cpumap runs only programs that agree with it: use SEC(\"xdp/cpumap\")",
		       path, name, bpf_program__section_name(p));
		return -EINVAL;
	}
	return 0;
}

static struct bpf_program *choose(struct bpf_object *obj, const char *path,
				  const char *want)
{
	struct bpf_program *p, *found = NULL;
	char names[512];
	int n = 0;

	list_progs(obj, names, sizeof(names));
	if (want) {
		found = bpf_object__find_program_by_name(obj, want);
		if (!found)
			cs_err("--stage2-prog %s: %s has no such program; it has: %s",
			       want, path, names[0] ? names : "none");
		return found;
	}
	bpf_object__for_each_program(p, obj)
		if (is_cpumap_prog(p) && !n++)
			found = p;
	if (n == 1)
		return found;
	if (!n)
		cs_err("--stage2-obj %s: no SEC(\"xdp/cpumap\") program in it (it has: %s)",
		       path, names[0] ? names : "none");
	else
		cs_err("--stage2-obj %s: %d SEC(\"xdp/cpumap\") programs in it: name one with --stage2-prog (%s)",
		       path, n, names);
	return NULL;
}

int cs_custom_load(const char *path, const char *want, struct cs_custom *c)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	struct bpf_program *p, *chosen;
	struct stat s;
	int err;

	c->obj = NULL;
	c->fd = -1;
	if (stat(path, &s)) {
		err = -errno;
		cs_err("--stage2-obj %s: %s", path, strerror(errno));
		return err;
	}
	if (!S_ISREG(s.st_mode)) {
		cs_err("--stage2-obj %s: not a regular file: give a BPF object file (clang -target bpf -c)",
		       path);
		return -EINVAL;
	}
	c->obj = bpf_object__open_file(path, NULL);
	if (!c->obj) {
		char why[128];

		err = -errno;
		libbpf_strerror(err, why, sizeof(why));
		cs_err("--stage2-obj %s: not a BPF object file cpusteer can open (%s): build it with clang -O2 -g -target bpf -c",
		       path, why);
		return err;
	}
	chosen = choose(c->obj, path, want);
	err = chosen ? check_fits(path, chosen) : -EINVAL;
	bpf_object__for_each_program(p, c->obj)
		if (!err)
			err = bpf_program__set_autoload(p, p == chosen);
	if (!err) {
		err = bpf_object__load(c->obj);
		if (err)
			cs_err("--stage2-obj %s: the kernel refused %s: %s (libbpf's log above gives the verifier's reason)",
			       path, bpf_program__name(chosen), strerror(-err));
	}
	if (!err) {
		c->fd = bpf_program__fd(chosen);
		snprintf(c->name, sizeof(c->name), "%s", bpf_program__name(chosen));
		if (bpf_obj_get_info_by_fd(c->fd, &info, &len)) {
			err = -errno;
			cs_err("--stage2-obj %s: cannot read back %s: %s", path,
			       c->name, strerror(errno));
		}
		memcpy(c->tag, info.tag, sizeof(c->tag));
	}
	if (err)
		cs_custom_close(c);
	return err;
}
