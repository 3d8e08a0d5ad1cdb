# flowctl — build, test and measure.
GO      ?= go
BIN     ?= bin/flowctl
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X github.com/flowctl/flowctl/cmd.Version=$(VERSION)
FUZZTIME ?= 5s
PREFIX  ?= /usr/local

.PHONY: all build install test lint fuzz bench demo update clean

all: build

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) .

# Copy the binary to $(PREFIX)/bin (DESTDIR stages it for packaging).
install: build
	install -d '$(DESTDIR)$(PREFIX)/bin'
	install -m 0755 '$(BIN)' '$(DESTDIR)$(PREFIX)/bin/flowctl'

# The whole test suite: unit and golden tests with the race detector, then the end-to-end
# scripts (testdata/script) against a plain build: they start flowctl hundreds of times, and
# a race-detector build takes a second to start and stop.
test:
	$(GO) test -race -count=1 $$($(GO) list ./... | grep -v '^github.com/flowctl/flowctl$$')
	$(GO) test -count=1 .

lint:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo 'gofmt: files above need formatting'; exit 1; }
	$(GO) vet ./...

# A few seconds of each fuzz target (longer with FUZZTIME=10m).
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzLoad$$' -fuzztime $(FUZZTIME) ./flow
	$(GO) test -run '^$$' -fuzz '^FuzzParseRender$$' -fuzztime $(FUZZTIME) ./templating
	$(GO) test -run '^$$' -fuzz '^FuzzPrintable$$' -fuzztime $(FUZZTIME) ./report

# Go benchmarks (loading, rendering, the engine) and end-to-end timings of the binary.
bench: build
	$(GO) test -run '^$$' -bench . -benchmem ./...
	python3 scripts/bench.py $(BIN)

# Build, then tell the whole story with a local slack-sink in place of Slack: the seed flows,
# unmodified, their messages and the Flow trigger that reports failures (scripts/demo.sh).
# The demo keeps its executions in a temporary state, apart from yours.
demo: build
	FLOWCTL_STATE=$$(mktemp -d)/state.db ./$(BIN) run examples/hello.yml -i name=demo
	scripts/demo.sh $(BIN)

# Rewrite golden files from the current output (review the diff before committing).
update:
	$(GO) test ./cmd ./flow ./report ./tasks -update
	UPDATE_SCRIPTS=1 $(GO) test -run TestScript .

clean:
	rm -rf bin
