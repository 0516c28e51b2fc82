"""packaging/host_libs.py: which build-host libraries the bundle leaves to the workstation (ADR 0025). The spec's
filter drops exactly those, keeps the rest, and stops on one nobody decided; the build's check refuses a bundle that
ships one or links a host library without a row naming its package; CI's fresh machine installs every package the
bundle links from the host (scripts/dev.sh's RUNTIME_DEBS)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "packaging"))

import host_libs  # noqa: E402

SYS = "/lib/x86_64-linux-gnu"
SITE = "/venv/lib/python3.11/site-packages"


def runtime_debs() -> set[str]:
    """scripts/dev.sh's RUNTIME_DEBS as bash reads it (comments and all)."""
    text = (ROOT / "scripts" / "dev.sh").read_text()
    assignment = re.search(r"^RUNTIME_DEBS=\(.*?(?=^\w+=)", text, re.M | re.S).group(0)
    out = subprocess.run(["bash", "-c", assignment + '\nprintf "%s\\n" "${RUNTIME_DEBS[@]}"'], capture_output=True,
                         text=True, check=True).stdout
    return set(out.split())


def test_a_fresh_ci_machine_installs_every_package_the_bundle_links_from_the_workstation():
    missing = sorted(set(host_libs.runtime_packages()) - runtime_debs())
    assert missing == []


def test_the_spec_filter_drops_the_desktop_stack_keeps_the_apps_own_and_stops_on_an_undecided_library():
    toc = [("libX11.so.6", f"{SYS}/libX11.so.6", "BINARY"),
           ("libstdc++.so.6", f"{SYS}/libstdc++.so.6", "BINARY"),
           ("libpulse.so.0", f"{SYS}/libpulse.so.0", "BINARY"),
           ("libsqlite3.so.0", f"{SYS}/libsqlite3.so.0", "BINARY"),
           ("libpython3.11.so.1.0", "/root/.pyenv/versions/3.11.7/lib/libpython3.11.so.1.0", "BINARY"),
           ("libfribidi.so.0", f"{SYS}/libfribidi.so.0", "BINARY"),
           # the wheels' vendored libraries and PyInstaller's links to them are not the build host's
           ("av.libs/libxcb-5ddf6756.so.1.1.0", f"{SITE}/av.libs/libxcb-5ddf6756.so.1.1.0", "BINARY"),
           ("libxcb-5ddf6756.so.1.1.0", "av.libs/libxcb-5ddf6756.so.1.1.0", "SYMLINK"),
           ("PySide6/Qt/lib/libQt6Gui.so.6", f"{SITE}/PySide6/Qt/lib/libQt6Gui.so.6", "BINARY")]
    kept = [entry[0] for entry in host_libs.decide(toc)]
    assert kept == ["libsqlite3.so.0", "libpython3.11.so.1.0", "libfribidi.so.0", "av.libs/libxcb-5ddf6756.so.1.1.0",
                    "libxcb-5ddf6756.so.1.1.0", "PySide6/Qt/lib/libQt6Gui.so.6"]

    with pytest.raises(host_libs.HostLibError) as err:
        host_libs.decide(toc + [("libnewthing.so.2", f"{SYS}/libnewthing.so.2", "BINARY")])
    assert str(err.value) == ("packaging/host_libs.py: decide whether the bundle ships or leaves to the workstation: "
                              "libnewthing.so.2 (add each to HOST or KEPT, with its reason)")


def test_each_library_is_decided_once_and_the_table_install_sh_reads_names_its_packages():
    assert set(host_libs.HOST).isdisjoint(host_libs.KEPT)
    rows = [line.split("\t") for line in host_libs.table().splitlines() if not line.startswith("#")]
    assert {r[0]: (r[1], r[2]) for r in rows} == {k: (d, r) for k, (d, r, _) in host_libs.HOST.items()}
    assert ["libpulse.so.0", "libpulse0", "pulseaudio-libs"] in rows


needs_gcc = pytest.mark.skipif(shutil.which("gcc") is None or shutil.which("objdump") is None,
                               reason="gcc and binutils build the test libraries")


def so(out: Path, *links: Path | str) -> Path:
    """A tiny shared library at `out` (SONAME = its name) linking `links` (files, or -l names of the host's)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    src = out.parent / (out.name.split(".")[0] + ".c")
    src.write_text("int placeholder(void) { return 0; }\n")
    args = ["gcc", "-shared", "-fPIC", "-Wl,--no-as-needed", "-o", str(out), str(src), f"-Wl,-soname,{out.name}"]
    for lib in links:
        args += [f"-L{lib.parent}", f"-l:{lib.name}"] if isinstance(lib, Path) else [f"-l{lib}"]
    subprocess.run(args, check=True, capture_output=True)
    src.unlink()
    return out


@needs_gcc
def test_the_build_refuses_a_bundle_that_ships_a_host_library_or_links_one_without_a_row(tmp_path):
    internal = tmp_path / "bundle" / "_internal"
    so(internal / "libapp.so.1", "z")  # links the host's zlib, which has a row
    host_libs.check(tmp_path / "bundle")

    unknown = so(tmp_path / "elsewhere" / "libunheard.so.3")
    so(internal / "mod" / "libother.so.1", unknown)
    with pytest.raises(host_libs.HostLibError, match=r"not mark as linked \(add a row with its packages\): "
                                                     r"libunheard\.so\.3 \(by mod/libother\.so\.1\)"):
        host_libs.check(tmp_path / "bundle")

    (internal / "mod" / "libother.so.1").unlink()
    shutil.copy(internal / "libapp.so.1", internal / "libX11.so.6")
    with pytest.raises(host_libs.HostLibError, match=r"ships libraries left to the workstation: libX11\.so\.6$"):
        host_libs.check(tmp_path / "bundle")
