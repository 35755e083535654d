# Oblako — one GNU Makefile.
#
#   make            build build/oblako
#   make programs   build build/oblako and build/oblako-cashbook only (no unit tests)
#   make demo       install what is needed, build the programs, init ./var/demo.db, serve on :8080
#   make test       install test tools, build normal + sanitizer, run every suite
#   make test-full  the same plus the sanitizer build on PostgreSQL, ThreadSanitizer and long runs
#   make check      build with -Werror, the layer check, unit + e2e (SQLite), lint
#   make asan       the AddressSanitizer + UBSan build in build/asan
#   make tsan       the ThreadSanitizer build in build/tsan (clang)
#   make test-tsan  build it and run only its suites (tests/run.sh --tsan)
#   make fuzz       build and run the request fuzzer (FUZZ_SECONDS, default 60)
#   make fuzz-coverage  how many routes the request fuzzer's corpus reaches
#   make bench      HTTP benchmark against nginx, the HTTP library's floor, authenticated reads, entitlement + paging at 1M rows (bench/README.md)
#   make format     clang-format the sources
#
# CC=clang builds with clang; SANITIZE=1 is what `make asan` sets, SANITIZE=thread (with
# CC=clang, the compiler the suites were tried with) what `make tsan` sets.

CC ?= cc
PKGS := libmicrohttpd jansson libsodium libpq sqlite3 libcurl liboath xlsxwriter
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS = $(shell pkg-config --libs $(PKGS) 2>/dev/null)

WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
        -Wformat=2 -Wpointer-arith -Wvla -Wundef -Wno-format-nonliteral
CSTD := -std=c11 -D_GNU_SOURCE
OPT ?= -O2 -g
BUILD ?= build

# The sanitizer build also has the database failpoints (src/db/db.c,
# OB_FAILPOINT) and the unit test that drives them, tests/unit/test_faults.c;
# build/oblako has neither (tools/failpoints.sh checks with nm).
DEFS :=
ifeq ($(SANITIZE),1)
BUILD := build/asan
OPT := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
LDSAN := -fsanitize=address,undefined
DEFS := -DOB_FAILPOINTS
endif
ifeq ($(SANITIZE),thread)
BUILD := build/tsan
OPT := -O1 -g -fno-omit-frame-pointer -fsanitize=thread
LDSAN := -fsanitize=thread
endif

CFLAGS_ALL = $(CSTD) $(OPT) $(DEFS) $(WARN) -Isrc -I$(BUILD)/gen $(PKG_CFLAGS) $(CFLAGS)
LDLIBS_ALL = $(PKG_LIBS) -lhpdf -lpthread -lm $(LDSAN) $(LDFLAGS)

LIB_SRC := $(sort $(wildcard src/base/*.c src/db/*.c src/model/*/*.c src/api/*.c src/http/*.c \
                             src/jobs/*.c src/mail/*.c src/export/*.c src/store/*.c))
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/gen/migrations.o \
           $(BUILD)/obj/gen/web_assets.o $(BUILD)/obj/gen/mail_assets.o \
           $(BUILD)/obj/gen/data_assets.o
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
ifneq ($(SANITIZE),1)
UNIT_SRC := $(filter-out tests/unit/test_faults.c,$(UNIT_SRC))
endif
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/unit/%)
SQL_FILES := $(sort $(wildcard sql/*.sql))
WEB_FILES := $(sort $(shell find web -type f 2>/dev/null))
MAIL_FILES := $(sort $(shell find src/mail/templates -type f 2>/dev/null))
DATA_FILES := $(sort $(wildcard data/*.json data/*.txt))

.PHONY: all programs test test-full test-tsan check asan tsan fuzz bench demo format clean deps unit
.DELETE_ON_ERROR:

PROGRAMS := $(BUILD)/oblako $(BUILD)/oblako-cashbook

all: $(PROGRAMS) $(UNIT_BIN)

# What `make demo` runs: the server and the reference application backend.
programs: $(PROGRAMS)

$(BUILD)/oblako: $(BUILD)/obj/src/main.o $(BUILD)/obj/src/demo.o $(LIB_OBJ)
	@echo "  LINK    $@"
	@$(CC) -o $@ $^ $(LDLIBS_ALL)

# The reference application backend (app/, docs/app-backend.md): its own
# objects and page, none of the main program's.
APP_SRC := $(sort $(wildcard app/*.c))
APP_PAGE := $(sort $(wildcard app/page/*))
APP_LIBS = $(shell pkg-config --libs libmicrohttpd jansson sqlite3 libcurl libsodium 2>/dev/null)

$(BUILD)/oblako-cashbook: $(APP_SRC:%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/gen/cashbook_page.o
	@echo "  LINK    $@"
	@$(CC) -o $@ $^ $(APP_LIBS) -lpthread $(LDSAN) $(LDFLAGS)

$(BUILD)/gen/cashbook_page.c: $(BUILD)/tools/embed $(APP_PAGE)
	@mkdir -p $(@D)
	$(BUILD)/tools/embed web $@ $(APP_PAGE)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(@D)
	@echo "  CC      $<"
	@$(CC) $(CFLAGS_ALL) -MMD -MP -c -o $@ $<

$(BUILD)/obj/gen/%.o: $(BUILD)/gen/%.c
	@mkdir -p $(@D)
	@echo "  CC      $<"
	@$(CC) $(CFLAGS_ALL) -c -o $@ $<

$(BUILD)/tools/embed: tools/embed.c
	@mkdir -p $(@D)
	$(CC) $(CSTD) -O1 $(WARN) -o $@ $<

$(BUILD)/gen/migrations.c: $(BUILD)/tools/embed $(SQL_FILES)
	@mkdir -p $(@D)
	$(BUILD)/tools/embed migrations $@ $(SQL_FILES)

$(BUILD)/gen/web_assets.c: $(BUILD)/tools/embed $(WEB_FILES)
	@mkdir -p $(@D)
	$(BUILD)/tools/embed web $@ $(WEB_FILES)

$(BUILD)/gen/mail_assets.c: $(BUILD)/tools/embed $(MAIL_FILES)
	@mkdir -p $(@D)
	$(BUILD)/tools/embed mail $@ $(MAIL_FILES)

$(BUILD)/gen/data_assets.c: $(BUILD)/tools/embed $(DATA_FILES)
	@mkdir -p $(@D)
	$(BUILD)/tools/embed data $@ $(DATA_FILES)

$(BUILD)/tests/unit/%: tests/unit/%.c $(LIB_OBJ)
	@mkdir -p $(@D)
	@echo "  TEST    $@"
	@$(CC) $(CFLAGS_ALL) -Itests/unit -DOB_SOURCE_ROOT='"$(CURDIR)"' -o $@ $^ $(LDLIBS_ALL) -lcmocka

asan:
	$(MAKE) SANITIZE=1 all

tsan:
	$(MAKE) SANITIZE=thread CC=clang all

deps:
	scripts/deps.sh build

demo:
	scripts/deps.sh demo
	$(MAKE) programs
	scripts/demo.sh

# The builds of `make test` use every core (the tests themselves choose their own concurrency):
# on the 2-core machines this halves the ~4 minutes the four builds took one file at a time.
JOBS ?= $(shell nproc 2>/dev/null || echo 2)

test:
	scripts/deps.sh test
	$(MAKE) -j$(JOBS) all
	tools/layers.sh --self-test
	tools/layers.sh $(BUILD)
	tools/conventions.sh --self-test
	tools/conventions.sh $(BUILD)
	tools/rules.sh
	node tools/messages.mjs
	$(MAKE) -j$(JOBS) SANITIZE=1 all
	tools/failpoints.sh build build/asan
	$(MAKE) -j$(JOBS) fuzz-build
	tests/run.sh

test-tsan: tsan
	tests/run.sh --tsan

test-full:
	scripts/deps.sh test
	$(MAKE) -j$(JOBS) all
	$(MAKE) -j$(JOBS) SANITIZE=1 all
	tools/failpoints.sh build build/asan
	$(MAKE) -j$(JOBS) tsan
	$(MAKE) -j$(JOBS) fuzz-build
	tests/run.sh --full

check: all
	tools/layers.sh --self-test
	tools/layers.sh $(BUILD)
	tools/conventions.sh --self-test
	tools/conventions.sh $(BUILD)
	tools/rules.sh
	node tools/messages.mjs
	tests/run.sh --quick
	cppcheck --quiet --error-exitcode=1 --enable=warning,portability --std=c11 \
	    -D__GNUC__ --suppress=missingIncludeSystem -Isrc \
	    -D'json_object_foreach(o,k,v)=for(k=0;v;)' \
	    -D'json_array_foreach(a,i,v)=for(i=0;v;)' src

# The fuzzers (tests/fuzz/fuzz_*.c, one target each) are built with clang and
# libFuzzer, whatever CC is, in their own build directory. `make fuzz` runs
# the request fuzzer on a scratch corpus (build/fuzz/corpus, where libFuzzer
# writes new inputs) seeded read-only from the committed one; crashes go to
# build/fuzz/artifacts/. tests/run.sh runs every target: briefly in `make
# test`, a minute each in `make test-full`. It compiles every source of the
# server (main.c too) with clang and -Werror, so `make test` has no clang
# build of its own: this is the clang half of "gcc and clang, -Werror".
FUZZ_DIR := build/fuzz
FUZZ_SECONDS ?= 60
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))
.PHONY: fuzz-build fuzz-corpus fuzz-coverage
fuzz-build:
	$(MAKE) BUILD=$(FUZZ_DIR) CC=clang \
	    OPT="-O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined" \
	    LDSAN="-fsanitize=address,undefined" $(FUZZ_SRC:tests/fuzz/%.c=$(FUZZ_DIR)/%) \
	    $(FUZZ_DIR)/obj/src/main.o

# The request fuzzer signs in the demo data's people (src/demo.c).
$(BUILD)/fuzz_request: $(BUILD)/obj/src/demo.o

$(BUILD)/fuzz_%: tests/fuzz/fuzz_%.c $(LIB_OBJ)
	@echo "  FUZZ    $@"
	@$(CC) $(CFLAGS_ALL) -fsanitize=fuzzer -o $@ $^ $(LDLIBS_ALL)

fuzz: fuzz-build
	@mkdir -p $(FUZZ_DIR)/corpus $(FUZZ_DIR)/artifacts
	$(FUZZ_DIR)/fuzz_request -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
	    -artifact_prefix=$(FUZZ_DIR)/artifacts/ $(FUZZ_DIR)/corpus tests/fuzz/corpus/request

# The request seeds made from the route table and docs/openapi.yaml.
fuzz-corpus:
	tests/fuzz/gen_corpus.py

# Which routes the committed request corpus reaches: the request fuzzer built
# with clang's source-based coverage (no sanitizers) runs each seed once, and
# a route counts when its handler ran (tests/fuzz/coverage.sh).
FUZZ_COV_DIR := build/fuzz-cov
fuzz-coverage:
	$(MAKE) BUILD=$(FUZZ_COV_DIR) CC=clang \
	    OPT="-O1 -g -fprofile-instr-generate -fcoverage-mapping -fsanitize=fuzzer-no-link" \
	    LDSAN="-fprofile-instr-generate" $(FUZZ_COV_DIR)/fuzz_request
	tests/fuzz/coverage.sh $(FUZZ_COV_DIR)/fuzz_request tests/fuzz/corpus/request

# bench/entitlement.c links the library objects like the unit tests do.
$(BUILD)/bench/entitlement: bench/entitlement.c $(LIB_OBJ)
	@mkdir -p $(@D)
	@echo "  BENCH   $@"
	@$(CC) $(CFLAGS_ALL) -o $@ $^ $(LDLIBS_ALL)

$(BUILD)/bench/admission: bench/admission.c bench/now.h
	@mkdir -p $(@D)
	@echo "  BENCH   $@"
	@$(CC) $(CSTD) $(OPT) $(WARN) -o $@ $< $(shell pkg-config --libs sqlite3)

$(BUILD)/bench/pgadmission: bench/pgadmission.c bench/now.h
	@mkdir -p $(@D)
	@echo "  BENCH   $@"
	@$(CC) $(CSTD) $(OPT) $(WARN) $(shell pkg-config --cflags libpq) -o $@ $< \
	    $(shell pkg-config --libs libpq) -lpthread

# The HTTP library's floor (bench/httpfloor.sh): libmicrohttpd as Oblako starts it, and
# libh2o's event loop (Debian's libh2o-evloop-dev, scripts/deps.sh test).
$(BUILD)/bench/httpfloor_mhd: bench/httpfloor_mhd.c
	@mkdir -p $(@D)
	@echo "  BENCH   $@"
	@$(CC) $(CSTD) $(OPT) $(WARN) -o $@ $< $(shell pkg-config --cflags --libs libmicrohttpd) -lpthread

$(BUILD)/bench/httpfloor_h2o: bench/httpfloor_h2o.c
	@mkdir -p $(@D)
	@echo "  BENCH   $@"
	@$(CC) $(CSTD) $(OPT) $(WARN) -DH2O_USE_LIBUV=0 -o $@ $< \
	    $(shell pkg-config --cflags --libs libh2o-evloop) -lpthread

bench: all $(BUILD)/bench/entitlement $(BUILD)/bench/admission $(BUILD)/bench/pgadmission \
       $(BUILD)/bench/httpfloor_mhd \
       $(BUILD)/bench/httpfloor_h2o
	bench/http.sh
	bench/httpfloor.sh
	bench/reads.sh
	bench/sessions.sh
	bench/entitlement.sh

format:
	clang-format -i $(wildcard src/*.c src/*/*.c src/*/*.h src/model/*/*.c src/model/*/*.h tests/unit/*.c tests/unit/*.h \
	    tests/fuzz/*.c app/*.c tools/*.c)

clean:
	rm -rf build

-include $(shell find build -name '*.d' 2>/dev/null)
