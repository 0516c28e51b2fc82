#!/usr/bin/env bash
# Remove a BWV Reviewer installation made by install.sh: the program, its menu entry, icons and commands.
# The library (recordings, audit trail, exports: REVIEWER_HOME or the user data folder) is never touched.
#   <install dir>/uninstall.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
record="$here/.installed-files"
[ -f "$record" ] || { echo "uninstall.sh: $here was not installed by install.sh (no .installed-files)" >&2; exit 1; }
while IFS= read -r path; do
  [ -z "$path" ] || [ "$path" = "$here" ] && continue
  # a command link now pointing at another installed version stays
  if [ -L "$path" ] && [[ "$(readlink "$path")" != "$here"/* ]]; then continue; fi
  rm -f "$path"
done <"$record"
rm -rf "$here"
echo "BWV Reviewer removed from $here; the library of recordings was left in place"
