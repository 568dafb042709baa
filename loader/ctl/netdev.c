// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>

#include "netdev.h"

/*
 * include/uapi/linux/netdev.h, which Debian 12's kernel headers (6.1)
 * predate; the values are ABI.
 */
#define CS_NETDEV_FAMILY_NAME			"netdev"
#define CS_NETDEV_CMD_DEV_GET			1
#define CS_NETDEV_A_DEV_IFINDEX			1
#define CS_NETDEV_A_DEV_XDP_FEATURES		3	/* Linux 6.3 */
#define CS_NETDEV_A_DEV_XDP_RX_METADATA_FEATURES 5	/* Linux 6.8 */
#define CS_NETDEV_XDP_RX_METADATA_HASH		(1U << 1)
#define CS_NETDEV_XDP_ACT_NDO_XMIT		(1U << 2)

struct reply {
	__u16 family;
	bool have_features, have_xdp;
	__u64 features;		/* XDP RX metadata */
	__u64 xdp;		/* NETDEV_XDP_ACT_* */
};

static int family_attr(const struct nlattr *a, void *data)
{
	struct reply *r = data;

	if (mnl_attr_get_type(a) == CTRL_ATTR_FAMILY_ID &&
	    !mnl_attr_validate(a, MNL_TYPE_U16))
		r->family = mnl_attr_get_u16(a);
	return MNL_CB_OK;
}

static int dev_attr(const struct nlattr *a, void *data)
{
	struct reply *r = data;
	__u16 type = mnl_attr_get_type(a);
	__u64 v;

	if (type != CS_NETDEV_A_DEV_XDP_RX_METADATA_FEATURES &&
	    type != CS_NETDEV_A_DEV_XDP_FEATURES)
		return MNL_CB_OK;
	/* A u64 flag set, sent as the smallest type that holds it. */
	if (!mnl_attr_validate(a, MNL_TYPE_U64))
		v = mnl_attr_get_u64(a);
	else if (!mnl_attr_validate(a, MNL_TYPE_U32))
		v = mnl_attr_get_u32(a);
	else
		return MNL_CB_OK;
	if (type == CS_NETDEV_A_DEV_XDP_FEATURES) {
		r->xdp = v;
		r->have_xdp = true;
	} else {
		r->features = v;
		r->have_features = true;
	}
	return MNL_CB_OK;
}

static int family_cb(const struct nlmsghdr *nlh, void *data)
{
	return mnl_attr_parse(nlh, sizeof(struct genlmsghdr), family_attr,
			      data);
}

static int dev_cb(const struct nlmsghdr *nlh, void *data)
{
	return mnl_attr_parse(nlh, sizeof(struct genlmsghdr), dev_attr, data);
}

/* One request, its answer through @cb. */
static int genl_call(struct mnl_socket *nl, __u16 type, __u8 cmd,
		     __u16 attr, const void *val, size_t len, mnl_cb_t cb,
		     struct reply *r)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct genlmsghdr *g;
	struct nlmsghdr *nlh;
	unsigned int seq = time(NULL), port = mnl_socket_get_portid(nl);
	ssize_t n;
	int ret;

	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = 1;
	mnl_attr_put(nlh, attr, len, val);
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	do {
		n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (n < 0)
			return -errno;
		ret = mnl_cb_run(buf, n, seq, port, cb, r);
	} while (ret > 0);
	return ret < 0 ? -errno : 0;
}

/* The netdev family's answer about @ifindex into @r. */
static int dev_get(__u32 ifindex, struct reply *r)
{
	struct mnl_socket *nl;
	int err;

	nl = mnl_socket_open(NETLINK_GENERIC);
	if (!nl)
		return -errno;
	err = mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) ? -errno : 0;
	if (!err)
		err = genl_call(nl, GENL_ID_CTRL, CTRL_CMD_GETFAMILY,
				CTRL_ATTR_FAMILY_NAME, CS_NETDEV_FAMILY_NAME,
				sizeof(CS_NETDEV_FAMILY_NAME), family_cb, r);
	/* No netdev family (before 6.3): the kernel cannot say. */
	if (err == -ENOENT || (!err && !r->family))
		err = -EOPNOTSUPP;
	if (!err)
		err = genl_call(nl, r->family, CS_NETDEV_CMD_DEV_GET,
				CS_NETDEV_A_DEV_IFINDEX, &ifindex,
				sizeof(ifindex), dev_cb, r);
	mnl_socket_close(nl);
	return err;
}

int cs_netdev_has_xdp_xmit(__u32 ifindex)
{
	struct reply r = {};
	int err = dev_get(ifindex, &r);

	if (err)
		return err;
	if (!r.have_xdp)
		return -EOPNOTSUPP;
	return !!(r.xdp & CS_NETDEV_XDP_ACT_NDO_XMIT);
}

int cs_netdev_has_rx_hash(__u32 ifindex)
{
	struct reply r = {};
	int err = dev_get(ifindex, &r);

	if (err)
		return err;
	if (!r.have_features)
		return -EOPNOTSUPP;	/* 6.3 to 6.7: no such attribute */
	return !!(r.features & CS_NETDEV_XDP_RX_METADATA_HASH);
}
