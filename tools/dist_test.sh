#!/usr/bin/env bash
# Distributed testing on N processes (GPUs) per node, as MMDetection's tools/dist_test.sh:
#   bash tools/dist_test.sh CONFIG CHECKPOINT N [workbench test arguments, e.g. --out results.pkl --eval bbox]
# Environment: PORT (29500), NNODES (1), NODE_RANK (0), MASTER_ADDR (127.0.0.1), PYTHON (python).
set -euo pipefail
if [ "$#" -lt 3 ]; then
    echo "usage: $0 CONFIG CHECKPOINT N [workbench test arguments]" >&2
    exit 2
fi
CONFIG=$1
CHECKPOINT=$2
GPUS=$3
PYTHONPATH="$(cd "$(dirname "$0")/.." && pwd)${PYTHONPATH:+:$PYTHONPATH}" \
    exec "${PYTHON:-python}" -m workbench.cli dist-test "$CONFIG" "$CHECKPOINT" "$GPUS" "${@:4}"
