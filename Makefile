# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# make            build the BPF objects, skeletons and the cpusteer loader
# make check      install what is missing, build, run the selftests (root)
# make demo       install what is missing, run cpusteer on a veth testbed
# make bench      side-by-side benchmarks into BENCHMARKS.md (not in check)
# make vmtest     the selftests in a TCG VM on Debian's 6.1 kernel (root;
#                 VMTEST_ARGS='--cpus 16 --numa 2', see scripts/vmtest -h)
# make install    honours PREFIX, DESTDIR and SYSCONFDIR; make uninstall
# V=1 shows the full commands.

OUTPUT   ?= build
PREFIX   ?= /usr/local
DESTDIR  ?=
SYSCONFDIR ?= /etc
BINDIR   := $(PREFIX)/sbin
MANDIR   := $(PREFIX)/share/man
UNITDIR  ?= $(PREFIX)/lib/systemd/system
COMPDIR  ?= $(PREFIX)/share/bash-completion/completions

CLANG    ?= $(firstword $(shell command -v clang-19 clang 2>/dev/null))
BPFTOOL  ?= bpftool
CC       ?= gcc
ARCH     := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
MULTIARCH := $(shell $(CC) -dumpmachine 2>/dev/null)

# BPF side: the uapi headers come from the host's multiarch include dir.
BPF_CFLAGS := -g -O2 -target bpf -mcpu=v3 -D__TARGET_ARCH_$(ARCH) -Wall -Werror \
	      -Iinclude -Ibpf -I/usr/include/$(MULTIARCH)
CFLAGS   ?= -O2 -g
# loader/: cmd (the commands), ctl (the control plane: attachments,
# steering objects, pins, config, IRQs, planning, topology), traffic (the
# generator, frame builder, pcap, sequence tracking), util (log, options).
LOADER_DIRS := cmd ctl traffic util
CFLAGS   += -Wall -Wextra -Wno-missing-field-initializers -Werror -std=gnu11 \
	    -Iinclude -I$(OUTPUT) \
	    $(addprefix -Iloader/,$(LOADER_DIRS)) \
	    $(shell pkg-config --cflags json-c 2>/dev/null) \
	    -DCS_SYSCONFDIR='"$(SYSCONFDIR)"'
LDLIBS   := -lbpf -lelf -lz -lpcap -ljson-c -lhwloc -lmnl -linih -lncursesw -lm

BPF_OBJS   := $(OUTPUT)/cpusteer.bpf.o $(OUTPUT)/ref_redirect.bpf.o \
	      $(OUTPUT)/seqcount.bpf.o \
	      $(OUTPUT)/gen.bpf.o $(OUTPUT)/stats_read.bpf.o
SKELS      := $(BPF_OBJS:.bpf.o=.skel.h)
LOADER_OBJS := $(patsubst loader/%.c,$(OUTPUT)/loader/%.o,$(wildcard loader/*/*.c))
LIB_OBJS   := $(filter-out $(OUTPUT)/loader/cmd/main.o,$(LOADER_OBJS))
HEADERS    := $(wildcard include/*.h bpf/lib/*.h loader/*/*.h)

ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

.PHONY: all check demo bench install uninstall clean deps vmtest vmtest-deps
.SECONDARY:
all: $(OUTPUT)/cpusteer $(OUTPUT)/libcpusteer.a

$(OUTPUT):
	$(Q)mkdir -p $@

$(OUTPUT)/%.bpf.o: bpf/%.bpf.c $(HEADERS) | $(OUTPUT)
	$(call msg,BPF,$@)
	$(Q)test -n "$(CLANG)" || { echo "no clang: run scripts/install-deps.sh" >&2; exit 1; }
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(OUTPUT)/%.skel.h: $(OUTPUT)/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $(subst -,_,$*)_bpf > $@.tmp && mv $@.tmp $@

# Every loader object may include a skeleton: build those first.
$(OUTPUT)/loader/%.o: loader/%.c $(HEADERS) $(SKELS) | $(OUTPUT)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(OUTPUT)/libcpusteer.a: $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(OUTPUT)/cpusteer: $(LOADER_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $^ -o $@ $(LDFLAGS) $(LDLIBS)

deps:
	$(Q)scripts/install-deps.sh

check: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)$(MAKE) --no-print-directory -C selftests run_tests

demo: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)$(MAKE) --no-print-directory -C selftests all
	$(Q)scripts/demo.sh

bench: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)$(MAKE) --no-print-directory -C selftests all
	$(Q)scripts/bench

vmtest-deps:
	$(Q)scripts/install-deps.sh --vm

# The guest's root is the host's, read-only: build everything here first.
vmtest: vmtest-deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)$(MAKE) --no-print-directory -C selftests all
	$(Q)scripts/vmtest $(VMTEST_ARGS)

# The example config is installed only where there is none: an update
# never overwrites a sysadmin's. The unit gets this install's paths.
install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man8 \
		$(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(UNITDIR) \
		$(DESTDIR)$(COMPDIR) $(DESTDIR)$(SYSCONFDIR)/cpusteer/conf.d
	install -m 0755 $(OUTPUT)/cpusteer $(DESTDIR)$(BINDIR)/cpusteer
	install -m 0644 docs/cpusteer.8 $(DESTDIR)$(MANDIR)/man8/cpusteer.8
	install -m 0644 docs/cpusteer.conf.5 $(DESTDIR)$(MANDIR)/man5/cpusteer.conf.5
	sed -e 's|@SBINDIR@|$(BINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' \
		etc/cpusteer.service > $(DESTDIR)$(UNITDIR)/cpusteer.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/cpusteer.service
	install -m 0644 etc/cpusteer.bash $(DESTDIR)$(COMPDIR)/cpusteer
	test -e $(DESTDIR)$(SYSCONFDIR)/cpusteer/cpusteer.conf || \
		install -m 0644 etc/cpusteer.conf $(DESTDIR)$(SYSCONFDIR)/cpusteer/cpusteer.conf

# The config stays: it is the sysadmin's.
uninstall:
	rm -f $(DESTDIR)$(BINDIR)/cpusteer $(DESTDIR)$(MANDIR)/man8/cpusteer.8 \
		$(DESTDIR)$(MANDIR)/man5/cpusteer.conf.5 \
		$(DESTDIR)$(UNITDIR)/cpusteer.service $(DESTDIR)$(COMPDIR)/cpusteer

clean:
	$(Q)rm -rf $(OUTPUT)
	$(Q)$(MAKE) --no-print-directory -C selftests clean
