#!/usr/bin/env bash
# `make deploy-check`: the files in deploy/ checked without a container engine
# (deploy/check/deploy_test.go says what each check looks at). Installs the
# pinned Helm from the Go module proxy when it is missing; prints how long
# each stage took.
set -euo pipefail
cd "$(dirname "$0")/.."
export GOFLAGS=-mod=mod

HELM_MODULE=helm.sh/helm/v4
HELM_VERSION=v4.3.2
GOBIN_DIR="$(go env GOPATH)/bin"
export PATH="$GOBIN_DIR:$PATH"

stage() {
  local name=$1 start end
  shift
  printf '\n-- %s\n' "$name"
  start=$(date +%s%N)
  "$@"
  end=$(date +%s%N)
  printf -- '-- %s: %d.%03ds\n' "$name" $(((end - start) / 1000000000)) $(((end - start) / 1000000 % 1000))
}

# The version a go-installed helm was built from (`helm version` shows only
# v4.3 for a binary built without release flags).
helm_module_version() {
  command -v helm >/dev/null 2>&1 && go version -m "$(command -v helm)" 2>/dev/null | awk -v m="$HELM_MODULE" '$1 == "mod" && $2 == m { print $3 }'
}

install_helm() {
  if [ "$(helm_module_version || true)" = "$HELM_VERSION" ]; then
    echo "helm $HELM_VERSION: $(command -v helm)"
    return
  fi
  echo "go install $HELM_MODULE/cmd/helm@$HELM_VERSION (a few minutes the first time)"
  GOBIN="$GOBIN_DIR" go install "$HELM_MODULE/cmd/helm@$HELM_VERSION"
}

lint_chart() {
  for values in deploy/helm/marquee/ci/*.yaml; do
    helm lint --strict deploy/helm/marquee -f "$values"
  done
}

check_files() {
  (cd deploy/check && go vet ./... && go test -count=1 ./...)
}

stage "helm $HELM_VERSION" install_helm
stage "helm lint" lint_chart
stage "compose, helm template, nginx -t, systemd unit, Dockerfile" check_files
