#!/usr/bin/env bash
# Re-resolves the Python dependencies into pinned, hashed lock files: requirements.lock (what the
# Docker image runs) and requirements-dev.lock (that plus the dev tools; scripts/setup.sh and CI
# install it). Run after changing the dependencies in pyproject.toml.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/uv ] || .venv/bin/python -m pip install -q uv
compile() {
  .venv/bin/uv pip compile pyproject.toml --generate-hashes --quiet \
    --python-version 3.11 --python-platform x86_64-manylinux_2_28 "$@"
}
compile --output-file requirements.lock
compile --extra dev --constraint requirements.lock --output-file requirements-dev.lock
echo "==> requirements.lock and requirements-dev.lock written"
