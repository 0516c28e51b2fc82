"""The native shared libraries inside a built bundle: name, version (from the file name), which wheel brought
them, and their licence where known.

Wheels vendor their libraries under <dist>.libs/ with a hash in the name (auditwheel); PySide6 keeps Qt in
PySide6/Qt/lib; PyInstaller copies what the interpreter and extensions link from the build host into _internal/.
Licences come from the table below (the upstream projects' own licences; FFmpeg's follows from how PyAV's wheel
configures it). A library missing from it is reported as not determined rather than guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

# prefix of the library name (without "lib") -> SPDX expression; first match wins, so longer prefixes first
LICENCES: list[tuple[str, str]] = [
    ("Qt6", "LGPL-3.0-only"), ("pyside6", "LGPL-3.0-only"), ("shiboken6", "LGPL-3.0-only"),
    ("icu", "Unicode-3.0"),
    ("x264", "GPL-2.0-or-later"), ("x265", "GPL-2.0-or-later"),
    ("SvtAv1Enc", "BSD-3-Clause-Clear"), ("dav1d", "BSD-2-Clause"), ("aom", "BSD-2-Clause"),
    ("vpx", "BSD-3-Clause"), ("opus", "BSD-3-Clause"), ("mp3lame", "LGPL-2.0-or-later"),
    ("opencore-amr", "Apache-2.0"), ("webp", "BSD-3-Clause"), ("sharpyuv", "BSD-3-Clause"),
    ("gnutls", "LGPL-2.1-or-later"), ("nettle", "LGPL-3.0-or-later OR GPL-2.0-or-later"),
    ("hogweed", "LGPL-3.0-or-later OR GPL-2.0-or-later"), ("gmp", "LGPL-3.0-or-later OR GPL-2.0-or-later"),
    ("unistring", "LGPL-3.0-or-later OR GPL-2.0-or-later"), ("xcb", "MIT"), ("Xau", "MIT"), ("X11", "MIT"),
    ("Xext", "MIT"), ("Xrender", "MIT"), ("Xdmcp", "MIT"), ("drm", "MIT"), ("asound", "LGPL-2.1-or-later"),
    ("vpl", "MIT"), ("freetype", "FTL OR GPL-2.0-only"), ("harfbuzz", "MIT"), ("jpeg", "IJG AND BSD-3-Clause"),
    ("turbojpeg", "IJG AND BSD-3-Clause"), ("lcms2", "MIT"), ("lzma", "0BSD"), ("openjp2", "BSD-2-Clause"),
    ("png16", "libpng-2.0"), ("tiff", "libtiff"), ("brotli", "MIT"), ("zstd", "BSD-3-Clause"),
    ("avif", "BSD-2-Clause"), ("gfortran", "GPL-3.0-or-later WITH GCC-exception-3.1"),
    ("quadmath", "LGPL-2.1-or-later"), ("scipy_openblas", "BSD-3-Clause"), ("openblas", "BSD-3-Clause"),
    ("crypto", "OpenSSL"), ("ssl", "OpenSSL"), ("python", "Python-2.0"), ("ffi", "MIT"),
    ("stdc++", "GPL-3.0-or-later WITH GCC-exception-3.1"), ("gcc_s", "GPL-3.0-or-later WITH GCC-exception-3.1"),
    ("bz2", "bzip2-1.0.6"), ("expat", "MIT"), ("sqlite3", "blessing"), ("uuid", "BSD-3-Clause"),
    ("mpdec", "BSD-2-Clause"), ("raqm", "MIT"), ("fribidi", "LGPL-2.1-or-later"), ("readline", "GPL-3.0-or-later"),
    ("ncursesw", "X11"), ("tinfo", "X11"), ("xkbcommon", "MIT"), ("fontconfig", "HPND-sell-variant"),
    ("EGL", "LicenseRef-vendor-GL"), ("GL", "LicenseRef-vendor-GL"), ("dbus", "AFL-2.1 OR GPL-2.0-or-later"),
    ("glib", "LGPL-2.1-or-later"), ("gthread", "LGPL-2.1-or-later"), ("pcre2", "BSD-3-Clause"),
    ("pulse", "LGPL-2.1-or-later"), ("wayland", "MIT"), ("va", "MIT"), ("ogg", "BSD-3-Clause"),
    ("vorbis", "BSD-3-Clause"), ("gomp", "GPL-3.0-or-later WITH GCC-exception-3.1"),
    ("FLAC", "BSD-3-Clause"), ("Xfixes", "MIT"), ("asyncns", "LGPL-2.1-or-later"), ("blkid", "LGPL-2.1-or-later"),
    ("bsd", "BSD-3-Clause"), ("cap", "BSD-3-Clause OR GPL-2.0-only"), ("com_err", "MIT"),
    ("gcrypt", "LGPL-2.1-or-later"), ("gio-", "LGPL-2.1-or-later"), ("gmodule-", "LGPL-2.1-or-later"),
    ("gobject-", "LGPL-2.1-or-later"), ("gpg-error", "LGPL-2.1-or-later"),
    ("graphite2", "LGPL-2.1-or-later OR MPL-2.0 OR GPL-2.0-or-later"), ("gssapi_krb5", "MIT"),
    ("k5crypto", "MIT"), ("krb5", "MIT"), ("keyutils", "LGPL-2.1-or-later"), ("lz4", "BSD-2-Clause"),
    ("md", "BSD-3-Clause"), ("mount", "LGPL-2.1-or-later"), ("mpg123", "LGPL-2.1-only"),
    ("mvec", "LGPL-2.1-or-later"), ("selinux", "LicenseRef-public-domain"), ("sndfile", "LGPL-2.1-or-later"),
    ("systemd", "LGPL-2.1-or-later"),
]
# cv2_blas and the stubs: built from packaging/ (shared_libs.py), this project's own
EXACT = {"z": "Zlib", "cv2_blas": "GPL-3.0-or-later", "c2pa_c": "MIT OR Apache-2.0",
         "x265_stub": "GPL-3.0-or-later", "svtav1_stub": "GPL-3.0-or-later", "avif_stub": "GPL-3.0-or-later",
         "vpx_stub": "GPL-3.0-or-later", "mp3lame_stub": "GPL-3.0-or-later", "opus_stub": "GPL-3.0-or-later",
         "gnutls_stub": "GPL-3.0-or-later"}
# the vendored library each stub stands in for; that library is not shipped (its file name in the wheel's folder is
# a link to the stub), so neither the SBOM nor THIRD_PARTY_LICENSES lists it
STANDS_IN_FOR = {"libx265_stub": "libx265 (the HEVC encoder)", "libsvtav1_stub": "libSvtAv1Enc (the AV1 encoder)",
                 "libavif_stub": "libavif (AVIF images, for OpenCV)", "libvpx_stub": "libvpx (VP8/VP9 codecs)",
                 "libmp3lame_stub": "LAME (the MP3 encoder)", "libopus_stub": "libopus (Opus codecs)",
                 "libgnutls_stub": "GnuTLS (FFmpeg's https; with it libunistring, nettle, hogweed and GMP)"}

# FFmpeg's own libraries: their licence depends on the build. PyAV's wheel enables libx264/libx265 (GPL) and
# opencore-amr (Apache-2.0, which needs --enable-version3), so that FFmpeg is GPL-3.0-or-later as a whole; the
# OpenCV wheel and Qt Multimedia ship their own LGPL builds. The bundle keeps only PyAV's: OpenCV's copies are links
# to it (shared_libs.py) and Qt's went with Qt Multimedia's playback backend (bwv-reviewer.spec).
FFMPEG_LIBS = ("avcodec", "avformat", "avutil", "avfilter", "avdevice", "swscale", "swresample", "postproc")
FFMPEG_BY_ORIGIN = {"av": "GPL-3.0-or-later", "opencv-contrib-python-headless": "LGPL-2.1-or-later",
                    "PySide6": "LGPL-2.1-or-later"}

PY_EXTENSION = re.compile(r"\.(cpython-\d+[^.]*|abi3)\.so$")
SONAME = re.compile(r"^lib(?P<name>.+?)(-[0-9a-f]{8})?\.so(?:\.(?P<ver>[0-9.]+))?$")
ORIGINS = {"av.libs": "av", "opencv_contrib_python_headless.libs": "opencv-contrib-python-headless",
           "numpy.libs": "numpy", "pillow.libs": "pillow", "PySide6": "PySide6", "shiboken6": "PySide6",
           "cv2": "opencv-contrib-python-headless", "uharfbuzz.libs": "uharfbuzz",
           "bwv_reviewer.libs": "bwv-reviewer", "c2pa": "c2pa-python"}  # built by packaging/shared_libs.py from this repository


@dataclass(frozen=True)
class NativeLib:
    path: str  # relative to the bundle
    name: str
    version: str
    origin: str  # the wheel that vendored it, or "build host" for what PyInstaller copied from the system
    licence: str | None
    size: int


def _wheel_version(dist: str) -> str | None:
    from importlib import metadata

    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def licence_for(name: str, origin: str, path: str = "") -> str | None:
    if "PySide6/Qt/plugins/" in path:
        return "LGPL-3.0-only"  # Qt's own plugins
    if name in EXACT:
        return EXACT[name]
    if name.split("-")[0] in FFMPEG_LIBS:
        return FFMPEG_BY_ORIGIN.get(origin)
    if name.startswith("opencv_"):
        return "Apache-2.0"
    for prefix, spdx in LICENCES:
        if name.startswith(prefix):
            return spdx
    return None


def scan(bundle: Path) -> list[NativeLib]:
    internal = bundle / "_internal"
    out = []
    for path in sorted(internal.rglob("*.so*")):
        if not path.is_file() or path.is_symlink() or PY_EXTENSION.search(path.name):
            continue
        m = SONAME.match(path.name)
        if not m:
            continue
        rel = path.relative_to(internal)
        origin = ORIGINS.get(rel.parts[0], "build host") if len(rel.parts) > 1 else "build host"
        name = m.group("name")
        version = m.group("ver") or "unknown"
        if origin == "PySide6" and name.startswith("Qt6"):
            version = _wheel_version("PySide6") or version  # Qt's sonames carry only the major version
        elif origin == "bwv-reviewer":
            version = _wheel_version("bwv-reviewer") or version  # the adapter and stubs built from packaging/
        out.append(NativeLib(str(path.relative_to(bundle)), f"lib{name}", version, origin,
                             licence_for(name, origin, rel.as_posix()), path.stat().st_size))
    return out
