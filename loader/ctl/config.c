// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * libinih splits "key = value" and strips ';' comments; it cannot say on
 * which line a key was (Debian builds it without INI_HANDLER_LINENO), nor
 * report more than the first bad line, nor see an empty section. So it
 * reads through our line reader, which counts lines, drops indentation (no
 * continuation lines), cuts '#' comments, refuses long lines and NUL
 * bytes, and notes section headers; a line inih did not hand to the
 * handler, and that was no comment or section, is a syntax error.
 */
#include <ctype.h>
#include <stdarg.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <ini.h>
#include <json-c/json.h>

#include "config.h"
#include "cpus.h"
#include "iface.h"
#include "lifecycle.h"
#include "log.h"

#define SECTION_DEFAULTS	"defaults"

struct entry {
	const char *file;
	unsigned int line;
	int section;		/* index into sections */
	const struct cs_option *opt;
	char *value;		/* NULL: refused (said) */
};

struct section {
	char name[IF_NAMESIZE];
	const char *file;
	unsigned int line;
	bool defaults;
	bool bad;		/* a value in it was refused */
};

struct parse {
	struct cs_conf *c;
	const char *file;
	const char *buf;
	size_t len, off;
	unsigned int line;
	char cur[INI_MAX_LINE + 2];
	bool significant;	/* the line should have reached the handler */
	bool handled;
	bool stop;
	bool binary;		/* a control character: drop the whole file */
	int section;		/* -1: none yet, -2: a bad header */
	const char *dfile;	/* where errors of no one line go */
	unsigned int dline;
	int first_entry;	/* this file's first entry */
	struct section sections[CS_CONF_MAX_IFACES + 1];	/* + defaults */
	int nsections;
	int nifaces;		/* sections but [defaults] */
	int first_section;	/* this file's first new section */
	struct entry *ent;
	int nent, maxent;
};

static void diag_add(struct cs_conf *c, const char *file, unsigned int line,
		     bool missing, const char *msg)
{
	struct cs_conf_diag *d;
	int i;

	for (i = 0; i < c->ndiags; i++)	/* one place, one message */
		if (c->diags[i].file == file && c->diags[i].line == line &&
		    !strcmp(c->diags[i].msg, msg))
			return;
	if (missing)
		c->missing++;
	else
		c->errors++;
	if (c->ndiags >= CS_CONF_MAX_DIAGS) {
		c->dropped++;
		return;
	}
	d = &c->diags[c->ndiags++];
	d->file = file;
	d->line = line;
	d->missing = missing;
	snprintf(d->msg, sizeof(d->msg), "%s", msg);
}

static void diag(struct parse *p, unsigned int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void diag(struct parse *p, unsigned int line, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	diag_add(p->c, p->file, line, false, msg);
}

/* cs_err() from the checks we share with the command line lands here. */
static bool sink_missing;

static void sink(void *ctx, const char *file, unsigned int line,
		 const char *msg)
{
	struct parse *p = ctx;

	diag_add(p->c, file ? file : p->dfile, file ? line : p->dline,
		 sink_missing, msg);
}

/* Text for a message: printable, and short. */
static const char *shown(const char *s, char *buf, size_t len)
{
	size_t i, n = 0;

	buf[0] = '\0';
	for (i = 0; s[i] && n + 5 < len && i < 40; i++)
		n += snprintf(buf + n, len - n, isprint((unsigned char)s[i]) ?
			      "%c" : "\\x%02x", (unsigned char)s[i]);
	if (s[i] && n + 4 < len)
		snprintf(buf + n, len - n, "...");
	return buf;
}

static void note_section(struct parse *p, const char *text)
{
	const char *end = strchr(text, ']');
	char name[64], show[192];
	size_t n;
	int i;

	p->section = -2;
	if (!end) {
		diag(p, p->line, "'%s' has no closing ']'",
		     shown(text, show, sizeof(show)));
		return;
	}
	if (end[1 + strspn(end + 1, " \t")] &&
	    !strchr(";#", end[1 + strspn(end + 1, " \t")])) {
		diag(p, p->line, "text after the section header '%s'",
		     shown(text, show, sizeof(show)));
		return;
	}
	n = end - text - 1;
	if (n >= sizeof(name))
		n = sizeof(name) - 1;
	memcpy(name, text + 1, n);
	name[n] = '\0';
	for (i = 0; i < p->nsections; i++)
		if (!strcmp(p->sections[i].name, name)) {
			p->section = i;
			return;
		}
	for (i = 0; name[i]; i++)
		if (!isprint((unsigned char)name[i])) {
			diag(p, p->line, "section '%s' is not a valid interface name: it holds a byte that is not printable",
			     shown(name, show, sizeof(show)));
			return;
		}
	if (strcmp(name, SECTION_DEFAULTS)) {
		cs_err_where(p->file, p->line);
		if (cs_ifname_check("section", name)) {
			cs_err_where(NULL, 0);
			return;
		}
		cs_err_where(NULL, 0);
		if (p->nifaces >= CS_CONF_MAX_IFACES) {
			diag(p, p->line, "more than %d interfaces: [%s] and later ones are not read",
			     CS_CONF_MAX_IFACES, name);
			return;
		}
		p->nifaces++;
	}
	if (strlen(name) >= IF_NAMESIZE)	/* cs_ifname_check() said */
		return;
	p->section = p->nsections++;
	memcpy(p->sections[p->section].name, name, strlen(name) + 1);
	p->sections[p->section].file = p->file;
	p->sections[p->section].line = p->line;
	p->sections[p->section].defaults = !strcmp(name, SECTION_DEFAULTS);
}

/* The line just read was significant but inih kept it to itself. */
static void line_done(struct parse *p)
{
	char show[192];

	if (p->significant && !p->handled)
		diag(p, p->line, "'%s' is neither 'key = value' nor a [section]",
		     shown(p->cur, show, sizeof(show)));
	p->significant = false;
}

static char *reader(char *str, int num, void *stream)
{
	struct parse *p = stream;
	const char *raw, *nl;
	size_t n, i;
	char *s, *hash;

	line_done(p);
	if (p->stop || p->off >= p->len)
		return NULL;
	raw = p->buf + p->off;
	nl = memchr(raw, '\n', p->len - p->off);
	n = nl ? (size_t)(nl - raw) : p->len - p->off;
	p->off += n + (nl != NULL);
	p->line++;
	/* A UTF-8 byte-order mark, as some editors write: not text. */
	if (p->line == 1 && n >= 3 && !memcmp(raw, "\xef\xbb\xbf", 3)) {
		raw += 3;
		n -= 3;
	}
	p->dfile = p->file;
	p->dline = p->line;
	for (i = 0; i < n; i++) {
		unsigned char ch = raw[i];

		if ((ch >= 0x20 && ch != 0x7f) || ch == '\t' ||
		    (ch == '\r' && i == n - 1))
			continue;
		diag(p, p->line, "control character 0x%02x: this is not a text file, and none of it is read",
		     ch);
		p->stop = true;
		p->binary = true;
		return NULL;
	}
	if (n && raw[n - 1] == '\r')
		n--;
	str[0] = '\0';
	if (n >= (size_t)num - 1 || n >= sizeof(p->cur)) {
		diag(p, p->line, "the line is longer than %d characters",
		     num - 2);
		return str;
	}
	memcpy(p->cur, raw, n);
	p->cur[n] = '\0';
	/* No continuation lines: indentation means nothing. */
	s = p->cur + strspn(p->cur, " \t");
	memmove(p->cur, s, strlen(s) + 1);
	/* '#' starts a comment at the start or after a blank. */
	for (hash = strchr(p->cur, '#'); hash; hash = strchr(hash + 1, '#'))
		if (hash == p->cur || hash[-1] == ' ' || hash[-1] == '\t') {
			*hash = '\0';
			break;
		}
	if (p->cur[0] == '[')
		note_section(p, p->cur);
	else
		p->significant = p->cur[0] && p->cur[0] != ';' &&
				 strspn(p->cur, " \t") != strlen(p->cur);
	p->handled = false;
	snprintf(str, num, "%s", p->cur);
	return str;
}

/* Config keys only: did the user mean one of those? */
static const struct cs_option *closest_key(const char *name)
{
	const struct cs_option *o, *best = NULL;
	unsigned int d, bestd = 3;

	for (o = cs_spec_opts; o->name; o++) {
		if (!(o->flags & CS_OF_CONFIG))
			continue;
		d = cs_edit_distance(name, o->name);
		if (d < bestd) {
			bestd = d;
			best = o;
		}
	}
	return best;
}

static void unknown_key(struct parse *p, const char *name,
			const struct cs_option *o)
{
	const struct cs_option *near = closest_key(name);
	char show[192];

	if (o && o->key == CS_OPT_AUTO)
		diag(p, p->line, "'auto' is a command-line option: write 'cpus = auto'");
	else if (o && o->name)
		diag(p, p->line, "'%s' is a command-line option only, not a config key",
		     name);
	else if (near)
		diag(p, p->line, "unknown key '%s': did you mean '%s'?",
		     shown(name, show, sizeof(show)), near->name);
	else
		diag(p, p->line, "unknown key '%s' (cpusteer.conf(5) lists the keys)",
		     shown(name, show, sizeof(show)));
}

static int handler(void *user, const char *section, const char *name,
		   const char *value)
{
	struct parse *p = user;
	const struct cs_option *o = cs_opt_find(cs_spec_opts, name);
	struct cs_spec scratch;
	struct entry *e;
	int i;

	char show[192];

	(void)section;	/* ours: inih keeps the last good header */
	p->handled = true;
	if (p->section == -2)
		return 1;	/* under a bad header, said already */
	if (p->section < 0) {
		diag(p, p->line, "'%s' is outside any section: put it under [defaults] or [IFACE]",
		     shown(name, show, sizeof(show)));
		return 1;
	}
	if (!o || !(o->flags & CS_OF_CONFIG)) {
		unknown_key(p, name, o);
		return 1;
	}
	/* filter may repeat: each line adds rules (a line holds ~200
	 * characters).
	 */
	for (i = p->first_entry; o->key != CS_OPT_FILTER && i < p->nent; i++)
		if (p->ent[i].section == p->section && p->ent[i].opt == o) {
			diag(p, p->line, "'%s' is set twice in [%s] (first on line %u)",
			     o->name, p->sections[p->section].name,
			     p->ent[i].line);
			return 1;
		}
	if (p->nent == p->maxent) {
		e = realloc(p->ent, (p->maxent * 2 + 16) * sizeof(*e));
		if (!e) {
			p->stop = true;
			return 0;
		}
		p->ent = e;
		p->maxent = p->maxent * 2 + 16;
	}
	e = &p->ent[p->nent];
	/* The value, checked as the command line checks it. */
	cs_spec_init(&scratch);
	cs_err_where(p->file, p->line);
	if (cs_spec_set(&scratch, o, value, o->name, true) ||
	    (o->type == CS_OT_CPUS && scratch.have_cpus &&
	     cs_cpus_check_online(o->name, &scratch.cfg.cpus))) {
		e->value = NULL;
		p->sections[p->section].bad = true;
	} else if (!(e->value = strdup(value))) {
		return 0;
	}
	cs_err_where(NULL, 0);
	e->file = p->file;
	e->line = p->line;
	e->section = p->section;
	e->opt = o;
	p->nent++;
	return 1;
}

/* Not text: what was read of it before the control character goes too. */
static void forget_file(struct parse *p)
{
	int i;

	for (i = p->first_entry; i < p->nent; i++)
		free(p->ent[i].value);
	p->nent = p->first_entry;
	for (i = p->first_section; i < p->nsections; i++)
		p->nifaces -= !p->sections[i].defaults;
	p->nsections = p->first_section;
}

/* Owned by root, written by nobody else: as sshd asks of its files. */
static void check_owner(struct parse *p, int fd, const char *what)
{
	struct stat st;

	if (fstat(fd, &st)) {
		diag(p, 0, "cannot stat it: %s", strerror(errno));
		return;
	}
	if (st.st_uid != 0)
		diag(p, 0, "the %s is owned by uid %u, not root: cpusteer reads no config that another user could change; fix it with 'chown root %s'",
		     what, st.st_uid, p->file);
	if (st.st_mode & (S_IWGRP | S_IWOTH))
		diag(p, 0, "the %s is writable by %s: cpusteer reads no config that another user could change; fix it with 'chmod go-w %s'",
		     what, st.st_mode & S_IWOTH ? "others" : "its group",
		     p->file);
}

static char *file_name(struct cs_conf *c, const char *path)
{
	if (c->nfiles >= CS_CONF_MAX_FILES)
		return NULL;
	c->files[c->nfiles] = strdup(path);
	return c->files[c->nfiles] ? c->files[c->nfiles++] : NULL;
}

static void read_one(struct parse *p, const char *path, bool main_file)
{
	struct stat st;
	char *buf;
	ssize_t n;
	int fd;

	p->file = file_name(p->c, path);
	p->dfile = p->file;
	p->dline = 0;
	if (!p->file) {
		p->file = "?";
		diag(p, 0, "%s: more than %d config files", path,
		     CS_CONF_MAX_FILES);
		return;
	}
	/* O_NONBLOCK: a FIFO must not hang us before fstat() says what it is. */
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		diag(p, 0, "cannot open it: %s%s", strerror(errno),
		     errno == ENOENT && main_file ?
		     " (cpusteer.conf(5) shows one; make install puts an example there)" : "");
		return;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		diag(p, 0, "not a regular file");
		goto out;
	}
	check_owner(p, fd, "file");
	if (st.st_size > CS_CONF_MAX_BYTES) {
		diag(p, 0, "%lld bytes: a config file may have at most %d",
		     (long long)st.st_size, CS_CONF_MAX_BYTES);
		goto out;
	}
	buf = malloc(st.st_size + 1);
	if (!buf)
		goto out;
	n = read(fd, buf, st.st_size);
	if (n < 0) {
		diag(p, 0, "cannot read it: %s", strerror(errno));
		free(buf);
		goto out;
	}
	p->buf = buf;
	p->len = n;
	p->off = 0;
	p->line = 0;
	p->stop = false;
	p->significant = false;
	p->section = -1;
	p->first_entry = p->nent;
	p->first_section = p->nsections;
	p->binary = false;
	ini_parse_stream(reader, p, handler, p);
	line_done(p);
	if (p->binary)
		forget_file(p);
	free(buf);
	p->buf = NULL;
out:
	close(fd);
}

static int conf_d_filter(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return d->d_name[0] != '.' && n > 5 &&
	       !strcmp(d->d_name + n - 5, ".conf");
}

static int name_order(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

/* PATH's directory's conf.d/NAME.conf, in name order; none is fine. */
static void read_conf_d(struct parse *p, const char *path)
{
	char dir[4096], file[4096 + 256], *copy;
	struct dirent **names;
	const char *dname;
	int i, n, fd, dropped = 0;

	copy = strdup(path);
	if (!copy)
		return;
	snprintf(dir, sizeof(dir), "%s/conf.d", dirname(copy));
	free(copy);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		if (errno != ENOENT) {
			p->file = file_name(p->c, dir) ?: "?";
			diag(p, 0, "cannot open the directory: %s",
			     strerror(errno));
		}
		return;
	}
	p->file = dname = file_name(p->c, dir) ?: "?";
	check_owner(p, fd, "directory");
	close(fd);
	n = scandir(dir, &names, conf_d_filter, name_order);
	if (n < 0) {
		diag(p, 0, "cannot list the directory: %s", strerror(errno));
		return;
	}
	for (i = 0; i < n; i++) {
		snprintf(file, sizeof(file), "%s/%s", dir, names[i]->d_name);
		if (p->c->nfiles < CS_CONF_MAX_FILES) {
			read_one(p, file, false);
		} else if (!dropped++) {
			p->file = dname;
			diag(p, 0, "more than %d files in it: %s and the ones after it are not read",
			     CS_CONF_MAX_FILES - 2, names[i]->d_name);
		}
		free(names[i]);
	}
	free(names);
}

static void apply_entries(struct parse *p, int section, struct cs_spec *s)
{
	const char *rules_file = NULL;	/* a later filter line there adds */
	int i, k;

	for (i = 0; i < p->nent; i++) {
		struct entry *e = &p->ent[i];

		if (e->section != section || !e->value)
			continue;
		k = cs_spec_index(e->opt);
		/* Checked when read; only an override can differ. */
		cs_err_where(e->file, e->line);
		/* filter lines add up within a file; a later file's first
		 * one replaces them, as any key does.
		 */
		cs_spec_set(s, e->opt, e->value, e->opt->name,
			    !(e->opt->key == CS_OPT_FILTER &&
			      rules_file && !strcmp(rules_file, e->file)));
		if (e->opt->key == CS_OPT_FILTER)
			rules_file = e->file;
		cs_err_where(NULL, 0);
		s->file[k] = e->file;
		s->line[k] = e->line;
	}
}

/* Each interface's spec: [defaults], then its own section. */
static void build(struct parse *p)
{
	struct cs_conf *c = p->c;
	struct cs_conf_iface *ifc;
	int i, d, k;

	for (d = 0; d < p->nsections && !p->sections[d].defaults; d++)
		;
	for (i = 0; i < p->nsections; i++) {
		if (p->sections[i].defaults)
			continue;
		ifc = &c->ifs[c->nifs++];
		snprintf(ifc->name, sizeof(ifc->name), "%s", p->sections[i].name);
		ifc->file = p->sections[i].file;
		ifc->line = p->sections[i].line;
		cs_spec_init(&ifc->spec);
		ifc->spec.from_config = true;
		if (d < p->nsections)
			apply_entries(p, d, &ifc->spec);
		apply_entries(p, i, &ifc->spec);
		/* Errors that concern no one key: at the section header. */
		p->dfile = ifc->file;
		p->dline = ifc->line;
		/* With a value refused, what they mean together is moot. */
		if (!p->sections[i].bad &&
		    (d == p->nsections || !p->sections[d].bad))
			cs_spec_check(&ifc->spec, ifc->name);
		sink_missing = true;
		ifc->missing = cs_iface_resolve(ifc->name, &ifc->ifindex) != 0;
		sink_missing = false;
		/* An altname reaches a device another section names. */
		for (k = 0; !ifc->missing && k < c->nifs - 1; k++)
			if (!c->ifs[k].missing &&
			    c->ifs[k].ifindex == ifc->ifindex) {
				p->file = ifc->file;
				diag(p, ifc->line,
				     "[%s] is the interface [%s] names (%s:%u), ifindex %u: give each interface one section",
				     ifc->name, c->ifs[k].name, c->ifs[k].file,
				     c->ifs[k].line, ifc->ifindex);
				c->nifs--;
				ifc = NULL;
				break;
			}
		if (ifc && !ifc->missing)
			cs_check_hw_hash(ifc->name, ifc->ifindex, &ifc->spec);
	}
}

int cs_conf_load(const char *path, struct cs_conf *c)
{
	struct parse *p;
	int i;

	memset(c, 0, sizeof(*c));
	path = path ?: CS_CONF_PATH;
	p = calloc(1, sizeof(*p));
	c->diags = calloc(CS_CONF_MAX_DIAGS, sizeof(*c->diags));
	c->ifs = calloc(CS_CONF_MAX_IFACES, sizeof(*c->ifs));
	if (!p || !c->diags || !c->ifs) {
		free(p);
		return -ENOMEM;
	}
	p->c = c;
	cs_err_sink(sink, p);
	read_one(p, path, true);
	read_conf_d(p, path);
	build(p);
	/* An emptied file must not quietly detach everything. */
	if (!c->nifs && !c->errors) {
		p->file = c->files[0];
		diag(p, 0, "no [IFACE] section: nothing to steer (to stop steering: 'cpusteer detach --managed')");
	}
	cs_err_sink(NULL, NULL);
	for (i = 0; i < p->nent; i++)
		free(p->ent[i].value);
	free(p->ent);
	free(p);
	return 0;
}

void cs_conf_print(const struct cs_conf *c, FILE *f)
{
	int i;

	for (i = 0; i < c->ndiags; i++) {
		if (c->diags[i].line)
			fprintf(f, "%s:%u: %s\n", c->diags[i].file,
				c->diags[i].line, c->diags[i].msg);
		else
			fprintf(f, "%s: %s\n", c->diags[i].file,
				c->diags[i].msg);
	}
	if (c->dropped)
		fprintf(f, "(and %d more)\n", c->dropped);
}

struct json_object *cs_conf_json(const struct cs_conf *c)
{
	struct json_object *o = json_object_new_object();
	struct json_object *files = json_object_new_array();
	struct json_object *errs = json_object_new_array();
	struct json_object *ifs = json_object_new_array();
	char cpus[256];
	int i;

	for (i = 0; i < c->nfiles; i++)
		json_object_array_add(files, json_object_new_string(c->files[i]));
	for (i = 0; i < c->ndiags; i++) {
		struct json_object *d = json_object_new_object();

		json_object_object_add(d, "file",
				       json_object_new_string(c->diags[i].file));
		json_object_object_add(d, "line",
				       json_object_new_int(c->diags[i].line));
		json_object_object_add(d, "message",
				       json_object_new_string(c->diags[i].msg));
		json_object_object_add(d, "missing_interface",
				       json_object_new_boolean(c->diags[i].missing));
		json_object_array_add(errs, d);
	}
	for (i = 0; i < c->nifs; i++) {
		const struct cs_conf_iface *f = &c->ifs[i];
		struct json_object *j = json_object_new_object();

		cs_cpulist_format(&f->spec.cfg.cpus, cpus, sizeof(cpus));
		json_object_object_add(j, "name", json_object_new_string(f->name));
		json_object_object_add(j, "present",
				       json_object_new_boolean(!f->missing));
		json_object_object_add(j, "cpus", json_object_new_string(
				       f->spec.automatic && !f->spec.have_cpus ?
				       "auto" : cpus));
		json_object_array_add(ifs, j);
	}
	json_object_object_add(o, "valid",
			       json_object_new_boolean(!c->errors && !c->missing));
	json_object_object_add(o, "files", files);
	json_object_object_add(o, "errors", errs);
	json_object_object_add(o, "dropped", json_object_new_int(c->dropped));
	json_object_object_add(o, "interfaces", ifs);
	return o;
}

void cs_conf_free(struct cs_conf *c)
{
	int i;

	for (i = 0; i < c->nfiles; i++)
		free(c->files[i]);
	free(c->diags);
	free(c->ifs);
	memset(c, 0, sizeof(*c));
}
