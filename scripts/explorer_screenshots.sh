#!/usr/bin/env bash
# Screenshots of every explorer screen, with real data, into docs/explorer/: the browser tests
# (tests/explorer) save them while they run on the reduced sample press.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >/dev/null
export CONTAGIONS_EXPLORER_SCREENSHOTS="$PWD/docs/explorer"
export PYTHONPATH="$PWD"
.venv/bin/python -m pytest tests/explorer/test_explorer.py -q "$@"
ls "$CONTAGIONS_EXPLORER_SCREENSHOTS"
