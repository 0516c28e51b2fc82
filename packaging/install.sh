#!/usr/bin/env bash
# Install BWV Reviewer from its bundle: a menu entry, the icon, "Open with BWV Reviewer" for .mp4/.mov/.mkv/.avi,
# and `bwv-reviewer` / `reviewer` on PATH.
#   ./install.sh [--system] [bwv-reviewer-VERSION-linux-ARCH.tar.gz]
# Without a tarball it installs the unpacked bundle it sits in. Per user by default (~/.local); --system installs
# for everyone under /opt and /usr/local (run as root). uninstall.sh (installed beside the app) removes it again
# and never touches the library of recordings.
set -euo pipefail
system=0
tarball=""
for arg in "$@"; do
  case "$arg" in
    --system) system=1 ;;
    -h|--help) sed -n 2,7p "$0"; exit 0 ;;
    *) tarball=$arg ;;
  esac
done
die() { echo "install.sh: $*" >&2; exit 1; }

if [ "$system" = 1 ]; then
  [ "$(id -u)" = 0 ] || die "--system needs root (sudo ./install.sh --system)"
  opt=/opt; bin=/usr/local/bin; share=/usr/local/share
else
  opt=${XDG_DATA_HOME:-$HOME/.local/share}/bwv-reviewer/versions; bin=$HOME/.local/bin
  share=${XDG_DATA_HOME:-$HOME/.local/share}
fi

scratch=""
trap '[ -n "$scratch" ] && rm -rf "$scratch"' EXIT
if [ -n "$tarball" ]; then
  [ -f "$tarball" ] || die "$tarball: no such file"
  scratch=$(mktemp -d)
  tar -C "$scratch" -xzf "$tarball" 2>/dev/null || die "$tarball: not a readable .tar.gz"
  src=$(find "$scratch" -mindepth 1 -maxdepth 1 -type d | head -n1)
else
  src=$(cd "$(dirname "$0")" && pwd)
fi
[ -x "$src/bwv-reviewer" ] && [ -x "$src/reviewer" ] && [ -d "$src/_internal/resources" ] \
  || die "$src: not a BWV Reviewer bundle (bwv-reviewer, reviewer and _internal/resources expected)"

# The bundle leaves the desktop's own libraries (X11/xcb, fonts, GLib, D-Bus, sound, Kerberos, the C++ runtime, ...)
# to the workstation (docs/decisions/0025). Before anything is installed, ask the dynamic loader, with the search path
# the app runs with, whether every library the bundle links is here; host-libraries.tsv names the packages.
command -v ldd >/dev/null || die "ldd not found: cannot check the libraries BWV Reviewer needs (Debian: libc-bin)"
missing_libraries() {
  # "libfoo.so.1 => not found" -> libfoo.so.1; "consumer: /path/libfoo.so.1: version `FOO_2' not found (required
  # by ...)", a workstation's copy older than the bundle needs -> libfoo.so.1@FOO_2
  find "$src/_internal" -type f -name "*.so*" -print0 \
    | { LD_LIBRARY_PATH="$src/_internal" xargs -0 -r ldd 2>/dev/null || true; } \
    | awk '/=> not found/ {print $1}
           / version `.*not found/ {sub(/:$/, "", $2); n = split($2, p, "/"); v = $4; gsub(/[`'"'"']/, "", v)
                                    print p[n] "@" v}' \
    | sort -u
}
lacking=$(missing_libraries)
if [ -n "$lacking" ]; then
  table="$src/host-libraries.tsv"
  described=""
  debs=""; rpms=""
  for item in $lacking; do
    lib=${item%@*}; what=$lib
    [ "$item" != "$lib" ] && what="$lib older than ${item#*@}"
    row=$( [ -f "$table" ] && awk -F'\t' -v l="$lib" '$1 == l {print $2 " " $3; exit}' "$table" || true)
    if [ -n "$row" ]; then
      deb=${row%% *}; rpm=${row#* }
      described="$described${described:+, }$what (Debian/Ubuntu: $deb; RHEL/Fedora: $rpm)"
      case " $debs " in *" $deb "*) ;; *) debs="$debs${debs:+ }$deb" ;; esac
      case " $rpms " in *" $rpm "*) ;; *) rpms="$rpms${rpms:+ }$rpm" ;; esac
    else
      described="$described${described:+, }$what (package not known)"
    fi
  done
  hint=""
  [ -n "$debs" ] && hint="; install or update them (apt-get install $debs, or dnf install $rpms)"
  die "this workstation lacks libraries BWV Reviewer takes from the desktop: $described$hint; nothing was installed"
fi

res="$src/_internal/resources"
name=$(basename "$src")
[ "$name" = "bwv-reviewer" ] && name="bwv-reviewer-$("$src/reviewer" --version | awk '{print $2}')"
dest="$opt/$name"

mkdir -p "$opt" "$bin" "$share/applications" "$share/metainfo"
if [ "$src" != "$dest" ]; then
  rm -rf "$dest.part"
  cp -a "$src" "$dest.part"
  rm -rf "$dest"
  mv "$dest.part" "$dest"
fi
ln -sfn "$dest/bwv-reviewer" "$bin/bwv-reviewer"
ln -sfn "$dest/reviewer" "$bin/reviewer"
# Exec with the full path: a menu launch does not see ~/.local/bin on every desktop
sed "s|^Exec=bwv-reviewer|Exec=$dest/bwv-reviewer|; s|^TryExec=bwv-reviewer|TryExec=$dest/bwv-reviewer|" \
  "$res/bwv-reviewer.desktop" >"$share/applications/bwv-reviewer.desktop"
cp "$res/uk.police.bwvreviewer.metainfo.xml" "$share/metainfo/"
for png in "$res"/icons/bwv-reviewer-*.png; do
  size=$(basename "$png" .png); size=${size##*-}
  mkdir -p "$share/icons/hicolor/${size}x${size}/apps"
  cp "$png" "$share/icons/hicolor/${size}x${size}/apps/bwv-reviewer.png"
done
mkdir -p "$share/icons/hicolor/scalable/apps"
cp "$res/icons/bwv-reviewer.svg" "$share/icons/hicolor/scalable/apps/bwv-reviewer.svg"
# the record uninstall.sh works from
printf '%s\n' "$dest" "$bin/bwv-reviewer" "$bin/reviewer" "$share/applications/bwv-reviewer.desktop" \
  "$share/metainfo/uk.police.bwvreviewer.metainfo.xml" >"$dest/.installed-files"
find "$share/icons/hicolor" -name "bwv-reviewer.*" >>"$dest/.installed-files"

command -v update-desktop-database >/dev/null && update-desktop-database -q "$share/applications" || true
command -v gtk-update-icon-cache >/dev/null && gtk-update-icon-cache -q -t "$share/icons/hicolor" || true
echo "BWV Reviewer installed in $dest"
echo "  menu: BWV Reviewer; command line: $bin/bwv-reviewer, $bin/reviewer; remove with $dest/uninstall.sh"
