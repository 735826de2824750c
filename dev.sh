#!/usr/bin/env bash
# Set-up and everyday commands. Needs only Python >= 3.10 with pip and venv.
#   bash dev.sh demo    - the main job: make the synthetic shapes data, train, evaluate, write a report
#   bash dev.sh test    - install everything into .venv and run the whole (non-GPU) test suite
#   bash dev.sh browser-test - install Playwright + Debian's chromium, run the JupyterLab widget test (docs/notebooks.md)
set -euo pipefail
cd "$(dirname "$0")"
VENV=.venv
PY=$VENV/bin/python

ensure_env() {
    if [ ! -x "$PY" ]; then
        python3 -m venv "$VENV"
    fi
    local stamp="$VENV/.installed-$(cat pyproject.toml | sha1sum | cut -c1-12)"
    if [ ! -f "$stamp" ]; then
        "$PY" -m pip install --upgrade pip
        "$PY" -m pip install torch torchvision
        "$PY" -m pip install -e ".[dev]"
        touch "$stamp"
    fi
}

cmd=${1:-help}
shift || true
case "$cmd" in
    demo)
        ensure_env
        "$VENV/bin/workbench" demo "$@"
        ;;
    test)
        ensure_env
        # pytest exits 5 when nothing was collected; that is a failure here too.
        "$PY" -m pytest -n 2 -m "not gpu" "$@"
        ;;
    env)
        ensure_env
        ;;
    bench)
        # benchmark suite: tables and CSV in benchmarks/results/ (run_all.py --help for options)
        ensure_env
        "$PY" benchmarks/run_all.py "$@"
        ;;
    browser-test)
        ensure_env
        "$PY" -m pip install playwright
        # Debian's chromium, never a browser download (no `playwright install`)
        if [ ! -x "${WORKBENCH_CHROMIUM:-/usr/bin/chromium}" ]; then
            SUDO=$([ "$(id -u)" -eq 0 ] && echo "" || echo sudo)
            $SUDO apt-get update && $SUDO apt-get install -y chromium
        fi
        # screenshots land in test-artifacts/
        "$PY" -m pytest -p no:cacheprovider -m browser tests/browser "$@"
        ;;
    *)
        echo "usage: bash dev.sh {demo|test|env|bench|browser-test} [args...]" >&2
        exit 2
        ;;
esac
