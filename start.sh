#!/usr/bin/env bash
# Starts Stocktake on SQLite with the demo data at http://127.0.0.1:8000
# (first run: creates .venv, installs, migrates and loads; later runs start at once).
# Options go to `stocktake serve`: ./start.sh --host 0.0.0.0 --port 8080
set -euo pipefail
cd "$(dirname "$0")"
source scripts/bootstrap.sh
stocktake_bootstrap
exec .venv/bin/stocktake serve "$@"
