#!/usr/bin/env bash
# Smoke-test a built bundle (default dist/bwv-reviewer from packaging/build.sh); see tests/bundle/.
#   packaging/smoke_test.sh [BUNDLE_DIR_OR_TARBALL]
# A tarball is unpacked into a scratch folder first, so what is tested is exactly what ships.
# The test harness runs in the source venv ($PYTHON, default .venv/bin/python) to make clips and compare outputs
# with the source tree; the bundle itself runs with no venv on PATH, from another folder, with a fresh home.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
target=${1:-dist/bwv-reviewer}
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
if [[ "$target" == *.tar.gz ]]; then
  tar -C "$scratch" -xzf "$target"
  target=$(echo "$scratch"/bwv-reviewer-*)
fi
export BWV_BUNDLE
BWV_BUNDLE=$(cd "$target" && pwd)
QT_QPA_PLATFORM=offscreen exec "$PY" -m pytest -q -p no:cacheprovider --timeout=900 tests/bundle
