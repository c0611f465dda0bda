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
PROVE_JOBS ?= 2

.PHONY: all deps module tools unit unit-asan itest test run stop bench \
        clean

all: module tools

deps:
	@scripts/deps.sh

$(BUILD)/Makefile: config
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

unit:
	$(MAKE) -C tests run

unit-asan:
	$(MAKE) -C tests asan

itest: module tools
	prove -j$(PROVE_JOBS) -I t/lib t/

test: deps
	$(MAKE) unit
	$(MAKE) unit-asan
	$(MAKE) itest

run: deps module tools
	@scripts/run.sh start

stop:
	@scripts/run.sh stop

bench: module tools
	@bench/run.sh

clean:
	rm -rf $(BUILD)
