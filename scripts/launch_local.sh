#!/usr/bin/env bash
# Starts N ranks of a tlt command on this machine, as `torchrun --nproc_per_node N --no_python` does, for
# machines without Python: each rank gets RANK, LOCAL_RANK, WORLD_SIZE, LOCAL_WORLD_SIZE, MASTER_ADDR and
# MASTER_PORT. When a rank fails, the others are stopped, and the script exits with the first failing
# rank's exit code.
#
#   bash scripts/launch_local.sh 2 build/apps/tlt landscape --run runs/base --out runs/base/landscape.csv
#
# Environment: MASTER_PORT (default 29500), MASTER_ADDR (default 127.0.0.1).
set -uo pipefail

usage() {
  echo "usage: bash scripts/launch_local.sh N COMMAND [ARGUMENT ...]" >&2
  echo "  starts N ranks of COMMAND with the variables that torchrun sets (MASTER_PORT, default 29500)" >&2
}

if [[ $# -lt 2 ]]; then
  usage
  exit 2
fi
ranks=$1
shift
if ! [[ $ranks =~ ^[0-9]+$ ]] || ((ranks < 1 || ranks > 1024)); then
  echo "launch_local.sh: invalid number of ranks '$ranks': expected a whole number from 1 to 1024" >&2
  usage
  exit 2
fi
if ! command -v -- "$1" >/dev/null 2>&1; then
  echo "launch_local.sh: command '$1' not found or not executable" >&2
  exit 2
fi

export MASTER_ADDR=${MASTER_ADDR:-127.0.0.1}
export MASTER_PORT=${MASTER_PORT:-29500}
export WORLD_SIZE=$ranks LOCAL_WORLD_SIZE=$ranks

pids=()
stop_all() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null; done
}
trap 'stop_all; wait; exit 130' INT TERM

for ((rank = 0; rank < ranks; ++rank)); do
  RANK=$rank LOCAL_RANK=$rank "$@" &
  pids+=($!)
done

# Wait for the ranks in the order they finish; the first failure stops the rest.
status=0
remaining=$ranks
while ((remaining > 0)); do
  wait -n
  code=$?
  remaining=$((remaining - 1))
  if ((code != 0 && status == 0)); then
    status=$code
    echo "launch_local.sh: a rank exited with code $code; stopping the others" >&2
    stop_all
  fi
done
exit "$status"
