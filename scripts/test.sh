#!/usr/bin/env bash
# Runs the whole test suite against real local services (started on test ports, then stopped).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
set -a; source tests/services.env; set +a
export CONTAGIONS_DATA_DIR="$PWD/$CONTAGIONS_DATA_DIR"
export CONTAGIONS_VECTORS__SERVICE_PORT=$((CONTAGIONS_NEO4J__BOLT_PORT - 1352))
trap '.venv/bin/contagions services down >/dev/null 2>&1 || true' EXIT
.venv/bin/ruff check .
.venv/bin/mypy
.venv/bin/ruff format --check .
.venv/bin/python -m pytest "$@"
