# Hearth's developer entry points. `make test` is the one test command: CI
# (.ci/run) runs exactly it.

GO            ?= go
STATICCHECK   := honnef.co/go/tools/cmd/staticcheck@v0.8.2
FUZZTIME      ?= 10s
# Packages with fuzz targets, and the targets: "pkg:Target".
FUZZ_TARGETS  := ./nvr:FuzzVerifyPassword ./nvr:FuzzParseCameraURL ./streams/sei:FuzzParse

.PHONY: test deps fmt-check vet staticcheck unit fuzz build demo

test: deps fmt-check vet staticcheck unit fuzz
	@echo "make test: all checks passed"

# Real peers (ffmpeg, ...) from Debian packages when missing.
deps:
	@./.ci/deps

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

staticcheck:
	$(GO) run $(STATICCHECK) ./...

unit:
	$(GO) test -race -count=1 -timeout 15m ./...

# Each fuzz target runs briefly; long runs: make fuzz FUZZTIME=10m.
fuzz:
	@set -e; for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; name=$${t#*:}; \
		echo "fuzz $$pkg $$name ($(FUZZTIME))"; \
		$(GO) test -run '^$$' -fuzz "^$$name$$" -fuzztime $(FUZZTIME) $$pkg; \
	done

build:
	CGO_ENABLED=0 $(GO) build -trimpath -o bin/hearth ./cmd/hearth
