"""Which of the build host's libraries the bundle ships, and which it leaves to the workstation (ADR 0025).

PyInstaller copies into _internal/ every library the interpreter and the wheels link from the build machine. Most of
them are the desktop's own plumbing: X11/xcb, fonts, GLib, D-Bus, the sound client, Kerberos, and the base runtime
those link (the C++ runtime, zlib, ...). Those must match the workstation's drivers, configuration and daemons, and
the bootloader puts _internal/ first on the library search path, so a copy from the build machine would also
replace the workstation's newer one for the workstation's own libraries (Mesa's GL driver needing a newer libstdc++
is the classic failure). The AppImage project's excludelist reaches the same conclusion for most of these.

The spec drops every library in HOST and keeps every one in KEPT; a build-host library in neither stops the build,
so each new one gets a decision. build.sh writes HOST as host-libraries.tsv into the bundle, and install.sh asks the
dynamic loader (ldd) whether the workstation has every library the bundle needs, naming the packages if not.

    python packaging/host_libs.py --check BUNDLE      # every host library the bundle links has a row here
    python packaging/host_libs.py --write-table FILE  # the table install.sh reads
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

# soname -> (Debian/Ubuntu package, RHEL/Fedora package, linked by the bundle itself). Rows not linked by the bundle
# come with a host library that is (libpulse brings libsndfile, ...); they are here so that install.sh can name the
# package should the workstation's own packages be broken, and so that the spec drops them.
HOST: dict[str, tuple[str, str, bool]] = {
    # graphics and windowing: Qt's xcb, Wayland and EGL/GLX integrations (libEGL/libGL/libxcb/wayland PyInstaller
    # already never copies: they belong to the graphics driver)
    "libEGL.so.1": ("libegl1", "libglvnd-egl", True),
    "libGL.so.1": ("libgl1", "libglvnd-glx", True),
    "libwayland-client.so.0": ("libwayland-client0", "libwayland-client", True),
    "libwayland-cursor.so.0": ("libwayland-cursor0", "libwayland-cursor", True),
    "libwayland-egl.so.1": ("libwayland-egl1", "libwayland-egl", True),
    "libX11.so.6": ("libx11-6", "libX11", True),
    "libX11-xcb.so.1": ("libx11-xcb1", "libX11-xcb", True),
    "libXext.so.6": ("libxext6", "libXext", False),
    "libXrender.so.1": ("libxrender1", "libXrender", False),
    "libXfixes.so.3": ("libxfixes3", "libXfixes", False),
    "libXau.so.6": ("libxau6", "libXau", False),
    "libXdmcp.so.6": ("libxdmcp6", "libXdmcp", False),
    "libbsd.so.0": ("libbsd0", "libbsd", False),
    "libmd.so.0": ("libmd0", "libmd", False),
    "libxcb.so.1": ("libxcb1", "libxcb", True),
    "libxcb-cursor.so.0": ("libxcb-cursor0", "xcb-util-cursor", True),
    "libxcb-glx.so.0": ("libxcb-glx0", "libxcb", True),
    "libxcb-icccm.so.4": ("libxcb-icccm4", "xcb-util-wm", True),
    "libxcb-image.so.0": ("libxcb-image0", "xcb-util-image", True),
    "libxcb-keysyms.so.1": ("libxcb-keysyms1", "xcb-util-keysyms", True),
    "libxcb-randr.so.0": ("libxcb-randr0", "libxcb", True),
    "libxcb-render-util.so.0": ("libxcb-render-util0", "xcb-util-renderutil", True),
    "libxcb-render.so.0": ("libxcb-render0", "libxcb", True),
    "libxcb-shape.so.0": ("libxcb-shape0", "libxcb", True),
    "libxcb-shm.so.0": ("libxcb-shm0", "libxcb", True),
    "libxcb-sync.so.1": ("libxcb-sync1", "libxcb", True),
    "libxcb-util.so.1": ("libxcb-util1", "xcb-util", True),
    "libxcb-xfixes.so.0": ("libxcb-xfixes0", "libxcb", True),
    "libxcb-xkb.so.1": ("libxcb-xkb1", "libxcb", True),
    "libxkbcommon.so.0": ("libxkbcommon0", "libxkbcommon", True),
    "libxkbcommon-x11.so.0": ("libxkbcommon-x11-0", "libxkbcommon-x11", True),
    # fonts: Qt finds the desktop's fonts through its fontconfig configuration and cache
    "libfontconfig.so.1": ("libfontconfig1", "fontconfig", True),
    "libfreetype.so.6": ("libfreetype6", "freetype", True),
    "libharfbuzz.so.0": ("libharfbuzz0b", "harfbuzz", False),
    "libgraphite2.so.3": ("libgraphite2-3", "graphite2", False),
    "libpng16.so.16": ("libpng16-16", "libpng", False),
    "libbrotlidec.so.1": ("libbrotli1", "brotli", True),
    "libbrotlicommon.so.1": ("libbrotli1", "brotli", False),
    "libexpat.so.1": ("libexpat1", "expat", False),
    # GLib: Qt's event loop on a GNOME-family desktop; GIO's mount and SELinux helpers come with it
    "libglib-2.0.so.0": ("libglib2.0-0", "glib2", True),
    "libgthread-2.0.so.0": ("libglib2.0-0", "glib2", True),
    "libgobject-2.0.so.0": ("libglib2.0-0", "glib2", False),
    "libgio-2.0.so.0": ("libglib2.0-0", "glib2", False),
    "libgmodule-2.0.so.0": ("libglib2.0-0", "glib2", False),
    "libpcre2-8.so.0": ("libpcre2-8-0", "pcre2", False),
    "libmount.so.1": ("libmount1", "libmount", False),
    "libblkid.so.1": ("libblkid1", "libblkid", False),
    "libselinux.so.1": ("libselinux1", "libselinux", False),
    # the session bus (the Secret Service keyring, single instance) and systemd's client library under it
    "libdbus-1.so.3": ("libdbus-1-3", "dbus-libs", True),
    "libsystemd.so.0": ("libsystemd0", "systemd-libs", False),
    "libcap.so.2": ("libcap2", "libcap", False),
    "libgcrypt.so.20": ("libgcrypt20", "libgcrypt", False),
    "libgpg-error.so.0": ("libgpg-error0", "libgpg-error", False),
    "liblz4.so.1": ("liblz4-1", "lz4-libs", False),
    # sound: the PulseAudio client speaks the desktop's sound server's protocol (PulseAudio or PipeWire's)
    "libpulse.so.0": ("libpulse0", "pulseaudio-libs", True),
    "libpulsecommon-16.1.so": ("libpulse0", "pulseaudio-libs", False),
    "libsndfile.so.1": ("libsndfile1", "libsndfile", False),
    "libFLAC.so.12": ("libflac12", "flac-libs", False),
    "libvorbis.so.0": ("libvorbis0a", "libvorbis", False),
    "libvorbisenc.so.2": ("libvorbisenc2", "libvorbis", False),
    "libogg.so.0": ("libogg0", "libogg", False),
    "libopus.so.0": ("libopus0", "opus", False),
    "libmpg123.so.0": ("libmpg123-0", "mpg123-libs", False),
    "libmp3lame.so.0": ("libmp3lame0", "lame-libs", False),
    "libasyncns.so.0": ("libasyncns0", "libasyncns", False),
    # Kerberos/GSSAPI: Qt Network's Negotiate authentication; it must read the workstation's krb5.conf
    "libgssapi_krb5.so.2": ("libgssapi-krb5-2", "krb5-libs", True),
    "libkrb5.so.3": ("libkrb5-3", "krb5-libs", False),
    "libk5crypto.so.3": ("libk5crypto3", "krb5-libs", False),
    "libkrb5support.so.0": ("libkrb5support0", "krb5-libs", False),
    "libcom_err.so.2": ("libcom-err2", "libcom_err", False),
    "libkeyutils.so.1": ("libkeyutils1", "keyutils-libs", False),
    # the base runtime that the libraries above link too: a build-host copy first on the search path would replace
    # the workstation's (newer) one for them; the build host has the oldest glibc the bundle supports, so the
    # workstation's copies are at least as new as what the bundle was linked against
    "libstdc++.so.6": ("libstdc++6", "libstdc++", True),
    "libgcc_s.so.1": ("libgcc-s1", "libgcc", True),
    "libz.so.1": ("zlib1g", "zlib", True),
    "libzstd.so.1": ("libzstd1", "libzstd", True),
    "liblzma.so.5": ("liblzma5", "xz-libs", True),
    "libffi.so.8": ("libffi8", "libffi", True),
    "libuuid.so.1": ("libuuid1", "libuuid", True),
    # OpenSSL 3 (Python's ssl and hashlib): every host the bundle runs on has it (Debian 12+, Ubuntu 22.04+,
    # RHEL 9+), its ABI is stable across 3.x, and the workstation's copy carries the distribution's security fixes
    # and crypto policy; the workstation's Kerberos may link it too
    "libssl.so.3": ("libssl3", "openssl-libs", True),
    "libcrypto.so.3": ("libssl3", "openssl-libs", True),
    # only the GTK theme plugin (dropped in the spec) brought these
    "libjpeg.so.62": ("libjpeg62-turbo", "libjpeg-turbo", False),
    "libbz2.so.1": ("libbz2-1.0", "bzip2-libs", False),
}

# Build-host libraries the bundle ships, and why: not the desktop's, and what the app does with them must not depend
# on the workstation's version.
KEPT: dict[str, str] = {
    "libpython3.11.so.1.0": "the interpreter itself",
    "libsqlite3.so.0": "the library database's engine (Python's sqlite3): its behaviour was tested with this version",
    "libbz2.so.1.0": "Python's bz2 module; the name is Debian's (RHEL's libbz2 answers to libbz2.so.1 only)",
    "libreadline.so.8": "Python's readline module",
    "libtinfo.so.6": "readline's terminal library",
    "libfribidi.so.0": "Pillow loads it by name (dlopen) to set right-to-left text in burned-in overlays: exported "
                       "pixels must not depend on the workstation",
}
# loaded by name at run time, so PyInstaller does not always see them: the spec adds them explicitly
DLOPENED = ["libfribidi.so.0"]

# glibc: never bundled, never listed (PyInstaller leaves it out itself)
GLIBC = {"libc.so.6", "libm.so.6", "libdl.so.2", "libpthread.so.0", "librt.so.1", "libresolv.so.2", "libutil.so.1",
         "ld-linux-x86-64.so.2", "libmvec.so.1", "libanl.so.1"}

LIB_DIRS = ["/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/usr/lib64", "/lib64", "/usr/lib", "/lib"]


class HostLibError(SystemExit):
    pass


def _from_build_host(entry: tuple) -> bool:
    """A library PyInstaller copied from the build machine: top level of _internal/, not from a wheel or this
    repository (the wheels' vendored libraries have hashed names in <dist>.libs/, shared_libs' links point there)."""
    dest, src = entry[0].replace("\\", "/"), str(entry[1])
    return "/" not in dest and entry[2] == "BINARY" and "site-packages" not in src and ".so" in dest


def decide(binaries: list[tuple]) -> list[tuple]:
    """The spec's filter: drop what HOST names, keep KEPT, stop on a build-host library neither names."""
    unknown = sorted({b[0] for b in binaries if _from_build_host(b) and b[0] not in HOST and b[0] not in KEPT})
    if unknown:
        raise HostLibError(f"packaging/host_libs.py: decide whether the bundle ships or leaves to the workstation: "
                           f"{', '.join(unknown)} (add each to HOST or KEPT, with its reason)")
    return [b for b in binaries if not (_from_build_host(b) and b[0] in HOST)]


def dlopened() -> list[tuple[str, str, str]]:
    """The KEPT libraries loaded by name, as Analysis binaries (found where the build host's loader would)."""
    out = []
    for name in DLOPENED:
        path = next((Path(d) / name for d in LIB_DIRS if (Path(d) / name).is_file()), None)
        if path is None:
            raise HostLibError(f"packaging/host_libs.py: {name} is not installed on the build host "
                               f"(Debian: apt-get install libfribidi0)")
        out.append((name, str(path), "BINARY"))  # by its soname, which is the name it must have
    return out


def host_needs(bundle: Path) -> dict[str, list[str]]:
    """Every library a file in the bundle links that the bundle does not hold (glibc aside): soname -> who links it."""
    import shared_libs

    internal = bundle / "_internal"
    names = {p.name for p in internal.rglob("*.so*")}
    out: dict[str, list[str]] = {}
    for path in sorted(internal.rglob("*.so*")):
        if path.is_symlink() or not path.is_file():
            continue
        for soname in shared_libs.needed(str(path)):
            if soname not in names and soname not in GLIBC:
                out.setdefault(soname, []).append(str(path.relative_to(internal)))
    return out


def check(bundle: Path) -> None:
    """The bundle ships no HOST library, and every host library it links has a row (so install.sh can name it)."""
    internal = bundle / "_internal"
    shipped = sorted(n for n in HOST if (internal / n).exists())
    if shipped:
        raise HostLibError(f"packaging/host_libs.py: {bundle} ships libraries left to the workstation: "
                           f"{', '.join(shipped)}")
    unlisted = {k: v for k, v in host_needs(bundle).items() if k not in HOST or not HOST[k][2]}
    if unlisted:
        raise HostLibError("packaging/host_libs.py: the bundle links libraries from the workstation that HOST does "
                           "not mark as linked (add a row with its packages): "
                           + "; ".join(f"{k} (by {v[0]})" for k, v in sorted(unlisted.items())))


def table() -> str:
    """host-libraries.tsv: soname, Debian/Ubuntu package, RHEL/Fedora package; read by install.sh."""
    lines = ["# libraries BWV Reviewer takes from the workstation (docs/decisions/0025): soname, Debian/Ubuntu "
             "package, RHEL/Fedora package"]
    lines += [f"{soname}\t{deb}\t{rpm}" for soname, (deb, rpm, _) in sorted(HOST.items())]
    return "\n".join(lines) + "\n"


def runtime_packages() -> list[str]:
    """The Debian packages that provide what the bundle links directly (scripts/dev.sh's RUNTIME_DEBS holds them)."""
    return sorted({deb for deb, _, linked in HOST.values() if linked})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", type=Path, metavar="BUNDLE")
    parser.add_argument("--write-table", type=Path, metavar="FILE")
    args = parser.parse_args(argv)
    if args.check:
        check(args.check)
    if args.write_table:
        sys.path.insert(0, str(HERE.parent))
        from reviewer.atomic import write_text

        write_text(args.write_table, table())
    return 0


if __name__ == "__main__":
    sys.exit(main())
