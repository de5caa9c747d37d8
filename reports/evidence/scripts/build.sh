#!/usr/bin/env bash
# Build the Evidence site from a backtest warehouse:  scripts/build.sh [WAREHOUSE] [OUT_DIR]
#   WAREHOUSE  the DuckDB file with the dbt marts (default: $BACKTEST_DB)
#   OUT_DIR    where the static site goes (default: <warehouse dir>/evidence)
# Installs node_modules on first use (npm install; its postinstall patches universal-sql so the
# build needs no internet). Each step runs under `timeout` (EVIDENCE_TIMEOUT seconds, default
# 600) and `nice`, so a hang is a clear failure rather than a silent wait.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DB="${1:-${BACKTEST_DB:-}}"
[[ -n "$DB" ]] || { echo "evidence: no warehouse (pass one or set BACKTEST_DB)" >&2; exit 2; }
DB="$(realpath "$DB")"
[[ -f "$DB" ]] || { echo "evidence: warehouse $DB not found (run make backtest first)" >&2; exit 2; }
OUT="$(realpath -m "${2:-$(dirname "$DB")/evidence}")"
case "$OUT" in
  /|"$HOME"|"$(dirname "$DB")"|"$HERE"*) echo "evidence: refusing to replace $OUT" >&2; exit 2 ;;
esac
LIMIT="${EVIDENCE_TIMEOUT:-600}"
export SEND_ANONYMOUS_USAGE_STATS=no NODE_OPTIONS="${NODE_OPTIONS:---max-old-space-size=4096}"

cd "$HERE"
step() { # step NAME CMD...: run under timeout and nice, fail loudly on a timeout
  local name=$1 rc=0; shift
  echo "evidence: $name"
  timeout --kill-after=10 "$LIMIT" nice -n 10 "$@" || rc=$?
  if [[ $rc -eq 124 || $rc -eq 137 ]]; then
    echo "evidence: '$name' did not finish within ${LIMIT}s (EVIDENCE_TIMEOUT) and was stopped." >&2
    echo "evidence: offline, a hang usually means DuckDB-Wasm is trying to download an extension:" >&2
    echo "evidence: check that scripts/patch-universal-sql.mjs ran (npm install prints it)." >&2
  fi
  return $rc
}
if [[ ! -d node_modules/@evidence-dev/evidence ]]; then
  step "npm install (first run only, ~1 min, ~700 MB)" npm install --no-audit --no-fund
fi
node scripts/patch-universal-sql.mjs  # fails loudly if universal-sql changed under the patch

# The marts only, in a DuckDB storage format the Evidence connector can open.
PY="${PYTHON:-$HERE/../../.venv/bin/python}"
"$PY" scripts/export_marts.py "$DB" sources/backtest/backtest.duckdb
step "sources (marts -> parquet)" npx evidence sources
step "build (pages -> static site)" npx evidence build
rm -rf "$OUT" && mkdir -p "$(dirname "$OUT")" && cp -r build "$OUT"
echo "evidence: site in $OUT; serve it, e.g. python3 -m http.server 3000 --bind 127.0.0.1 -d \"$OUT\""
