"""packaging/cv2_blas.c: cv2 with OpenCV's OpenBLAS replaced by the adapter onto numpy's gives the right answers.

The adapter is built as the bundle builds it (shared_libs.build_adapters) and put where the bundle puts it, in a
copy of the installed cv2 whose vendored OpenBLAS is a link to it; a child process imports that cv2 and runs the
operations that reach LAPACK/BLAS (solve by LU, QR, SVD and Cholesky, SVD, least squares, eigenvalues, gemm in
four types, inverse). Answers are checked against numpy, not against cv2 itself, so a wrong argument in the adapter
fails; the tracking assist's trackers are checked against the stock wheel."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "packaging"))

import shared_libs  # noqa: E402

pytestmark = pytest.mark.skipif(shutil.which("gcc") is None, reason="gcc builds the adapter")

SITE = Path(cv2.__file__).resolve().parents[1]

# OpenCV hands small systems to its own code: from about 100 unknowns on, solve/invert reach LAPACK's ?gesv_,
# ?posv_, dgetrf_ (traced once with a logging build of the adapter; so were ?gels_, ?gesdd_ and the four ?gemm).
# ?potrf_, ?geqrf_, dgeev_ and sgetrf_ are not reached by these calls.
N = 150

CHILD = r"""
import json, sys
import numpy as np
sys.path.insert(0, sys.argv[1])
import cv2
maps = open("/proc/self/maps").read()
N = int(sys.argv[2])
rng = np.random.default_rng(7)
A = rng.standard_normal((N, N)) + N ** 0.5 * np.eye(N); B = rng.standard_normal((N, 3)); S = A @ A.T + N * np.eye(N)
R = rng.standard_normal((300, 200)); r = rng.standard_normal((300, 2))
G = rng.standard_normal((256, 256)); C = rng.standard_normal((N, N, 2))
# /proc/self/maps names the file a link led to
out = {"cv2": cv2.__file__, "adapter": "libcv2_blas.so" in maps, "openblas": "libopenblasp" in maps}
for name, flag, m in [("lu", cv2.DECOMP_LU, A), ("qr", cv2.DECOMP_QR, A), ("svd", cv2.DECOMP_SVD, A),
                      ("chol", cv2.DECOMP_CHOLESKY, S)]:
    out["solve_" + name] = cv2.solve(m, B, flags=flag)[1].tolist()
    out["solve32_" + name] = cv2.solve(m.astype(np.float32), B.astype(np.float32), flags=flag)[1].tolist()
out["lstsq"] = cv2.solve(R, r, flags=cv2.DECOMP_SVD)[1].tolist()
out["svd_w"] = cv2.SVDecomp(A)[0].ravel().tolist()
out["svd32_w"] = cv2.SVDecomp(A.astype(np.float32))[0].ravel().tolist()
out["eig"] = sorted(np.array(cv2.eigenNonSymmetric(A[:10, :10])[0]).ravel().tolist())  # real parts
out["det"] = cv2.determinant(A)
out["gemm32"] = cv2.gemm(G.astype(np.float32), G.astype(np.float32), 1.0, None, 0.0).tolist()
out["gemm64_t"] = cv2.gemm(G, G, 1.0, None, 0.0, flags=cv2.GEMM_2_T).tolist()
out["gemm_c64"] = cv2.gemm(C.astype(np.float32), C.astype(np.float32), 1.0, None, 0.0).tolist()
out["gemm_c128"] = cv2.gemm(C, C, 1.0, None, 0.0).tolist()
out["inv"] = cv2.invert(A, flags=cv2.DECOMP_LU)[1].tolist()
out["tracks"] = tracks(cv2)
print(json.dumps(out))
"""

# the tracking assist's trackers (reviewer/redact/tracking.py) following a box; CSRT's filters use cblas_sgemm
TRACKS = r"""
def tracks(cv2):
    import numpy as np
    rng = np.random.default_rng(1)
    base = (rng.random((360, 640, 3)) * 255).astype(np.uint8)
    frames = []
    for i in range(20):
        f = base.copy()
        cv2.rectangle(f, (100 + 3 * i, 100 + i), (160 + 3 * i, 170 + i), (0, 0, 255), -1)
        frames.append(f)
    out = {}
    for make in (cv2.TrackerCSRT_create, cv2.TrackerKCF_create):
        t = make()
        t.init(frames[0], (100, 100, 60, 70))
        out[make.__name__] = [list(t.update(f)[1]) for f in frames[1:]]
    return out
"""


@pytest.fixture(scope="module")
def adapted_site(tmp_path_factory) -> Path:
    """A site folder with the installed cv2 whose OpenBLAS is a link to the adapter, as in the bundle."""
    site = tmp_path_factory.mktemp("site")
    shutil.copytree(SITE / "cv2", site / "cv2", ignore=shutil.ignore_patterns("cv2.abi3.so", "__pycache__"))
    os.symlink(SITE / "cv2" / "cv2.abi3.so", site / "cv2" / "cv2.abi3.so")
    libs = site / "opencv_contrib_python_headless.libs"
    libs.mkdir()
    for lib in (SITE / "opencv_contrib_python_headless.libs").iterdir():
        os.symlink(lib, libs / lib.name)
    os.symlink(SITE / "numpy.libs", site / "numpy.libs")
    toc = [(f"{d.name}/{f.name}", str(f), "BINARY") for d in (SITE / "opencv_contrib_python_headless.libs",
                                                            SITE / "numpy.libs") for f in d.iterdir()]
    binaries, rules = shared_libs.build_adapters(toc, tmp_path_factory.mktemp("work"), stubs=[])
    (replaced_glob, kept), = rules
    built = Path(dict((d, s) for d, s, _ in binaries)[kept])
    (site / shared_libs.OWN_LIBS).mkdir()
    shutil.copy(built, site / kept)
    replaced = next(libs.glob(Path(replaced_glob).name))
    replaced.unlink()
    os.symlink(os.path.relpath(site / kept, libs), replaced)
    return site


@pytest.fixture(scope="module")
def child(adapted_site) -> dict:
    """What the adapted cv2 computed, in a process of its own (one run for all the tests here)."""
    p = subprocess.run([sys.executable, "-c", TRACKS + CHILD, str(adapted_site), str(N)], capture_output=True,
                       text=True, timeout=300, cwd=adapted_site)
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout)


def test_cv2_through_the_adapter_loads_it_instead_of_opencvs_openblas(adapted_site, child):
    got = child
    assert got["cv2"].startswith(str(adapted_site))
    assert got["adapter"] and not got["openblas"]


def test_cv2_linear_algebra_through_the_adapter_matches_numpy(child):
    got = child
    rng = np.random.default_rng(7)
    A = rng.standard_normal((N, N)) + N ** 0.5 * np.eye(N); B = rng.standard_normal((N, 3)); S = A @ A.T + N * np.eye(N)
    R = rng.standard_normal((300, 200)); r = rng.standard_normal((300, 2))
    G = rng.standard_normal((256, 256)); C = rng.standard_normal((N, N, 2))
    for name, m in [("lu", A), ("qr", A), ("svd", A), ("chol", S)]:
        np.testing.assert_allclose(got["solve_" + name], np.linalg.solve(m, B), rtol=1e-9, atol=1e-9)
        np.testing.assert_allclose(got["solve32_" + name], np.linalg.solve(m, B), rtol=1e-3, atol=1e-3)
    np.testing.assert_allclose(got["lstsq"], np.linalg.lstsq(R, r, rcond=None)[0], rtol=1e-9, atol=1e-9)
    w = np.linalg.svd(A, compute_uv=False)
    np.testing.assert_allclose(got["svd_w"], w, rtol=1e-10)
    np.testing.assert_allclose(got["svd32_w"], w, rtol=1e-4)
    np.testing.assert_allclose(got["eig"], sorted(np.linalg.eigvals(A[:10, :10]).real), rtol=1e-9)
    np.testing.assert_allclose(got["gemm32"], G @ G, rtol=1e-4, atol=1e-3)
    np.testing.assert_allclose(got["gemm64_t"], G @ G.T, rtol=1e-12, atol=1e-10)
    z = C[..., 0] + 1j * C[..., 1]
    zz = z @ z
    for key, tol in (("gemm_c64", 1e-3), ("gemm_c128", 1e-10)):
        g = np.array(got[key])
        np.testing.assert_allclose(g[..., 0] + 1j * g[..., 1], zz, rtol=tol, atol=tol)
    np.testing.assert_allclose(got["inv"], np.linalg.inv(A), rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(got["det"], np.linalg.det(A), rtol=1e-8)


def test_the_tracking_assist_follows_the_same_boxes_through_the_adapter(child):
    """CSRT (which reaches cblas_sgemm) and KCF through the adapter agree with the stock wheel within a pixel."""
    scope: dict = {}
    exec(TRACKS, scope)
    stock = scope["tracks"](cv2)
    got = child["tracks"]
    for name in ("TrackerCSRT_create", "TrackerKCF_create"):
        np.testing.assert_allclose(got[name], stock[name], atol=1.0)
