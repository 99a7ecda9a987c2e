#!/usr/bin/env bash
# Dead code: functions that no test and no command reaches (deadcode -test).
# Prints them and fails when there are any, except the entries of
# .ci/deadcode.allow (each says why). Run it again after merges.
set -euo pipefail
cd "$(dirname "$0")/.."

DEADCODE_VERSION=v0.52.0 # golang.org/x/tools
bin="$(go env GOPATH)/bin/deadcode"
if ! [ -x "$bin" ] || ! go version -m "$bin" 2>/dev/null | grep -q "golang.org/x/tools[[:space:]]*$DEADCODE_VERSION"; then
  GOFLAGS= go install "golang.org/x/tools/cmd/deadcode@$DEADCODE_VERSION"
fi

all="$("$bin" -test ./...)"
# drop the positions (file:line:col → file) and the entries .ci/deadcode.allow accepts
out="$(printf '%s\n' "$all" | sed -E 's/^([^:]+):[0-9]+:[0-9]+:/\1:/' | grep -vxF -f <(grep -v '^#' .ci/deadcode.allow) | grep . || true)"
if [ -n "$out" ]; then
  printf 'dead code (deadcode -test ./...): remove it, or use it\n%s\n' "$out" >&2
  exit 1
fi
