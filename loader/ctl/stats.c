// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "log.h"
#include "stats.h"
#include "steer.h"
#include "stats_read.skel.h"

/*
 * Buckets per batch read: one system call copies this many buckets of
 * every possible CPU (256 x 64 CPUs x 16 bytes = 256 KiB), so 4096
 * buckets take 16 calls and the buffer stays small on 512 CPUs.
 */
#define TABLE_CHUNK	256

const __u32 cs_s2_outcomes[CS_S2_OUTCOMES] = {
	CS_REASON_STAGE2_PASS, CS_REASON_STAGE2_DROP, CS_REASON_STAGE2_FILTERED,
	CS_REASON_STAGE2_REDIRECT, CS_REASON_STAGE2_NO_DEV,
};

/*
 * Buckets [@first, @first + *@n) of every CPU into @v (bucket-major, each
 * bucket's CPUs in a row). One batch call; bucket by bucket where the
 * kernel has no batch operations for arrays (before Linux 5.6).
 */
static int table_chunk(int fd, __u32 first, __u32 *n, __u32 *keys,
		       struct cs_bucket *v, int ncpus)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	__u32 in = first - 1, out, count = *n, i;

	/* The batch starts after key @in, the last one read before. */
	if (!bpf_map_lookup_batch(fd, first ? &in : NULL, &out, keys, v,
				  &count, &opts) ||
	    (errno == ENOENT && count)) {
		*n = count;
		return 0;
	}
	if (errno != EINVAL && errno != 524 /* ENOTSUPP */ &&
	    errno != EOPNOTSUPP)
		return -errno;
	for (i = 0; i < *n; i++) {
		keys[i] = first + i;
		if (bpf_map_lookup_elem(fd, &keys[i], v + (size_t)i * ncpus))
			return -errno;
	}
	return 0;
}

/*
 * Every bucket of @fd (@nbuckets) through @fn, which sees one bucket's
 * per-CPU values at a time.
 */
static int table_walk(int fd, __u32 nbuckets,
		      void (*fn)(void *ctx, __u32 b, const struct cs_bucket *v,
				 int ncpus),
		      void *ctx)
{
	int ncpus = libbpf_num_possible_cpus(), err = 0;
	__u32 *keys, first, n, i;
	struct cs_bucket *v;

	if (ncpus < 0)
		return ncpus;
	keys = calloc(TABLE_CHUNK, sizeof(*keys));
	v = calloc((size_t)TABLE_CHUNK * ncpus, sizeof(*v));
	if (!keys || !v)
		err = -ENOMEM;
	for (first = 0; !err && first < nbuckets; first += n) {
		n = nbuckets - first < TABLE_CHUNK ? nbuckets - first :
						     TABLE_CHUNK;
		err = table_chunk(fd, first, &n, keys, v, ncpus);
		if (err || !n) {
			err = err ? err : -EIO;
			cs_err("cannot read buckets %u-%u of the indirection table: %s",
			       first, first + TABLE_CHUNK - 1, strerror(-err));
			break;
		}
		for (i = 0; i < n; i++)
			if (keys[i] < nbuckets)
				fn(ctx, keys[i], v + (size_t)i * ncpus, ncpus);
	}
	free(keys);
	free(v);
	return err;
}

struct table_read_ctx {
	__u32 *cpu;
	__u64 *packets;
};

static void table_read_one(void *ctx, __u32 b, const struct cs_bucket *v,
			   int ncpus)
{
	struct table_read_ctx *c = ctx;
	int i;

	if (c->cpu)
		c->cpu[b] = v[0].cpu;
	if (!c->packets)
		return;
	c->packets[b] = 0;
	for (i = 0; i < ncpus; i++)
		c->packets[b] += v[i].packets;
}

int cs_table_read(int table_fd, __u32 nbuckets, __u32 *cpu, __u64 *packets)
{
	struct table_read_ctx c = { .cpu = cpu, .packets = packets };

	return table_walk(table_fd, nbuckets, table_read_one, &c);
}

struct cs_table_reader {
	struct stats_read_bpf *skel;
	int prog_fd;
	__u32 nbuckets, ncpus;
};

int cs_reader_open(int table_fd, __u32 nbuckets,
		   struct cs_table_reader **out)
{
	int ncpus = libbpf_num_possible_cpus(), err;
	struct cs_table_reader *r;
	libbpf_print_fn_t old;

	if (ncpus < 0)
		return ncpus;
	if (ncpus > CS_MAX_CPUS || nbuckets > CS_MAX_BUCKETS)
		return -E2BIG;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	/* A kernel without the helpers refuses it: said with -v only. */
	old = libbpf_set_print(NULL);
	r->skel = stats_read_bpf__open();
	err = r->skel ? 0 : -errno;
	if (!err) {
		r->skel->rodata->rd_nbuckets = nbuckets;
		err = bpf_map__set_max_entries(r->skel->maps.cs_table,
					       nbuckets) ?:
		      bpf_map__reuse_fd(r->skel->maps.cs_table, table_fd) ?:
		      stats_read_bpf__load(r->skel);
	}
	libbpf_set_print(old);
	if (err || !r->skel->bss) {
		cs_debug("the table is read in batches: the in-kernel reader did not load (%s; it needs Linux 5.19)",
			 strerror(err ? -err : ENOTSUP));
		cs_reader_close(r);
		return err ? err : -ENOTSUP;
	}
	r->prog_fd = bpf_program__fd(r->skel->progs.cs_read_table);
	r->nbuckets = nbuckets;
	r->ncpus = ncpus;
	r->skel->bss->rd_ncpus = ncpus;
	*out = r;
	return 0;
}

void cs_reader_close(struct cs_table_reader *r)
{
	if (!r)
		return;
	stats_read_bpf__destroy(r->skel);
	free(r);
}

int cs_table_move(int table_fd, __u32 nbuckets, const __u32 *from,
		  const __u32 *to)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts);
	struct cs_table_reader *r;
	__u32 b;
	int err;

	if (!cs_reader_open(table_fd, nbuckets, &r)) {
		for (b = 0; b < nbuckets; b++)
			r->skel->bss->mv_cpu[b] = from[b] == to[b] ?
						  CS_NO_BUCKET : to[b];
		err = bpf_prog_test_run_opts(
			bpf_program__fd(r->skel->progs.cs_move_buckets),
			&opts) ? -errno : 0;
		cs_reader_close(r);
		if (err)
			cs_err("cannot move buckets of the indirection table: %s",
			       strerror(-err));
		return err;
	}
	for (b = 0; b < nbuckets; b++) {
		if (from[b] == to[b])
			continue;
		err = cs_bucket_set(table_fd, b, to[b]);
		if (err)
			return err;
	}
	return 0;
}

/*
 * The table through the reader: one test run over the CPUs in @rx (those
 * that ran stage 1), then the mmap'ed results.
 */
static int reader_read(struct cs_table_reader *r, struct cs_snapshot *s,
		       const bool *rx)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts);
	struct stats_read_bpf__bss *o = r->skel->bss;
	__u32 b, i;

	if (r->nbuckets != s->nbuckets || r->ncpus != s->ncpus)
		return -EMSGSIZE;
	o->rd_nlist = 0;
	for (i = 0; i < s->ncpus && i < CS_MAX_CPUS; i++)
		if (rx[i])
			o->rd_list[o->rd_nlist++] = i;
	memset(o->rd_rx, 0, sizeof(o->rd_rx));
	if (bpf_prog_test_run_opts(r->prog_fd, &opts)) {
		int err = -errno;

		cs_err("cannot sum the indirection table: %s", strerror(-err));
		return err;
	}
	for (b = 0; b < s->nbuckets; b++) {
		s->bucket_cpu[b] = o->rd_cpu[b];
		s->bucket_frames[b] = o->rd_frames[b];
		if (o->rd_cpu[b] < s->ncpus)
			s->cpu[o->rd_cpu[b]].redirected += o->rd_frames[b];
		s->sum->reason[CS_REASON_HASHED] += o->rd_frames[b];
	}
	for (i = 0; i < o->rd_nlist; i++)
		s->cpu[o->rd_list[i]].reason[CS_REASON_HASHED] = o->rd_rx[i];
	return 0;
}

/*
 * Has CPU @c run stage 1? Every frame it hashed was then either enqueued
 * (the bulk flush on the same CPU counts in its enq_bulks) or failed to
 * redirect (counted there too), and every other frame has a reason. A
 * first frame counted in its bucket but not yet flushed shows in the next
 * snapshot: the counts are totals, nothing is lost.
 */
static bool ran_stage1(const struct cs_stats *c, __u32 ncpus)
{
	__u32 i;

	for (i = 0; i < ncpus && i < CS_MAX_CPUS; i++)
		if (c->enq_bulks[i])
			return true;
	for (i = 0; i < CS_REASON_MAX; i++)
		if (c->reason[i] && (cs_reason_is_stage1(i) ||
				     i == CS_REASON_REDIRECT_ERR))
			return true;
	return false;
}

void cs_snapshot_free(struct cs_snapshot *s)
{
	free(s->sum);
	free(s->cpu);
	free(s->bucket_cpu);
	free(s->bucket_frames);
	memset(s, 0, sizeof(*s));
}

int cs_snapshot_alloc(struct cs_snapshot *s, __u32 nbuckets)
{
	int ncpus = libbpf_num_possible_cpus();

	memset(s, 0, sizeof(*s));
	if (ncpus < 0)
		return ncpus;
	s->ncpus = ncpus;
	s->nbuckets = nbuckets;
	s->sum = calloc(1, sizeof(*s->sum));
	s->cpu = calloc(ncpus, sizeof(*s->cpu));
	s->bucket_cpu = calloc(nbuckets, sizeof(*s->bucket_cpu));
	s->bucket_frames = calloc(nbuckets, sizeof(*s->bucket_frames));
	if (s->sum && s->cpu && s->bucket_cpu && s->bucket_frames)
		return 0;
	cs_snapshot_free(s);
	return -ENOMEM;
}

struct walk_ctx {
	struct cs_snapshot *s;
	__u64 *rx;		/* hashed per RX CPU: one short row, hot in
				 * cache, rather than a stride through the
				 * CPUs' figures for every bucket */
};

static void snapshot_bucket(void *ctx, __u32 b, const struct cs_bucket *v,
			    int ncpus)
{
	struct walk_ctx *w = ctx;
	struct cs_snapshot *s = w->s;
	__u32 target = v[0].cpu;
	__u64 frames = 0;
	int i;

	for (i = 0; i < ncpus; i++) {
		w->rx[i] += v[i].packets;
		frames += v[i].packets;
	}
	s->bucket_cpu[b] = target;
	s->bucket_frames[b] = frames;
	if (target < s->ncpus)
		s->cpu[target].redirected += frames;
	s->sum->reason[CS_REASON_HASHED] += frames;
}

/* CPU @i's own counters into its figures and the sum. */
static void snapshot_cpu(struct cs_snapshot *s, const struct cs_stats *c,
			 __u32 i)
{
	struct cs_cpu_fig *f = &s->cpu[i];
	__u32 r, t;

	for (r = 0; r < CS_REASON_MAX; r++) {
		s->sum->reason[r] += c->reason[r];
		f->reason[r] = c->reason[r];
	}
	for (r = 0; r < CS_ENCAP_MAX; r++)
		s->sum->encap[r] += c->encap[r];
	for (r = 0; r < CS_ERRNO_SLOTS; r++) {
		s->sum->redirect_errno[r] += c->redirect_errno[r];
		f->redirect_errno[r] = c->redirect_errno[r];
	}
	for (r = 0; r < CS_S2_OUTCOMES; r++)
		f->stage2 += c->reason[cs_s2_outcomes[r]];
	f->kt_frames = c->kt_frames;
	f->kt_drops = c->kt_drops;
	f->kt_sched = c->kt_sched;
	f->kt_runs = c->kt_runs;
	f->kt_pass = c->kt_pass;
	f->kt_drop = c->kt_drop;
	f->kt_redirect = c->kt_redirect;
	/* What this RX CPU offered each target, onto the target's row. */
	for (t = 0; t < s->ncpus && t < CS_MAX_CPUS; t++) {
		s->cpu[t].enq_frames += c->enq_frames[t] +
					(s->generic ? c->enqueue_drops[t] : 0);
		s->cpu[t].enq_bulks += c->enq_bulks[t];
		s->cpu[t].enq_drops += c->enqueue_drops[t];
		s->sum->enq_frames[t] += c->enq_frames[t] +
					 (s->generic ? c->enqueue_drops[t] : 0);
		s->sum->enq_bulks[t] += c->enq_bulks[t];
		s->sum->enqueue_drops[t] += c->enqueue_drops[t];
	}
}

static __u32 map_id(int fd)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	return bpf_obj_get_info_by_fd(fd, &info, &len) ? 0 : info.id;
}

int cs_snapshot_read(int stats_fd, int table_fd, struct cs_table_reader *rd,
		     struct cs_snapshot *s)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info), zero = 0, i, r;
	struct walk_ctx w = {};
	struct cs_stats *percpu;
	bool *rx = NULL;
	struct timespec ts;
	int err = 0;

	if (bpf_obj_get_info_by_fd(table_fd, &info, &len))
		return -errno;
	if (info.max_entries != s->nbuckets)
		return -EMSGSIZE;
	/* One struct cs_stats per possible CPU, each 8-byte aligned. */
	percpu = calloc(s->ncpus, sizeof(*percpu));
	if (!percpu)
		return -ENOMEM;
	if (bpf_map_lookup_elem(stats_fd, &zero, percpu)) {
		err = -errno;
		cs_err("cannot read the stats map: %s", strerror(errno));
		goto out;
	}
	clock_gettime(CLOCK_MONOTONIC, &ts);
	s->time = ts.tv_sec + ts.tv_nsec / 1e9;
	s->stats_id = map_id(stats_fd);
	s->table_id = info.id;
	memset(s->sum, 0, sizeof(*s->sum));
	memset(s->cpu, 0, s->ncpus * sizeof(*s->cpu));
	for (i = 0; i < s->ncpus; i++)
		snapshot_cpu(s, &percpu[i], i);
	if (rd) {
		rx = calloc(s->ncpus, sizeof(*rx));
		for (i = 0; rx && i < s->ncpus; i++)
			rx[i] = ran_stage1(&percpu[i], s->ncpus);
		err = rx ? reader_read(rd, s, rx) : -ENOMEM;
	} else {
		w.s = s;
		w.rx = calloc(s->ncpus, sizeof(*w.rx));
		err = w.rx ? table_walk(table_fd, s->nbuckets, snapshot_bucket,
					&w) : -ENOMEM;
		for (i = 0; !err && i < s->ncpus; i++)
			s->cpu[i].reason[CS_REASON_HASHED] = w.rx[i];
	}
	/* Stage 1's frames per RX CPU: hashed plus every fallback. */
	for (i = 0; !err && i < s->ncpus; i++) {
		for (r = 0; r < CS_REASON_MAX; r++)
			if (cs_reason_is_stage1(r))
				s->cpu[i].seen += s->cpu[i].reason[r];
	}
	free(w.rx);
	free(rx);
out:
	free(percpu);
	return err;
}
