"""One copy of a native library that two wheels both vendor: the other wheel's copy becomes a symbolic link to it.

The OpenCV wheel carries its own FFmpeg (plus libvpx, libaom and OpenSSL 1.1 for it) only for cv2.VideoCapture and
VideoWriter, which the app never calls (it decodes and encodes through PyAV); PyAV's FFmpeg has the same major
versions. Pillow, PyAV and OpenCV also each vendor libavif, libpng, libwebp, libXau. auditwheel gave every copy a
hashed name, so the loader cannot tell they are the same library; a link under the replaced name to the kept copy
makes it one (glibc maps a file once, whatever name reaches it).

OpenCV's OpenBLAS has no twin (numpy's is ILP64 with renamed symbols), so an adapter built here from cv2_blas.c
takes its place the same way: a link under its name. Libraries PyAV's FFmpeg links for what the app never does
(x265, SVT-AV1, libvpx, LAME, libopus: it encodes with libx264 and FFmpeg's AAC only, and FFmpeg decodes those
formats with its own decoders; GnuTLS, for FFmpeg's https) and OpenCV's libavif (the app writes PNG and JPEG only)
are replaced likewise by stubs built here from stubs/*.c, which define what their consumers take from them and
refuse cleanly when called.

A rule is applied only when every symbol that a bundled consumer takes from the replaced copy is defined, with the
same symbol version, by the kept copy; otherwise, or when a rule's pattern matches no library (a wheel moved to a
new major version), the build stops with the reason. Libraries that only the replaced copies needed (OpenCV's
libvpx, libaom, OpenSSL 1.1, ...) are then left out: a wheel's vendored .libs/ folder holds only what its binaries
link by name (auditwheel grafts DT_NEEDED entries), so nothing there is loaded any other way.
"""

from __future__ import annotations

import fnmatch
import functools
import os
import re
import subprocess
from pathlib import Path, PurePosixPath

HERE = Path(__file__).resolve().parent

# (the copy to replace, the copy kept), as bundle paths with the wheel's hash as a wildcard; majors are pinned
SHARED: list[tuple[str, str]] = [
    ("opencv_contrib_python_headless.libs/libavcodec-*.so.62.*", "av.libs/libavcodec-*.so.62.*"),
    ("opencv_contrib_python_headless.libs/libavformat-*.so.62.*", "av.libs/libavformat-*.so.62.*"),
    ("opencv_contrib_python_headless.libs/libavutil-*.so.60.*", "av.libs/libavutil-*.so.60.*"),
    ("opencv_contrib_python_headless.libs/libswscale-*.so.9.*", "av.libs/libswscale-*.so.9.*"),
    ("opencv_contrib_python_headless.libs/libpng16-*.so.16.*", "pillow.libs/libpng16-*.so.16.*"),
    ("pillow.libs/libXau-*.so.6.*", "av.libs/libXau-*.so.6.*"),
    ("pillow.libs/libwebp-*.so.7.*", "av.libs/libwebp-*.so.7.*"),
    ("pillow.libs/libwebpmux-*.so.3.*", "av.libs/libwebpmux-*.so.3.*"),
    ("pillow.libs/libsharpyuv-*.so.0.*", "av.libs/libsharpyuv-*.so.0.*"),
]

# A library built here that stands in for a vendored one: (the copy to replace, C source in packaging/, the vendored
# library it forwards to, linked by file name and found next door through $ORIGIN).
ADAPTERS: list[tuple[str, str, str]] = [
    # OpenCV's OpenBLAS (39 MB + gfortran) -> numpy's; see cv2_blas.c
    ("opencv_contrib_python_headless.libs/libopenblasp-r0-*.so", "cv2_blas.c", "numpy.libs/libscipy_openblas64_*.so"),
]
# A library built here in place of a vendored one the app never calls: (the copy to replace, C source in packaging/).
# It keeps the replaced copy's SONAME, so that it is the same library to the loader (tests preload it by that name).
# Majors are pinned: a stub is written against one version's API.
STUBS: list[tuple[str, str]] = [
    ("av.libs/libx265-*.so.216", "stubs/x265_stub.c"),  # 20.6 MB: the HEVC encoder
    ("av.libs/libSvtAv1Enc-*.so.4.*", "stubs/svtav1_stub.c"),  # 7 MB: the AV1 encoder (dav1d decodes AV1)
    ("av.libs/libvpx-*.so.12.*", "stubs/vpx_stub.c"),  # 2.3 MB: VP8/VP9 (FFmpeg's own decoders stay)
    ("av.libs/libmp3lame-*.so.0.*", "stubs/mp3lame_stub.c"),  # the MP3 encoder (FFmpeg decodes MP3 itself)
    ("av.libs/libopus-*.so.0.*", "stubs/opus_stub.c"),  # libopus (FFmpeg's own opus decoder stays)
    # 5.6 MB with its own needs: GnuTLS serves only FFmpeg's https/tls protocols; the app's network is httpx
    ("av.libs/libgnutls-*.so.30.*", "stubs/gnutls_stub.c"),
    # 4.9 MB: AVIF images, for cv2 (the app encodes only PNG/JPEG); Pillow's AVIF plugin, its other user, and
    # with it Pillow's copy are left out of the bundle (bwv-reviewer.spec)
    ("opencv_contrib_python_headless.libs/libavif-*.so.16.*", "stubs/avif_stub.c"),
]
OWN_LIBS = "bwv_reviewer.libs"

VENDORED = re.compile(r"^[^/]+\.libs/")


class SharingError(SystemExit):
    pass


def _run(*args: str) -> str:
    try:
        return subprocess.run(args, capture_output=True, text=True, check=False).stdout
    except FileNotFoundError as exc:
        raise SharingError(f"packaging/shared_libs.py: {args[0]} not found (binutils is needed to build)") from exc


@functools.cache
def needed(path: str) -> list[str]:
    return re.findall(r"^\s*NEEDED\s+(\S+)", _run("objdump", "-p", path), re.M)


@functools.cache
def _symbols(path: str, which: str) -> frozenset[str]:
    """'name@VERSION' (or 'name' when unversioned) of the dynamic symbols defined or undefined in `path`."""
    out = _run("nm", "-D", "--with-symbol-versions", f"--{which}-only", path)
    return frozenset(line.split()[-1].replace("@@", "@") for line in out.splitlines() if line.split())


def _provides(defined: frozenset[str], symbol: str) -> bool:
    if "@" in symbol:
        return symbol in defined
    return symbol in defined or any(d.split("@", 1)[0] == symbol for d in defined)


def _match(entries: list[tuple], pattern: str) -> tuple:
    hits = [e for e in entries if fnmatch.fnmatchcase(e[0].replace("\\", "/"), pattern)]
    if len(hits) != 1:
        raise SharingError(f"packaging/shared_libs.py: {pattern!r} matches {len(hits)} bundled libraries, not one; "
                           "a wheel changed its vendored libraries, so review SHARED")
    return hits[0]


def missing_symbols(replaced: str, kept: str, consumers: list[str]) -> list[str]:
    """What the consumers take from `replaced` that `kept` does not define."""
    offered, defined = _symbols(replaced, "defined"), _symbols(kept, "defined")
    offered_names = {s.split("@", 1)[0] for s in offered}
    lost = []
    for consumer in consumers:
        for symbol in sorted(_symbols(consumer, "undefined")):
            if symbol.split("@", 1)[0] in offered_names and not _provides(defined, symbol):
                lost.append(f"{os.path.basename(consumer)}: {symbol}")
    return lost


def _compile(source: str, out: Path, soname: str, link: list[str]) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    # a stub for a library with versioned symbols names their versions in a linker version script beside it
    versions = (HERE / source).with_suffix(".map")
    if versions.is_file():
        link = [*link, f"-Wl,--version-script={versions}"]
    cmd = ["gcc", "-O2", "-shared", "-fPIC", "-Wall", "-Werror", "-o", str(out), str(HERE / source),
           f"-Wl,-soname,{soname}", *link]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True)
    except FileNotFoundError as exc:
        raise SharingError("packaging/shared_libs.py: gcc not found (it builds packaging/" + source + ")") from exc
    if done.returncode:
        raise SharingError(f"packaging/shared_libs.py: building {source} failed: {done.stderr.strip()}")


def build_adapters(binaries: list[tuple], work: Path, adapters: list[tuple[str, str, str]] = ADAPTERS,
                   stubs: list[tuple[str, str]] = STUBS) -> tuple[list[tuple], list[tuple[str, str]]]:
    """Compile each adapter and stub (gcc) into OWN_LIBS/: the binaries TOC with them added, and the rules that make
    share() put them in place of what they replace."""
    entries = [e for e in binaries if e[2] != "SYMLINK"]
    added, rules = [], []
    for replaced_glob, source, target_glob in adapters:
        _match(entries, replaced_glob)
        target = _match(entries, target_glob)
        out = work / OWN_LIBS / ("lib" + Path(source).stem + ".so")
        relative = os.path.relpath(os.path.dirname(target[0].replace("\\", "/")), OWN_LIBS)
        _compile(source, out, out.name, [f"-L{os.path.dirname(target[1])}", f"-l:{os.path.basename(target[1])}",
                                         f"-Wl,-rpath,$ORIGIN/{relative}"])
        added.append((f"{OWN_LIBS}/{out.name}", str(out), "BINARY"))
        rules.append((replaced_glob, f"{OWN_LIBS}/{out.name}"))
    for replaced_glob, source in stubs:
        replaced = _match(entries, replaced_glob)
        out = work / OWN_LIBS / ("lib" + Path(source).stem + ".so")
        _compile(source, out, os.path.basename(replaced[0]), [])
        added.append((f"{OWN_LIBS}/{out.name}", str(out), "BINARY"))
        rules.append((replaced_glob, f"{OWN_LIBS}/{out.name}"))
    return binaries + added, rules


def share(binaries: list[tuple], rules: list[tuple[str, str]] = SHARED) -> list[tuple]:
    """PyInstaller's binaries TOC with each rule's replaced copy turned into a link to the kept copy, and vendored
    libraries nothing links any more left out."""
    entries = [e for e in binaries if e[2] != "SYMLINK"]
    links: dict[str, str] = {}
    for replaced_glob, kept_glob in rules:
        replaced, kept = _match(entries, replaced_glob), _match(entries, kept_glob)
        name = os.path.basename(replaced[0])
        consumers = [e[1] for e in entries if e is not replaced and name in needed(e[1])]
        lost = missing_symbols(replaced[1], kept[1], consumers)
        if lost:
            raise SharingError(f"packaging/shared_libs.py: {kept[0]} cannot stand in for {replaced[0]}; it lacks "
                               + ", ".join(lost[:5]))
        dest = PurePosixPath(replaced[0].replace("\\", "/"))
        links[str(dest)] = os.path.relpath(kept[0].replace("\\", "/"), str(dest.parent))
    out = [(d, links[d.replace("\\", "/")], "SYMLINK") if d.replace("\\", "/") in links else (d, s, t)
           for d, s, t in binaries]
    return _prune_vendored(out)


def _prune_vendored(toc: list[tuple]) -> list[tuple]:
    files = {d.replace("\\", "/"): (s, t) for d, s, t in toc}
    by_name: dict[str, list[str]] = {}
    for dest in files:
        by_name.setdefault(os.path.basename(dest), []).append(dest)
    reached: set[str] = set()
    # roots: everything but vendored libraries and links (PyInstaller links each vendored library into
    # _internal/ too; a link stays only while something needs its name)
    todo = [d for d, (_, typecode) in files.items() if not VENDORED.match(d) and typecode != "SYMLINK"]
    while todo:
        dest = todo.pop()
        if dest in reached:
            continue
        reached.add(dest)
        src, typecode = files[dest]
        if typecode == "SYMLINK":
            todo.append(os.path.normpath(os.path.join(os.path.dirname(dest), src)).replace("\\", "/"))
            continue
        for name in needed(src):
            todo.extend(by_name.get(name, []))
    return [e for e in toc if e[0].replace("\\", "/") in reached]
