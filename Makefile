# UniFlow developer entry points. `make run` and `make test` work on a fresh
# Debian machine with Go: scripts/services.sh installs and starts PostgreSQL
# and Redis when they are missing.

GO ?= go
# CI has 90 minutes in all; a hung test should fail the run long before.
TEST_TIMEOUT ?= 15m
# How long each benchmark runs; 1x runs each once (a smoke run).
BENCHTIME ?= 1s
BENCH ?= .

.PHONY: run test fuzz bench demo services vet fmt chaos

services:
	@bash scripts/services.sh

run: services
	$(GO) run ./cmd/uniflow

# Each fuzz target runs this long in `make test` (Go fuzzes one target per invocation); their
# corpus is committed under bot/testdata/fuzz/.
FUZZTIME ?= 10s
# The importer's five fuzz targets (CSV reading, value parsers) run shorter, to keep `make test` modest.
IMPORT_FUZZTIME ?= 5s

test: services
	$(GO) vet ./...
	$(GO) test -race -count=1 -timeout $(TEST_TIMEOUT) ./...
	$(MAKE) fuzz

fuzz: services
	$(GO) test -run '^$$' -fuzz '^FuzzCallbackCodec$$' -fuzztime $(FUZZTIME) ./bot
	$(GO) test -run '^$$' -fuzz '^FuzzRouter$$' -fuzztime $(FUZZTIME) ./bot
	$(GO) test -run '^$$' -fuzz '^FuzzReadCSV$$' -fuzztime $(IMPORT_FUZZTIME) ./importer
	$(GO) test -run '^$$' -fuzz '^FuzzParsePhone$$' -fuzztime $(IMPORT_FUZZTIME) ./importer
	$(GO) test -run '^$$' -fuzz '^FuzzParseMoney$$' -fuzztime $(IMPORT_FUZZTIME) ./importer
	$(GO) test -run '^$$' -fuzz '^FuzzParseDate$$' -fuzztime $(IMPORT_FUZZTIME) ./importer
	$(GO) test -run '^$$' -fuzz '^FuzzParsePlate$$' -fuzztime $(IMPORT_FUZZTIME) ./importer

# The crash and fault harness, full variant (issue 11; README, Operations): 10,000 booking updates
# from 500 users while the bot is SIGKILLed 20 times, its own PostgreSQL and Redis are restarted,
# two webhook replicas alternate and a fifth of Telegram's calls fail. Its short variant runs in
# `make test`.
CHAOS_TIMEOUT ?= 60m
chaos: services
	CHAOS=full $(GO) test -count=1 -run '^TestChaos$$' -v -timeout $(CHAOS_TIMEOUT) ./internal/chaos

bench: services
	$(GO) test -run '^$$' -bench '$(BENCH)' -benchtime $(BENCHTIME) -timeout $(TEST_TIMEOUT) ./...

demo: services
	$(GO) run ./cmd/uniflow demo

vet:
	$(GO) vet ./...

fmt:
	gofmt -l -w .
