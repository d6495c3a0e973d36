# autofix — build, test, benchmark.
#
#   make            build ./autofix
#   make test       install what is missing, build, run the whole suite (what CI runs)
#   make check      the suite under AddressSanitizer and UndefinedBehaviorSanitizer
#   make demo       the whole job, in a simulated environment, opening a pull request
#   make deps       install the Debian packages that building and testing need
#   make bench      benchmarks (not part of make test)
#   make fuzz       every libFuzzer target for FUZZ_TIME seconds (default 60)
#
# One test:  make build/tests/test-json && build/tests/test-json
#            (or: make test T=tests/unit/test-json.c)

CC ?= cc
PKGS := libcurl libcjson libgit2 yaml-0.1 libcrypto sqlite3
BUILD ?= build
SAN ?=

PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS = $(shell pkg-config --libs $(PKGS) 2>/dev/null)

WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wno-unused-parameter
BASE_CFLAGS := -std=c11 -D_GNU_SOURCE -Ibot $(WARN)
ifeq ($(SAN),1)
OPT := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
else ifeq ($(SAN),fuzz)
OPT := -O1 -g -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
else
OPT := -O2 -g
endif
ALL_CFLAGS = $(BASE_CFLAGS) $(OPT) $(PKG_CFLAGS) $(CFLAGS)
ALL_LDFLAGS = $(OPT) $(LDFLAGS)
LIBS = $(PKG_LIBS) -lpthread -lm

LIB_SRC := $(sort $(filter-out bot/main.c,$(wildcard bot/*.c bot/*/*.c)))
LIB_OBJ := $(patsubst %.c,$(BUILD)/%.o,$(LIB_SRC))
# Built-in templates (templates/*.md but README.md), compiled into the binary.
TEMPLATES := $(filter-out templates/README.md,$(sort $(wildcard templates/*.md)))
LIB_OBJ += $(BUILD)/gen/templates.o $(BUILD)/gen/upstreams.o $(BUILD)/gen/plan_schema.o
TEST_SRC := $(sort $(wildcard tests/unit/test-*.c))
TEST_BIN := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(TEST_SRC))
TAP_OBJ := $(BUILD)/tests/tap.o
# Programs that script tests drive (not tests themselves): tests/helpers/*.c.
HELPER_SRC := $(sort $(wildcard tests/helpers/*.c))
HELPER_BIN := $(patsubst tests/helpers/%.c,$(BUILD)/tests/helpers/%,$(HELPER_SRC))
# libFuzzer targets (tests/fuzz/fuzz-*.c), built by clang into build/fuzz.
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz-*.c))
FUZZ_BIN := $(patsubst tests/fuzz/%.c,build/fuzz/bin/%,$(FUZZ_SRC))
FUZZ_TIME ?= 60

.PHONY: all deps test check demo bench faults fuzz fuzzers clean oracles FORCE

all: autofix

autofix: $(BUILD)/autofix
	@if [ "$(BUILD)" = build ]; then cp $(BUILD)/autofix autofix; fi

$(BUILD)/autofix: $(BUILD)/bot/main.o $(BUILD)/libautofix.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/libautofix.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

# Regenerated on every make, but replaced only when it changes: a template
# added, edited or removed rebuilds it, nothing else does.
$(BUILD)/gen/templates.c: scripts/embed-templates FORCE
	@mkdir -p $(dir $@)
	@scripts/embed-templates $(TEMPLATES) >$@.tmp
	@if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; fi

$(BUILD)/gen/templates.o: bot/plan/template_builtin.h

# The upstream providers' catalogue, carried by the binary (investigate/upstreams.h).
$(BUILD)/gen/upstreams.c: data/upstreams.json scripts/embed-templates
	@mkdir -p $(dir $@)
	@scripts/embed-templates --blob upstreams_json data/upstreams.json >$@

# The plan's JSON Schema, carried by the binary (plan/plan.h).
$(BUILD)/gen/plan_schema.c: data/plan.schema.json scripts/embed-templates
	@mkdir -p $(dir $@)
	@scripts/embed-templates --blob plan_schema_json data/plan.schema.json >$@

$(BUILD)/gen/%.o: $(BUILD)/gen/%.c
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

FORCE:

$(TAP_OBJ): tests/tap.c tests/tap.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests -c -o $@ $<

# tests/lib/*.h: header-only helpers the unit programs share.
$(BUILD)/tests/%: tests/unit/%.c $(TAP_OBJ) $(BUILD)/libautofix.a $(wildcard tests/lib/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests -o $@ $< $(TAP_OBJ) $(BUILD)/libautofix.a $(LIBS)

# Benchmark helpers: bench/*.c linked with the library (built by make bench).
$(BUILD)/bench/%: bench/%.c $(BUILD)/libautofix.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(BUILD)/libautofix.a $(LIBS)

$(BUILD)/tests/helpers/%: tests/helpers/%.c $(BUILD)/libautofix.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(BUILD)/libautofix.a $(LIBS)

# A fuzz target: the library built with clang's coverage (SAN=fuzz), linked with libFuzzer's main.
$(BUILD)/bin/fuzz-%: tests/fuzz/fuzz-%.c tests/fuzz/fuzz.h $(BUILD)/libautofix.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -fsanitize=fuzzer -o $@ $< $(BUILD)/libautofix.a $(LIBS)

-include $(LIB_OBJ:.o=.d) $(BUILD)/bot/main.d

deps:
	@scripts/install-deps

oracles: tests/node_modules/.package-lock.json

tests/node_modules/.package-lock.json: tests/package.json tests/package-lock.json
	cd tests && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# The suite: C unit programs and script tests, run by prove inside a
# loopback-only network namespace when that is possible (tests/run).
test: deps
	$(MAKE) all $(TEST_BIN) $(HELPER_BIN) oracles fuzzers
	AUTOFIX=$(CURDIR)/$(BUILD)/autofix TEST_BIN_DIR=$(CURDIR)/$(BUILD)/tests tests/run $(T)

check: deps oracles fuzzers
	$(MAKE) BUILD=build/asan SAN=1 build/asan/autofix $(patsubst $(BUILD)/%,build/asan/%,$(TEST_BIN) $(HELPER_BIN))
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp \
	AUTOFIX=$(CURDIR)/build/asan/autofix TEST_BIN_DIR=$(CURDIR)/build/asan/tests tests/run $(T)

# The real autofix scan in a simulated environment on loopback: the fakes
# of tests/ (hence the oracles' node modules) playing Railway, GitHub, the
# LLM and a coding agent on examples/demo (scripts/demo).
demo: deps oracles
	@$(MAKE) -s --no-print-directory all
	@scripts/demo

# The fuzz targets, built with clang (make deps installs it).
fuzzers:
	@$(MAKE) -s --no-print-directory BUILD=build/fuzz CC=clang SAN=fuzz $(FUZZ_BIN)

# Each target for FUZZ_TIME seconds from its corpus in tests/fuzz/corpus
# (new inputs kept in build/fuzz/corpus, crashes in build/fuzz/crashes).
fuzz: deps fuzzers
	scripts/fuzz $(FUZZ_TIME)

bench: autofix oracles
	@if [ -x bench/run ]; then bench/run; else echo "no benchmarks yet"; fi

# Whole-scan fault injection over many seeds (bench/faults; FAULT_SEEDS=N, default 30).
faults: deps
	$(MAKE) all $(HELPER_BIN)
	bench/faults $(FAULT_SEEDS)

clean:
	rm -rf build autofix
