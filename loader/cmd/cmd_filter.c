// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* cpusteer filter: the drop rules of stage 2 "filter", changed live. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <json-c/json.h>

#include "attachment.h"
#include "commands.h"
#include "filter.h"
#include "iface.h"
#include "log.h"
#include "pins.h"

static const struct cs_option filter_opts[] = {
	{ "json", no_argument, CS_OPT_JSON, NULL, "print JSON" },
	{ "help", no_argument, CS_OPT_HELP, NULL, "show this help" },
	{}
};

const struct cs_command cs_cmd_filter = {
	.name = "filter",
	.func = cmd_filter,
	.synopsis = "{ add IFACE RULE | del IFACE NUMBER | list IFACE } [--json]",
	.summary = "Change the drop rules of stage 2 \"filter\" while it runs.",
	.details =
"RULE is any of: src PREFIX, dst PREFIX, proto tcp|udp|sctp|icmp|icmpv6|\n"
"udplite|NUM, sport N[-M], dport N[-M] (each at most once; PREFIX is an\n"
"IPv4 or IPv6 address with an optional /LEN). A frame is dropped on its\n"
"target CPU when all the fields of some rule match its flow: the inner\n"
"one of a tunnel, as stage 1 found it. Ports match TCP, UDP, SCTP and\n"
"UDP-Lite frames only. Each rule counts the frames it dropped; one that\n"
"matches several is counted once, under the first found (rules with a\n"
"source prefix, then with a destination prefix, then the others; the\n"
"lowest number first within each). 'add' prints the rule's number, which\n"
"'del' takes. The interface must be attached with --stage2 filter; the\n"
"rules last until it is detached, and a change of its options keeps them.\n",
	.opts = filter_opts,
};

static json_object *rule_json(const struct cs_filter_entry *e)
{
	const struct cs_filter_rule *r = &e->rule;
	int af = r->ipver == 6 ? AF_INET6 : AF_INET;
	json_object *o = json_object_new_object();
	char a[INET6_ADDRSTRLEN + 8], text[160];

	cs_filter_format(r, text, sizeof(text));
	json_object_object_add(o, "rule", json_object_new_int64(e->number));
	json_object_object_add(o, "match", json_object_new_string(text));
#define PFX(key, flag, addr, len)					\
	do {								\
		json_object *v = NULL;					\
		if (r->match & (flag)) {				\
			inet_ntop(af, (addr), a, sizeof(a) - 5);	\
			snprintf(a + strlen(a), 5, "/%u", (len));	\
			v = json_object_new_string(a);			\
		}							\
		json_object_object_add(o, key, v);			\
	} while (0)
	PFX("src", CS_FLT_SRC, r->src, r->src_len);
	PFX("dst", CS_FLT_DST, r->dst, r->dst_len);
#undef PFX
	json_object_object_add(o, "proto", r->match & CS_FLT_PROTO ?
			       json_object_new_int(r->proto) : NULL);
#define RANGE(key, flag, lo, hi)					\
	do {								\
		json_object *v = NULL;					\
		if (r->match & (flag)) {				\
			v = json_object_new_array();			\
			json_object_array_add(v, json_object_new_int(lo)); \
			json_object_array_add(v, json_object_new_int(hi)); \
		}							\
		json_object_object_add(o, key, v);			\
	} while (0)
	RANGE("sport", CS_FLT_SPORT, r->sport_lo, r->sport_hi);
	RANGE("dport", CS_FLT_DPORT, r->dport_lo, r->dport_hi);
#undef RANGE
	json_object_object_add(o, "dropped", json_object_new_uint64(e->hits));
	return o;
}

static void print_json(json_object *o)
{
	printf("%s\n", json_object_to_json_string_ext(o,
		JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

static int do_list(const char *ifname, const int fds[CS_FLT_MAPS])
{
	struct cs_filter_entry *e;
	json_object *o, *arr;
	char text[160];
	__u32 n, i;
	int err;

	err = cs_filter_read(fds, &e, &n);
	if (err)
		return err;
	if (cs_json) {
		o = json_object_new_object();
		arr = json_object_new_array();
		json_object_object_add(o, "ifname",
				       json_object_new_string(ifname));
		for (i = 0; i < n; i++)
			json_object_array_add(arr, rule_json(&e[i]));
		json_object_object_add(o, "rules", arr);
		print_json(o);
	} else {
		printf("%s: stage 2 filter, %u rule%s\n", ifname, n,
		       n == 1 ? "" : "s");
		if (n)
			printf("%6s %14s  %s\n", "rule", "dropped", "match");
		for (i = 0; i < n; i++) {
			cs_filter_format(&e[i].rule, text, sizeof(text));
			printf("%6u %14llu  %s\n", e[i].number,
			       (unsigned long long)e[i].hits, text);
		}
	}
	free(e);
	return 0;
}

static int do_add(const char *ifname, const int fds[CS_FLT_MAPS],
		  const struct cs_filter_rule *r)
{
	struct cs_filter_entry e = { .rule = *r };
	json_object *o;
	char text[160];
	int err;

	err = cs_filter_add(fds, r, &e.number);
	if (err)
		return err;
	if (cs_json) {
		o = rule_json(&e);
		json_object_object_add(o, "ifname",
				       json_object_new_string(ifname));
		print_json(o);
	} else {
		cs_filter_format(r, text, sizeof(text));
		printf("cpusteer: %s: rule %u: drop %s\n", ifname, e.number,
		       text);
	}
	return 0;
}

static int do_del(const char *ifname, const int fds[CS_FLT_MAPS], __u32 n)
{
	json_object *o;
	int err;

	err = cs_filter_del(fds, n);
	if (err)
		return err;
	if (cs_json) {
		o = json_object_new_object();
		json_object_object_add(o, "ifname",
				       json_object_new_string(ifname));
		json_object_object_add(o, "deleted", json_object_new_int64(n));
		print_json(o);
	} else {
		printf("cpusteer: %s: rule %u deleted\n", ifname, n);
	}
	return 0;
}

enum verb { ADD, DEL, LIST };

static int run(enum verb v, const char *ifname,
	       const struct cs_filter_rule *r, __u32 number)
{
	struct cs_attachment a;
	struct cs_pin_key key;
	struct cs_state st;
	int fds[CS_FLT_MAPS], err;

	err = cs_state_open(v == LIST ? CS_STATE_READ : CS_STATE_MODIFY, &st);
	if (err)
		return err;
	if (st.root_fd < 0) {
		cs_err("%s: cpusteer is not attached to it", ifname);
		err = -ENOENT;
		goto out;
	}
	err = cs_attachment_find(&st, ifname, &key);
	if (err)
		goto out;
	err = cs_attachment_open(&st, &key, &a);
	if (err) {
		cs_err("%s", a.error);
		goto out;
	}
	err = cs_filter_maps_open(&a, fds);
	if (!err) {
		err = v == ADD ? do_add(a.ifname, fds, r) :
		      v == DEL ? do_del(a.ifname, fds, number) :
				 do_list(a.ifname, fds);
		cs_filter_maps_close(fds);
	}
	cs_attachment_close(&a);
out:
	cs_state_close(&st);
	return err;
}

int cmd_filter(int argc, char **argv)
{
	struct cs_filter_rule r;
	const char *verb, *ifname;
	__u32 number = 0;
	enum verb v;
	int err;

	err = cs_opts_parse(argc, argv, &cs_cmd_filter, cs_opt_json_only,
			    NULL);
	if (err)
		return err > 0 ? CS_EXIT_OK : CS_EXIT_USAGE;
	argc -= optind;
	argv += optind;
	if (argc < 2) {
		cs_err("give what to do and the interface: cpusteer filter { add IFACE RULE | del IFACE NUMBER | list IFACE }");
		return CS_EXIT_USAGE;
	}
	verb = argv[0];
	ifname = argv[1];
	if (!strcmp(verb, "add")) {
		v = ADD;
		if (cs_filter_parse(argc - 2, argv + 2, &r))
			return CS_EXIT_USAGE;
	} else if (!strcmp(verb, "del") || !strcmp(verb, "delete")) {
		v = DEL;
		if (argc != 3) {
			cs_err("del takes the interface and one rule number: cpusteer filter del IFACE NUMBER");
			return CS_EXIT_USAGE;
		}
		if (cs_parse_u32("rule number", argv[2], 1, CS_FILTER_MAX,
				 &number))
			return CS_EXIT_USAGE;
	} else if (!strcmp(verb, "list") || !strcmp(verb, "show")) {
		v = LIST;
		if (argc != 2) {
			cs_err("list takes only the interface: cpusteer filter list IFACE");
			return CS_EXIT_USAGE;
		}
	} else {
		cs_err("%s: not a filter command: use add, del or list", verb);
		return CS_EXIT_USAGE;
	}
	if (cs_ifname_check("IFACE", ifname))
		return CS_EXIT_USAGE;
	if (cs_require_root())
		return CS_EXIT_FAIL;
	err = run(v, ifname, &r, number);
	return err == -ENODEV ? CS_EXIT_USAGE :
	       err ? CS_EXIT_FAIL : CS_EXIT_OK;
}
