# shiftmount — make alone, no generator.  See README.md.
#
#   make                 build everything into $(BUILD) (default: build/)
#   make check           install missing packages, build, run every test
#   make demo            install missing packages, build, show the main job
#   make check-fresh     make demo and make check in a fresh Debian 12 root
#   make install         PREFIX=/usr/local DESTDIR=
#   make SANITIZE=1 BUILD=build-asan    ASan+UBSan build
#
# Sources are picked up by wildcard: a new file under src/lib/ joins the
# library, one under src/cli/ the shiftmount binary, tests/unit/test-*.c
# become unit test programs, tests/helpers/*.c and tests/integration/*.c
# test programs, and the files of a directory tests/helpers/NAME/*.c one
# test program NAME.  src/oci-hook/ is shiftmount-oci-hook; tests/static/*.c
# are static programs the OCI tests copy into a container's root.

PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
SBINDIR    ?= $(PREFIX)/sbin
LIBDIR     ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
MANDIR     ?= $(PREFIX)/share/man
UNITDIR    ?= $(PREFIX)/lib/systemd/system
MOUNTHELPERDIR ?= /sbin
HOOKSDIR   ?= $(PREFIX)/share/containers/oci/hooks.d
DESTDIR    ?=

BUILD      ?= build
CC         ?= gcc
SANITIZE   ?= 0

VERSION    := 0.1.0
SOVERSION  := 0

# The compiler flags of json-c and fuse3 come from pkg-config, asked only by
# a make that compiles: `make check` and `make demo` install the missing
# packages first (scripts/install-deps) and then build in a sub-make, which
# reads this anew.  A package still missing stops the build naming it.
NO_BUILD_GOALS := deps check demo check-fresh clean format fuzz
ifneq ($(filter-out $(NO_BUILD_GOALS),$(or $(MAKECMDGOALS),all)),)
ifeq ($(shell command -v pkg-config),)
$(error pkg-config is not installed: install the Debian package pkg-config (scripts/install-deps installs all the build needs))
endif
need_pkg = $(if $(shell pkg-config --exists $(1) && echo y),,$(error $(1) not found by pkg-config: install the Debian package $(2) (scripts/install-deps installs all the build needs)))
$(call need_pkg,json-c,libjson-c-dev)
$(call need_pkg,fuse3,libfuse3-dev)
PKG_CFLAGS := $(shell pkg-config --cflags json-c fuse3)
JSON_LIBS  := $(shell pkg-config --libs json-c)
FUSE_LIBS  := $(shell pkg-config --libs fuse3)
endif

WARN     := -Wall -Wextra -Werror -Wno-unused-parameter -Wno-missing-field-initializers -Wshadow -Wformat=2 \
            -Wmissing-prototypes -Wstrict-prototypes
CFLAGS   ?= -O2 -g
ifeq ($(SANITIZE),1)
CFLAGS   := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
            -fno-sanitize-recover=undefined
LDFLAGS  += -fsanitize=address,undefined
endif
ALL_CFLAGS := -std=gnu11 $(WARN) -D_GNU_SOURCE -D_FILE_OFFSET_BITS=64 \
              -DSM_VERSION=\"$(VERSION)\" -Iinclude -Isrc/lib $(PKG_CFLAGS) \
              -fPIC -MMD -MP $(CFLAGS)

LIB_SRC     := $(sort $(wildcard src/lib/*.c))
CLI_SRC     := $(sort $(wildcard src/cli/*.c))
DAEMON_SRC  := $(sort $(wildcard src/daemon/*.c))
FUSE_SRC    := $(sort $(wildcard src/fuse/*.c))
MSHIFT_SRC  := $(sort $(wildcard src/mount.shift/*.c))
HOOK_SRC    := $(sort $(wildcard src/oci-hook/*.c))
UNIT_SRC    := $(sort $(wildcard tests/unit/test-*.c))
HELPER_SRC  := $(sort $(wildcard tests/helpers/*.c))
HELPER_DIRS := $(sort $(patsubst %/,%,$(dir $(wildcard tests/helpers/*/*.c))))
ITEST_SRC   := $(sort $(wildcard tests/integration/*.c))
STATIC_SRC  := $(sort $(wildcard tests/static/*.c))

obj = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))

LIB_A    := $(BUILD)/libshiftmount.a
LIB_SO   := $(BUILD)/libshiftmount.so.$(VERSION)
PROGRAMS := $(BUILD)/bin/shiftmount $(BUILD)/bin/shiftmountd $(BUILD)/bin/shiftfs-fuse \
            $(BUILD)/bin/mount.shift $(BUILD)/bin/shiftmount-oci-hook
UNIT_BIN   := $(patsubst tests/unit/%.c,$(BUILD)/tests/unit/%,$(UNIT_SRC))
HELPER_BIN := $(patsubst tests/helpers/%.c,$(BUILD)/tests/helpers/%,$(HELPER_SRC))
MULTI_BIN  := $(patsubst tests/helpers/%,$(BUILD)/tests/helpers/%,$(HELPER_DIRS))
ITEST_BIN  := $(patsubst tests/integration/%.c,$(BUILD)/tests/integration/%,$(ITEST_SRC))
STATIC_BIN := $(patsubst tests/static/%.c,$(BUILD)/tests/static/%,$(STATIC_SRC))

.PHONY: all deps check check-fresh demo install uninstall clean format tests fuzz
# Keep the objects of test programs (they are intermediate to make).
.SECONDARY:
all: $(LIB_A) $(LIB_SO) $(PROGRAMS)
tests: all $(UNIT_BIN) $(HELPER_BIN) $(MULTI_BIN) $(ITEST_BIN) $(STATIC_BIN)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(LIB_A): $(call obj,$(LIB_SRC))
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(LIB_SO): $(call obj,$(LIB_SRC)) src/lib/libshiftmount.sym
	$(CC) -shared -Wl,-soname,libshiftmount.so.$(SOVERSION) \
	  -Wl,--version-script=src/lib/libshiftmount.sym $(LDFLAGS) \
	  -o $@ $(call obj,$(LIB_SRC)) $(JSON_LIBS)
	ln -sf libshiftmount.so.$(VERSION) $(BUILD)/libshiftmount.so.$(SOVERSION)
	ln -sf libshiftmount.so.$(SOVERSION) $(BUILD)/libshiftmount.so

# The tools link the library statically, so a build tree runs as it is and
# an installed tool does not depend on the installed .so's version.
$(BUILD)/bin/shiftmount: $(call obj,$(CLI_SRC)) $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(JSON_LIBS)
$(BUILD)/bin/shiftmountd: $(call obj,$(DAEMON_SRC)) $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(JSON_LIBS)
$(BUILD)/bin/shiftfs-fuse: $(call obj,$(FUSE_SRC)) $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(FUSE_LIBS) $(JSON_LIBS) -lpthread
$(BUILD)/bin/mount.shift: $(call obj,$(MSHIFT_SRC)) $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(JSON_LIBS)

$(BUILD)/bin/shiftmount-oci-hook: $(call obj,$(HOOK_SRC)) $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(JSON_LIBS)

$(BUILD)/tests/%: $(BUILD)/obj/tests/%.o $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(JSON_LIBS) -lpthread

# The test programs that are FUSE servers.
$(BUILD)/tests/helpers/fuse-%: $(BUILD)/obj/tests/helpers/fuse-%.o $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(FUSE_LIBS) -lpthread

# Programs the OCI tests copy into a container's minimal root: static, and
# without the sanitizers (they do not link statically).
$(BUILD)/tests/static/%: tests/static/%.c
	@mkdir -p $(dir $@)
	$(CC) -static -O2 -Wall -Werror -o $@ $<

# A helper made of a directory's files: every tests/helpers/NAME/*.c.
.SECONDEXPANSION:
$(MULTI_BIN): $(BUILD)/tests/helpers/%: $$(call obj,$$(wildcard tests/helpers/%/*.c)) $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(JSON_LIBS) -lpthread

include tests/fuzz/fuzz.mk

deps:
	@scripts/install-deps

check: deps
	$(MAKE) tests
	$(MAKE) tests BUILD=build-asan SANITIZE=1
	tests/check build build-asan

demo: deps
	$(MAKE) all
	scripts/demo $(BUILD)

# make demo and make check in a fresh Debian 12 root; see scripts/check-fresh.
check-fresh:
	scripts/check-fresh

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SBINDIR) $(DESTDIR)$(LIBDIR)/pkgconfig \
	  $(DESTDIR)$(INCLUDEDIR)/shiftmount $(DESTDIR)$(MANDIR)/man1 \
	  $(DESTDIR)$(MANDIR)/man3 $(DESTDIR)$(MANDIR)/man8
	install -m 0755 $(BUILD)/bin/shiftmount $(BUILD)/bin/shiftfs-fuse \
	  $(BUILD)/bin/shiftmount-oci-hook $(DESTDIR)$(BINDIR)/
	install -d $(DESTDIR)$(HOOKSDIR)
	sed 's|@BINDIR@|$(BINDIR)|' data/shiftmount-oci-hook.json > $(DESTDIR)$(HOOKSDIR)/shiftmount.json
	install -m 0755 $(BUILD)/bin/shiftmountd $(DESTDIR)$(SBINDIR)/
	install -d $(DESTDIR)$(MOUNTHELPERDIR)
	install -m 0755 $(BUILD)/bin/mount.shift $(DESTDIR)$(MOUNTHELPERDIR)/
	install -m 0644 $(LIB_A) $(DESTDIR)$(LIBDIR)/
	install -m 0755 $(LIB_SO) $(DESTDIR)$(LIBDIR)/
	ln -sf libshiftmount.so.$(VERSION) $(DESTDIR)$(LIBDIR)/libshiftmount.so.$(SOVERSION)
	ln -sf libshiftmount.so.$(SOVERSION) $(DESTDIR)$(LIBDIR)/libshiftmount.so
	install -m 0644 include/shiftmount.h $(DESTDIR)$(INCLUDEDIR)/
	install -m 0644 include/shiftmount/*.h $(DESTDIR)$(INCLUDEDIR)/shiftmount/
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
	    -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' -e 's|@VERSION@|$(VERSION)|' \
	    src/lib/libshiftmount.pc.in > $(DESTDIR)$(LIBDIR)/pkgconfig/libshiftmount.pc
	for m in man/*.[138]; do \
	  [ -e "$$m" ] || continue; s=$${m##*.}; \
	  install -m 0644 $$m $(DESTDIR)$(MANDIR)/man$$s/; done
	if ls data/*.service data/*.socket >/dev/null 2>&1; then \
	  install -d $(DESTDIR)$(UNITDIR); \
	  sed 's|@SBINDIR@|$(SBINDIR)|' data/shiftmountd.service > $(DESTDIR)$(UNITDIR)/shiftmountd.service; \
	  install -m 0644 data/shiftmountd.socket $(DESTDIR)$(UNITDIR)/; fi

clean:
	rm -rf build build-asan build-*

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

fuzz:
	@scripts/install-deps --fuzz
	tests/fuzz/run

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
