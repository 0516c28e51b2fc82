"""`reviewer store serve`: zero configuration gives the embedded store; a bad configuration is one line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.store import services

REPO = Path(__file__).resolve().parents[2]


def test_serve_with_no_configuration_runs_the_embedded_store(tmp_path):
    home = tmp_path / "store-home"
    home.mkdir()
    with services.store_server(None, home=home, extra_env={"REVIEWER_STORE_HOME": str(home)}) as store:
        health = httpx.get(f"{store.url}/api/v1/health", timeout=30).json()
    assert health["database"] == "sqlite" and health["blobs"] == "filesystem"
    assert (home / "store.sqlite3").is_file() and (home / "blobs").is_dir()


def run_cli(*args, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", "reviewer", *args], capture_output=True, text=True, env=env,
                          cwd=cwd, timeout=120)


@pytest.mark.parametrize("text, problem", [
    ("[server\nport = 1", "not valid TOML"),
    ("[blobz]\nbackend = 's3'", "unknown section [blobz]"),
    ("[blobs]\nbackend = 'tape'", "backend must be \"filesystem\" or \"s3\", not 'tape'"),
    ("[blobs]\nbackend = 's3'", "[blobs] backend = \"s3\" needs a bucket"),
    ("[uploads]\nexpire_after_seconds = 'soon'", "bad value"),
    ("[database]\nurl = 'postgresql+psycopg://nobody@127.0.0.1:1/x'", "cannot open the store's database"),
    ("[oidc.entra]\nissuer = 'https://login.example/t'", "[oidc.entra] needs an issuer and an audience"),
    ("[oidc]\nissuer = 'https://login.example/t'", "[oidc] needs one table per issuer, e.g. [oidc.entra]"),
    ("[auth]\naccess_ttl_seconds = 0", "[auth] times must be positive"),
])
def test_a_bad_configuration_is_one_line_naming_the_file(tmp_path, text, problem):
    cfg = tmp_path / "store.toml"
    cfg.write_text(text)
    r = run_cli("store", "serve", "--config", str(cfg), "--port", str(services.free_port()), cwd=tmp_path)
    assert r.returncode == 1
    assert r.stderr.count("\n") == 1 and "Traceback" not in r.stderr, r.stderr
    assert problem in r.stderr
    if "database" not in text:
        assert r.stderr.startswith(f"reviewer: {cfg}: ")


def test_a_missing_configuration_file_is_named(tmp_path):
    r = run_cli("store", "serve", "--config", "nowhere.toml", cwd=tmp_path)
    assert (r.returncode, r.stderr) == (1, "reviewer: nowhere.toml: configuration file not found\n")


def test_wrong_s3_credentials_stop_the_server_with_one_line(tmp_path, weed):
    from reviewer.store.blobs.s3 import S3Settings

    s3 = S3Settings(endpoint=weed.endpoint, bucket="bwv-never-created", access_key=weed.access_key,
                    secret_key="not-the-secret")
    cfg = services.write_store_config(tmp_path, s3=s3)
    r = run_cli("store", "serve", "--config", str(cfg), "--port", str(services.free_port()), cwd=tmp_path)
    assert r.returncode == 1 and r.stderr.count("\n") == 1, r.stderr
    assert r.stderr.startswith(f"reviewer: S3 bucket bwv-never-created at {weed.endpoint}: ")
    assert "refused: check the access key and secret" in r.stderr


def test_a_bucket_without_object_lock_is_refused(weed, s3_settings):
    import boto3

    from reviewer.store.blobs.s3 import S3BlobStore, S3Settings
    from reviewer.store.errors import StoreError

    plain = "bwv-plain-" + os.urandom(4).hex()
    boto3.client("s3", endpoint_url=weed.endpoint, aws_access_key_id=weed.access_key,
                 aws_secret_access_key=weed.secret_key, region_name="us-east-1").create_bucket(Bucket=plain)
    store = S3BlobStore(S3Settings(**{**s3_settings.__dict__, "bucket": plain}))
    with pytest.raises(StoreError, match="Object Lock is not enabled; evidential footage could be deleted"):
        store.ensure_bucket()


def test_without_the_store_extra_serve_says_what_to_install(tmp_path):
    code = ("import sys; sys.modules['uvicorn'] = None\n"  # as if the store extra were not installed
            "from reviewer.cli import main; sys.exit(main(['store', 'serve']))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=tmp_path,
                       env={**os.environ, "PYTHONPATH": str(REPO), "REVIEWER_STORE_HOME": str(tmp_path)})
    assert r.returncode == 1 and r.stderr.count("\n") == 1, r.stderr
    assert r.stderr.startswith("reviewer: the store needs its server packages: pip install 'bwv-reviewer[store]'")
