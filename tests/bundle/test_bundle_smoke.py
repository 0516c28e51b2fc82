"""Smoke test of the *built* bundle (packaging/build.sh), not of the source: packaging mistakes drop whole folders
(migrations, feature modules, the stylesheet) silently, and only running the artifact shows it.

    BWV_BUNDLE=dist/bwv-reviewer pytest -q tests/bundle        (packaging/smoke_test.sh does this)

Skipped unless BWV_BUNDLE names a bundle. Every bundle command runs from a scratch working directory with a
minimal environment: PATH without any venv, no PYTHONPATH, a fresh REVIEWER_HOME and HOME. Outputs are compared
with the same commands run from this source tree.
"""

from __future__ import annotations

import json
import os
import pwd
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import cv2
import pytest

from tests.fixtures import framecode, icu_check

pytestmark = [pytest.mark.bundle, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
BUNDLE_ENV = "BWV_BUNDLE"
TIMEOUT = 300  # first start of a cold bundle on a loaded 2-core machine

# A new library has no supervisor until one is named (ADR 0012): the OS account running the test becomes it.
LIBRARY_INIT: list[list[str]] = [["admin", "init", "--supervisor", pwd.getpwuid(os.getuid()).pw_name]]

# What Qt itself prints on a machine with no sound server under the offscreen platform; none of it comes from the
# app. Anything else on the GUI's stderr fails the test.
QT_ENVIRONMENT_NOISE = [
    r"qt\.multimedia\.symbolsresolver: Couldn't (load|resolve) pipewire-0\.3 (library|symbols)",
    r"PulseAudioService: pa_context_connect\(\) failed",
    r"This plugin does not support propagateSizeHints\(\)",
    # the bundle leaves out Qt Multimedia's playback backend on purpose (packaging/bwv-reviewer.spec); the audio
    # classes the app uses are the ones Qt names as still there. Were the backend back (with Qt's own FFmpeg,
    # QtQuick and QtQml, ~37 MB), its "Using Qt multimedia with FFmpeg" line would fail this test.
    r"No QtMultimedia backends found\. Only QMediaDevices, QAudioDevice, QSoundEffect, QAudioSink, and "
    r"QAudioSource are available\.",
]


@pytest.fixture(scope="module")
def bundle() -> Path:
    where = os.environ.get(BUNDLE_ENV)
    if not where:
        pytest.skip(f"set {BUNDLE_ENV} to a built bundle (packaging/build.sh) to run the bundle smoke test")
    path = Path(where).absolute()
    assert (path / "reviewer").is_file() and (path / "bwv-reviewer").is_file(), f"{path}: not a built bundle"
    return path


@pytest.fixture(scope="module")
def scratch(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("bundle-smoke")


def bundle_env(home: Path, user_home: Path) -> dict[str, str]:
    user_home.mkdir(parents=True, exist_ok=True)
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(user_home), "REVIEWER_HOME": str(home),
           "QT_QPA_PLATFORM": "offscreen", "LANG": "C.UTF-8", "TMPDIR": str(user_home)}
    # the desktop session's D-Bus, where the OS keyring (Secret Service) that holds the sealing key lives
    if "DBUS_SESSION_BUS_ADDRESS" in os.environ:
        env["DBUS_SESSION_BUS_ADDRESS"] = os.environ["DBUS_SESSION_BUS_ADDRESS"]
    return env


def run(exe: Path, *args, home: Path, cwd: Path, check: bool = True) -> subprocess.CompletedProcess:
    cwd.mkdir(parents=True, exist_ok=True)
    p = subprocess.run([str(exe), *map(str, args)], capture_output=True, text=True, cwd=cwd,
                       env=bundle_env(home, cwd / "user-home"), timeout=TIMEOUT, stdin=subprocess.DEVNULL)
    if check and p.returncode:
        raise AssertionError(f"{exe.name} {' '.join(map(str, args))} exited {p.returncode}: {p.stderr}")
    return p


def source_cli(*args, home: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "REVIEWER_HOME": str(home), "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "reviewer", *map(str, args)], capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=TIMEOUT, check=True)


def new_library(bundle: Path, home: Path, cwd: Path) -> None:
    for step in LIBRARY_INIT:
        run(bundle / "reviewer", *step, home=home, cwd=cwd)


def import_clip(bundle: Path, scratch: Path, clip, name: str):
    """The clip imported by the bundle into a fresh library: (home, cwd, recording id, source copy)."""
    src = scratch / f"footage-{name}" / "clip.mp4"
    src.parent.mkdir()
    shutil.copy(clip.path, src)
    home, cwd = scratch / f"home-{name}", scratch / f"work-{name}"
    new_library(bundle, home, cwd)
    rid = run(bundle / "reviewer", "import", src, home=home, cwd=cwd).stdout.strip()
    assert re.fullmatch(r"[0-9a-f-]{8,}", rid), rid
    return home, cwd, rid, src


@pytest.fixture(scope="module")
def imported(bundle, scratch, make_clip):
    """Shared by the CLI tests, which add masks to it: (home, cwd, recording id, clip, source copy)."""
    clip = make_clip("cfr_h264")
    home, cwd, rid, src = import_clip(bundle, scratch, clip, "cli")
    return home, cwd, rid, clip, src


def test_both_entry_points_print_one_version_with_commit_and_build_date(bundle, scratch):
    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short=12", "HEAD"], capture_output=True,
                            text=True, check=True).stdout.strip()
    lines = []
    for exe in ("reviewer", "bwv-reviewer"):
        p = run(bundle / exe, "--version", home=scratch / "v-home", cwd=scratch / "v")
        assert p.stderr == ""
        lines.append(p.stdout.strip())
    pattern = r"(reviewer|bwv-reviewer) 0\.\d+\.\d+ \(commit ([0-9a-f]{12})(-dirty)?, built \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\)"
    for exe, line in zip(("reviewer", "bwv-reviewer"), lines):
        m = re.fullmatch(pattern, line)
        assert m, line
        assert m.group(1) == exe, f"{exe} --version ran the other entry point: {line}"
        assert m.group(2) == commit, f"bundle built from {m.group(2)}, tree is at {commit}"
    assert lines[0].split(" ", 1)[1] == lines[1].split(" ", 1)[1]
    # one executable, one copy of the archive: `reviewer` is a link to it (bwv-reviewer.spec, entry.py)
    assert os.readlink(bundle / "reviewer") == "bwv-reviewer"


def test_alembic_migrations_run_on_an_empty_home(bundle, scratch):
    home, cwd = scratch / "empty-home", scratch / "m"
    new_library(bundle, home, cwd)
    p = run(bundle / "reviewer", "list", "--json", home=home, cwd=cwd)
    assert json.loads(p.stdout) == [] and p.stderr == ""
    with sqlite3.connect(home / "library.sqlite3") as db:
        (revision,) = db.execute("SELECT version_num FROM alembic_version").fetchone()
    from reviewer.library.db import SCHEMA_HEAD  # the source tree's head, which test_migrations ties to the models

    assert revision == SCHEMA_HEAD


def test_feature_modules_registered_by_name_load_in_the_bundle(bundle, scratch):
    """The CLI's commands from reviewer.cli.FEATURE_MODULES are there: the help is the source tree's, word for word."""
    ours = run(bundle / "reviewer", "--help", home=scratch / "h-home", cwd=scratch / "h").stdout
    theirs = source_cli("--help", home=scratch / "h-home").stdout
    assert ours == theirs
    assert all(f" {command} " in ours for command in ("masks", "export", "verify", "audit"))


def test_probe_and_frame_match_the_source_tree(bundle, imported, scratch):
    home, cwd, rid, clip, src = imported
    probe = json.loads(run(bundle / "reviewer", "probe", rid, "--json", "--reason", "smoke", home=home,
                           cwd=cwd).stdout)
    assert probe["width"] == clip.width and len(probe["frame_pts"]) == clip.frames
    source_probe = json.loads(source_cli("probe", src, "--json", home=scratch / "src-home").stdout)
    assert probe["frame_pts"] == source_probe["frame_pts"]

    ours, theirs = scratch / "bundle-frame.png", scratch / "source-frame.png"
    run(bundle / "reviewer", "frame", rid, 123, "-o", ours, "--reason", "smoke", home=home, cwd=cwd)
    source_cli("frame", src, 123, "-o", theirs, home=scratch / "src-home")
    assert ours.read_bytes() == theirs.read_bytes()
    assert framecode.read(cv2.imread(str(ours))[..., ::-1]) == clip.first_code + 123


def test_export_with_a_mask_verifies_and_the_audit_trail_holds(bundle, imported, scratch):
    home, cwd, rid, clip, _src = imported
    probe = json.loads(run(bundle / "reviewer", "probe", rid, "--json", "--reason", "smoke", home=home,
                           cwd=cwd).stdout)
    x, y, w, h = framecode.code_rect(clip.width)
    pts = probe["frame_pts"]
    box = [[x, y], [x + w, y + h]]
    masks = scratch / "masks.json"
    masks.write_text(json.dumps({"tracks": [{
        "kind": "rect", "effect": {"kind": "solid"}, "reason": "personal data", "label": "code",
        "keyframes": [{"pts": pts[0], "points": box}, {"pts": pts[-1], "points": box}]}]}))
    run(bundle / "reviewer", "masks", "import", rid, masks, home=home, cwd=cwd)
    # Content Credentials (issue 15): the bundled c2pa native library signs, and verify reads it back as trusted
    files = json.loads(run(bundle / "reviewer", "c2pa", "make-test-ca", scratch / "ca", "--make-dirs", "--json",
                           home=home, cwd=cwd).stdout)
    run(bundle / "reviewer", "c2pa", "import-cert", files["chain.pem"], files["key.pem"], home=home, cwd=cwd)
    out = scratch / "exports" / "court.mp4"
    out.parent.mkdir()  # outputs go only into folders that exist (or with --make-dirs)
    res = json.loads(run(bundle / "reviewer", "export", rid, "--out", out, "--range", "10:70", "--recipient",
                         "CPS", "--purpose", "smoke", "--json", home=home, cwd=cwd).stdout)
    assert res["frames"] == 61 and res["leak_check"]["passed"]
    assert Path(str(out) + ".report.pdf").stat().st_size > 1000  # fonts and fpdf2 made it into the bundle
    cap = cv2.VideoCapture(str(out))
    ok, bgr = cap.read()
    cap.release()
    assert ok and framecode.read(bgr[..., ::-1]) is None, "the mask must cover the frame code in the export"
    v = run(bundle / "reviewer", "verify", out, "--trust", files["ca.pem"], home=home, cwd=cwd)
    assert v.stdout.startswith("OK: ") and "C2PA trusted" in v.stdout, v.stdout
    a = run(bundle / "reviewer", "audit", "verify", home=home, cwd=cwd)
    assert a.returncode == 0


@pytest.mark.parametrize("platform", ["offscreen", "xcb"])
def test_gui_opens_the_clip_shows_the_frame_and_quits_cleanly(bundle, scratch, make_clip, platform):
    """Offscreen, and on an X server (Xvfb) through Qt's xcb plugin, which since ADR 0025 runs on the workstation's
    X11, xcb, xkbcommon, fontconfig and FreeType rather than copies from the build machine."""
    clip = make_clip("cfr_h264")
    home, cwd, rid, _src = import_clip(bundle, scratch, clip, f"gui-{platform}")  # no masks: the code must show
    shot = scratch / f"shot-{platform}.png"
    args = [rid, "--frame", 37, "--reason", "smoke", "--screenshot", shot]
    if platform == "offscreen":
        p = run(bundle / "bwv-reviewer", *args, home=home, cwd=cwd, check=False)
    else:
        if not shutil.which("xvfb-run"):
            pytest.skip("xvfb-run (Debian: xvfb) runs the X server")
        env = {**bundle_env(home, cwd / "user-home"), "QT_QPA_PLATFORM": "xcb"}
        cwd.mkdir(parents=True, exist_ok=True)
        p = subprocess.run(["xvfb-run", "-a", "-s", "-screen 0 1280x800x24", str(bundle / "bwv-reviewer"),
                            *map(str, args)], capture_output=True, text=True, cwd=cwd, env=env, timeout=TIMEOUT,
                           stdin=subprocess.DEVNULL)
    assert p.returncode == 0, p.stderr
    noise = [line for line in p.stderr.splitlines()
             if line.strip() and not any(re.fullmatch(pat, line.strip()) for pat in QT_ENVIRONMENT_NOISE)]
    assert noise == [], "the GUI wrote to stderr"
    info = json.loads(Path(str(shot) + ".json").read_text())
    x, y, w, h = info["frame_rect"]
    img = cv2.imread(str(shot))[..., ::-1]
    assert info["shown_index"] == 37
    assert framecode.read(img[y:y + h, x:x + w], width=clip.width) == clip.first_code + 37


def test_every_bundled_library_finds_its_dependencies(bundle):
    """The spec drops Qt plugins and the libraries only they needed; a library still needing a dropped one would
    fail only when first loaded (a plugin at run time), so ask the dynamic loader about every one now, with the
    search path the bootloader gives the app: _internal/ only. That matters for the shared libraries
    (packaging/shared_libs.py): PyAV's libavcodec reached through OpenCV's link has $ORIGIN in OpenCV's folder, so
    its own needs (libx264, ...) are found through PyInstaller's links in _internal/, which must all be there."""
    internal = bundle / "_internal"
    env = {"PATH": "/usr/bin:/bin", "LD_LIBRARY_PATH": str(internal)}
    missing = {}
    for path in sorted(internal.rglob("*.so*")):
        if path.is_symlink() or not path.is_file():
            continue
        out = subprocess.run(["ldd", str(path)], capture_output=True, text=True, env=env, timeout=60).stdout
        lost = [line.split()[0] for line in out.splitlines() if "not found" in line]
        if lost:
            missing[str(path.relative_to(bundle))] = lost
    assert missing == {}


def test_the_desktop_stack_comes_from_the_workstation_and_install_sh_finds_it_there(bundle, tmp_path):
    """ADR 0025: the bundle ships none of the libraries packaging/host_libs.py leaves to the workstation, ships the
    ones it keeps (FriBiDi, which Pillow loads by name), links no host library without a row naming its package, and
    carries that table; install.sh's library check passes on this machine, whose packages scripts/dev.sh installs,
    and the per-user install it then does runs the CLI."""
    sys.path.insert(0, str(ROOT / "packaging"))
    import host_libs

    host_libs.check(bundle)
    assert (bundle / "host-libraries.tsv").read_text() == host_libs.table()
    assert [n for n in host_libs.KEPT if not (bundle / "_internal" / n).is_file()] == []
    home = tmp_path / "user"
    env = {"PATH": "/usr/bin:/bin", "HOME": str(home)}
    p = subprocess.run(["bash", str(bundle / "install.sh")], capture_output=True, text=True, env=env, timeout=TIMEOUT)
    assert p.returncode == 0 and p.stderr == "", p.stderr
    version = subprocess.run([str(home / ".local" / "bin" / "reviewer"), "--version"], capture_output=True, text=True,
                             env=env, timeout=TIMEOUT)
    assert version.returncode == 0 and version.stdout.startswith("reviewer "), version.stderr
    # the installed copy is the size of the bundle: remove it rather than leave it in pytest's kept temp folders
    (uninstall,) = (home / ".local" / "share" / "bwv-reviewer" / "versions").glob("*/uninstall.sh")
    subprocess.run(["bash", str(uninstall)], capture_output=True, env=env, timeout=TIMEOUT, check=True)


def test_the_bundled_icu_data_sorts_cases_and_breaks_text_as_the_full_data_does(bundle):
    """The bundle ships ICU's data filtered (packaging/icu_data.py): with that very file, Qt's collation in English
    and Welsh, case mapping and line breaking are those of the full data; only what the filter names changes."""
    shipped = next((bundle / "_internal" / "PySide6" / "Qt" / "lib").glob("libicudata.so.*"))
    assert shipped.stat().st_size < 10e6, "the ICU data is not the filtered one"
    full, ours = icu_check.measure(), icu_check.measure(shipped)
    assert ours["maps"] == [str(shipped)]
    assert icu_check.differences(full, ours) <= icu_check.EXPECTED_CHANGES
    assert ours["welsh"] == icu_check.WELSH_ORDER


def test_the_bundle_stays_within_its_size_budget(bundle):
    """packaging/README.md's size: a wheel upgrade that vendors more, or a dropped Qt plugin or shared library
    coming back, shows up here instead of in the next workstation's disk."""
    sys.path.insert(0, str(ROOT / "packaging"))
    import sizes

    total = sizes.total_bytes(bundle)
    assert total <= sizes.BUDGET_MB * 1e6, f"{bundle}: {total / 1e6:.1f} MB unpacked, budget {sizes.BUDGET_MB} MB"


def test_the_bundled_workstation_signs_in_and_syncs_with_a_store(bundle, scratch, tmp_path):
    """The sync client (httpx, the keyring, the grant) is in the bundle: sign in to a real store with a one-time
    code, then one sync cycle; the refresh token is in the keyring, not in the library."""
    from tests.store import services

    home, cwd = scratch / "sync-home", scratch / "sync"
    new_library(bundle, home, cwd)
    config = services.write_store_config(tmp_path / "store")
    with services.store_server(config) as store:
        code = services.add_user(config, "smoke-investigator", "investigator")
        p = run(bundle / "reviewer", "sync", "login", store.url, "--code", code, home=home, cwd=cwd)
        assert "smoke-investigator" in p.stdout and p.stderr == ""
        p = run(bundle / "reviewer", "sync", "run", "--once", home=home, cwd=cwd)
        assert p.stdout.startswith("sync: pushed 0, pulled "), p.stdout
        status = json.loads(run(bundle / "reviewer", "sync", "status", "--json", home=home, cwd=cwd).stdout)
        assert (status["user"], status["role"], status["online"]) == ("smoke-investigator", "investigator", True)
    assert code.encode() not in (home / "library.sqlite3").read_bytes()
