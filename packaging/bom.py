"""Write the bundle's CycloneDX SBOM and THIRD_PARTY_LICENSES (run by packaging/build.sh after PyInstaller).

    python packaging/bom.py --bundle dist/bwv-reviewer --pyz build/bundle/bwv-reviewer/PYZ-00.pyz \
        --env-sbom build/bundle/env.cdx.json

The environment SBOM from `cyclonedx-py environment` lists every package of the build venv, including build and
test tools that are not shipped; only distributions whose modules PyInstaller actually put in the bundle are kept,
and the native libraries found in it (packaging/native_libs.py) are added, so the SBOM describes the artifact.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from importlib import metadata
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import native_libs  # noqa: E402

from reviewer import __version__  # noqa: E402
from reviewer.atomic import write_text  # noqa: E402

PROJECT = "bwv-reviewer"
PROJECT_LICENCE = "GPL-3.0-or-later"  # docs/decisions/0011-licensing.md
LICENCE_FILE = re.compile(r"(LICEN[CS]E|COPYING|NOTICE|COPYRIGHT)", re.IGNORECASE)


def norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def bundled_tops(bundle: Path, pyz: Path) -> set[str]:
    from PyInstaller.archive.readers import ZlibArchiveReader

    tops = {name.split(".")[0] for name in ZlibArchiveReader(str(pyz)).toc}
    for entry in (bundle / "_internal").iterdir():
        tops.add(entry.name.split(".")[0])
    return tops


def dist_tops(dist: metadata.Distribution) -> set[str]:
    text = dist.read_text("top_level.txt")
    if text:
        return {line.strip() for line in text.splitlines() if line.strip()}
    tops = set()
    for f in dist.files or []:
        first = f.parts[0]
        if first.endswith((".dist-info", ".egg-info", ".data")) or first in ("..", "__pycache__"):
            continue
        tops.add(first.split(".")[0])
    return tops


def bundled_distributions(bundle: Path, pyz: Path) -> dict[str, metadata.Distribution]:
    tops = bundled_tops(bundle, pyz)
    out = {}
    for dist in metadata.distributions():
        name = norm(dist.metadata["Name"] or "")
        if not name or name == PROJECT:
            continue
        if dist_tops(dist) & tops:
            out[name] = dist
    return out


def licence_texts(dist: metadata.Distribution) -> list[tuple[str, str]]:
    out = []
    for f in dist.files or []:
        if ".dist-info" in f.parts[0] and LICENCE_FILE.search(f.name):
            try:
                out.append((str(f), Path(f.locate()).read_bytes().decode("utf-8", "replace")))
            except OSError:
                continue
    return out


def spdx_of(dist: metadata.Distribution) -> str:
    meta = dist.metadata
    expr = meta.get("License-Expression")
    if expr:
        return expr
    classifiers = [c.split(" :: ")[-1] for c in meta.get_all("Classifier") or [] if c.startswith("License ::")]
    short = (meta.get("License") or "").strip()
    if short and "\n" not in short and len(short) < 80:
        return short
    return "; ".join(classifiers) or "not stated in the package metadata"


def native_component(lib: native_libs.NativeLib) -> dict:
    comp = {"type": "library", "bom-ref": f"native:{lib.path}", "name": lib.name, "version": lib.version,
            "properties": [{"name": "bwv:path", "value": lib.path}, {"name": "bwv:origin", "value": lib.origin},
                           {"name": "bwv:size", "value": str(lib.size)}]}
    if lib.name in native_libs.STANDS_IN_FOR:
        comp["description"] = f"stub built by BWV Reviewer in place of {native_libs.STANDS_IN_FOR[lib.name]}, " \
                              "which is not shipped; it refuses to be used"
    if lib.licence:
        comp["licenses"] = [{"expression": lib.licence}]
    else:
        comp["properties"].append({"name": "bwv:licence", "value": "not determined"})
    return comp


def make_sbom(env_sbom: dict, dists: dict, libs: list[native_libs.NativeLib]) -> dict:
    kept = [c for c in env_sbom.get("components", []) if norm(c.get("name", "")) in dists]
    refs = {c["bom-ref"] for c in kept if "bom-ref" in c}
    bom = dict(env_sbom)
    meta = dict(bom.get("metadata", {}))
    meta["component"] = {"type": "application", "bom-ref": PROJECT, "name": PROJECT, "version": __version__,
                         "licenses": [{"expression": PROJECT_LICENCE}]}
    bom["metadata"] = meta
    bom["components"] = kept + [native_component(lib) for lib in libs]
    deps = [d for d in env_sbom.get("dependencies", []) if d.get("ref") in refs]
    for d in deps:
        d["dependsOn"] = [r for r in d.get("dependsOn", []) if r in refs]
    deps.append({"ref": PROJECT, "dependsOn": sorted(refs) + [f"native:{lib.path}" for lib in libs]})
    bom["dependencies"] = deps
    return bom


def third_party_text(dists: dict, libs: list[native_libs.NativeLib]) -> str:
    parts = [
        "BWV Reviewer: third-party components shipped in this bundle",
        f"BWV Reviewer itself is licensed {PROJECT_LICENCE} (licenses/COPYING.txt in resources).",
        "Full texts of the GPL and LGPL versions referred to below: resources/licenses/. Machine-readable: "
        "sbom.cdx.json (CycloneDX).",
        "",
        "== Native libraries ==",
        "",
    ]
    for lib in libs:
        parts.append(f"{lib.path}  {lib.name} {lib.version}  from {lib.origin}  "
                     f"licence: {lib.licence or 'not determined'}")
    stubs = [f"{lib.path} stands in for {native_libs.STANDS_IN_FOR[lib.name]}" for lib in libs
             if lib.name in native_libs.STANDS_IN_FOR]
    if stubs:
        parts += ["", "Not shipped: these stubs, built by BWV Reviewer from packaging/stubs/, take the place of "
                  "libraries the app never uses and refuse if asked:", *stubs]
    parts += ["", "Not shipped either: the desktop's own libraries (graphics, fonts, GLib, D-Bus, sound, Kerberos, the "
              "C++ runtime, OpenSSL) come from the workstation's packages, listed in host-libraries.tsv "
              "(docs/decisions/0025-host-libraries.md)."]
    parts += ["", "== Python packages ==", ""]
    for name in sorted(dists):
        dist = dists[name]
        parts.append("=" * 78)
        parts.append(f"{dist.metadata['Name']} {dist.version}  licence: {spdx_of(dist)}")
        parts.append("=" * 78)
        texts = licence_texts(dist)
        if not texts:
            parts.append("(the package ships no licence file; see its licence field above)")
        for fname, text in texts:
            parts += [f"--- {fname} ---", text.rstrip(), ""]
        parts.append("")
    return "\n".join(parts) + "\n"


def schema_errors(text: str):
    """None when the SBOM is valid CycloneDX JSON of its declared version (cyclonedx-bom's library checks it)."""
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator

    version = SchemaVersion.from_version(json.loads(text)["specVersion"])
    return JsonStrictValidator(version).validate_str(text)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bundle", type=Path, required=True)
    ap.add_argument("--pyz", type=Path, required=True)
    ap.add_argument("--env-sbom", type=Path, required=True)
    args = ap.parse_args()
    dists = bundled_distributions(args.bundle, args.pyz)
    libs = native_libs.scan(args.bundle)
    bom = make_sbom(json.loads(args.env_sbom.read_text(encoding="utf-8")), dists, libs)
    text = json.dumps(bom, indent=1) + "\n"
    problem = schema_errors(text)
    if problem:
        raise SystemExit(f"bom.py: the SBOM does not validate against CycloneDX {bom.get('specVersion')}: {problem}")
    write_text(args.bundle / "sbom.cdx.json", text)
    write_text(args.bundle / "THIRD_PARTY_LICENSES", third_party_text(dists, libs))
    unknown = [lib.path for lib in libs if lib.licence is None]
    print(f"SBOM: {len(dists)} Python packages, {len(libs)} native libraries"
          + (f"; licence not determined for {len(unknown)}: {', '.join(unknown)}" if unknown else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
