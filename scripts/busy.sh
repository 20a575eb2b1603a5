#!/usr/bin/env bash
# Runs a command while other processes keep every core busy, as on a shared CI machine where other jobs run:
# the tests must still pass when they get only part of the CPU.
# Usage: scripts/busy.sh [-n BURNERS] -- COMMAND...   (default: one burner per core)
# Exits with the command's status. The burners are ended, by their own pids, when it finishes or is interrupted.
set -u
burners=$(nproc)
if [ "${1:-}" = "-n" ]; then burners=$2; shift 2; fi
[ "${1:-}" = "--" ] && shift
[ $# -gt 0 ] || { echo "usage: scripts/busy.sh [-n BURNERS] -- COMMAND..." >&2; exit 2; }

pids=()
stop_burners() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done; }
trap stop_burners EXIT
trap 'exit 130' INT TERM
for _ in $(seq "$burners"); do
  # A shell spinning on a no-op: pure CPU, no memory, no I/O.
  sh -c 'while :; do :; done' &
  pids+=($!)
done

echo "busy: $burners burner(s) keep the cores busy beside: $*" >&2
"$@"
status=$?
echo "busy: command exited $status" >&2
exit "$status"
