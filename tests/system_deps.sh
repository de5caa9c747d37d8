#!/usr/bin/env bash
# What `make test` needs from the system besides .venv: Chromium (the report's browser check,
# tests/test_report_build.py) and a Java 17+ runtime (dbt's Spark target,
# tests/test_spark_equality.py). As root with apt-get it installs what is missing and says
# so; otherwise it stops at once with the one command to run.
set -euo pipefail

java_major() {
  local java="java"
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then java="$JAVA_HOME/bin/java"; fi
  command -v "$java" >/dev/null 2>&1 || { echo 0; return; }
  # `openjdk version "17.0.15" 2025-04-15` (or "1.8.0_402" for Java 8)
  "$java" -version 2>&1 | sed -n 's/.*version "\(1\.\)\{0,1\}\([0-9]*\).*/\2/p' | head -n 1
}

missing=()
if ! command -v chromium >/dev/null 2>&1 && ! command -v chromium-browser >/dev/null 2>&1; then
  missing+=(chromium)
fi
major="$(java_major)"
if [ "${major:-0}" -lt 17 ]; then
  missing+=(openjdk-17-jre-headless)
fi
[ "${#missing[@]}" -eq 0 ] && exit 0

install="apt-get update && apt-get install -y ${missing[*]}"
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "make test needs ${missing[*]}: installing with apt-get (running as root)..."
  if apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null; then
    echo "Installed ${missing[*]}."
    exit 0
  fi
  echo "❌ Installing ${missing[*]} with apt-get failed; see above, then run: $install" >&2
  exit 1
fi
echo "❌ make test needs ${missing[*]} (the report's browser check and dbt's Spark target)." >&2
echo "   Install with: sudo sh -c '$install'" >&2
exit 1
