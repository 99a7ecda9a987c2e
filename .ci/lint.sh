#!/usr/bin/env bash
# Static checks: go vet, golangci-lint (.golangci.yaml: depguard keeps the
# service boundaries), go mod tidy -diff, dead code. Installs the pinned
# golangci-lint when missing (go install, cached in GOPATH/bin).
set -euo pipefail
cd "$(dirname "$0")/.."

GOLANGCI_LINT_VERSION=v2.15.0
bin="$(go env GOPATH)/bin/golangci-lint"
if ! [ -x "$bin" ] || ! "$bin" version 2>/dev/null | grep -q "version ${GOLANGCI_LINT_VERSION#v}"; then
  GOFLAGS= go install "github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$GOLANGCI_LINT_VERSION"
fi
[ "${1:-}" = install ] && exit 0

start=$(date +%s)
go vet ./...
"$bin" run ./...
go mod tidy -diff
.ci/deadcode.sh
echo "lint: $(( $(date +%s) - start )) s"
