// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* cpusteer status: what is attached where, read back from the kernel. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "attachment.h"
#include "commands.h"
#include "iface.h"
#include "log.h"
#include "pins.h"

static const struct cs_option status_opts[] = {
	{ "json", no_argument, CS_OPT_JSON, NULL, "print JSON" },
	{ "help", no_argument, CS_OPT_HELP, NULL, "show this help" },
	{}
};

const struct cs_command cs_cmd_status = {
	.name = "status",
	.func = cmd_status,
	.synopsis = "[IFACE] [--json]",
	.summary = "Show where cpusteer is attached and how it steers.",
	.details =
"Everything shown is read back from the pinned objects and the kernel, for\n"
"the interfaces of this network namespace, by their current names. The key\n"
"is the attachment's hash key; 'cpusteer classify --key' takes it. A broken\n"
"attachment (pins missing after a kill, say) is reported and the others are\n"
"still shown; it, or one that steers nothing (its interface gone, a detach\n"
"cut short), makes the exit status 1. Nothing is mounted or changed.\n",
	.opts = status_opts,
};

static void fallback_str(__u32 cpu, char *buf, size_t len)
{
	if (cpu == CS_FALLBACK_PASS)
		snprintf(buf, len, "pass");
	else if (cpu == CS_FALLBACK_DROP)
		snprintf(buf, len, "drop");
	else
		snprintf(buf, len, "cpu:%u", cpu);
}

static json_object *mac_json(const __u8 *m, bool set)
{
	char buf[18];

	if (!set)
		return NULL;
	snprintf(buf, sizeof(buf), "%02x:%02x:%02x:%02x:%02x:%02x",
		 m[0], m[1], m[2], m[3], m[4], m[5]);
	return json_object_new_string(buf);
}

/* Stage 2 redirect: {"dev", "ifindex", "dst_mac", "src_mac"}. */
static json_object *redirect_json(const struct cs_attachment *a)
{
	json_object *o = json_object_new_object();
	char name[IF_NAMESIZE];

	json_object_object_add(o, "dev", a->out_ifindex &&
			       if_indextoname(a->out_ifindex, name) ?
			       json_object_new_string(name) : NULL);
	json_object_object_add(o, "ifindex",
			       json_object_new_int64(a->out_ifindex));
	json_object_object_add(o, "dst_mac", mac_json(a->out.dst,
			       a->out.flags & CS_OUT_DST));
	json_object_object_add(o, "src_mac", mac_json(a->out.src,
			       a->out.flags & CS_OUT_SRC));
	return o;
}

static struct json_object *status_json(const struct cs_attachment *a)
{
	struct json_object *o = json_object_new_object();
	struct json_object *cpus = json_object_new_array();
	char fb[32], key[40], tun[128];
	__u32 i;

	for (i = 0; i < a->cpus.n; i++)
		json_object_array_add(cpus, json_object_new_int(a->cpus.cpu[i]));
	fallback_str(a->params.fallback_cpu, fb, sizeof(fb));
	snprintf(key, sizeof(key), "%016" PRIx64 "%016" PRIx64,
		 (uint64_t)a->params.key[0], (uint64_t)a->params.key[1]);
	json_object_object_add(o, "ifname", json_object_new_string(a->ifname));
	json_object_object_add(o, "ifindex", a->ifindex ?
			       json_object_new_int(a->ifindex) : NULL);
	json_object_object_add(o, "ifname_at_attach", a->meta.ifname[0] ?
			       json_object_new_string(a->meta.ifname) : NULL);
	json_object_object_add(o, "state", json_object_new_string(
				cs_link_state_names[a->link_state]));
	json_object_object_add(o, "xdp_mode",
			       json_object_new_string(a->xdp_mode));
	json_object_object_add(o, "link_id", json_object_new_int(a->link_id));
	json_object_object_add(o, "prog_id", json_object_new_int(a->prog_id));
	json_object_object_add(o, "hash", json_object_new_string(
		a->params.hash_mode < CS_HASH_MODE_MAX ?
		cs_hash_mode_names[a->params.hash_mode] : "unknown"));
	json_object_object_add(o, "buckets", json_object_new_int(a->nbuckets));
	json_object_object_add(o, "cpus", cpus);
	json_object_object_add(o, "qsize", json_object_new_int(a->qsize));
	json_object_object_add(o, "stage2", json_object_new_string(
		a->stage2 >= 0 ? cs_stage2_names[a->stage2] : "unknown"));
	json_object_object_add(o, "stage2_prog", a->stage2_name[0] ?
			       json_object_new_string(a->stage2_name) : NULL);
	json_object_object_add(o, "stage2_prog_id",
			       json_object_new_int64(a->stage2_prog_id));
	json_object_object_add(o, "meta",
			       json_object_new_boolean(a->params.meta));
	json_object_object_add(o, "redirect", a->stage2 == CS_STAGE2_REDIRECT ?
			       redirect_json(a) : NULL);
	json_object_object_add(o, "fallback", json_object_new_string(fb));
	json_object_object_add(o, "key", json_object_new_string(key));
	cs_tunnel_describe(&a->params, tun, sizeof(tun));
	json_object_object_add(o, "tunnel", json_object_new_string(tun));
	json_object_object_add(o, "managed", json_object_new_boolean(
				a->meta.flags & CS_META_MANAGED));
	return o;
}

static void status_print(const struct cs_attachment *a, const char *pin_dir)
{
	struct json_object *o = status_json(a);
	char cpus[256];

	cs_cpulist_format(&a->cpus, cpus, sizeof(cpus));
#define S(k) json_object_get_string(json_object_object_get(o, k))
	printf("%s: %s XDP, link id %u, prog id %u\n", a->ifname, S("xdp_mode"),
	       a->link_id, a->prog_id);
	printf("  hash %s%s, %u buckets, CPUs %s, qsize %u, stage2 %s%s%s%s, fallback %s%s\n",
	       S("hash"), a->params.hash_mode & CS_HASH_F_HW ?
	       " (the NIC's RSS hash; l4-sym for frames without one)" : "",
	       a->nbuckets, cpus, a->qsize, S("stage2"),
	       a->stage2 == CS_STAGE2_CUSTOM ? " (" : "",
	       a->stage2 == CS_STAGE2_CUSTOM ? a->stage2_name : "",
	       a->stage2 == CS_STAGE2_CUSTOM ? ")" : "", S("fallback"),
	       a->params.meta ? ", metadata written" : "");
	printf("  tunnels %s; key %s, pins %s\n", S("tunnel"), S("key"),
	       pin_dir);
	if (a->stage2 == CS_STAGE2_REDIRECT) {
		json_object *r = json_object_object_get(o, "redirect");
		const char *dev = json_object_get_string(json_object_object_get(r, "dev"));
		const char *dm = json_object_get_string(json_object_object_get(r, "dst_mac"));
		const char *sm = json_object_get_string(json_object_object_get(r, "src_mac"));

		printf("  stage 2 sends frames out of %s%s%s%s%s\n",
		       dev ? dev : "a device that is gone (frames are dropped)",
		       dm ? ", destination MAC " : "", dm ? dm : "",
		       sm ? ", source MAC " : "", sm ? sm : "");
	}
	if (a->meta.flags & CS_META_MANAGED)
		printf("  managed by the config ('cpusteer apply')\n");
	if (a->link_state == CS_LINK_HERE && a->meta.ifname[0] &&
	    strcmp(a->meta.ifname, a->ifname))
		printf("  attached as %s, renamed since\n", a->meta.ifname);
	if (a->link_state == CS_LINK_HERE &&
	    (a->key.netns != a->netns || a->key.ifindex != a->ifindex))
		printf("  its device moved (or came back) into this namespace since the attach\n");
	if (a->link_state == CS_LINK_GONE && a->meta.ifname[0] &&
	    a->key.netns == a->netns)
		printf("  the interface is gone: 'cpusteer detach %s' removes what is left\n",
		       a->ifname);
	else if (a->link_state == CS_LINK_GONE)
		printf("  the interface is gone: 'cpusteer detach --stale' removes what is left\n");
	if (a->link_state == CS_LINK_DEFUNCT)
		printf("  nothing is steered (a detach was cut short?): 'cpusteer detach %s' finishes it\n",
		       a->ifname);
	if (a->link_state == CS_LINK_ELSEWHERE)
		printf("  steering goes on in the device's new namespace: detach it there, or here with --force\n");
#undef S
	json_object_put(o);
}

/* A broken attachment: said on stderr, and in its place in the JSON. */
static struct json_object *broken_json(const struct cs_attachment *a)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "ifname", json_object_new_string(a->ifname));
	json_object_object_add(o, "ifindex", a->ifindex ?
			       json_object_new_int(a->ifindex) : NULL);
	json_object_object_add(o, "error", json_object_new_string(a->error));
	return o;
}

static int status_list(const struct cs_state *st,
		       const struct cs_pin_key *keys, int n,
		       const struct cs_others *others)
{
	struct json_object *arr = json_object_new_array();
	struct cs_attachment a;
	char dir[256];
	int i, bad = 0;

	for (i = 0; i < n; i++) {
		cs_pin_dir_path(dir, sizeof(dir), &keys[i]);
		if (cs_attachment_open(st, &keys[i], &a)) {
			cs_err_text("%s", a.error);
			json_object_array_add(arr, broken_json(&a));
			bad++;
			continue;
		}
		if (cs_json)
			json_object_array_add(arr, status_json(&a));
		else
			status_print(&a, dir);
		/* Pins that steer nothing are something to act on too. */
		bad += a.link_state == CS_LINK_DEFUNCT ||
		       a.link_state == CS_LINK_GONE;
		cs_attachment_close(&a);
	}
	if (cs_json)
		printf("%s\n", json_object_to_json_string_ext(arr,
				JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(arr);
	if (!cs_json && !n)
		printf("cpusteer is not attached to any interface in this network namespace\n");
	if (!cs_json && others->elsewhere)
		printf("(%d more attachment%s in other network namespaces: run 'cpusteer status' there)\n",
		       others->elsewhere, others->elsewhere == 1 ? "" : "s");
	if (!cs_json && others->stale)
		printf("(%d attachment%s of other network namespaces steer%s nothing any more: 'cpusteer detach --stale' removes %s)\n",
		       others->stale, others->stale == 1 ? "" : "s",
		       others->stale == 1 ? "s" : "",
		       others->stale == 1 ? "it" : "them");
	return bad ? -EIO : 0;
}

static int status_run(const char *only)
{
	static struct cs_pin_key keys[CS_MAX_ATTACHMENTS];
	struct cs_others others;
	struct cs_state st;
	int n, err;

	err = cs_state_open(CS_STATE_READ, &st);
	if (err)
		return err;
	n = cs_attachment_select(&st, only, keys, CS_MAX_ATTACHMENTS, &others);
	err = n < 0 ? n : status_list(&st, keys, n, &others);
	cs_state_close(&st);
	return err;
}

int cmd_status(int argc, char **argv)
{
	int c, err;

	c = cs_opts_parse(argc, argv, &cs_cmd_status, cs_opt_json_only, NULL);
	if (c)
		return c > 0 ? CS_EXIT_OK : CS_EXIT_USAGE;
	if (argc - optind > 1) {
		cs_err("at most one interface: cpusteer status [IFACE]");
		return CS_EXIT_USAGE;
	}
	if (optind < argc && cs_ifname_check("IFACE", argv[optind]))
		return CS_EXIT_USAGE;
	if (cs_require_root())
		return CS_EXIT_FAIL;
	err = status_run(optind < argc ? argv[optind] : NULL);
	return err == -ENODEV ? CS_EXIT_USAGE :
	       err ? CS_EXIT_FAIL : CS_EXIT_OK;
}
