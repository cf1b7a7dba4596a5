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

DEMO_RECORDING := benchmarks/mmsearch-mini/recordings/deepeyesv2-style.jsonl
DEMO_BFCL_RECORDING := benchmarks/bfcl-v3-multi-turn/recordings/gold-replay.jsonl

## demo: offline, without a key: score Claude-2's published MathVista predictions and print the
## per-task table; then run a DeepEyesV2-style search agent on mmsearch-mini, its model turns
## replayed from a recording, its code run in the sandbox, its searches answered from the
## suite's shipped store, and print the accuracy, tool-usage and search tables; then write its page;
## then run 8 entries of bfcl-v3-multi-turn (2 of each category) under the native protocol, the
## gold calls replayed as the model's tool calls, graded by BFCL's multi-turn checker
demo: build
	@rm -rf out/demo out/demo-search out/demo-search.html out/demo-bfcl
	$(BIN) score mathvista-testmini \
		--predictions benchmarks/mathvista-testmini/predictions/claude.jsonl \
		--id-field pid --response-field extraction --label claude-2 --out out/demo
	@echo "Published (benchmarks/mathvista-testmini/predictions/scores_claude.json): overall 26.4"
	@echo
	@echo "The main job, offline: a DeepEyesV2-style agent on mmsearch-mini (6 flag questions that need a lookup)."
	@echo "Model turns replayed from $(DEMO_RECORDING): replies written for realx in DeepEyesV2's format, not a trained model's."
	@echo "Its Python runs for real in the sandbox; its searches are answered from the suite's shipped store; its answers are graded."
	$(BIN) run mmsearch-mini --replay-model $(DEMO_RECORDING) --label deepeyesv2-style \
		--search replay --out out/demo-search --progress none
	$(BIN) report out/demo-search --table tools
	$(BIN) report out/demo-search --table search
	$(BIN) view out/demo-search -o out/demo-search.html
	@echo "Every sample, turn and tool call of the run: out/demo-search.html (one file, open it in a browser)"
	@echo
	@echo "Function calling, offline: bfcl-v3-multi-turn, 8 entries (shard 8/93: 2 of each category), native protocol (OpenAI tool calls)."
	@echo "Model turns replayed from $(DEMO_BFCL_RECORDING): the gold calls replayed, not a trained model's."
	@echo "The calls run in BFCL's simulated APIs (written in Go); each entry's user turns go in order; BFCL's multi-turn checker grades."
	$(BIN) run bfcl-v3-multi-turn --shard 8/93 --replay-model $(DEMO_BFCL_RECORDING) --label gold-replay \
		--out out/demo-bfcl --progress none
	$(BIN) report out/demo-bfcl --table tools
	@echo "One entry turn by turn: the calls, what the simulated APIs returned, the user's next turns (one asks back: its gold has no call), the verdict."
	$(BIN) show out/demo-bfcl multi_turn_miss_param_7

## golden: regenerate golden files after an intended change (the packages whose tests have
## them: -update is runnertest.Golden's flag, which the others do not know)
golden:
	$(GO) test ./cmd/realx ./reports ./reports/plots ./reports/view ./runners -update

## bench: the benchmarks (speed and memory)
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

clean:
	rm -rf bin out
