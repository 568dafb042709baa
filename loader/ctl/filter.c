// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "attachment.h"
#include "filter.h"
#include "log.h"
#include "opts.h"

_Static_assert(sizeof(struct cs_filter_rule) == 48,
	       "cs_filter_rule layout is ABI");

const char *const cs_flt_map_names[CS_FLT_MAPS] = {
	[CS_FLT_RULES] = "cs_flt_rules",
	[CS_FLT_HITS] = "cs_flt_hits",
	[CS_FLT_SRC4] = "cs_flt_src4",
	[CS_FLT_DST4] = "cs_flt_dst4",
	[CS_FLT_SRC6] = "cs_flt_src6",
	[CS_FLT_DST6] = "cs_flt_dst6",
	[CS_FLT_ANY] = "cs_flt_any",
};

void cs_filter_maps_close(int fds[CS_FLT_MAPS])
{
	int i;

	for (i = 0; i < CS_FLT_MAPS; i++) {
		if (fds[i] >= 0)
			close(fds[i]);
		fds[i] = -1;
	}
}

int cs_filter_maps_open(const struct cs_attachment *a, int fds[CS_FLT_MAPS])
{
	__u32 ids[32], len, i;
	struct bpf_prog_info pinfo = {};
	struct bpf_map_info minfo;
	int j, fd, prog, err = 0;

	for (j = 0; j < CS_FLT_MAPS; j++)
		fds[j] = -1;
	if (a->stage2 != CS_STAGE2_FILTER) {
		cs_err("%s: stage 2 is %s, not the filter: attach with --stage2 filter first",
		       a->ifname, a->stage2 >= 0 ? cs_stage2_names[a->stage2] :
						   "not cpusteer's");
		return -ENOENT;
	}
	prog = bpf_prog_get_fd_by_id(a->stage2_prog_id);
	if (prog < 0) {
		err = -errno;
		cs_err("%s: cannot open the stage-2 program: %s", a->ifname,
		       strerror(-err));
		return err;
	}
	len = sizeof(pinfo);
	pinfo.nr_map_ids = 32;
	pinfo.map_ids = (__u64)(unsigned long)ids;
	if (bpf_obj_get_info_by_fd(prog, &pinfo, &len))
		err = -errno;
	close(prog);
	for (i = 0; !err && i < pinfo.nr_map_ids && i < 32; i++) {
		fd = bpf_map_get_fd_by_id(ids[i]);
		if (fd < 0)
			continue;
		memset(&minfo, 0, sizeof(minfo));
		len = sizeof(minfo);
		if (!bpf_obj_get_info_by_fd(fd, &minfo, &len))
			for (j = 0; j < CS_FLT_MAPS; j++)
				if (fds[j] < 0 &&
				    !strcmp(minfo.name, cs_flt_map_names[j])) {
					fds[j] = fd;
					fd = -1;
					break;
				}
		if (fd >= 0)
			close(fd);
	}
	for (j = 0; !err && j < CS_FLT_MAPS; j++)
		if (fds[j] < 0)
			err = -ENOENT;
	if (err) {
		cs_err("%s: cannot find the filter's maps (%s): %s", a->ifname,
		       j ? cs_flt_map_names[j - 1] : "program info",
		       strerror(-err));
		cs_filter_maps_close(fds);
	}
	return err;
}

/* --- Rules as words ---------------------------------------------------- */

static const struct {
	const char *name;
	__u8 proto;
} protos[] = {
	{ "tcp", IPPROTO_TCP }, { "udp", IPPROTO_UDP },
	{ "sctp", IPPROTO_SCTP }, { "icmp", IPPROTO_ICMP },
	{ "icmpv6", IPPROTO_ICMPV6 }, { "udplite", IPPROTO_UDPLITE },
};

static bool proto_has_ports(__u8 p)
{
	return p == IPPROTO_TCP || p == IPPROTO_UDP || p == IPPROTO_SCTP ||
	       p == IPPROTO_UDPLITE;
}

/* Keep the first @len bits of the @bytes-byte address @a. */
static void mask_addr(__u8 *a, __u32 len, int bytes)
{
	int i;

	for (i = 0; i < bytes; i++) {
		int bits = (int)len - 8 * i;

		a[i] &= bits >= 8 ? 0xff : bits <= 0 ? 0 :
			(__u8)(0xff << (8 - bits));
	}
}

static int parse_prefix(const char *what, const char *s, __u8 *ipver,
			__u8 addr[16], __u8 *len)
{
	char buf[INET6_ADDRSTRLEN + 8], canon[INET6_ADDRSTRLEN];
	__u8 orig[16];
	char *slash;
	__u32 l, max;
	int af;

	if (strlen(s) >= sizeof(buf)) {
		cs_err("%s %s: not an address or prefix", what, s);
		return -EINVAL;
	}
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (slash)
		*slash = '\0';
	memset(addr, 0, 16);
	if (inet_pton(AF_INET, buf, addr) == 1) {
		af = AF_INET;
		*ipver = 4;
		max = 32;
	} else if (inet_pton(AF_INET6, buf, addr) == 1) {
		af = AF_INET6;
		*ipver = 6;
		max = 128;
	} else {
		cs_err("%s %s: not an IPv4 or IPv6 address or prefix (e.g. 192.0.2.0/24, 2001:db8::/32)",
		       what, s);
		return -EINVAL;
	}
	l = max;
	if (slash && cs_parse_u32(what, slash + 1, 0, max, &l))
		return -EINVAL;
	memcpy(orig, addr, 16);
	mask_addr(addr, l, 16);
	if (memcmp(orig, addr, 16)) {
		inet_ntop(af, addr, canon, sizeof(canon));
		cs_err("%s %s: bits past the prefix length are set: the prefix is %s/%u",
		       what, s, canon, l);
		return -EINVAL;
	}
	*len = l;
	return 0;
}

static int parse_range(const char *what, const char *s, __u16 *lo, __u16 *hi)
{
	char buf[16], *dash;
	__u32 a, b;

	if (strlen(s) >= sizeof(buf)) {
		cs_err("%s %s: give a port N or a range N-M (0-65535)", what, s);
		return -EINVAL;
	}
	strcpy(buf, s);
	dash = strchr(buf, '-');
	if (dash)
		*dash = '\0';
	if (cs_parse_u32(what, buf, 0, 65535, &a))
		return -EINVAL;
	b = a;
	if (dash && cs_parse_u32(what, dash + 1, 0, 65535, &b))
		return -EINVAL;
	if (b < a) {
		cs_err("%s %s: the range ends before it starts: write %u-%u",
		       what, s, b, a);
		return -EINVAL;
	}
	*lo = a;
	*hi = b;
	return 0;
}

static int parse_proto(const char *s, __u8 *proto)
{
	__u32 v;
	size_t i;

	for (i = 0; i < sizeof(protos) / sizeof(protos[0]); i++)
		if (!strcmp(s, protos[i].name)) {
			*proto = protos[i].proto;
			return 0;
		}
	if (cs_parse_u32("proto", s, 0, 255, &v)) {
		cs_err("proto %s: give tcp, udp, sctp, icmp, icmpv6, udplite or a number 0-255",
		       s);
		return -EINVAL;
	}
	*proto = v;
	return 0;
}

int cs_filter_parse(int argc, char **argv, struct cs_filter_rule *r)
{
	static const char *const words[] = {
		"src", "dst", "proto", "sport", "dport",
	};
	__u8 v4or6 = 0;
	int i, w;

	memset(r, 0, sizeof(*r));
	if (!argc) {
		cs_err("no rule: give at least one of src PREFIX, dst PREFIX, proto P, sport N[-M], dport N[-M]");
		return -EINVAL;
	}
	for (i = 0; i < argc; i += 2) {
		for (w = 0; w < 5 && strcmp(argv[i], words[w]); w++)
			;
		if (w == 5) {
			cs_err("%s: not a rule word: use src, dst, proto, sport or dport",
			       argv[i]);
			return -EINVAL;
		}
		if (r->match & (1U << w)) {
			cs_err("%s given twice: a rule has one of each (add a second rule instead)",
			       words[w]);
			return -EINVAL;
		}
		if (i + 1 >= argc) {
			cs_err("%s needs a value", words[w]);
			return -EINVAL;
		}
		r->match |= 1U << w;
		switch (1U << w) {
		case CS_FLT_SRC:
			if (parse_prefix("src", argv[i + 1], &v4or6, r->src,
					 &r->src_len))
				return -EINVAL;
			break;
		case CS_FLT_DST:
			if (parse_prefix("dst", argv[i + 1], &v4or6, r->dst,
					 &r->dst_len))
				return -EINVAL;
			break;
		case CS_FLT_PROTO:
			if (parse_proto(argv[i + 1], &r->proto))
				return -EINVAL;
			break;
		case CS_FLT_SPORT:
			if (parse_range("sport", argv[i + 1], &r->sport_lo,
					&r->sport_hi))
				return -EINVAL;
			break;
		case CS_FLT_DPORT:
			if (parse_range("dport", argv[i + 1], &r->dport_lo,
					&r->dport_hi))
				return -EINVAL;
			break;
		}
		if (r->ipver && v4or6 != r->ipver) {
			cs_err("src and dst are of different families (IPv%u and IPv%u): a frame has one",
			       r->ipver, v4or6);
			return -EINVAL;
		}
		r->ipver = v4or6;
	}
	if ((r->match & (CS_FLT_SPORT | CS_FLT_DPORT)) &&
	    (r->match & CS_FLT_PROTO) && !proto_has_ports(r->proto)) {
		cs_err("sport and dport need a protocol with ports (tcp, udp, sctp, udplite), not proto %u",
		       r->proto);
		return -EINVAL;
	}
	r->used = 1;
	return 0;
}

static const char *proto_name(__u8 p, char *buf, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(protos) / sizeof(protos[0]); i++)
		if (protos[i].proto == p)
			return protos[i].name;
	snprintf(buf, len, "%u", p);
	return buf;
}

void cs_filter_format(const struct cs_filter_rule *r, char *buf, size_t len)
{
	int af = r->ipver == 6 ? AF_INET6 : AF_INET;
	char a[INET6_ADDRSTRLEN], p[8];
	size_t n = 0;

	buf[0] = '\0';
#define PUT(...)							\
	do {								\
		if (n < len)						\
			n += snprintf(buf + n, len - n, __VA_ARGS__);	\
	} while (0)
	if (r->match & CS_FLT_SRC)
		PUT("%ssrc %s/%u", n ? " " : "",
		    inet_ntop(af, r->src, a, sizeof(a)), r->src_len);
	if (r->match & CS_FLT_DST)
		PUT("%sdst %s/%u", n ? " " : "",
		    inet_ntop(af, r->dst, a, sizeof(a)), r->dst_len);
	if (r->match & CS_FLT_PROTO)
		PUT("%sproto %s", n ? " " : "", proto_name(r->proto, p, sizeof(p)));
	if ((r->match & CS_FLT_SPORT) && r->sport_lo == r->sport_hi)
		PUT("%ssport %u", n ? " " : "", r->sport_lo);
	else if (r->match & CS_FLT_SPORT)
		PUT("%ssport %u-%u", n ? " " : "", r->sport_lo, r->sport_hi);
	if ((r->match & CS_FLT_DPORT) && r->dport_lo == r->dport_hi)
		PUT("%sdport %u", n ? " " : "", r->dport_lo);
	else if (r->match & CS_FLT_DPORT)
		PUT("%sdport %u-%u", n ? " " : "", r->dport_lo, r->dport_hi);
#undef PUT
}

/* --- The index ----------------------------------------------------------- */

/* Where a rule is indexed: a trie and a prefix in it, or the any set. */
struct fkey {
	int map;		/* CS_FLT_SRC4 .. CS_FLT_ANY */
	__u32 len;
	__u8 addr[16];
};

static void rule_key(const struct cs_filter_rule *r, struct fkey *k)
{
	memset(k, 0, sizeof(*k));
	if (r->match & CS_FLT_SRC) {
		k->map = r->ipver == 4 ? CS_FLT_SRC4 : CS_FLT_SRC6;
		k->len = r->src_len;
		memcpy(k->addr, r->src, 16);
	} else if (r->match & CS_FLT_DST) {
		k->map = r->ipver == 4 ? CS_FLT_DST4 : CS_FLT_DST6;
		k->len = r->dst_len;
		memcpy(k->addr, r->dst, 16);
	} else {
		k->map = CS_FLT_ANY;
	}
}

/* Does @a's prefix contain @b's (same trie)? */
static bool key_contains(const struct fkey *a, const struct fkey *b)
{
	__u8 x[16];

	if (a->map != b->map || a->len > b->len)
		return false;
	memcpy(x, b->addr, 16);
	mask_addr(x, a->len, 16);
	return !memcmp(x, a->addr, 16);
}

static bool key_equal(const struct fkey *a, const struct fkey *b)
{
	return a->map == b->map && a->len == b->len &&
	       !memcmp(a->addr, b->addr, 16);
}

struct table {
	struct cs_filter_rule *r;	/* by slot */
	__u32 n;			/* slots */
};

static int table_read(const int fds[CS_FLT_MAPS], struct table *t)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info), i;

	if (bpf_obj_get_info_by_fd(fds[CS_FLT_RULES], &info, &len))
		return -errno;
	t->n = info.max_entries;
	t->r = calloc(t->n, sizeof(*t->r));
	if (!t->r)
		return -ENOMEM;
	for (i = 0; i < t->n; i++)
		if (bpf_map_lookup_elem(fds[CS_FLT_RULES], &i, &t->r[i]))
			return -errno;
	return 0;
}

/* The set of @k: every rule of its trie containing it, by slot. -E2BIG
 * past CS_FILTER_COVER; *@exact: a rule has exactly this prefix.
 */
static int set_of(const struct table *t, const struct fkey *k,
		  struct cs_filter_set *set, bool *exact)
{
	struct fkey q;
	__u32 i;

	memset(set, 0, sizeof(*set));
	*exact = false;
	for (i = 0; i < t->n; i++) {
		if (!t->r[i].used)
			continue;
		rule_key(&t->r[i], &q);
		if (!key_contains(&q, k))
			continue;
		*exact |= key_equal(&q, k);
		if (set->n == CS_FILTER_COVER) {
			set->rule[0] = i;	/* the one too many */
			return -E2BIG;
		}
		set->rule[set->n++] = i;
	}
	return 0;
}

static void lpm_key(const struct fkey *k, void *buf)
{
	struct cs_lpm4 *k4 = buf;
	struct cs_lpm6 *k6 = buf;

	if (k->map == CS_FLT_SRC4 || k->map == CS_FLT_DST4) {
		k4->prefixlen = k->len;
		memcpy(k4->addr, k->addr, 4);
	} else {
		k6->prefixlen = k->len;
		memcpy(k6->addr, k->addr, 16);
	}
}

/*
 * The "any" entry: @set (NULL: the one there now) and the rule count of
 * each trie, from @t.
 */
static int any_write(const int fds[CS_FLT_MAPS], const struct table *t,
		     const struct cs_filter_set *set)
{
	struct cs_filter_any any = {};
	struct fkey q;
	__u32 zero = 0, i;

	if (bpf_map_lookup_elem(fds[CS_FLT_ANY], &zero, &any))
		return -errno;
	if (set)
		any.set = *set;
	memset(any.in_trie, 0, sizeof(any.in_trie));
	for (i = 0; i < t->n; i++) {
		if (!t->r[i].used)
			continue;
		rule_key(&t->r[i], &q);
		if (q.map != CS_FLT_ANY)
			any.in_trie[q.map - CS_FLT_SRC4]++;
	}
	return bpf_map_update_elem(fds[CS_FLT_ANY], &zero, &any, BPF_ANY) ?
	       -errno : 0;
}

/* Write (or, with no rule exactly at it, delete) the entry of @k. */
static int entry_write(const int fds[CS_FLT_MAPS], const struct table *t,
		       const struct fkey *k)
{
	struct cs_filter_set set;
	struct cs_lpm6 buf = {};
	bool exact;
	int err;

	err = set_of(t, k, &set, &exact);
	if (err)
		return err;
	if (k->map == CS_FLT_ANY)
		return any_write(fds, t, &set);
	lpm_key(k, &buf);
	if (!exact)
		return bpf_map_delete_elem(fds[k->map], &buf) && errno != ENOENT ?
		       -errno : 0;
	return bpf_map_update_elem(fds[k->map], &buf, &set, BPF_ANY) ?
	       -errno : 0;
}

/*
 * The entries a change at @k touches: @k and every other prefix of its
 * trie inside it. With @write 0, only check that each set fits; the
 * caller writes once everything fits, so nothing changes on a refusal.
 */
static int entries_update(const int fds[CS_FLT_MAPS], const struct table *t,
			  const struct fkey *k, bool write)
{
	struct cs_filter_set set;
	struct fkey q;
	bool exact;
	__u32 i;
	int err;

	err = write ? entry_write(fds, t, k) : set_of(t, k, &set, &exact);
	for (i = 0; !err && k->map != CS_FLT_ANY && i < t->n; i++) {
		if (!t->r[i].used)
			continue;
		rule_key(&t->r[i], &q);
		if (key_equal(&q, k) || !key_contains(k, &q))
			continue;
		err = write ? entry_write(fds, t, &q) :
			      set_of(t, &q, &set, &exact);
	}
	return err;
}

static int hits_zero(const int fds[CS_FLT_MAPS], __u32 slot)
{
	int ncpus = libbpf_num_possible_cpus();
	__u64 *zero;
	int err = 0;

	if (ncpus < 0)
		return ncpus;
	zero = calloc(ncpus, sizeof(*zero));
	if (!zero)
		return -ENOMEM;
	if (bpf_map_update_elem(fds[CS_FLT_HITS], &slot, zero, BPF_ANY))
		err = -errno;
	free(zero);
	return err;
}

/* Add @r to table @t (read already) and to the maps. */
static int add_one(const int fds[CS_FLT_MAPS], struct table *t,
		   const struct cs_filter_rule *r, __u32 *number)
{
	char text[160];
	struct fkey k;
	__u32 i, slot;
	int err;

	slot = t->n;
	for (i = 0; i < t->n; i++) {
		if (t->r[i].used && !memcmp(&t->r[i], r, sizeof(*r))) {
			cs_err("the same rule is rule %u already", i + 1);
			return -EEXIST;
		}
		if (!t->r[i].used && slot == t->n)
			slot = i;
	}
	if (slot == t->n) {
		cs_err("the filter holds %u rules already: delete one first",
		       t->n);
		return -ENOSPC;
	}
	t->r[slot] = *r;
	rule_key(r, &k);
	err = entries_update(fds, t, &k, false);
	if (err == -E2BIG) {
		t->r[slot].used = 0;
		cs_filter_format(r, text, sizeof(text));
		cs_err("\"%s\": more than %u rules would cover one address%s: merge some of them",
		       text, CS_FILTER_COVER,
		       k.map == CS_FLT_ANY ? " (rules with no prefix)" : "");
		return err;
	}
	/* The rule before the entries that name it: stage 2 never meets a
	 * slot that is not filled in.
	 */
	if (!err)
		err = hits_zero(fds, slot);
	if (!err && bpf_map_update_elem(fds[CS_FLT_RULES], &slot, r, BPF_ANY))
		err = -errno;
	if (!err)
		err = entries_update(fds, t, &k, true);
	/* Last: the trie is looked up once its entries are there. */
	if (!err)
		err = any_write(fds, t, NULL);
	if (err) {
		t->r[slot].used = 0;
		cs_err("cannot add the rule: %s", strerror(-err));
		return err;
	}
	*number = slot + 1;
	return 0;
}

int cs_filter_add(const int fds[CS_FLT_MAPS], const struct cs_filter_rule *r,
		  __u32 *number)
{
	return cs_filter_add_many(fds, r, 1, number);
}

int cs_filter_add_many(const int fds[CS_FLT_MAPS],
		       const struct cs_filter_rule *r, __u32 n, __u32 *numbers)
{
	struct table t = {};
	__u32 i;
	int err;

	err = table_read(fds, &t);
	if (err)
		cs_err("cannot read the filter rules: %s", strerror(-err));
	for (i = 0; !err && i < n; i++)
		err = add_one(fds, &t, &r[i], &numbers[i]);
	free(t.r);
	return err;
}

int cs_filter_del(const int fds[CS_FLT_MAPS], __u32 number)
{
	struct cs_filter_rule none = {};
	struct table t = {};
	struct fkey k;
	__u32 slot = number - 1;
	int err;

	err = table_read(fds, &t);
	if (err) {
		cs_err("cannot read the filter rules: %s", strerror(-err));
		goto out;
	}
	if (!number || slot >= t.n || !t.r[slot].used) {
		cs_err("there is no rule %u ('cpusteer filter list IFACE' shows them)",
		       number);
		err = -ENOENT;
		goto out;
	}
	rule_key(&t.r[slot], &k);
	t.r[slot].used = 0;
	/* The entries first: once the rule is cleared nothing names it. */
	err = entries_update(fds, &t, &k, true);
	if (!err)
		err = any_write(fds, &t, NULL);
	if (!err && bpf_map_update_elem(fds[CS_FLT_RULES], &slot, &none,
					BPF_ANY))
		err = -errno;
	if (err)
		cs_err("cannot delete rule %u: %s", number, strerror(-err));
out:
	free(t.r);
	return err;
}

int cs_filter_read(const int fds[CS_FLT_MAPS], struct cs_filter_entry **out,
		   __u32 *n)
{
	int ncpus = libbpf_num_possible_cpus(), c;
	struct cs_filter_entry *e = NULL;
	struct table t = {};
	__u64 *hits = NULL;
	__u32 i;
	int err;

	*n = 0;
	err = ncpus < 0 ? ncpus : table_read(fds, &t);
	if (!err) {
		hits = calloc(ncpus, sizeof(*hits));
		e = calloc(t.n ? t.n : 1, sizeof(*e));
		if (!hits || !e)
			err = -ENOMEM;
	}
	for (i = 0; !err && i < t.n; i++) {
		if (!t.r[i].used)
			continue;
		if (bpf_map_lookup_elem(fds[CS_FLT_HITS], &i, hits)) {
			err = -errno;
			break;
		}
		e[*n].number = i + 1;
		e[*n].rule = t.r[i];
		for (c = 0; c < ncpus; c++)
			e[*n].hits += hits[c];
		(*n)++;
	}
	free(hits);
	free(t.r);
	if (err) {
		cs_err("cannot read the filter rules: %s", strerror(-err));
		free(e);
		return err;
	}
	*out = e;
	return 0;
}

int cs_filter_sync(const int fds[CS_FLT_MAPS], const struct cs_filter_rule *want,
		   __u32 n, bool dry_run, __u32 *added, __u32 *deleted)
{
	struct cs_filter_rule *add = NULL;
	struct cs_filter_entry *e = NULL;
	__u32 ne = 0, i, j, nadd = 0, *numbers = NULL;
	int err;

	*added = *deleted = 0;
	err = cs_filter_read(fds, &e, &ne);
	if (!err && n) {
		add = calloc(n, sizeof(*add));
		numbers = calloc(n, sizeof(*numbers));
		if (!add || !numbers)
			err = -ENOMEM;
	}
	for (i = 0; !err && i < ne; i++) {
		for (j = 0; j < n && memcmp(&e[i].rule, &want[j], sizeof(*want)); j++)
			;
		if (j < n)
			continue;
		(*deleted)++;
		if (!dry_run)
			err = cs_filter_del(fds, e[i].number);
	}
	for (j = 0; !err && j < n; j++) {
		for (i = 0; i < ne && memcmp(&e[i].rule, &want[j], sizeof(*want)); i++)
			;
		if (i == ne)
			add[nadd++] = want[j];
	}
	*added = nadd;
	if (!err && nadd && !dry_run)
		err = cs_filter_add_many(fds, add, nadd, numbers);
	if (err && !dry_run && ne) {
		/* Put the rules that were there back (numbers and counts of
		 * those that had gone start again).
		 */
		struct cs_filter_rule *orig = calloc(ne, sizeof(*orig));
		__u32 a, d;

		for (i = 0; orig && i < ne; i++)
			orig[i] = e[i].rule;
		if (!orig || cs_filter_sync(fds, orig, ne, false, &a, &d))
			cs_err("could not put the filter's rules back as they were");
		free(orig);
	}
	free(numbers);
	free(add);
	free(e);
	return err;
}

int cs_filter_maps_skel(struct bpf_object *obj, int fds[CS_FLT_MAPS])
{
	struct bpf_map *m;
	int i;

	for (i = 0; i < CS_FLT_MAPS; i++) {
		m = bpf_object__find_map_by_name(obj, cs_flt_map_names[i]);
		fds[i] = m ? bpf_map__fd(m) : -1;
		if (fds[i] < 0)
			return -ENOENT;
	}
	return 0;
}

int cs_filter_check(const struct cs_filter_rule *r, __u32 n)
{
	struct cs_filter_set set;
	struct table t = { .n = n };
	char text[160];
	struct fkey k;
	bool exact;
	__u32 i, j;
	int err = 0;

	t.r = calloc(n ? n : 1, sizeof(*t.r));
	if (!t.r)
		return -ENOMEM;
	memcpy(t.r, r, n * sizeof(*r));
	for (i = 0; !err && i < n; i++) {
		for (j = 0; j < i; j++)
			if (!memcmp(&r[i], &r[j], sizeof(*r))) {
				cs_filter_format(&r[i], text, sizeof(text));
				cs_err("\"%s\" is given twice", text);
				err = -EINVAL;
				break;
			}
		rule_key(&r[i], &k);
		if (!err && set_of(&t, &k, &set, &exact) == -E2BIG) {
			cs_filter_format(&r[set.rule[0]], text, sizeof(text));
			cs_err("\"%s\" makes more than %u of these rules cover one address%s: merge some of them",
			       text, CS_FILTER_COVER,
			       k.map == CS_FLT_ANY ? " (rules with no prefix)" : "");
			err = -E2BIG;
		}
	}
	free(t.r);
	return err;
}
