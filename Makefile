# Marquee — build, run and test. `make run` and `make test` are the two commands in the README.
GO        ?= go
BIN       := bin/marquee
VERSION   ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
LDFLAGS   := -s -w -X github.com/marquee-dev/marquee/internal/app.Version=$(VERSION)
export GOFLAGS := -mod=mod

WEB_SRC   := $(shell find web/src web/public -type f 2>/dev/null) web/index.html web/vite.config.ts web/tsconfig.json web/package.json

.PHONY: build run test test-go test-web lint-api web vet lint bench clean deploy-check

## build: the web app (npm), then the one binary that embeds it
build: web
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/marquee

web: web/dist/index.html

web/node_modules/.package-lock.json: web/package.json web/package-lock.json
	cd web && npm ci --no-audit --no-fund

web/dist/index.html: web/node_modules/.package-lock.json $(WEB_SRC)
	cd web && npm run build

## run: build and start the whole platform on embedded defaults with the demo catalog
## (the first build compiles every dependency: it says so first, since it is silent for minutes)
run:
	@if [ ! -x $(BIN) ] || [ ! -d web/node_modules ]; then \
	  echo "make run: first build — installing the web app's packages and compiling Marquee;"; \
	  echo "          this takes about 5 minutes on 2 cores (later builds take seconds)..."; \
	else echo "make run: building (seconds when little changed)..."; fi
	@$(MAKE) --no-print-directory build
	@echo "make run: starting marquee serve --demo (the demo fills in within seconds; Ctrl-C stops it)"
	./$(BIN) serve --demo

## test: lint (vet, golangci-lint, tidy, dead code), every Go test (PostgreSQL tests need MARQUEE_TEST_POSTGRES_URL; .ci/run sets it),
## the web app's unit tests and its end-to-end tests in Chromium, the API document's lint, and the deployment files
test: lint test-go test-web lint-api deploy-check

vet:
	$(GO) vet ./...

## lint: go vet, golangci-lint (.golangci.yaml, depguard), go mod tidy -diff, dead code; prints its duration
lint:
	.ci/lint.sh

test-go: web
	$(GO) test -count=1 -timeout 20m ./...

test-web: web
	cd web && npm run check:api && npm test && E2E_REQUIRE_ALL=1 npm run e2e

## lint-api: the merged OpenAPI document (`marquee openapi`) against Redocly's recommended rules
REDOCLY   := @redocly/cli@2.77.0
lint-api:
	@mkdir -p bin
	$(GO) run ./cmd/marquee openapi > bin/openapi.json
	npx --yes $(REDOCLY) lint --format=stylish bin/openapi.json

## deploy-check: the files in deploy/ (compose, Helm chart, nginx, systemd unit, Dockerfile)
## checked without Docker; installs the pinned helm with `go install` when missing
deploy-check:
	bash deploy/check.sh

## bench: the benchmarks quoted in docs/BENCHMARKS.md
bench:
	$(GO) test -run '^$$' -bench . -benchtime 3s ./...

clean:
	rm -rf bin data web/dist/assets web/dist/index.html web/dist/favicon.svg
