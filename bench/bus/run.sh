#!/usr/bin/env bash
# The bus benchmark: a Hotplug bus hub and BusBenchMember member processes against hand-written raw NetMQ loops of the
# same patterns, side by side in one run, tcp on 127.0.0.1, unpinned. Prints one JSON line per figure and appends
# them to bench/results/bus-raw.jsonl. Optional argument: items per pipeline and pub/sub round (default 100000).
set -euo pipefail
cd "$(dirname "$0")/../.."
# Building the benchmarks builds bench/BusBenchMember too (artifacts/bench-bus/BusBenchMember).
dotnet build -c Release bench/Hotplug.Benchmarks -v quiet -clp:ErrorsOnly
echo "load average before the run: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
dotnet bench/Hotplug.Benchmarks/bin/Release/net10.0/Hotplug.Benchmarks.dll bus "$@" | tee -a bench/results/bus-raw.jsonl
