"""A model behind authentication (issue 11 #6): bearer token, API-key header, secrets.toml,
a private CA, all against the real reference API over loopback (HTTP and HTTPS)."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from plumbing.servers import free_port, stop
from scoring.server import reference_api
from tests.scoring_fixtures import AS_OF, simple_org

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "tok-3f9a1c77e2b54d0e9f"


@pytest.fixture
def secured_api(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The reference API requiring TOKEN (``make api API_TOKEN=...``)."""
    monkeypatch.setenv("API_TOKEN", TOKEN)
    with reference_api() as url:
        yield url


def score(db: Path, url: str, *, cwd: Path = ROOT, **env: str) -> subprocess.CompletedProcess:
    """``python -m scoring`` against ``url`` with exactly these credential settings."""
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("API_", "BACKTEST_API_", "BACKTEST_RUN_LOCK"))
    }
    return subprocess.run(
        [sys.executable, "-m", "scoring", "--no-progress", "--retries", "0"],
        cwd=cwd,
        env={
            **base,
            "BACKTEST_DB": str(db),
            "BACKTEST_AS_OF": AS_OF.isoformat(),
            "BACKTEST_API_URL": url,
            **env,
        },
        capture_output=True,
        text=True,
        timeout=120,
    )


def rows(db: Path) -> list[tuple[str, int]]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(
            "select status, count(*) from scoring.qualifications group by status"
        ).fetchall()


def test_the_reference_api_refuses_requests_without_the_token(secured_api: str) -> None:
    assert httpx.get(f"{secured_api}/health").status_code == 401
    assert httpx.get(f"{secured_api}/health", headers={"X-Api-Key": TOKEN}).status_code == 200
    ok = httpx.get(f"{secured_api}/health", headers={"Authorization": f"Bearer {TOKEN}"})
    assert ok.status_code == 200


def test_bearer_token_from_the_environment(secured_api: str, tmp_path: Path) -> None:
    db = simple_org(tmp_path / "w.duckdb", 6)
    done = score(db, secured_api, API_TOKEN=TOKEN)
    assert done.returncode == 0, done.stderr
    assert rows(db) == [("ok", 12)]


def test_api_key_header_from_api_headers(secured_api: str, tmp_path: Path) -> None:
    db = simple_org(tmp_path / "w.duckdb", 3)
    done = score(db, secured_api, API_HEADERS=f'{{"X-Api-Key": "{TOKEN}"}}')
    assert done.returncode == 0, done.stderr
    assert rows(db) == [("ok", 6)]


def test_token_from_dlt_secrets_toml(secured_api: str, tmp_path: Path) -> None:
    project = tmp_path / "project"
    (project / ".dlt").mkdir(parents=True)
    (project / ".dlt" / "secrets.toml").write_text(f'[scoring]\napi_token = "{TOKEN}"\n')
    db = simple_org(tmp_path / "w.duckdb", 3)
    done = score(db, secured_api, cwd=project)
    assert done.returncode == 0, done.stderr
    assert rows(db) == [("ok", 6)]


@pytest.mark.parametrize("env", [{}, {"API_TOKEN": "wrong-token-0000"}])
def test_a_missing_or_wrong_token_is_one_line_naming_the_url(
    secured_api: str, tmp_path: Path, env: dict[str, str]
) -> None:
    db = simple_org(tmp_path / "w.duckdb", 50)
    done = score(db, secured_api, **env)
    assert done.returncode == 4
    errors = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(errors) == 1, done.stderr
    assert errors[0].startswith("❌ scoring: the qualification API at " + secured_api)
    assert "refused our credentials" in errors[0] and "API_TOKEN" in errors[0]
    assert "Traceback" not in done.stderr
    assert "wrong-token-0000" not in done.stdout + done.stderr
    with duckdb.connect(str(db), read_only=True) as con:  # no row of errors per contact
        tables = con.execute(
            "select count(*) from information_schema.tables where table_schema = 'scoring'"
        ).fetchone()[0]
        assert (
            tables == 0
            or con.execute("select count(*) from scoring.qualifications").fetchone()[0] == 0
        )


def test_the_token_is_never_logged_or_stored(secured_api: str, tmp_path: Path) -> None:
    db = simple_org(tmp_path / "w.duckdb", 4)
    assert score(db, secured_api, API_TOKEN=TOKEN).returncode == 0
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert TOKEN.encode() not in path.read_bytes(), path


def _certificates(folder: Path) -> tuple[Path, Path, Path]:
    """A private CA, and a certificate for 127.0.0.1 that it signed: (ca, cert, key)."""
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "backtest test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                key_cert_sign=True,
                crl_sign=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    import ipaddress

    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    paths = folder / "ca.pem", folder / "server.pem", folder / "server.key"
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return paths


@pytest.fixture
def https_api(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """The reference API over HTTPS with a certificate from a private CA: (url, ca.pem)."""
    ca, cert, key = _certificates(tmp_path)
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "scoring.api:create_app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--ssl-certfile",
            str(cert),
            "--ssl-keyfile",
            str(key),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env={k: v for k, v in os.environ.items() if not k.startswith("API_")},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"https://127.0.0.1:{port}"
    try:
        deadline = dt.datetime.now() + dt.timedelta(seconds=30)
        while dt.datetime.now() < deadline:
            try:
                httpx.get(f"{url}/health", verify=False, timeout=1.0)
                break
            except httpx.TransportError:
                if proc.poll() is not None:
                    raise AssertionError("the HTTPS reference API did not start") from None
                time.sleep(0.1)
        yield url, ca
    finally:
        stop(proc)


def test_a_private_ca_bundle_makes_https_work(https_api: tuple[str, Path], tmp_path: Path) -> None:
    url, ca = https_api
    db = simple_org(tmp_path / "w.duckdb", 3)
    untrusted = score(db, url)
    assert untrusted.returncode != 0 and "Traceback" not in untrusted.stderr
    trusted = score(db, url, API_CA_BUNDLE=str(ca))
    assert trusted.returncode == 0, trusted.stderr
    assert rows(db) == [("ok", 6)]


def test_bad_credential_settings_are_one_line(tmp_path: Path) -> None:
    db = simple_org(tmp_path / "w.duckdb", 1)
    done = score(db, "http://127.0.0.1:9", API_HEADERS="X-Api-Key: abc")
    assert done.returncode == 2 and "API_HEADERS must be a JSON object" in done.stderr
    done = score(db, "http://127.0.0.1:9", API_CA_BUNDLE=str(tmp_path / "nope.pem"))
    assert done.returncode == 2 and "nope.pem: no such file" in done.stderr
