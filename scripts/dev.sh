#!/usr/bin/env bash
# One entry point for a fresh Debian machine:
#   scripts/dev.sh app    set up, then launch BWV Reviewer on the embedded default library
#   scripts/dev.sh test   set up, then run the whole test suite
#   scripts/dev.sh setup  set up only (Debian packages, .venv, editable install)
set -euo pipefail
cd "$(dirname "$0")/.."

# Qt needs these X/EGL client libraries even offscreen; ffmpeg is the tests' independent oracle (ffprobe);
# xvfb runs the real window for screenshot checks; poppler-utils reads the PDF reports back; PostgreSQL is the central store's database.
RUNTIME_DEBS=(libegl1 libgl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libdbus-1-3 libxcb-cursor0
  libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libxcb-xinerama0 libxcb-randr0 libxcb-render-util0 libxcb-image0
  libpulse0 libasound2
  # the workstation key lives in a Secret Service keyring; headless, the app starts its own (start_keyring below)
  dbus-daemon dbus-bin gnome-keyring)
TEST_DEBS=(ffmpeg xvfb x11-utils imagemagick poppler-utils)

need_debs() {
  local missing=()
  for p in "$@"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "Installing Debian packages: ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

setup_python() {
  local py=${PYTHON:-python3}
  if [ ! -x .venv/bin/python ]; then
    "$py" -m venv .venv
    .venv/bin/python -m pip install -q --upgrade pip
  fi
  .venv/bin/python -m pip install -q -e ".[dev]"
}

secret_service_running() {
  [ -n "${DBUS_SESSION_BUS_ADDRESS:-}" ] && dbus-send --session --print-reply --dest=org.freedesktop.DBus \
    /org/freedesktop/DBus org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null \
    | grep -q "boolean true"
}

# A desktop session already offers a Secret Service. A headless machine (ssh, container) gets a private D-Bus
# session with gnome-keyring for this run only: its keyring lives in a temporary folder, unlocked with a random
# password, so each such session makes (and registers in the library, audited) a workstation key of its own.
run_with_keyring() {
  if secret_service_running; then
    exec "$@"
  fi
  local dir
  dir=$(mktemp -d)
  chmod 700 "$dir"
  exec dbus-run-session -- bash -c '
    dir=$1; shift
    mkdir -p "$dir/data"
    head -c 32 /dev/urandom | od -An -tx1 | tr -d " \n" \
      | XDG_DATA_HOME="$dir/data" XDG_RUNTIME_DIR="$dir" gnome-keyring-daemon --unlock --components=secrets \
        --daemonize >/dev/null
    "$@"; rc=$?
    rm -rf "$dir"
    exit $rc' bash "$dir" "$@"
}

cmd=${1:-app}
shift || true
case "$cmd" in
  setup)
    need_debs "${RUNTIME_DEBS[@]}" "${TEST_DEBS[@]}"
    setup_python
    ;;
  app)
    need_debs "${RUNTIME_DEBS[@]}"
    setup_python
    run_with_keyring .venv/bin/reviewer "$@"
    ;;
  test)
    need_debs "${RUNTIME_DEBS[@]}" "${TEST_DEBS[@]}"
    setup_python
    export QT_QPA_PLATFORM=offscreen
    exec .venv/bin/python -m pytest -q --timeout=600 "$@"
    ;;
  *)
    echo "usage: scripts/dev.sh [app|test|setup]" >&2
    exit 2
    ;;
esac
