#!/usr/bin/env bash
# Builds the Go test plugins (tests/GoPlugins/*) with hashicorp go-plugin into artifacts/go-plugins/.
# Debian's Go libraries build in GOPATH mode; no module is downloaded.
set -euo pipefail
cd "$(dirname "$0")/.."

out=artifacts/go-plugins
mkdir -p "$out"
export GO111MODULE=off GOPATH="$PWD/artifacts/gopath:/usr/share/gocode" GOCACHE="$PWD/artifacts/gocache" GOFLAGS=
for dir in tests/GoPlugins/*/; do
  name=$(basename "$dir")
  go build -o "$out/$name" "./$dir"
done
