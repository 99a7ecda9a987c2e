# Marquee — build, run and test. `make run` and `make test` are the two commands in the README.
GO        ?= go
BIN       := bin/marquee
VERSION   ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
LDFLAGS   := -s -w -X github.com/marquee-dev/marquee/internal/app.Version=$(VERSION)
export GOFLAGS := -mod=mod

.PHONY: build run test test-go vet bench clean

build:
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/marquee

## run: build and start the whole platform on embedded defaults with the demo catalog
run: build
	./$(BIN) serve --demo

## test: vet and every test (PostgreSQL tests need MARQUEE_TEST_POSTGRES_URL; .ci/run sets it)
test: vet test-go

vet:
	$(GO) vet ./...

test-go:
	$(GO) test -count=1 -timeout 20m ./...

## bench: the benchmarks quoted in docs/BENCHMARKS.md
bench:
	$(GO) test -run '^$$' -bench . -benchtime 3s ./...

clean:
	rm -rf bin data
