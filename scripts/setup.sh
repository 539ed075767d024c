#!/usr/bin/env bash
# Installs what contagions needs on a fresh Debian/Ubuntu machine. Safe to run again.
#   - redis-server (Debian package) when missing
#   - Java 17 + Maven must be there already (Neo4j is fetched from Maven Central by Maven)
#   - a virtualenv in .venv with the project and its dev tools
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v redis-server >/dev/null 2>&1 || need_apt+=(redis-server)
command -v java >/dev/null 2>&1 || need_apt+=(openjdk-17-jre-headless)
command -v mvn >/dev/null 2>&1 || need_apt+=(maven)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "==> installing ${need_apt[*]} (apt)"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

PYTHON="${PYTHON:-python3.11}"
command -v "$PYTHON" >/dev/null 2>&1 || PYTHON=python3
if [ ! -x .venv/bin/python ]; then
  echo "==> creating .venv with $($PYTHON --version)"
  "$PYTHON" -m venv .venv
fi
# The exact versions CI tested, with hashes (scripts/lock.sh re-resolves them).
stamp=.venv/.installed-$(cat pyproject.toml requirements-dev.lock | sha256sum | cut -c1-16)
if [ ! -f "$stamp" ]; then
  echo "==> installing Python dependencies from requirements-dev.lock (first time: minutes, torch is large)"
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q --require-hashes -r requirements-dev.lock
  .venv/bin/python -m pip install -q --no-deps -e .
  rm -f .venv/.installed-*
  touch "$stamp"
fi

# The explorer web app (served by the API at /): rebuilt only when its sources change.
if command -v npm >/dev/null 2>&1; then
  sources=$( (find explorer -path explorer/node_modules -prune -o -path explorer/dist -prune \
    -o -path explorer/src/gql -prune -o -type f -print; echo api/schema.graphql) \
    | LC_ALL=C sort | xargs sha256sum | sha256sum | cut -c1-16)
  if [ ! -f "explorer/dist/.built-$sources" ]; then
    lock=$(sha256sum explorer/package-lock.json | cut -c1-16)
    if [ ! -f "explorer/node_modules/.ci-$lock" ]; then
      echo "==> installing the explorer's npm packages (npm ci)"
      (cd explorer && npm ci --no-audit --no-fund --loglevel=error)
      touch "explorer/node_modules/.ci-$lock"
    fi
    echo "==> building the explorer web app (types from api/schema.graphql, type check, bundle)"
    log=$(mktemp)
    if ! (cd explorer && npm run --silent build) >"$log" 2>&1; then
      cat "$log" >&2; rm -f "$log"; echo "==> the explorer build failed" >&2; exit 1
    fi
    rm -f "$log"
    touch "explorer/dist/.built-$sources"
  fi
else
  echo "==> npm not found: the explorer web app is NOT built (install Node 20 + npm, rerun)" >&2
fi
echo "==> explorer ready"
echo "==> set-up done"
