// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "log.h"
#include "prom.h"

/*
 * A label value: backslash and double quote escaped; a byte outside
 * printable ASCII (Linux allows any but '/', ':' and blanks in interface
 * names, while label values must be UTF-8) as '?', never raw.
 */
static void label(FILE *f, const char *name, const char *val, bool first)
{
	const unsigned char *p = (const unsigned char *)val;

	fprintf(f, "%s%s=\"", first ? "" : ",", name);
	for (; *p; p++) {
		if (*p == '\\' || *p == '"')
			fputc('\\', f);
		fputc(*p >= 0x20 && *p < 0x7f ? *p : '?', f);
	}
	fputc('"', f);
}

static void family(FILE *f, const char *name, const char *type,
		   const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* name{iface="..",cpu="N"[,extra="val"]} value */
static void series(FILE *f, const char *name, const char *ifname, int cpu,
		   const char *extra, const char *extra_val, double value)
{
	char buf[16];

	fprintf(f, "%s{", name);
	label(f, "iface", ifname, true);
	if (cpu >= 0) {
		snprintf(buf, sizeof(buf), "%d", cpu);
		label(f, "cpu", buf, false);
	}
	if (extra)
		label(f, extra, extra_val, false);
	fprintf(f, "} %.17g\n", value);
}

static bool rx_cpu(const struct cs_view *v, __u32 cpu)
{
	return v->cur->cpu[cpu].seen != 0;
}

static bool any_reason(const struct cs_view *v, __u32 cpu)
{
	__u32 r;

	for (r = 0; r < CS_REASON_MAX; r++)
		if (v->cur->cpu[cpu].reason[r])
			return true;
	return false;
}

static bool target_cpu(const struct cs_view *v, __u32 cpu)
{
	const struct cs_cpu_fig *c = &v->cur->cpu[cpu];

	return cs_cpuset_has(&v->targets, cpu) || c->redirected ||
	       c->enq_frames || c->kt_frames;
}

/*
 * The per-target counter families: one field of struct cs_cpu_fig each.
 * Not the frames hashed into a target's buckets: a bucket that moves
 * takes its count along, so that total would go back (a false reset).
 * rate(cpusteer_target_enqueued_frames_total) is the target's load.
 */
static const struct {
	const char *name, *help;
	size_t off;
} target_families[] = {
#define TF(n, h, f) { "cpusteer_target_" n "_total", h, offsetof(struct cs_cpu_fig, f) }
	TF("enqueued_frames", "Frames offered to this target's cpumap ring (dropped ones included).", enq_frames),
	TF("enqueue_drops", "Frames dropped because this target's ring was full.", enq_drops),
	TF("enqueue_bulks", "Bulk flushes into this target's ring (up to 8 frames each).", enq_bulks),
	TF("kthread_frames", "Frames this target's cpumap thread took off its ring.", kt_frames),
	TF("kthread_drops", "Frames this target's cpumap thread dropped for want of SKB memory.", kt_drops),
	TF("kthread_sched", "Times this target's cpumap thread slept or yielded.", kt_sched),
	TF("kthread_runs", "Passes of this target's cpumap thread's loop.", kt_runs),
#undef TF
};

static void write_rx(FILE *f, const struct cs_prom_src *src, int n)
{
	char name[32];
	__u32 c, r;
	int i;

	family(f, "cpusteer_rx_frames_total", "counter",
	       "Frames stage 1 ran for on this RX CPU (hashed and unhashed).");
	for (i = 0; i < n; i++)
		for (c = 0; c < src[i].v->cur->ncpus; c++)
			if (rx_cpu(src[i].v, c))
				series(f, "cpusteer_rx_frames_total",
				       src[i].ifname, c, NULL, NULL,
				       src[i].v->cur->cpu[c].seen);
	family(f, "cpusteer_frames_total", "counter",
	       "Frames by outcome (reason) on the CPU that counted them: stage 1's on RX CPUs, stage 2's on targets.");
	for (i = 0; i < n; i++)
		for (c = 0; c < src[i].v->cur->ncpus; c++)
			for (r = 0; any_reason(src[i].v, c) &&
				    r < CS_REASON_MAX; r++)
				series(f, "cpusteer_frames_total",
				       src[i].ifname, c, "reason",
				       cs_reasons[r].name,
				       src[i].v->cur->cpu[c].reason[r]);
	family(f, "cpusteer_redirect_errors_total", "counter",
	       "Redirects into the cpumap that failed after stage 1, by errno.");
	for (i = 0; i < n; i++)
		for (c = 0; c < src[i].v->cur->ncpus; c++)
			for (r = 0; r < CS_ERRNO_SLOTS; r++)
				if (src[i].v->cur->cpu[c].redirect_errno[r])
					series(f, "cpusteer_redirect_errors_total",
					       src[i].ifname, c, "errno",
					       cs_errno_slot_name(r, name,
								  sizeof(name)),
					       src[i].v->cur->cpu[c].redirect_errno[r]);
	family(f, "cpusteer_encapsulations_total", "counter",
	       "Encapsulations stage 1 entered, by kind.");
	for (i = 0; i < n; i++)
		for (r = 0; r < CS_ENCAP_MAX; r++)
			series(f, "cpusteer_encapsulations_total",
			       src[i].ifname, -1, "encap", cs_encap_names[r],
			       src[i].v->cur->sum->encap[r]);
}

static void write_targets(FILE *f, const struct cs_prom_src *src, int n)
{
	static const char *const verdicts[] = { "pass", "drop", "redirect" };
	__u32 c, k;
	int i;

	for (k = 0; k < sizeof(target_families) / sizeof(target_families[0]); k++) {
		family(f, target_families[k].name, "counter",
		       target_families[k].help);
		for (i = 0; i < n; i++)
			for (c = 0; c < src[i].v->cur->ncpus; c++)
				if (target_cpu(src[i].v, c))
					series(f, target_families[k].name,
					       src[i].ifname, c, NULL, NULL,
					       *(const __u64 *)((const char *)
						&src[i].v->cur->cpu[c] +
						target_families[k].off));
	}
	family(f, "cpusteer_target_verdicts_total", "counter",
	       "Verdicts of the stage-2 program (cpusteer's or a custom one) on this target.");
	for (i = 0; i < n; i++)
		for (c = 0; c < src[i].v->cur->ncpus; c++) {
			const struct cs_cpu_fig *x = &src[i].v->cur->cpu[c];
			const __u64 val[] = { x->kt_pass, x->kt_drop,
					      x->kt_redirect };

			for (k = 0; target_cpu(src[i].v, c) && k < 3; k++)
				series(f, "cpusteer_target_verdicts_total",
				       src[i].ifname, c, "verdict", verdicts[k],
				       val[k]);
		}
}

static void write_gauges(FILE *f, const struct cs_prom_src *src, int n)
{
	char b[16];
	__u32 k, h;
	int i;

	family(f, "cpusteer_buckets", "gauge",
	       "Buckets in the indirection table.");
	for (i = 0; i < n; i++)
		series(f, "cpusteer_buckets", src[i].ifname, -1, NULL, NULL,
		       src[i].v->cur->nbuckets);
	family(f, "cpusteer_targets", "gauge",
	       "Target CPUs named by the indirection table.");
	for (i = 0; i < n; i++)
		series(f, "cpusteer_targets", src[i].ifname, -1, NULL, NULL,
		       src[i].v->targets.n);
	family(f, "cpusteer_imbalance_ratio", "gauge",
	       "Max over mean of the targets' hashed frames in the last interval (absent without traffic).");
	for (i = 0; i < n; i++)
		if (src[i].v->have_load)
			series(f, "cpusteer_imbalance_ratio", src[i].ifname,
			       -1, NULL, NULL, src[i].v->imbalance);
	family(f, "cpusteer_busiest_target_share_ratio", "gauge",
	       "Share of the hashed frames that the busiest target took in the last interval.");
	for (i = 0; i < n; i++)
		if (src[i].v->have_load)
			series(f, "cpusteer_busiest_target_share_ratio",
			       src[i].ifname, src[i].v->busiest, NULL, NULL,
			       src[i].v->busiest_share);
	family(f, "cpusteer_bucket_share_ratio", "gauge",
	       "Share of the hashed frames of the heaviest buckets in the last interval.");
	for (i = 0; i < n; i++)
		for (k = 0; k < src[i].v->ntop; k++) {
			snprintf(b, sizeof(b), "%u", src[i].v->top[k].bucket);
			series(f, "cpusteer_bucket_share_ratio", src[i].ifname,
			       src[i].v->top[k].cpu, "bucket", b,
			       src[i].v->top[k].share);
		}
	family(f, "cpusteer_hint_active", "gauge",
	       "1 while a hint of this kind is given (see cpusteer stats).");
	for (i = 0; i < n; i++)
		for (h = 0; h < CS_HINT_KINDS; h++) {
			double on = 0;

			for (k = 0; k < src[i].v->nhints; k++)
				on = on || src[i].v->hints[k].kind == h;
			series(f, "cpusteer_hint_active", src[i].ifname, -1,
			       "hint", cs_hint_names[h], on);
		}
}

void cs_prom_write(FILE *f, const struct cs_prom_src *src, int n)
{
	write_rx(f, src, n);
	write_targets(f, src, n);
	write_gauges(f, src, n);
}

int cs_prom_dir_open(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0) {
		int err = -errno;

		cs_err("--textfile '%s': %s (give node_exporter's --collector.textfile.directory)",
		       dir, err == -ENOTDIR ? "not a directory" :
		       strerror(-err));
		return err;
	}
	return fd;
}

int cs_prom_textfile(int dirfd, const char *dir, const char *name,
		     const char *text, size_t len)
{
	char tmp[96];
	ssize_t w = 0;
	size_t off;
	int fd, err = 0;

	/* Not *.prom: the collector skips it until the rename. */
	snprintf(tmp, sizeof(tmp), ".%s.%d.tmp", name, (int)getpid());
	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
				O_CLOEXEC, 0644);
	if (fd < 0) {
		err = -errno;
		cs_err("--textfile: cannot create %s/%s: %s", dir, tmp,
		       strerror(-err));
		return err;
	}
	/* node_exporter need not run as root: readable whatever the umask. */
	if (fchmod(fd, 0644))
		err = -errno;
	for (off = 0; !err && off < len; off += w) {
		w = write(fd, text + off, len - off);
		if (w < 0) {
			err = -errno;
			break;
		}
	}
	if (close(fd) && !err)
		err = -errno;
	if (!err && renameat(dirfd, tmp, dirfd, name))
		err = -errno;
	if (err) {
		cs_err("--textfile: cannot write %s/%s: %s", dir, name,
		       strerror(-err));
		unlinkat(dirfd, tmp, 0);
	}
	return err;
}
