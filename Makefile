# realx — make targets. `make demo` and `make test` work on a fresh machine with Go installed.
GO      ?= go
BIN     := bin/realx
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X main.version=$(VERSION)

.PHONY: build test fuzz check fmt vet demo golden bench clean

## build: the static realx binary in bin/
build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/realx

## test: every test, with the race detector, then a few seconds of each fuzz target
test:
	$(GO) test -race -count=1 ./...
	@$(MAKE) --no-print-directory fuzz

## fuzz: each fuzz target for FUZZTIME (default 3s)
fuzz:
	@bash .ci/fuzz

## check: gofmt, go vet and the tests
check: fmt vet test

fmt:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

## demo: score Claude-2's published MathVista predictions, offline, and print the per-task table
demo: build
	@rm -rf out/demo
	$(BIN) score mathvista-testmini \
		--predictions benchmarks/mathvista-testmini/predictions/claude.jsonl \
		--id-field pid --response-field extraction --label claude-2 --out out/demo
	@echo "Published (benchmarks/mathvista-testmini/predictions/scores_claude.json): overall 26.4"

## golden: regenerate golden files after an intended change (the packages whose tests have
## them: -update is runnertest.Golden's flag, which the others do not know)
golden:
	$(GO) test ./cmd/realx ./reports ./runners -update

## bench: the benchmarks (speed and memory)
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

clean:
	rm -rf bin out
