"""packaging/shared_libs.py: a wheel's vendored copy of a library becomes a link to another wheel's copy only when
that copy defines every symbol the bundle takes from it, and what only the replaced copy needed leaves the bundle.
Built with real tiny shared libraries (gcc), because the check is about what the dynamic loader will find."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "packaging"))

import shared_libs  # noqa: E402

pytestmark = pytest.mark.skipif(shutil.which("gcc") is None, reason="gcc builds the test libraries")


def so(tmp: Path, rel: str, code: str, *links: Path) -> Path:
    """Compile `code` into tmp/rel with SONAME = its file name, linked against `links` by file name."""
    out = tmp / rel
    out.parent.mkdir(parents=True, exist_ok=True)
    src = out.with_suffix(".c")
    src.write_text(code)
    args = ["gcc", "-shared", "-fPIC", "-o", str(out), str(src), f"-Wl,-soname,{out.name}"]
    for lib in links:
        args += [f"-L{lib.parent}", f"-l:{lib.name}"]
    subprocess.run(args, check=True, capture_output=True)
    return out


@pytest.fixture
def wheels(tmp_path):
    """a.libs/libfoo (foo, bar; needs a.libs/libdep), b.libs/libfoo (foo only), and a consumer of a's copy."""
    dep = so(tmp_path, "a.libs/libdep-11111111.so.1", "int dep(void) { return 1; }")
    foo_a = so(tmp_path, "a.libs/libfoo-aaaaaaaa.so.2.0.1",
               "int dep(void); int foo(void) { return dep(); } int bar(void) { return 2; }", dep)
    foo_b = so(tmp_path, "b.libs/libfoo-bbbbbbbb.so.2.0.2", "int foo(void) { return 3; }")
    return tmp_path, dep, foo_a, foo_b


def toc(*entries: tuple[str, Path]) -> list[tuple]:
    return [(dest, str(src), "BINARY") for dest, src in entries]


RULE = [("a.libs/libfoo-*.so.2.*", "b.libs/libfoo-*.so.2.*")]


def test_a_copy_that_serves_every_symbol_used_becomes_a_link_and_its_own_needs_leave(wheels):
    tmp, dep, foo_a, foo_b = wheels
    ext = so(tmp, "mod/ext.abi3.so", "int foo(void); int use(void) { return foo(); }", foo_a)
    out = shared_libs.share(toc(("mod/ext.abi3.so", ext), ("a.libs/libfoo-aaaaaaaa.so.2.0.1", foo_a),
                                ("a.libs/libdep-11111111.so.1", dep), ("b.libs/libfoo-bbbbbbbb.so.2.0.2", foo_b)),
                            RULE)
    assert ("a.libs/libfoo-aaaaaaaa.so.2.0.1", "../b.libs/libfoo-bbbbbbbb.so.2.0.2", "SYMLINK") in out
    assert [e[0] for e in out if e[2] != "SYMLINK"] == ["mod/ext.abi3.so", "b.libs/libfoo-bbbbbbbb.so.2.0.2"]


def test_a_copy_lacking_a_symbol_in_use_stops_the_build_naming_it(wheels):
    tmp, dep, foo_a, foo_b = wheels
    ext = so(tmp, "mod/ext.abi3.so", "int foo(void); int bar(void); int use(void) { return foo() + bar(); }", foo_a)
    expected = (r"b\.libs/libfoo-bbbbbbbb\.so\.2\.0\.2 cannot stand in for a\.libs/libfoo-aaaaaaaa\.so\.2\.0\.1; "
                r"it lacks ext\.abi3\.so: bar")
    with pytest.raises(shared_libs.SharingError, match=expected):
        shared_libs.share(toc(("mod/ext.abi3.so", ext), ("a.libs/libfoo-aaaaaaaa.so.2.0.1", foo_a),
                              ("a.libs/libdep-11111111.so.1", dep), ("b.libs/libfoo-bbbbbbbb.so.2.0.2", foo_b)), RULE)


def test_a_rule_that_no_longer_matches_stops_the_build(wheels):
    tmp, dep, foo_a, foo_b = wheels
    with pytest.raises(shared_libs.SharingError, match=r"'b\.libs/libfoo-\*\.so\.2\.\*' matches 0 bundled"):
        shared_libs.share(toc(("a.libs/libfoo-aaaaaaaa.so.2.0.1", foo_a), ("a.libs/libdep-11111111.so.1", dep)),
                          RULE)


def test_vendored_libraries_reached_only_through_a_link_stay(wheels):
    """A library that something still links (here through PyInstaller's top-level link) is kept."""
    tmp, dep, foo_a, foo_b = wheels
    ext = so(tmp, "mod/ext.abi3.so", "int dep(void); int use(void) { return dep(); }", dep)
    entries = toc(("mod/ext.abi3.so", ext), ("a.libs/libdep-11111111.so.1", dep))
    entries.append(("libdep-11111111.so.1", "a.libs/libdep-11111111.so.1", "SYMLINK"))
    assert shared_libs.share(entries, []) == entries
