#!/usr/bin/env bash
# The process benchmark, side by side in one run: the raw Unix-socket floor, the echo plugin under a
# go-plugin Go host, and the same plugin under a Hotplug host (with and without a log line per call), and the
# .NET plugin on the fast lane and over gRPC (JIT and NativeAOT) and on stdio. Prints one JSON line per row,
# each with its run number; RUNS (default 3) runs one after the other. Unpinned.
set -euo pipefail
cd "$(dirname "$0")/../.."
scripts/install-test-deps.sh
bench/process/build.sh
dotnet build -c Release bench/Hotplug.Benchmarks -v quiet -clp:ErrorsOnly
dotnet build -c Release bench/DotnetEchoPlugin -v quiet -clp:ErrorsOnly
# NativeAOT needs clang and zlib's headers (Debian: clang, zlib1g-dev); skipped when they are missing.
if command -v clang >/dev/null && [ -e /usr/include/zlib.h ]; then
  dotnet publish bench/DotnetEchoPlugin -c Release -r linux-x64 -p:PublishAot=true -v quiet -clp:ErrorsOnly \
    -o artifacts/bench-process/dotnet-echo-plugin-aot
fi
for run in $(seq 1 "${RUNS:-3}"); do
  {
    artifacts/bench-process/pingpong "/tmp/hotplug-pingpong-$$.sock"
    artifacts/bench-process/echo-host "$PWD/artifacts/bench-process/echo-plugin"
    dotnet bench/Hotplug.Benchmarks/bin/Release/net10.0/Hotplug.Benchmarks.dll process
  } | sed -u "s/^{/{\"run\":$run,/"
done
