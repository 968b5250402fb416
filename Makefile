# Hearth's developer entry points. `make test` is the one test command: CI
# (.ci/run) runs exactly it.

GO            ?= go
STATICCHECK   := honnef.co/go/tools/cmd/staticcheck@v0.8.2
TEMPL         := github.com/a-h/templ/cmd/templ@v0.3.1118
# 3 s a target in make test (a smoke run: the corpus replays and a little
# fuzzing; 17 targets, most of the stage is building them); long runs:
# make fuzz FUZZTIME=10m.
FUZZTIME      ?= 3s
# Executions spent minimizing one input. The engine minimizes not only a
# failing input but every input that finds new coverage, by default for up
# to 60 s each, and counts no progress meanwhile: with kilobyte inputs
# (segment files) a short run then stalls after a few hundred executions.
# Long runs that want small crashers: make fuzz FUZZMINIMIZE=60s.
FUZZMINIMIZE  ?= 500x
# Packages with fuzz targets, and the targets: "pkg:Target".
FUZZ_TARGETS  := ./nvr:FuzzVerifyPassword ./nvr:FuzzParseCameraURL ./nvr/view:FuzzParseTimeRange \
                 ./streams/sei:FuzzParse ./streams/rtsp:FuzzAssembler ./streams/rtsp:FuzzSliceHeader ./streams/nal:FuzzUnescapePrefix \
                 ./streams/segment:FuzzScan ./streams/segment:FuzzFragmentDecoders ./db:FuzzFragmentBlob \
                 ./nvr/events:FuzzEventCursor ./nvr:FuzzDetectionZones ./ui:FuzzQueries \
                 ./streams/webrtc:FuzzOffer ./streams/webrtc:FuzzTrickle ./streams/fmp4live:FuzzMuxer ./streams/replay:FuzzSegmentFile \
                 ./streams/onvif:FuzzParse

.PHONY: test deps fmt-check templ-check generate vet staticcheck unit storm storm-bounded fuzz build bench release

# The stages run in order; each prints its wall time, so a slow stage is
# seen in CI's log before it meets its timeout.
TEST_STAGES   := deps fmt-check templ-check vet staticcheck unit storm-bounded fuzz

test:
	@total=$$(date +%s); for s in $(TEST_STAGES); do \
		start=$$(date +%s); \
		$(MAKE) --no-print-directory $$s || { echo "make test: stage $$s failed after $$(( $$(date +%s) - start )) s"; exit 1; }; \
		echo "make test: stage $$s took $$(( $$(date +%s) - start )) s"; \
	done; echo "make test: all checks passed in $$(( $$(date +%s) - total )) s"

# Real peers (ffmpeg, ...) from Debian packages when missing.
deps:
	@./.ci/deps

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

# Regenerate the templ views (commit the _templ.go files).
generate:
	$(GO) run $(TEMPL) generate -path ui

# The committed _templ.go files must be what templ generates now: generate
# into a scratch copy and compare, leaving the tree untouched.
templ-check:
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && cp -r ui "$$tmp/ui" && \
	(cd "$$tmp" && $(GO) run $(TEMPL) generate -path ui >/dev/null 2>&1) && \
	if ! diff -r ui "$$tmp/ui" >/dev/null; then \
		echo "generated templ files are stale: run make generate and commit"; diff -r ui "$$tmp/ui" | head -20; exit 1; fi

vet:
	$(GO) vet ./...

staticcheck:
	$(GO) run $(STATICCHECK) ./...

# go test starts packages in the order they are named, two at a time on two
# cores: the longest go first so both cores stay busy to the end. In
# go list's alphabetical order ui (157 s) started last and ran alone for
# its last two minutes (a warm-cache run: 773 s).
# The bench harness (cmd/hearth-bench) is tested without -race, beside the
# race run: it is a measuring tool, not Hearth, whose packages its scenarios
# drive are raced by their own tests; under -race its smoke run took 164 s
# of the stage's two cores, without 31 s.
UNIT_FIRST := ./cmd/hearth ./ui ./cmd/hearth/household ./db ./packaging ./nvr/record ./streams/motion ./streams/rtsp
UNIT_NORACE := ./cmd/hearth-bench
unit:
	@log=$$(mktemp); trap 'rm -f "$$log"' EXIT; \
	echo "go test -count=1 $(UNIT_NORACE) (beside the race run)"; \
	$(GO) test -count=1 -timeout 15m $(UNIT_NORACE) > "$$log" 2>&1 & norace=$$!; \
	echo "go test -race -count=1 $(UNIT_FIRST) and the rest"; \
	$(GO) test -race -count=1 -timeout 15m $(UNIT_FIRST) $$($(GO) list ./... | grep -vxF "$$($(GO) list $(UNIT_FIRST) $(UNIT_NORACE))"); race=$$?; \
	wait $$norace; rc=$$?; cat "$$log"; \
	[ $$race -eq 0 ] && [ $$rc -eq 0 ]

# The long fault tests at full size, without the race detector that would
# slow them tenfold (under -race they run smaller): the reconnect storm with
# 200 cameras, a camera flapping for 80 s, 50 SIGKILL rounds, ten
# minutes of a still camera through both motion detectors, the isolation
# storm (64 cameras restarted together for 10 rounds under 200 clients;
# HEARTH_STORM_ROUNDS=100 make storm for the long run), the cancellation storm
# and revocation in flight at its 1 s bound.
FLAP_DURATION ?= 80s
CRASH_ROUNDS  ?= 50
STORM_ROUNDS  ?= 10
storm:
	HEARTH_FLAP_DURATION=$(FLAP_DURATION) $(GO) test -count=1 -run 'TestStorm|TestFlapping' -v ./nvr/ingest/
	HEARTH_CRASH_ROUNDS=$(CRASH_ROUNDS) HEARTH_STORM_ROUNDS=$(STORM_ROUNDS) $(GO) test -count=1 -run 'TestCrashRecovery|TestStormIsolation|TestCancelStorm|TestRevocationInFlight' -v ./cmd/hearth/
	$(GO) test -count=1 -run 'Static' -v ./streams/motion/

# make test's storm stage: the same fault tests without -race at a size
# that keeps the whole suite under 20 minutes on two cores (the flapping
# camera for 20 s, 8 SIGKILL rounds, 5 isolation storm rounds: the suite
# took 1238 s with 30 s, 12 and 7 once ONVIF push and the walkthrough's
# tests joined); make storm runs them full size.
storm-bounded:
	@$(MAKE) --no-print-directory storm FLAP_DURATION=20s CRASH_ROUNDS=8 STORM_ROUNDS=5

# The household simulation (cmd/hearth/household, docs/simulation.md) on
# its own, long: make soak SEED=123 STEPS=500 replays a failure's seed; no
# SEED draws a random one and prints it (make test runs a fixed seed). Without -race: the server is the real
# binary, built without it, and the long run is about the steps.
# KINDS=transport,stall,... limits the steps to those kinds.
SEED  ?= random
STEPS ?= 200
KINDS ?=
soak:
	HEARTH_SIM_SEED=$(SEED) HEARTH_SIM_STEPS=$(STEPS) HEARTH_SIM_KINDS=$(KINDS) $(GO) test -count=1 -timeout 12h -run '^TestHousehold$$' -v ./cmd/hearth/household/

# Each fuzz target runs briefly; long runs: make fuzz FUZZTIME=10m.
# Two workers: the machine has two cores.
# Go 1.26's fuzz coordinator can fail a target with a bare "context deadline
# exceeded" at the -fuzztime boundary without having found anything
# (go.dev/issue/75804, fixed in Go 1.27). A target that fails without
# writing a crasher to testdata/fuzz runs once more; one that writes a
# crasher fails at once, and so does a second failure.
fuzz:
	@set -e; for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; name=$${t#*:}; dir=$$pkg/testdata/fuzz/$$name; \
		echo "fuzz $$pkg $$name ($(FUZZTIME))"; \
		before=$$(ls $$dir 2>/dev/null | wc -l); \
		if ! $(GO) test -run '^$$' -fuzz "^$$name$$" -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZE) -parallel 2 $$pkg; then \
			if [ "$$(ls $$dir 2>/dev/null | wc -l)" != "$$before" ]; then echo "fuzz $$name: crasher written to $$dir"; exit 1; fi; \
			echo "fuzz $$name: failed without a crasher (go.dev/issue/75804); running it once more"; \
			$(GO) test -run '^$$' -fuzz "^$$name$$" -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZE) -parallel 2 $$pkg; \
		fi; \
	done

build:
	CGO_ENABLED=0 $(GO) build -trimpath -o bin/hearth ./cmd/hearth

# The performance tables of docs/performance.md (a few minutes; the
# harness is its own binary, not part of the release). BENCH="record live"
# for a subset, BENCHFLAGS for sizes and profiles.
BENCH ?= all
bench:
	CGO_ENABLED=0 $(GO) build -trimpath -o bin/hearth-bench ./cmd/hearth-bench
	CGO_ENABLED=0 $(GO) build -trimpath -o bin/hearth ./cmd/hearth
	bin/hearth-bench $(BENCHFLAGS) $(BENCH)

# Release artifacts in dist/: tarballs for linux amd64, arm64, armv7, armv6,
# .debs (amd64, arm64, armhf), SHA256SUMS. VERSION=1.2.3 to override
# git describe; TARGETS="arm64" for a subset.
release:
	GO=$(GO) ./packaging/release.sh
