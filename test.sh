#!/usr/bin/env bash
# Builds everything (src, tests, samples, benchmarks) and runs every test suite.
# Needs only the .NET SDK; anything else a suite needs is installed here, by this script.
# ./test.sh --busy runs the suites while other processes keep every core busy (scripts/busy.sh).
set -euo pipefail
cd "$(dirname "$0")"

runner=()
for arg in "$@"; do
  case "$arg" in
    --busy) runner=(scripts/busy.sh --) ;;
    *) echo "usage: ./test.sh [--busy]" >&2; exit 2 ;;
  esac
done

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

scripts/install-test-deps.sh
scripts/build-go-plugins.sh

dotnet build Hotplug.slnx --nologo -v quiet -clp:ErrorsOnly

log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
${runner[@]+"${runner[@]}"} dotnet test Hotplug.slnx --no-build --nologo 2>&1 | tee "$log" || status=$?

# One closing line over all test assemblies.
awk '
  /(Passed|Failed)!  - Failed:/ {
    for (i = 1; i <= NF; i++) {
      if ($i == "Failed:")  { gsub(",", "", $(i+1)); failed  += $(i+1) }
      if ($i == "Passed:")  { gsub(",", "", $(i+1)); passed  += $(i+1) }
      if ($i == "Skipped:") { gsub(",", "", $(i+1)); skipped += $(i+1) }
    }
  }
  END { printf "%d passed, %d failed, %d skipped\n", passed, failed, skipped }
' "$log"
exit "$status"
