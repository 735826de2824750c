#!/usr/bin/env bash
# Distributed training on N processes (GPUs) per node, as MMDetection's tools/dist_train.sh:
#   bash tools/dist_train.sh CONFIG N [workbench train arguments]
# Environment: PORT (29500), NNODES (1), NODE_RANK (0), MASTER_ADDR (127.0.0.1), PYTHON (python).
# Runs `workbench dist-train`, which starts `python -m torch.distributed.run ... -m workbench.cli train`.
set -euo pipefail
if [ "$#" -lt 2 ]; then
    echo "usage: $0 CONFIG N [workbench train arguments]" >&2
    exit 2
fi
CONFIG=$1
GPUS=$2
PYTHONPATH="$(cd "$(dirname "$0")/.." && pwd)${PYTHONPATH:+:$PYTHONPATH}" \
    exec "${PYTHON:-python}" -m workbench.cli dist-train "$CONFIG" "$GPUS" "${@:3}"
