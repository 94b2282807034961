#!/usr/bin/env bash
# Runs every check and the whole test suite, on SQLite and on PostgreSQL.
# PostgreSQL: STOCKTAKE_TEST_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/stocktake);
# when it cannot be reached the PostgreSQL run is skipped with a warning, or fails if
# STOCKTAKE_REQUIRE_POSTGRES=1 (as in CI). Extra arguments go to pytest: ./test.sh -k api
set -euo pipefail
cd "$(dirname "$0")"
source scripts/bootstrap.sh
stocktake_bootstrap dev
bin=.venv/bin
export STOCKTAKE_DATA_DIR="${STOCKTAKE_TEST_DATA_DIR:-$(mktemp -d)}"

echo "== lint and types"
$bin/ruff check .
$bin/ruff format --check .
$bin/mypy stocktake
echo "== migrations and deployment checks"
$bin/stocktake makemigrations --check --dry-run >/dev/null
STOCKTAKE_ENV=production STOCKTAKE_SECRET_KEY="check-deploy-$(head -c 48 /dev/urandom | base64 | tr -d '/+=')" \
  STOCKTAKE_ALLOWED_HOSTS=stocktake.example.org $bin/stocktake check --deploy --fail-level WARNING

echo "== tests on SQLite"
DATABASE_URL="sqlite:///$STOCKTAKE_DATA_DIR/test.sqlite3" $bin/pytest "$@"

postgres_url="${STOCKTAKE_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/stocktake}"
if $bin/python -c "import sys, psycopg; psycopg.connect(sys.argv[1].rsplit('/', 1)[0] + '/postgres', connect_timeout=3).close()" "$postgres_url" 2>/dev/null; then
  echo "== tests on PostgreSQL"
  DATABASE_URL="$postgres_url" $bin/pytest "$@"
elif [ "${STOCKTAKE_REQUIRE_POSTGRES:-0}" = "1" ]; then
  echo "PostgreSQL at $postgres_url cannot be reached, and STOCKTAKE_REQUIRE_POSTGRES=1." >&2
  exit 1
else
  echo "WARNING: PostgreSQL at $postgres_url cannot be reached: the PostgreSQL run was skipped." >&2
fi
echo "== all checks passed"
