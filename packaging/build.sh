#!/usr/bin/env bash
# Build the BWV Reviewer bundle:
#   packaging/build.sh            -> dist/bwv-reviewer/ (onedir), dist/bwv-reviewer-VERSION-linux-x86_64.tar.gz,
#                                    dist/SHA256SUMS; the bundle holds sbom.cdx.json and THIRD_PARTY_LICENSES
# Uses $PYTHON (default .venv/bin/python, as scripts/dev.sh sets up) with the `packaging` extra installed:
#   .venv/bin/python -m pip install -e ".[packaging]"
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
WORK=build/bundle
DIST=dist

if ! "$PY" -c "import PyInstaller, cyclonedx_py" 2>/dev/null; then
  echo "build.sh: $PY has no PyInstaller/cyclonedx-bom; run: $PY -m pip install -e \".[packaging]\"" >&2
  exit 2
fi
VERSION=$("$PY" -c "import reviewer; print(reviewer.__version__)")
ARCH=$(uname -m)
NAME="bwv-reviewer-$VERSION-linux-$ARCH"
# one date for the build-info and the tarball's file times: the commit's, so rebuilding a commit gives the same
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}
export BWV_BUILD_DIR="$PWD/$WORK"

rm -rf "$WORK" "$DIST/bwv-reviewer" "$DIST/$NAME.tar.gz" "$DIST/SHA256SUMS"
mkdir -p "$WORK" "$DIST"
echo "== face detector model (scripts/fetch_model.py: pinned SHA-256, bundled with resources/)"
"$PY" scripts/fetch_model.py
echo "== PyInstaller ($PY)"
"$PY" -m PyInstaller --noconfirm --clean --log-level WARN --distpath "$DIST" --workpath "$WORK" \
  packaging/bwv-reviewer.spec

# Debug symbols: libpython from a source-built interpreter and many extension modules carry them (about 60 MB).
# Not the wheels' vendored *.libs: auditwheel-patched libraries stop loading once stripped (OpenBLAS: "ELF load
# command address/offset not page-aligned"), which is also why the spec does not use PyInstaller's strip.
if command -v strip >/dev/null && command -v file >/dev/null; then
  find "$DIST/bwv-reviewer/_internal" -name "*.so*" -type f -not -path "*.libs/*" -print0 \
    | xargs -0 file | grep "not stripped" | cut -d: -f1 | xargs -r strip --strip-unneeded
fi

# install.sh / uninstall.sh travel inside the bundle: a workstation gets only the tarball. host-libraries.tsv names
# the packages of the libraries the bundle takes from the workstation, for install.sh's check (ADR 0025); the build
# stops if the bundle ships one of them or links one the table does not name.
cp packaging/install.sh packaging/uninstall.sh "$DIST/bwv-reviewer/"
"$PY" packaging/host_libs.py --check "$DIST/bwv-reviewer" --write-table "$DIST/bwv-reviewer/host-libraries.tsv"

echo "== SBOM and THIRD_PARTY_LICENSES"
"$PY" -m cyclonedx_py environment --of JSON --output-reproducible -o "$WORK/env.cdx.json" "$PY"
"$PY" packaging/bom.py --bundle "$DIST/bwv-reviewer" --pyz "$WORK/bwv-reviewer/PYZ-00.pyz" \
  --env-sbom "$WORK/env.cdx.json"

echo "== tarball"
# the folder inside the tarball is named after the version, so two versions unpack side by side; only member
# names are renamed ("S": not the targets of links, or `reviewer -> bwv-reviewer` would point at the folder)
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$SOURCE_DATE_EPOCH" \
  --transform "s,^bwv-reviewer,$NAME,S" -C "$DIST" -czf "$DIST/$NAME.tar.gz.part" bwv-reviewer
mv "$DIST/$NAME.tar.gz.part" "$DIST/$NAME.tar.gz"
(cd "$DIST" && sha256sum "$NAME.tar.gz" >SHA256SUMS.part && mv SHA256SUMS.part SHA256SUMS)

echo "== size"
du -sh "$DIST/bwv-reviewer" "$DIST/$NAME.tar.gz"
echo "largest ten (unpacked):"
"$PY" packaging/sizes.py "$DIST/bwv-reviewer"
cat "$DIST/SHA256SUMS"
