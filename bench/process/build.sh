#!/usr/bin/env bash
# Builds the Go side of the process benchmark into artifacts/bench-process/: the echo plugin, the go-plugin
# Go host that measures it, and the raw Unix-socket floor. Needs scripts/install-test-deps.sh.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=artifacts/bench-process
gopath=$PWD/artifacts/bench-gopath
mkdir -p "$out" "$gopath/src/hotplug/echopb"
protoc --proto_path=bench/process/proto --go_out=plugins=grpc,paths=source_relative:"$gopath/src/hotplug/echopb" bench/process/proto/echo.proto
export GO111MODULE=off GOPATH="$gopath:/usr/share/gocode" GOCACHE="$PWD/artifacts/gocache" GOFLAGS=
for program in echo-plugin echo-host pingpong; do
  go build -o "$out/$program" "./bench/process/$program"
done
