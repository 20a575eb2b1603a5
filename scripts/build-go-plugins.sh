#!/usr/bin/env bash
# Builds the Go test programs with hashicorp go-plugin: plugins (tests/GoPlugins/*) into
# artifacts/go-plugins/, hosts (tests/GoHosts/*) into artifacts/go-hosts/.
# Debian's Go libraries build in GOPATH mode; no module is downloaded.
set -euo pipefail
cd "$(dirname "$0")/.."

# A plugin with a proto/ folder implements a contract from the .proto `hotplug proto` exported; its Go package
# is generated into the GOPATH as hotplug/<name>pb.
for proto in tests/GoPlugins/*/proto/*.proto; do
  [ -e "$proto" ] || continue
  name=$(basename "$(dirname "$(dirname "$proto")")")
  mkdir -p "artifacts/gopath/src/hotplug/${name}pb"
  protoc --proto_path="$(dirname "$proto")" --go_out=plugins=grpc,paths=source_relative:"artifacts/gopath/src/hotplug/${name}pb" "$proto"
done

export GO111MODULE=off GOPATH="$PWD/artifacts/gopath:/usr/share/gocode" GOCACHE="$PWD/artifacts/gocache" GOFLAGS=
for kind in GoPlugins:go-plugins GoHosts:go-hosts; do
  source_folder=tests/${kind%%:*}
  out=artifacts/${kind##*:}
  mkdir -p "$out"
  for dir in "$source_folder"/*/; do
    go build -o "$out/$(basename "$dir")" "./$dir"
  done
done
