# herd — build, test, bench, install.
#
# Sources are found by wildcard: a new module is a new .c/.h pair in its
# folder, a new unit test is tests/unit/test_<module>.c, a new integration
# suite is tests/integration/<NN>-<name>.sh, a new benchmark is
# tests/bench/<NN>-<name>.sh.  Debian packages the build, tests and benches
# need are listed in deps.txt (one per line) and installed by `make deps`.

# Where `make install` puts things (DESTDIR for staging, as packages do).
PREFIX  ?= /usr/local
DESTDIR ?=
BINDIR  ?= $(PREFIX)/bin
MANDIR  ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR  ?= $(PREFIX)/share/zsh/$(if $(filter /usr,$(PREFIX)),vendor-completions,site-functions)
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
CC      ?= cc
PKG_CONFIG ?= pkg-config
PKGS     = libvirt yaml-0.1 libcurl libssh libarchive libcrypto
PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)

# CPPFLAGS, CFLAGS and LDFLAGS are the builder's (dpkg-buildflags passes
# hardening through them); the warnings and the language are herd's.
WARN     = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
CFLAGS  ?= -O2 -g
CPPFLAGS ?=
LDFLAGS ?=
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE $(WARN) -I. -Ibuild/gen $(PKG_CFLAGS) $(CPPFLAGS) $(CFLAGS)
LDLIBS   = $(PKG_LIBS) -lpthread
SAN      = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

LIB_SRC  = $(filter-out orchestrator/cli/main.c,$(wildcard common/*.c plans/*.c templates/*.c seed/*.c orchestrator/*/*.c))
TMPL     = $(sort $(wildcard templates/*.tmpl))
GEN_SRC  = build/gen/tmpl_data.c
OBJ      = $(LIB_SRC:%.c=build/obj/%.o) build/obj/gen/tmpl_data.o
SAN_OBJ  = $(LIB_SRC:%.c=build/san/%.o) build/san/gen/tmpl_data.o
UNIT_SRC = $(wildcard tests/unit/test_*.c)
UNIT_BIN = $(UNIT_SRC:tests/unit/%.c=build/san/tests/%)
FUZZ_SRC = $(wildcard tests/fuzz/*.c)
FUZZ_BIN = $(FUZZ_SRC:tests/fuzz/%.c=build/san/fuzz/%)
HERD     = build/herd
V       ?= 0
Q        = $(if $(filter 1,$(V)),,@)

.PHONY: all check unit golden examples integration bench install deb deps clean demo demo-clean e2e layering sizes fuzz-long
all: $(HERD)

# Built-in templates are compiled in as C strings (templates/tmpl_embed.sh).
$(GEN_SRC): $(TMPL) templates/tmpl_embed.sh
	@mkdir -p $(@D)
	sh templates/tmpl_embed.sh $(TMPL) > $@.tmp && mv $@.tmp $@

build/obj/gen/tmpl_data.o: $(GEN_SRC)
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@
build/san/gen/tmpl_data.o: $(GEN_SRC)
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) $(SAN) -MMD -MP -c $< -o $@

build/obj/%.o: %.c
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@
build/san/%.o: %.c
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) $(SAN) -MMD -MP -c $< -o $@

build/libherd.a: $(OBJ)
	@rm -f $@
	$(Q)ar rcs $@ $^
build/libherd-san.a: $(SAN_OBJ)
	@rm -f $@
	$(Q)ar rcs $@ $^

$(HERD): build/obj/orchestrator/cli/main.o build/libherd.a
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)
build/herd-san: build/san/orchestrator/cli/main.o build/libherd-san.a
	$(Q)$(CC) $(ALL_CFLAGS) $(SAN) $(LDFLAGS) -o $@ $^ $(LDLIBS)

build/san/tests/%: tests/unit/%.c tests/unit/testutil.h build/libherd-san.a
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) $(SAN) $(LDFLAGS) -Itests/unit -o $@ $< build/libherd-san.a $(LDLIBS) -lcmocka
build/san/fuzz/%: tests/fuzz/%.c tests/fuzz/fuzz_run.h build/libherd-san.a
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) $(SAN) $(LDFLAGS) -o $@ $< build/libherd-san.a $(LDLIBS)

# The README's test command: every suite, the end-to-end one with real
# cloud-init guests included.  A failing suite does not stop the others;
# check fails if any failed.
check: $(HERD) build/herd-san $(UNIT_BIN) $(FUZZ_BIN)
	@rc=0; \
	{ python3 tools/layering.py --self-test && python3 tools/layering.py; } || rc=1; \
	sh tests/run-suite.sh unit $(UNIT_BIN) || rc=1; \
	sh tests/run-suite.sh golden tests/golden/run.sh || rc=1; \
	sh tests/run-suite.sh integration $(sort $(wildcard tests/integration/*.sh)) || rc=1; \
	sh tests/run-suite.sh e2e $(sort $(wildcard tests/e2e/*.sh)) || rc=1; \
	exit $$rc

# The dependency direction between source folders, from the #include
# lines (tools/layering.py says the rule); its self-test first proves that
# planted violations are caught.
layering:
	python3 tools/layering.py --self-test
	python3 tools/layering.py

# No file over 700 lines, no function over 80, in orchestrator/.
sizes:
	python3 tools/sizes.py orchestrator

unit: $(UNIT_BIN)
	sh tests/run-suite.sh unit $(UNIT_BIN)

golden: build/herd-san
	sh tests/run-suite.sh golden tests/golden/run.sh

integration: $(HERD)
	sh tests/run-suite.sh integration $(sort $(wildcard tests/integration/*.sh))

e2e: $(HERD)
	sh tests/run-suite.sh e2e $(sort $(wildcard tests/e2e/*.sh))

bench: $(HERD)
	sh tests/run-suite.sh bench $(sort $(wildcard tests/bench/*.sh))

# The fuzzers at length: a million fleet files and a million templates
# (FUZZ_LONG_N), each run with a fresh seed unless FUZZ_SEED is given, in
# FUZZ_JOBS workers, every input bounded in time and memory
# (tests/fuzz/fuzz_run.h).  make check runs a few seconds of each.
FUZZ_LONG_N ?= 1000000
FUZZ_JOBS   ?= 2
fuzz-long: $(FUZZ_BIN)
	build/san/fuzz/fuzz_fleet -n $(FUZZ_LONG_N) -t 86400 -j $(FUZZ_JOBS) -T 10 -M 1024 \
		$(if $(FUZZ_SEED),-s $(FUZZ_SEED))
	build/san/fuzz/fuzz_mustache -n $(FUZZ_LONG_N) -t 86400 -j $(FUZZ_JOBS) -T 10 -M 1024 \
		$(if $(FUZZ_SEED),-s $(FUZZ_SEED))

# A real fleet from nothing: deps, herd, the guest image, a libvirtd (the
# running one, or a private one in a network namespace), quickstart up.
demo: deps $(HERD)
	bash tools/demo.sh up

demo-clean: $(HERD)
	bash tools/demo.sh clean

# Pieces other work adds, each installed when the tree has it (the Debian
# package follows, debian/rules lists none of them): bash and zsh
# completion, and systemd units in doc/ (the gc service and timer).  A
# generated completion script: name it here and give it a rule (install
# builds it first).  A unit may say @BINDIR@ (ExecStart=@BINDIR@/herd gc):
# install writes the real folder.
BASH_COMPLETION = $(wildcard doc/herd.bash-completion)
ZSH_COMPLETION  = $(wildcard doc/_herd)
SYSTEMD_UNITS   = $(wildcard doc/*.service doc/*.timer)

install: $(HERD) $(BASH_COMPLETION) $(ZSH_COMPLETION)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1
	install -m 0755 $(HERD) $(DESTDIR)$(BINDIR)/herd
	install -m 0644 doc/herd.1 $(DESTDIR)$(MANDIR)/man1/herd.1
ifneq ($(BASH_COMPLETION),)
	install -d $(DESTDIR)$(BASHCOMPDIR)
	install -m 0644 $(BASH_COMPLETION) $(DESTDIR)$(BASHCOMPDIR)/herd
endif
ifneq ($(ZSH_COMPLETION),)
	install -d $(DESTDIR)$(ZSHCOMPDIR)
	install -m 0644 $(ZSH_COMPLETION) $(DESTDIR)$(ZSHCOMPDIR)/_herd
endif
ifneq ($(SYSTEMD_UNITS),)
	install -d $(DESTDIR)$(SYSTEMDUNITDIR)
	for u in $(SYSTEMD_UNITS); do \
	    d=$(DESTDIR)$(SYSTEMDUNITDIR)/$${u##*/}; \
	    sed 's|@BINDIR@|$(BINDIR)|g' $$u >$$d && chmod 0644 $$d || exit 1; \
	done
endif

# The Debian package: build/deb/herd_VERSION_ARCH.deb and its source
# package, built with dpkg-buildpackage from a copy of the tree
# (tools/deb.sh says why and how).
deb:
	sh tools/deb.sh build/deb

# Installs every Debian package the build, the tests and the benchmarks
# need.  Safe to run twice (apt-get skips what is installed).
deps:
	DEBIAN_FRONTEND=noninteractive apt-get update -q
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$(grep -v '^#' deps.txt)

clean:
	rm -rf build

-include $(shell find build -name '*.d' 2>/dev/null)
