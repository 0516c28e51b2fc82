"""packaging/install.sh and uninstall.sh on a stand-in bundle: per-user install puts the menu entry (with the
file associations), icons and commands in place; uninstall removes them and leaves the library alone."""

from __future__ import annotations

import configparser
import os
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def fake_bundle(where: Path) -> Path:
    """A folder laid out like dist/bwv-reviewer on Linux: one executable that answers to the name it was started
    by, `reviewer` a link to it, and _internal/resources."""
    bundle = where / "bwv-reviewer-9.9.9-linux-x86_64"
    shutil.copytree(ROOT / "resources", bundle / "_internal" / "resources")
    (bundle / "bwv-reviewer").write_text('#!/bin/sh\necho "$(basename "$0") 9.9.9 (commit abc, built today)"\n')
    (bundle / "bwv-reviewer").chmod(0o755)
    (bundle / "reviewer").symlink_to("bwv-reviewer")
    for script in ("install.sh", "uninstall.sh"):
        shutil.copy(ROOT / "packaging" / script, bundle / script)
    return bundle


def sh(*args, home: Path) -> subprocess.CompletedProcess:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(home)}
    return subprocess.run(["bash", *map(str, args)], capture_output=True, text=True, env=env, timeout=120)


@pytest.mark.skipif(not shutil.which("tar"), reason="needs tar")
def test_per_user_install_from_the_tarball_then_uninstall_keeps_the_library(tmp_path):
    bundle = fake_bundle(tmp_path / "build")
    tarball = tmp_path / "bwv-reviewer-9.9.9-linux-x86_64.tar.gz"
    with tarfile.open(tarball, "w:gz") as tar:
        tar.add(bundle, arcname=bundle.name)
    home = tmp_path / "user"
    library = home / ".local" / "share" / "BWV Reviewer"  # where a library would live; must survive
    library.mkdir(parents=True)
    (library / "library.sqlite3").write_text("keep me")

    p = sh(ROOT / "packaging" / "install.sh", tarball, home=home)
    assert p.returncode == 0, p.stderr
    share = home / ".local" / "share"
    dest = share / "bwv-reviewer" / "versions" / bundle.name
    assert subprocess.run([home / ".local" / "bin" / "reviewer"], capture_output=True, text=True).stdout.startswith(
        "reviewer 9.9.9")
    desktop = configparser.ConfigParser(interpolation=None)
    desktop.optionxform = str
    desktop.read(share / "applications" / "bwv-reviewer.desktop")
    entry = desktop["Desktop Entry"]
    assert entry["Exec"] == f"{dest}/bwv-reviewer %f"
    assert "video/mp4" in entry["MimeType"] and "video/x-matroska" in entry["MimeType"]
    assert (share / "icons" / "hicolor" / "256x256" / "apps" / "bwv-reviewer.png").is_file()
    assert (share / "icons" / "hicolor" / "scalable" / "apps" / "bwv-reviewer.svg").is_file()
    assert (share / "metainfo" / "uk.police.bwvreviewer.metainfo.xml").is_file()

    u = sh(dest / "uninstall.sh", home=home)
    assert u.returncode == 0, u.stderr
    assert not dest.exists() and not (home / ".local" / "bin" / "reviewer").exists()
    assert not (share / "applications" / "bwv-reviewer.desktop").exists()
    assert not list((share / "icons").rglob("bwv-reviewer.*"))
    assert (library / "library.sqlite3").read_text() == "keep me"


def test_install_refuses_a_file_that_is_not_a_tarball_in_one_line(tmp_path):
    (tmp_path / "junk.tar.gz").write_bytes(b"not a tarball")
    p = sh(ROOT / "packaging" / "install.sh", tmp_path / "junk.tar.gz", home=tmp_path)
    assert p.returncode == 1 and p.stderr.strip() == f"install.sh: {tmp_path / 'junk.tar.gz'}: not a readable .tar.gz"


@pytest.mark.skipif(not shutil.which("gcc") or not shutil.which("ldd"), reason="gcc builds the test libraries")
def test_install_refuses_when_the_workstation_lacks_a_library_the_bundle_takes_from_it(tmp_path):
    """The bundle leaves the desktop's libraries to the workstation (ADR 0025). One missing there: install.sh names
    the library and its packages in one line, exits 1 and installs nothing."""
    bundle = fake_bundle(tmp_path / "build")
    internal = bundle / "_internal"
    absent = tmp_path / "gone" / "libbwvdesk.so.7"  # stands for a desktop library the workstation lacks
    absent.parent.mkdir()
    absent.with_suffix(".c").write_text("int desk(void) { return 7; }\n")
    subprocess.run(["gcc", "-shared", "-fPIC", "-o", str(absent), str(absent.with_suffix(".c")),
                    "-Wl,-soname,libbwvdesk.so.7"], check=True, capture_output=True)
    plugin = internal / "plugins" / "libuses.so"
    plugin.parent.mkdir(parents=True)
    plugin.with_suffix(".c").write_text("int desk(void); int uses(void) { return desk(); }\n")
    # zlib is there: only what is missing is named
    subprocess.run(["gcc", "-shared", "-fPIC", "-Wl,--no-as-needed", "-o", str(plugin), str(plugin.with_suffix(".c")),
                    f"-L{absent.parent}", "-l:libbwvdesk.so.7", "-lz"], check=True, capture_output=True)
    plugin.with_suffix(".c").unlink()
    shutil.rmtree(absent.parent)
    (bundle / "host-libraries.tsv").write_text("# soname, Debian/Ubuntu, RHEL/Fedora\n"
                                               "libz.so.1\tzlib1g\tzlib\nlibbwvdesk.so.7\tlibbwvdesk7\tbwvdesk-libs\n")
    home = tmp_path / "user"

    p = sh(bundle / "install.sh", home=home)
    assert p.returncode == 1
    assert p.stderr == ("install.sh: this workstation lacks libraries BWV Reviewer takes from the desktop: "
                        "libbwvdesk.so.7 (Debian/Ubuntu: libbwvdesk7; RHEL/Fedora: bwvdesk-libs); install or update "
                        "them (apt-get install libbwvdesk7, or dnf install bwvdesk-libs); nothing was installed\n")
    assert not (home / ".local").exists()
