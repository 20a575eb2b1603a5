#!/usr/bin/env bash
# The router benchmark of two commits side by side, in one run: this machine's speed varies from day to day,
# so a figure is only comparable with one measured in the same run. Builds the benchmark of <base> (default:
# the commit before the runtime seam) in a temporary worktree, then runs <base> and the working tree in turn,
# <rounds> times each (default 2), and prints each round's router and collectible-floor means.
#
#   bench/router-compare.sh [base-commit] [rounds]
#
# Reports land in artifacts/router-compare/<label>-<round>/results/.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
base="${1:-8104265}"
rounds="${2:-2}"
out="$root/artifacts/router-compare"
tree="$(mktemp -d)/base"
cleanup() { git -C "$root" worktree remove --force "$tree" >/dev/null 2>&1 || true; }
trap cleanup EXIT

git -C "$root" worktree add --detach "$tree" "$base" >/dev/null
rm -rf "$out" && mkdir -p "$out"

run() { # label, repository root, round
    local label="$1" repo="$2" round="$3"
    # From the repository's own folder: BenchmarkDotNet looks for the benchmark's project from the current one.
    (cd "$repo" && dotnet run -c Release --project bench/Hotplug.Benchmarks -- \
        --filter '*RouterBenchmarks*' --buildTimeout 900 --artifacts "$out/$label-$round" >"$out/$label-$round.log" 2>&1)
    local report
    report="$(find "$out/$label-$round" -name '*RouterBenchmarks-report-github.md' | head -1)"
    echo "## $label, round $round ($(git -C "$repo" rev-parse --short HEAD))"
    grep -E '^\| ' "$report"
    echo
}

for round in $(seq 1 "$rounds"); do
    run base "$tree" "$round"
    run new "$root" "$round"
done
