"""Credentials for a qualification API that wants them, on both sides of the contract.

Client side (the scoring step): a hosted model usually wants a bearer token or an API-key
header, and may sit behind a private certificate authority. Settings, from the environment
first, then ``[scoring]`` in ``.dlt/secrets.toml`` (git-ignored):

=====================  ===========================  ==========================================
environment            ``.dlt/secrets.toml``        meaning
=====================  ===========================  ==========================================
``API_TOKEN``          ``api_token``                sent as ``Authorization: Bearer <token>``
``API_HEADERS``        ``api_headers`` (a table)    extra headers, a JSON object in the env,
                                                    e.g. ``{"X-Api-Key": "..."}``
``API_CA_BUNDLE``      ``api_ca_bundle``            a PEM file of CA certificates for HTTPS
=====================  ===========================  ==========================================

(``BACKTEST_API_TOKEN`` etc. work too.) The values are never logged, printed or stored:
``ApiAuth``'s repr names the header names only.

Server side (the reference API): with ``API_TOKEN`` set (``make api API_TOKEN=...``) every
request must carry that bearer token (or ``X-Api-Key: <token>``), else 401.
"""

from __future__ import annotations

import hmac
import json
import os
import ssl
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scoring.errors import ConfigError

SECRETS_FILE = Path(".dlt/secrets.toml")


@dataclass(frozen=True)
class ApiAuth:
    """Headers and TLS trust for the qualification API (values hidden from repr)."""

    headers: dict[str, str] = field(default_factory=dict, repr=False)
    ca_bundle: Path | None = None

    def __repr__(self) -> str:
        return f"ApiAuth(headers={sorted(self.headers)}, ca_bundle={self.ca_bundle})"

    @property
    def secrets(self) -> list[str]:
        """The header values, for redaction."""
        values = [v for v in self.headers.values() if v]
        return values + [v.removeprefix("Bearer ") for v in values if v.startswith("Bearer ")]

    def verify(self) -> ssl.SSLContext | bool:
        """httpx's ``verify``: a context trusting ``ca_bundle``, else the default store."""
        if self.ca_bundle is None:
            return True
        try:
            return ssl.create_default_context(cafile=str(self.ca_bundle))
        except (OSError, ssl.SSLError) as exc:
            raise ConfigError(
                f"API_CA_BUNDLE={self.ca_bundle} cannot be read as PEM CA certificates "
                f"({type(exc).__name__})."
            ) from None


def _secrets_table(path: Path) -> Mapping[str, Any]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path} cannot be read ({type(exc).__name__}).") from None
    table = data.get("scoring", {})
    return table if isinstance(table, Mapping) else {}


def load_api_auth(env: Mapping[str, str] | None = None, *, secrets: Path = SECRETS_FILE) -> ApiAuth:
    """The API credentials from the environment, else ``[scoring]`` in ``secrets``."""
    env = os.environ if env is None else env
    stored = _secrets_table(secrets)

    def pick(name: str) -> Any:
        value = env.get(name) or env.get(f"BACKTEST_{name}")
        return value if value else stored.get(name.lower())

    headers: dict[str, str] = {}
    raw_headers = pick("API_HEADERS")
    if isinstance(raw_headers, str):
        try:
            raw_headers = json.loads(raw_headers)
        except json.JSONDecodeError:
            raw_headers = None
        if not isinstance(raw_headers, dict):
            raise ConfigError(
                "API_HEADERS must be a JSON object of header names and values, e.g. "
                '\'{"X-Api-Key": "..."}\' (its value is not shown here).'
            )
    for name, value in dict(raw_headers or {}).items():
        if not isinstance(value, str | int) or not str(name).strip():
            raise ConfigError(f"API_HEADERS: the value of header {name!r} must be text.")
        headers[str(name).strip()] = str(value)
    token = pick("API_TOKEN")
    if token:
        headers["Authorization"] = f"Bearer {str(token).strip()}"
    bundle = pick("API_CA_BUNDLE")
    ca_bundle = Path(str(bundle)).expanduser() if bundle else None
    if ca_bundle is not None and not ca_bundle.is_file():
        raise ConfigError(f"API_CA_BUNDLE={ca_bundle}: no such file.")
    return ApiAuth(headers=headers, ca_bundle=ca_bundle)


class TokenRequired:
    """ASGI middleware of the reference API: 401 unless the request carries ``token``."""

    def __init__(self, app: Any, token: str) -> None:
        self.app = app
        self.token = token.encode()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http" and not self._allowed(dict(scope["headers"])):
            body = b'{"detail":"missing or wrong API token: send Authorization: Bearer <token>"}'
            await send(
                {
                    "type": "http.response.start",
                    "status": 401,
                    "headers": [
                        (b"content-type", b"application/json"),
                        (b"content-length", str(len(body)).encode()),
                        (b"www-authenticate", b"Bearer"),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": body})
            return
        await self.app(scope, receive, send)

    def _allowed(self, headers: dict[bytes, bytes]) -> bool:
        bearer = headers.get(b"authorization", b"")
        given = bearer[7:] if bearer[:7].lower() == b"bearer " else headers.get(b"x-api-key", b"")
        return hmac.compare_digest(given.strip(), self.token)
