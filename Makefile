# groupimport: build, test and try the tool. Run "make help" for the targets.

VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X main.version=$(VERSION)
GO      ?= go
BIN     := bin/groupimport
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
# The race detector needs cgo and a C compiler; without them the tests run
# without it, and say so.
RACE := $(shell [ "$$($(GO) env CGO_ENABLED)" = 1 ] && command -v "$$($(GO) env CC)" >/dev/null 2>&1 && echo -race)

.PHONY: help build test lint fuzz soak bench demo demo-diff demo-nightly demo-undo release clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

build: ## build bin/groupimport with the version stamped in
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/groupimport

test: ## run every test with the race detector (without it where cgo or a C compiler is missing)
	@[ -n "$(RACE)" ] || echo "make test: cgo or a C compiler is missing: running without -race (install gcc for it)"
	$(GO) test $(RACE) -count=1 ./...

lint: ## gofmt, go vet and staticcheck
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...

FUZZTIME ?= 20s
fuzz: ## run each fuzz target for FUZZTIME (default 20s)
	@set -e; for pkg in $$($(GO) list ./...); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
	    echo "== $$pkg $$f"; $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg; \
	  done; \
	done

SOAK_ROWS ?= 30000
SOAK_KILLS ?= 10
soak: ## the fault-injection and crash-and-resume tests at SOAK_ROWS rows and SOAK_KILLS kills
	SOAK_ROWS=$(SOAK_ROWS) SOAK_KILLS=$(SOAK_KILLS) $(GO) test $(RACE) -count=1 -timeout 60m -v \
	  -run 'TestFaultSuite|TestCrashAndResume' ./importer/ ./cmd/groupimport/ 2>&1 | grep -E '^(---|===|ok|FAIL)|faults_test|process_test'

BENCH_OUT ?= bench-out
bench: build ## the benchmarks, Go's and groupimport beside its peers (15 to 20 minutes, by the load); see BENCHMARKS.md
	$(GO) run ./cmd/bench -bin $(BIN) -out $(BENCH_OUT)

.PHONY: bench-quick
bench-quick: build ## 10k and 100k rows beside the peers (one run each), the 1M-row dry run and latency: about 2 minutes
	$(GO) run ./cmd/bench -bin $(BIN) -out $(BENCH_OUT) -quick

PLATFORMS := linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64
release: ## static binaries for every platform in dist/, with SHA256SUMS
	rm -rf dist && mkdir -p dist
	@set -e; for p in $(PLATFORMS); do \
	  os=$${p%/*}; arch=$${p#*/}; ext=; [ $$os = windows ] && ext=.exe; \
	  out=dist/groupimport-$(VERSION)-$$os-$$arch$$ext; \
	  echo "  $$out"; \
	  CGO_ENABLED=0 GOOS=$$os GOARCH=$$arch $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $$out ./cmd/groupimport; \
	done
	cd dist && sha256sum groupimport-* > SHA256SUMS && cat SHA256SUMS

demo: build ## import samples/fleets.csv into a local sandbox API, and write the run's page
	./$(BIN) import --sandbox --rate unlimited --overwrite --report samples/fleets.results.html samples/fleets.csv; \
	  code=$$?; echo; echo "exit code $$code; results:"; cat samples/fleets.results.csv; \
	  echo; echo "the run's page: $(CURDIR)/samples/fleets.results.html"; [ $$code -le 1 ]

# demo-diff runs the sandbox as a process of its own, on a fixed loopback
# port, because import --sandbox starts a fresh one each run: the diff must
# see what the import left. DEMO_API=legacy shows the older lookup
# contract, whose answers carry maxGroupSize.
DEMO_SANDBOX ?= 127.0.0.1:18089
DEMO_API     ?= current
DEMO_DIR     := bin/demo
demo-diff: build ## import samples/fleets.csv into a sandbox, then diff samples/fleets-day2.csv against it (read-only)
	@mkdir -p $(DEMO_DIR); \
	./$(BIN) sandbox --addr $(DEMO_SANDBOX) --api $(DEMO_API) 2>$(DEMO_DIR)/sandbox.log & pid=$$!; \
	trap 'kill $$pid 2>/dev/null; wait $$pid 2>/dev/null' EXIT; \
	for i in $$(seq 50); do grep -q 'Ctrl-C' $(DEMO_DIR)/sandbox.log 2>/dev/null && break; kill -0 $$pid 2>/dev/null || break; sleep 0.1; done; \
	kill -0 $$pid 2>/dev/null || { cat $(DEMO_DIR)/sandbox.log; echo "the sandbox did not start; try DEMO_SANDBOX=127.0.0.1:PORT"; exit 1; }; \
	cat $(DEMO_DIR)/sandbox.log; \
	export CAP_TILL=demo.till CAP_PASSWORD=demo-password; \
	echo; echo "== groupimport import samples/fleets.csv (day 1)"; \
	./$(BIN) import --host http://$(DEMO_SANDBOX) --rate unlimited --no-progress --overwrite \
	  --out $(DEMO_DIR)/fleets.results.csv samples/fleets.csv; \
	echo; echo "== groupimport diff samples/fleets-day2.csv (read-only)"; \
	./$(BIN) diff --host http://$(DEMO_SANDBOX) --rate unlimited --no-progress --overwrite --ext-fields server \
	  --results $(DEMO_DIR)/fleets.results.csv --out $(DEMO_DIR)/fleets-day2.diff.csv samples/fleets-day2.csv; \
	code=$$?; echo; echo "exit code $$code; diff:"; cat $(DEMO_DIR)/fleets-day2.diff.csv; [ $$code -le 1 ]

# demo-nightly runs three nights of a load against a sandbox process, as
# demo-diff does: night 1 imports samples/fleets.csv; nights 2 and 3 import
# samples/fleets-day2.csv with --since the night before, and send only what
# changed (night 3: nothing). Each night's results become the next --since.
NIGHT = ./$(BIN) import --host http://$(DEMO_SANDBOX) --rate unlimited --no-progress --on-conflict update --overwrite
demo-nightly: build ## three nights of a load into a sandbox: night 1 in full, nights 2 and 3 with --since the night before
	@mkdir -p $(DEMO_DIR); rm -f $(DEMO_DIR)/last.results.csv*; \
	./$(BIN) sandbox --addr $(DEMO_SANDBOX) --api $(DEMO_API) 2>$(DEMO_DIR)/sandbox.log & pid=$$!; \
	trap 'kill $$pid 2>/dev/null; wait $$pid 2>/dev/null' EXIT; \
	for i in $$(seq 50); do grep -q 'Ctrl-C' $(DEMO_DIR)/sandbox.log 2>/dev/null && break; kill -0 $$pid 2>/dev/null || break; sleep 0.1; done; \
	kill -0 $$pid 2>/dev/null || { cat $(DEMO_DIR)/sandbox.log; echo "the sandbox did not start; try DEMO_SANDBOX=127.0.0.1:PORT"; exit 1; }; \
	export CAP_TILL=demo.till CAP_PASSWORD=demo-password; \
	echo "== night 1: groupimport import samples/fleets.csv (every row sent)"; \
	$(NIGHT) --out $(DEMO_DIR)/last.results.csv samples/fleets.csv; [ $$? -le 1 ] || exit 1; \
	for night in 2 3; do \
	  echo; echo "== night $$night: groupimport import --since last.results.csv samples/fleets-day2.csv"; \
	  $(NIGHT) --since $(DEMO_DIR)/last.results.csv --out $(DEMO_DIR)/tonight.results.csv samples/fleets-day2.csv; \
	  code=$$?; [ $$code -le 1 ] || exit 1; \
	  echo "exit code $$code; the lines that are not unchanged:"; grep -v ',unchanged,' $(DEMO_DIR)/tonight.results.csv; \
	  mv $(DEMO_DIR)/tonight.results.csv.meta $(DEMO_DIR)/last.results.csv.meta && mv $(DEMO_DIR)/tonight.results.csv $(DEMO_DIR)/last.results.csv; \
	done

# demo-undo runs the sandbox as a process of its own too: the undo must
# find the groups the import made. The second undo deletes nothing more.
demo-undo: build ## import samples/fleets.csv into a sandbox, plan its undo (dry run), undo it, then undo again
	@mkdir -p $(DEMO_DIR); \
	./$(BIN) sandbox --addr $(DEMO_SANDBOX) --api $(DEMO_API) 2>$(DEMO_DIR)/sandbox.log & pid=$$!; \
	trap 'kill $$pid 2>/dev/null; wait $$pid 2>/dev/null' EXIT; \
	for i in $$(seq 50); do grep -q 'Ctrl-C' $(DEMO_DIR)/sandbox.log 2>/dev/null && break; kill -0 $$pid 2>/dev/null || break; sleep 0.1; done; \
	kill -0 $$pid 2>/dev/null || { cat $(DEMO_DIR)/sandbox.log; echo "the sandbox did not start; try DEMO_SANDBOX=127.0.0.1:PORT"; exit 1; }; \
	export CAP_TILL=demo.till CAP_PASSWORD=demo-password; \
	rm -f $(DEMO_DIR)/fleets.undo.csv $(DEMO_DIR)/fleets.undo.csv.meta; \
	echo "== groupimport import samples/fleets.csv"; \
	./$(BIN) import --host http://$(DEMO_SANDBOX) --rate unlimited --no-progress --overwrite \
	  --out $(DEMO_DIR)/fleets.results.csv samples/fleets.csv; \
	echo; echo "== groupimport undo --dry-run (lookups only)"; \
	./$(BIN) undo --host http://$(DEMO_SANDBOX) --rate unlimited --no-progress --dry-run $(DEMO_DIR)/fleets.results.csv; \
	echo "exit code $$?"; \
	echo; echo "== groupimport undo --yes"; \
	./$(BIN) undo --host http://$(DEMO_SANDBOX) --rate unlimited --no-progress --yes $(DEMO_DIR)/fleets.results.csv; \
	code=$$?; echo "exit code $$code"; cat $(DEMO_DIR)/fleets.undo.csv; [ $$code -le 1 ] || exit $$code; \
	echo; echo "== groupimport undo --yes, again: nothing more to delete"; \
	./$(BIN) undo --host http://$(DEMO_SANDBOX) --rate unlimited --no-progress --yes $(DEMO_DIR)/fleets.results.csv; \
	code=$$?; echo "exit code $$code"; [ $$code -le 1 ]

clean: ## remove build output
	rm -rf bin dist bench-out
