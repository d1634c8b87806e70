# groupimport: build, test and try the tool. Run "make help" for the targets.

VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X main.version=$(VERSION)
GO      ?= go
BIN     := bin/groupimport
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2

.PHONY: help build test lint fuzz soak bench demo release clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

build: ## build bin/groupimport with the version stamped in
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/groupimport

test: ## run every test with the race detector
	$(GO) test -race -count=1 ./...

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
	SOAK_ROWS=$(SOAK_ROWS) SOAK_KILLS=$(SOAK_KILLS) $(GO) test -race -count=1 -timeout 60m -v \
	  -run 'TestFaultSuite|TestCrashAndResume' ./importer/ ./cmd/groupimport/ 2>&1 | grep -E '^(---|===|ok|FAIL)|faults_test|process_test'

BENCH_OUT ?= bench-out
bench: build ## the benchmarks, Go's and groupimport beside its peers (about 20 minutes); see BENCHMARKS.md
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

demo: build ## import samples/fleets.csv into a local sandbox API
	./$(BIN) import --sandbox --rate unlimited --overwrite samples/fleets.csv; \
	  code=$$?; echo; echo "exit code $$code; results:"; cat samples/fleets.results.csv; [ $$code -le 1 ]

clean: ## remove build output
	rm -rf bin dist bench-out
