# surveytui: `make demo` (main job) and `make test` (all tests). See README.md.
SHELL := /bin/bash
GO ?= go
STATICCHECK ?= $(shell command -v staticcheck 2>/dev/null || echo $(HOME)/go/bin/staticcheck)
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT ?= $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
LDFLAGS := -s -w -X main.version=$(VERSION) -X main.commit=$(COMMIT)
BIN := bin/surveytui

.PHONY: build test unit vet staticcheck fmt-check fuzz bench demo tools
build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/surveytui

tools:
	@test -x "$(STATICCHECK)" || $(GO) install honnef.co/go/tools/cmd/staticcheck@v0.8.2

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change: $$out"; exit 1; fi

vet:
	$(GO) vet ./...

staticcheck: tools
	$(STATICCHECK) ./...

# test: everything, the real-engine integration tests included (they need a Docker engine;
# .ci/run starts one), and the patched modules' own tests (each directory of third_party/ is its
# own module). Fuzz targets run a few seconds each.
test: build fmt-check vet staticcheck
	$(GO) test -count=1 -timeout 20m ./...
	cd third_party/bubbletea && $(GO) test -count=1 ./...
	cd third_party/go-runewidth && $(GO) test -count=1 ./...
	$(MAKE) --no-print-directory fuzz

# fuzz: every fuzz target for a few seconds beyond its committed seed corpus (the seeds also
# run as plain tests above).
# A count, not a duration: with -fuzztime as a duration Go 1.26's fuzz coordinator can report
# a spurious "context deadline exceeded" at the deadline, having found nothing (golang/go#75804,
# fixed in Go 1.27). 20000 runs take about 2-20 s per target on this machine.
FUZZTIME ?= 20000x
fuzz:
	@for pkg in $$(grep -rl --include='*_test.go' '^func Fuzz' . | xargs -n1 dirname | sort -u); do \
	  for f in $$(grep -h '^func Fuzz' $$pkg/*_test.go | sed 's/func \(Fuzz[A-Za-z0-9_]*\).*/\1/'); do \
	    echo "fuzz $$pkg $$f ($(FUZZTIME))"; \
	    $(GO) test -run '^$$' -fuzz "^$$f\$$" -fuzztime $(FUZZTIME) $$pkg >/tmp/fuzz-$$f.log 2>&1 || { cat /tmp/fuzz-$$f.log; exit 1; }; \
	  done; \
	done

# bench: the Go benchmarks (parsers, filters, buffer, sampler, backup/restore throughput), then
# the harnesses: first screen, RSS over time, stats overhead against docker stats (~35 min).
bench: build
	$(GO) test -run '^$$' -bench . -benchmem ./...
	$(MAKE) --no-print-directory bench-tui bench-stats

demo: demo-up build
	$(BIN) --compose compose/demo/docker-compose.yml --project $(DEMO_PROJECT)

-include compose/demo/demo.mk
-include mk/*.mk
