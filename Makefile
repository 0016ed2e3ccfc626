# vouch: the two set-up commands are `make run` and `make test` (see README.md).
# CMake does the building; this file installs what is missing, picks build
# folders and strings the steps together.

BUILD      ?= build
ASAN_BUILD ?= build-asan
JOBS       ?= $(shell nproc)
SHARED     ?= $(abspath ../shared)
DATA       ?= $(SHARED)/data/data.parquet.gzip
RUN_BUILD  ?= build-run
RUN_DIR    ?= $(RUN_BUILD)/run
NODE_DIR   ?= $(abspath $(BUILD))/node
SOURCES     = $(shell git ls-files -- '*.c' '*.h' 2>/dev/null || find src tests -name '*.[ch]')

.PHONY: all build deps deps-test configure test unit asan lint format run clean npm bench fuzz soak \
	install uninstall

all: build

deps:
	@scripts/deps.sh build

deps-test:
	@scripts/deps.sh test

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVOUCH_SHARED_DIR=$(SHARED)

build: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j$(JOBS)

npm:
	@scripts/npm-deps.sh $(NODE_DIR)

# The whole suite: lint, the normal build's tests, then again under ASan+UBSan.
# The container tests (label `container`: the image and the compose
# deployment, t0720; the Sentinel compose file failing over, t0770) run alone
# after the others, with their output, and not in the ASan pass: the image
# holds the release build.
test: deps-test lint build npm
	cd $(BUILD) && VOUCH_NODE_DIR=$(NODE_DIR) ctest --output-on-failure -j$(JOBS) -LE container
	cd $(BUILD) && VOUCH_NODE_DIR=$(NODE_DIR) ctest --output-on-failure -V -L container
	$(MAKE) --no-print-directory asan

asan: deps-test npm
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DVOUCH_SANITIZE=address,undefined \
		-DVOUCH_SHARED_DIR=$(SHARED) >/dev/null
	cmake --build $(ASAN_BUILD) -j$(JOBS)
	cd $(ASAN_BUILD) && VOUCH_NODE_DIR=$(NODE_DIR) ASAN_OPTIONS=detect_leaks=1 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ctest --output-on-failure -j$(JOBS) -LE container

unit: build
	cd $(BUILD) && ctest --output-on-failure -L unit -j$(JOBS)

lint: deps-test $(BUILD)/CMakeCache.txt
	@scripts/lint.sh $(BUILD)

format:
	clang-format -i $(SOURCES)

# Build the vouch binary alone (build-run/: no tests, no fuzzers), run the
# pipeline on the real data when ../shared has it (else on generated sample
# data), then serve the API on port $(PORT) until Ctrl-C.  Quiet: the build's
# output only when it fails, the pipeline's summary, one serving line (the
# server logs warnings and errors only; `vouch serve` itself logs each
# request).  A configure that fails leaves no CMakeCache.txt behind, so the
# next try configures again.
PORT ?= 8000
run: deps
	@if [ ! -f $(RUN_BUILD)/CMakeCache.txt ]; then \
		mkdir -p $(RUN_BUILD); \
		cmake -S . -B $(RUN_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVOUCH_BUILD_TESTS=OFF \
			>$(RUN_BUILD)/configure.log 2>&1 || \
			{ cat $(RUN_BUILD)/configure.log >&2; rm -rf $(RUN_BUILD)/CMakeCache.txt $(RUN_BUILD)/CMakeFiles; \
			  echo "make run: cmake could not configure $(RUN_BUILD) (above)" >&2; exit 1; }; \
	fi
	@cmake --build $(RUN_BUILD) -j$(JOBS) --target vouch >$(RUN_BUILD)/build.log 2>&1 || \
		{ grep -vE '^(\[ *[0-9]+%\]|g?make(\[[0-9]+\])?: (Entering|Leaving))' $(RUN_BUILD)/build.log >&2; \
		  echo "make run: the build failed (above)" >&2; exit 1; }
	@mkdir -p $(RUN_DIR)
	@if [ -f "$(DATA)" ]; then \
		$(RUN_BUILD)/vouch process -i "$(DATA)" -o $(RUN_DIR)/segments.json; \
	else \
		echo "make run: $(DATA) not found; segmenting generated sample data"; \
		$(RUN_BUILD)/vouch gen --rows 300000 -o $(RUN_DIR)/sample.csv 2>/dev/null && \
		$(RUN_BUILD)/vouch process -i $(RUN_DIR)/sample.csv -o $(RUN_DIR)/segments.json; \
	fi
	@echo "make run: serving $(RUN_DIR)/segments.json on http://localhost:$(PORT)/ (the dashboard; the API: README.md) until Ctrl-C"
	@exec $(RUN_BUILD)/vouch serve --segments $(RUN_DIR)/segments.json --port $(PORT) --log-level warn

# make install: the binary, its manual page (build/vouch.1, generated from
# --help) and the documentation, by the GNU conventions: PREFIX (default
# /usr/local; prefix, bindir, mandir, docdir may each be overridden) and
# DESTDIR for staging.  make uninstall removes exactly those files.
PREFIX      ?= /usr/local
prefix      ?= $(PREFIX)
exec_prefix ?= $(prefix)
bindir      ?= $(exec_prefix)/bin
datarootdir ?= $(prefix)/share
mandir      ?= $(datarootdir)/man
man1dir     ?= $(mandir)/man1
docdir      ?= $(datarootdir)/doc/vouch
INSTALL     ?= install
DOC_FILES    = $(sort $(wildcard docs/*.md))

install: build
	$(INSTALL) -d $(DESTDIR)$(bindir) $(DESTDIR)$(man1dir) $(DESTDIR)$(docdir)/docs
	$(INSTALL) -m 755 $(BUILD)/vouch $(DESTDIR)$(bindir)/vouch
	$(INSTALL) -m 644 $(BUILD)/vouch.1 $(DESTDIR)$(man1dir)/vouch.1
	$(INSTALL) -m 644 README.md $(DESTDIR)$(docdir)/README.md
	$(INSTALL) -m 644 $(DOC_FILES) $(DESTDIR)$(docdir)/docs/

uninstall:
	rm -f $(DESTDIR)$(bindir)/vouch $(DESTDIR)$(man1dir)/vouch.1 $(DESTDIR)$(docdir)/README.md \
		$(addprefix $(DESTDIR)$(docdir)/docs/,$(notdir $(DOC_FILES)))
	rmdir $(DESTDIR)$(docdir)/docs $(DESTDIR)$(docdir) 2>/dev/null || true

# Benchmarks against DuckDB, nginx and FastAPI (bench/bench.mjs); writes
# docs/BENCHMARKS.md.  BENCH=pipeline, BENCH=api or BENCH=cluster runs one part.
bench: build npm
	@scripts/deps.sh bench
	VOUCH=$(abspath $(BUILD))/vouch VOUCH_NODE_DIR=$(NODE_DIR) VOUCH_SHARED=$(SHARED) node bench/bench.mjs $(BENCH)

# libFuzzer targets (fuzz/, clang, ASan+UBSan), each run FUZZ_SECONDS;
# FUZZ_TARGETS="csv value" runs some.  make test replays their corpora.
FUZZ_BUILD   ?= build-fuzz
FUZZ_SECONDS ?= 60
fuzz:
	@scripts/deps.sh fuzz
	CC=clang cmake -S . -B $(FUZZ_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVOUCH_FUZZ=ON \
		-DVOUCH_SHARED_DIR=$(SHARED) >/dev/null
	cmake --build $(FUZZ_BUILD) -j$(JOBS) --target fuzzers
	@scripts/fuzz.sh $(FUZZ_BUILD) $(FUZZ_SECONDS) $(FUZZ_TARGETS)

# wrk against vouch serve for SOAK_SECONDS while the artifact is replaced and
# SIGHUP sent twice a second: no failed request, flat memory (make test runs
# the same test for 10 s).
SOAK_SECONDS ?= 60
soak: build
	VOUCH=$(abspath $(BUILD))/vouch VOUCH_TESTS=$(abspath tests) VOUCH_SHARED=$(SHARED) \
		VOUCH_WORK=$(abspath $(BUILD))/soak SOAK_SECONDS=$(SOAK_SECONDS) \
		bash $(abspath tests/integration/t0930-soak.sh)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(RUN_BUILD)
