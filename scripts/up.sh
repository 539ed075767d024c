#!/usr/bin/env bash
# Sets everything up, starts the system (Neo4j, Redis, vector service, GraphQL API, workers)
# and runs the main job on the bundled sample press, ending with a summary.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s)
bash scripts/setup.sh
[ -f .env ] || cp .env.example .env
# A .env from before exact endpoints allowed the whole of 127.0.0.1: narrow it to the demo's
# two endpoints (site and IIIF image server), which is all the sample press needs.
demo_endpoints='["127.0.0.1:8190","127.0.0.1:8191"]'
sed -i "s|^CONTAGIONS_HTTP__ALLOWED_PRIVATE_HOSTS=\[\"127.0.0.1\"\]\$|CONTAGIONS_HTTP__ALLOWED_PRIVATE_HOSTS=${demo_endpoints}|" .env
.venv/bin/contagions up
.venv/bin/contagions demo run
echo "done in $(( $(date +%s) - started ))s"
