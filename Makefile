SHELL := /bin/bash
# Liaison: build, run and test.  See README.md.

NGX_SRC    ?= /usr/share/nginx/src
BUILD      := $(CURDIR)/build
MODULE_SO  := $(BUILD)/ngx_http_liaison_module.so
CC         ?= cc
CFLAGS     ?= -O2 -g -Wall -Wextra -Werror
CORE_DIR   := ngx_liaison_module/core
CORE_SRCS  := $(wildcard $(CORE_DIR)/*.c)
CORE_HDRS  := $(wildcard $(CORE_DIR)/*.h)
MOD_SRCS   := $(wildcard ngx_liaison_module/*.c ngx_liaison_module/*.h) \
              $(CORE_SRCS) $(CORE_HDRS) config
TOOL_LIBS  := -lcrypto -lcrypt -lpcre2-8
WORKER_SRCS := $(wildcard worker/*.c)
# the part of the core the worker uses
WORKER_CORE := $(addprefix $(CORE_DIR)/lsn_,calendar.c ladder.c sql.c \
               text.c wxmsg.c kpi.c outbox.c labels.c supervision.c duty.c)
WORKER_LIBS := -lmariadb -lcurl -lyajl -lcrypto -lcrypt -lxlsxwriter -pthread
# the build in liaison_worker_info and --version (debian/rules sets it)
LIAISON_BUILD ?= $(shell git describe --always --dirty 2>/dev/null \
                   || echo unknown)
# one object per file: build/worker/ and build/worker/core/
WORKER_OBJS := $(patsubst worker/%.c,$(BUILD)/worker/%.o,$(WORKER_SRCS)) \
               $(patsubst $(CORE_DIR)/%.c,$(BUILD)/worker/core/%.o,\
                   $(WORKER_CORE))
WORKER_CFLAGS = $(CFLAGS) -MMD -MP -I$(CORE_DIR) -Iworker \
                -I/usr/include/mariadb
PROVE_JOBS ?= 2
# the schema version this build expects: the highest sql/NNN_name.sql
SQL_MIGRATIONS := $(wildcard sql/[0-9]*_*.sql)
SCHEMA_VERSION := $(shell ls sql | sed -n 's/^0*\([0-9][0-9]*\)_.*\.sql$$/\1/p' \
                    | sort -n | tail -1)

.PHONY: all deps module tools worker unit unit-asan fuzz fuzz-smoke itest \
        test run stop \
        cycles cycles-module cycles-worker bench bench-worker bench-litigant \
        bench-worklist clean browser-deps deb deb-test

all: module tools worker

deps:
	@scripts/deps.sh

$(BUILD)/Makefile: config $(SQL_MIGRATIONS)
	@mkdir -p $(BUILD)
	cd $(NGX_SRC) && . ./conf_flags && ./configure \
	    --with-cc-opt="-g -O2 -fPIC -Wall -Werror" \
	    "$${NGX_CONF_FLAGS[@]}" \
	    --add-dynamic-module=$(CURDIR) --builddir=$(BUILD) >$(BUILD)/configure.log \
	    || { tail -20 $(BUILD)/configure.log; exit 1; }

$(MODULE_SO): $(BUILD)/Makefile $(MOD_SRCS)
	$(MAKE) -f $(BUILD)/Makefile -C $(NGX_SRC) modules
	@touch $@

module: $(MODULE_SO)

$(BUILD)/bin/liaison-admin: tools/liaison-admin.c $(CORE_SRCS) $(CORE_HDRS)
	@mkdir -p $(BUILD)/bin
	$(CC) $(CFLAGS) -I$(CORE_DIR) -o $@ tools/liaison-admin.c $(CORE_SRCS) \
	    $(TOOL_LIBS)

tools: $(BUILD)/bin/liaison-admin

# the companion daemon (docs/worker.md); headers are followed through the
# .d files the compiler writes (-MMD)
$(BUILD)/worker/%.o: worker/%.c
	@mkdir -p $(@D)
	$(CC) $(WORKER_CFLAGS) $(WORKER_DEFS) -c -o $@ $<

$(BUILD)/worker/core/%.o: $(CORE_DIR)/%.c
	@mkdir -p $(@D)
	$(CC) $(WORKER_CFLAGS) -c -o $@ $<

# the schema version this build expects: lw_ops.c checks it
$(BUILD)/worker/lw_ops.o: $(SQL_MIGRATIONS)
$(BUILD)/worker/lw_ops.o: WORKER_DEFS = -DLW_SCHEMA_VERSION=$(SCHEMA_VERSION) \
    -DLW_BUILD='"$(LIAISON_BUILD)"'
$(BUILD)/worker/liaison_worker.o: WORKER_DEFS = -DLW_BUILD='"$(LIAISON_BUILD)"'

$(BUILD)/bin/liaison-worker: $(WORKER_OBJS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $(WORKER_OBJS) $(WORKER_LIBS)

worker: $(BUILD)/bin/liaison-worker

-include $(wildcard $(BUILD)/worker/*.d $(BUILD)/worker/core/*.d)

# no dependency cycle between object files (scripts/cycles.pl); every file
# of the module may name its ngx_module_t variables
cycles: cycles-module cycles-worker

cycles-module: module
	@scripts/cycles.pl --exempt=ngx_http_liaison_module \
	    --exempt=ngx_http_liaison_metrics_module \
	    $(BUILD)/addon/ngx_liaison_module/*.o $(BUILD)/addon/core/*.o
	@echo "cycles: module: none"

cycles-worker: worker
	@scripts/cycles.pl $(WORKER_OBJS)
	@echo "cycles: worker: none"

unit:
	$(MAKE) -C tests run

unit-asan:
	$(MAKE) -C tests asan

# libFuzzer harnesses of the core (tests/fuzz/): each for FUZZ_SECONDS
# (default 300) in turn; fuzz-smoke is the short, seeded run of make test
fuzz:
	$(MAKE) -C tests/fuzz fuzz

fuzz-smoke:
	$(MAKE) -C tests/fuzz smoke

itest: module tools worker
	prove -j$(PROVE_JOBS) -I t/lib t/

test: deps
	$(MAKE) unit
	$(MAKE) unit-asan
	$(MAKE) fuzz-smoke
	$(MAKE) cycles
	$(MAKE) browser-deps
	@# CI builds the packages too: t/700-packages.t runs them as installed
	@if [ "$${CI:-}" = true ]; then $(MAKE) deb; fi
	$(MAKE) itest

# playwright-core for the browser tests (t/390-browser.t), from the lock
# file: only when missing or when the lock file changed
browser-deps: t/browser/node_modules/.package-lock.json

t/browser/node_modules/.package-lock.json: t/browser/package-lock.json
	@command -v npm >/dev/null 2>&1 || \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	        --no-install-recommends npm
	cd t/browser && npm ci --no-audit --no-fund
	@touch $@

# CLUSTER=1: on a three-node Galera cluster (scripts/cluster.sh)
run: deps module tools worker
	@LIAISON_CLUSTER=$(CLUSTER) scripts/run.sh start

stop:
	@LIAISON_CLUSTER=$(CLUSTER) scripts/run.sh stop

bench: module tools
	@bench/run.sh

bench-worker: tools worker
	@bench/worker.sh

bench-litigant: module tools
	@perl bench/litigant.pl

bench-worklist: module tools
	@perl bench/worklist.pl

# Debian packages into build/deb/ (scripts/deb.sh), and their test in a
# throwaway system (scripts/deb-test.sh through t/700-packages.t: this
# root through an overlay, booted by systemd-nspawn; nothing on this
# machine is installed or removed)
deb:
	@scripts/deb.sh

deb-test: deb
	prove -v -I t/lib t/700-packages.t

clean:
	rm -rf $(BUILD)
