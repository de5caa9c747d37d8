"""Salesforce authentication: a ready access token, or one of the OAuth2 token flows.

Which flow runs is decided by which credentials are set (first match wins):

=====================  =====================================================================
JWT bearer             ``client_id`` + ``username`` + ``private_key`` (PEM text or file path)
username-password      ``client_id`` + ``client_secret`` + ``username`` + ``password``
client credentials     ``client_id`` + ``client_secret``
access token           ``access_token`` + ``instance_url`` (e.g. ``sf org display --json``)
=====================  =====================================================================

OAuth flows post to ``<login_url>/services/oauth2/token`` (default
``https://login.salesforce.com``; use your My Domain URL for client credentials). A flow can
re-authenticate when a token expires; a bare access token cannot, and says so.
Secrets never appear in ``repr``, logs or error messages.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field, fields
from pathlib import Path

import httpx
from dlt.common.configuration import configspec
from dlt.common.configuration.specs import CredentialsConfiguration
from dlt.common.typing import TSecretStrValue

from extract.errors import AuthError, ConfigError

SECRET_FIELDS = ("access_token", "client_secret", "password", "security_token", "private_key")
DEFAULT_LOGIN_URL = "https://login.salesforce.com"


@configspec
class SalesforceCredentials(CredentialsConfiguration):
    """The credentials as dlt resolves them: ``[sources.salesforce.credentials]`` in
    ``.dlt/secrets.toml``, or ``SOURCES__SALESFORCE__CREDENTIALS__<FIELD>``. Every field is
    optional: which ones are set selects the flow (see ``Credentials.flow``)."""

    access_token: TSecretStrValue | None = None
    instance_url: str | None = None
    client_id: str | None = None
    client_secret: TSecretStrValue | None = None
    username: str | None = None
    password: TSecretStrValue | None = None
    security_token: TSecretStrValue | None = None
    private_key: TSecretStrValue | None = None
    login_url: str | None = None


@dataclass
class Credentials:
    """Whatever the user configured; empty strings count as unset."""

    access_token: str = field(default="", repr=False)
    instance_url: str = ""
    client_id: str = ""
    client_secret: str = field(default="", repr=False)
    username: str = ""
    password: str = field(default="", repr=False)
    security_token: str = field(default="", repr=False)
    private_key: str = field(default="", repr=False)
    login_url: str = ""

    @classmethod
    def from_sf_org_display(cls, text: str) -> Credentials:
        """Read the JSON that ``sf org display --json`` prints."""
        try:
            result = json.loads(text).get("result", {})
        except (json.JSONDecodeError, AttributeError) as exc:
            raise ConfigError(
                "The sf org display output is not JSON: run `sf org display --json "
                "--target-org <alias>` and pass its output unchanged."
            ) from exc
        token, url = result.get("accessToken", ""), result.get("instanceUrl", "")
        if not token or not url:
            raise ConfigError(
                "The sf org display output has no accessToken/instanceUrl: log in first "
                "(`sf org login web`), then run `sf org display --json` again."
            )
        return cls(access_token=token, instance_url=url)

    def secrets(self) -> list[str]:
        """The secret values set, longest first (for redaction)."""
        values = [getattr(self, f) for f in SECRET_FIELDS if getattr(self, f)]
        return sorted(values, key=len, reverse=True)

    @property
    def flow(self) -> str | None:
        """The flow these credentials select, or None when nothing usable is set."""
        if self.client_id and self.username and self.private_key:
            return "jwt_bearer"
        if self.client_id and self.client_secret and self.username and self.password:
            return "password"
        if self.client_id and self.client_secret:
            return "client_credentials"
        if self.access_token and self.instance_url:
            return "access_token"
        return None

    def is_empty(self) -> bool:
        return not any(getattr(self, f.name) for f in fields(self))


class Authenticator:
    """Holds the current access token and gets a new one when Salesforce says it expired."""

    def __init__(self, credentials: Credentials, http: httpx.Client) -> None:
        flow = credentials.flow
        if flow is None:
            raise ConfigError(
                "Salesforce credentials are incomplete: set access_token + instance_url, or "
                "client_id + client_secret (client credentials), or client_id + username + "
                "private_key (JWT bearer). See README, 'Point it at your org'."
            )
        self.flow = flow
        self._credentials = credentials
        self._http = http
        self.access_token = ""
        self.instance_url = credentials.instance_url.rstrip("/")

    def __repr__(self) -> str:
        return f"Authenticator(flow={self.flow!r}, instance_url={self.instance_url!r})"

    @property
    def can_refresh(self) -> bool:
        return self.flow != "access_token"

    def authenticate(self) -> None:
        """Get a token (or take the configured one)."""
        if self.flow == "access_token":
            self.access_token = self._credentials.access_token
            return
        self._token_request(self._grant())

    def _grant(self) -> dict[str, str]:
        c = self._credentials
        if self.flow == "client_credentials":
            return {
                "grant_type": "client_credentials",
                "client_id": c.client_id,
                "client_secret": c.client_secret,
            }
        if self.flow == "password":
            return {
                "grant_type": "password",
                "client_id": c.client_id,
                "client_secret": c.client_secret,
                "username": c.username,
                "password": c.password + c.security_token,
            }
        return {
            "grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
            "assertion": self._jwt_assertion(),
        }

    def _jwt_assertion(self) -> str:
        import jwt  # PyJWT; imported here so other flows do not pay for cryptography

        c = self._credentials
        key = c.private_key
        if "BEGIN" not in key:
            path = Path(key).expanduser()
            if not path.is_file():
                raise ConfigError(
                    "private_key is neither a PEM key nor a readable file path "
                    "(set it to the PEM text or the path of the key your connected app uses)."
                )
            key = path.read_text()
        claims = {
            "iss": c.client_id,
            "sub": c.username,
            "aud": (c.login_url or DEFAULT_LOGIN_URL).rstrip("/"),
            "exp": int(time.time()) + 180,
        }
        try:
            return jwt.encode(claims, key, algorithm="RS256")
        except (ValueError, TypeError) as exc:
            raise ConfigError(f"private_key cannot sign a JWT: {type(exc).__name__}") from None

    def _token_request(self, grant: dict[str, str]) -> None:
        url = (self._credentials.login_url or DEFAULT_LOGIN_URL).rstrip("/")
        try:
            response = self._http.post(f"{url}/services/oauth2/token", data=grant)
        except httpx.HTTPError as exc:
            raise AuthError(
                f"Cannot reach the Salesforce token endpoint at {url} "
                f"({type(exc).__name__}). Check login_url and your network."
            ) from None
        try:
            body = response.json()
        except ValueError:
            body = {}
        if response.status_code != 200 or "access_token" not in body:
            reason = body.get("error_description") or body.get("error") or response.reason_phrase
            raise AuthError(
                f"Salesforce refused the {self.flow} login at {url}: {reason} "
                f"(HTTP {response.status_code}). Check the connected app and credentials."
            )
        self.access_token = body["access_token"]
        self.instance_url = (body.get("instance_url") or self.instance_url).rstrip("/")
        if not self.instance_url:
            raise AuthError("The token response has no instance_url; set instance_url.")
