#!/usr/bin/env bash
# Dead code: functions that no test and no command reaches (deadcode -test).
# Prints them and fails when there are any. Run it again after merges.
set -euo pipefail
cd "$(dirname "$0")/.."

DEADCODE_VERSION=v0.52.0 # golang.org/x/tools
bin="$(go env GOPATH)/bin/deadcode"
if ! [ -x "$bin" ] || ! go version -m "$bin" 2>/dev/null | grep -q "golang.org/x/tools[[:space:]]*$DEADCODE_VERSION"; then
  GOFLAGS= go install "golang.org/x/tools/cmd/deadcode@$DEADCODE_VERSION"
fi

out="$("$bin" -test ./...)"
if [ -n "$out" ]; then
  printf 'dead code (deadcode -test ./...): remove it, or use it\n%s\n' "$out" >&2
  exit 1
fi
