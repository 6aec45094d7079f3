"""Settings from the environment, validated once at start-up."""

from __future__ import annotations

import fnmatch
import ipaddress
import secrets
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


def _comma_list(value: object) -> object:
    """A comma-separated environment value as a list (other values as they are)."""
    if isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    return value


def _network_list(value: object, expected: str) -> object:
    """A comma-separated list of IP networks, each checked; ValueError names the bad one."""
    items = _comma_list(value)
    if not isinstance(items, list):
        return items
    for item in items:
        try:
            ipaddress.ip_network(item, strict=False)
        except ValueError:
            raise ValueError(f"{item!r} is not {expected}") from None
    return items


class ConfigError(Exception):
    """A setting is invalid: the message names the variable."""


class Settings(BaseSettings):
    """Everything the operator configures; names are the environment variables."""

    model_config = SettingsConfigDict(env_prefix="", case_sensitive=False, extra="ignore")

    app_url: str = "http://127.0.0.1:8470"
    redis_url: str = ""
    data_dir: Path = Path(".data")
    allowed_saleor_api_urls: Annotated[list[str], NoDecode] = Field(default_factory=list)
    secret_key: str = ""
    secret_key_previous: Annotated[list[str], NoDecode] = Field(default_factory=list)
    """Keys SECRET_KEY replaced (comma-separated): secrets they sealed still open, and every
    process seals them again with SECRET_KEY at start-up."""
    log_level: str = "INFO"
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024, le=16 * 1024 * 1024)
    saleor_timeout_seconds: float = Field(default=10.0, gt=0, le=60)
    jwks_refresh_interval_seconds: float = Field(default=30.0, ge=0, le=3600)
    forwarded_allow_ips: Annotated[list[str], NoDecode] = Field(default_factory=list)
    """Proxies (addresses or networks) whose X-Forwarded-For and X-Forwarded-Proto are believed;
    empty: none, and the TCP peer is the client."""
    header_timeout_seconds: float = Field(default=10.0, gt=0, le=300)
    """A request's headers must be complete this long after its connection opens (or after the
    previous response); otherwise the connection is closed."""
    body_timeout_seconds: float = Field(default=30.0, gt=0, le=600)
    """A request's body must be complete this long after its headers; otherwise it is closed."""
    max_connections: int = Field(default=2000, ge=1, le=1_000_000)
    """Open HTTP connections per process; new ones beyond it are closed at once."""
    max_connections_per_client: int = Field(default=200, ge=0, le=1_000_000)
    """Open HTTP connections per client address (0: no cap; off behind a trusted proxy)."""
    metrics_token: str = ""
    """When set, `GET /metrics` needs `Authorization: Bearer <token>` (401 without it)."""
    saleor_private_networks: Annotated[list[str], NoDecode] = Field(default_factory=list)
    """Non-public networks (CIDR) a tenant's Saleor may be on, e.g. 127.0.0.0/8 for a Saleor on
    this machine; empty: only public addresses are called (no request forgery to the inside)."""
    installs_per_client_per_hour: int = Field(default=30, ge=0, le=100_000)
    """`POST /api/register` calls one client address may make per hour (0: no limit); Saleor
    Cloud installs many shops from few addresses, so keep it well above one shop's needs."""
    reconcile_lookback_days: int = Field(default=2, ge=1, le=90)
    """How far back reconciliation looks for UNCONFIRMED orders no webhook told the app about."""
    homepage_url: str = ""
    """The operator's own home page for the manifest's `homepageUrl` (empty: the app's `/`)."""
    support_url: str = ""
    """The operator's own support page (empty: the app's `/support`)."""
    privacy_url: str = ""
    """The operator's own data-privacy page (empty: the app's `/privacy`)."""

    @field_validator("app_url")
    @classmethod
    def _absolute_http_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError("must be an absolute http(s) URL, e.g. https://otp.example.com")
        if parts.query or parts.fragment:
            raise ValueError("must not carry a query or fragment")
        return value.rstrip("/")

    @field_validator("homepage_url", "support_url", "privacy_url")
    @classmethod
    def _page_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if value and (parts.scheme not in ("http", "https") or not parts.netloc):
            raise ValueError("must be an absolute http(s) URL, or empty for the app's own page")
        return value

    def manifest_links(self) -> dict[str, str]:
        """The operator's own pages, by manifest key."""
        links = {"homepageUrl": self.homepage_url, "supportUrl": self.support_url,
                 "dataPrivacyUrl": self.privacy_url}
        return {key: url for key, url in links.items() if url}

    @field_validator("redis_url")
    @classmethod
    def _redis_scheme(cls, value: str) -> str:
        if value and urlsplit(value).scheme not in ("redis", "rediss", "unix"):
            raise ValueError("must start with redis://, rediss:// or unix://, or be empty")
        return value

    @field_validator("allowed_saleor_api_urls", mode="before")
    @classmethod
    def _split_patterns(cls, value: object) -> object:
        return _comma_list(value)

    @field_validator("saleor_private_networks", mode="before")
    @classmethod
    def _networks(cls, value: object) -> object:
        return _network_list(value, "a network, e.g. 127.0.0.0/8 or ::1/128")

    @field_validator("forwarded_allow_ips", mode="before")
    @classmethod
    def _proxy_networks(cls, value: object) -> object:
        return _network_list(
            value,
            "an IP address or network; list the proxies, e.g. 10.0.0.0/8,127.0.0.1 (a '*' would "
            "let any client choose its address)",
        )

    @field_validator("secret_key", "metrics_token")
    @classmethod
    def _long_enough(cls, value: str) -> str:
        if value and len(value) < 32:
            raise ValueError("must be at least 32 characters (use: openssl rand -hex 32)")
        return value

    @field_validator("secret_key_previous", mode="before")
    @classmethod
    def _previous_keys(cls, value: object) -> object:
        keys = _comma_list(value)
        if isinstance(keys, list) and any(len(str(key)) < 32 for key in keys):
            raise ValueError("each key must be at least 32 characters")
        return keys

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.upper()
        if level not in ("DEBUG", "INFO", "WARNING", "ERROR"):
            raise ValueError("must be DEBUG, INFO, WARNING or ERROR")
        return level

    def saleor_url_allowed(self, saleor_api_url: str) -> bool:
        """Whether a Saleor API URL may install the app (empty list allows any)."""
        if not self.allowed_saleor_api_urls:
            return True
        return any(fnmatch.fnmatchcase(saleor_api_url, p) for p in self.allowed_saleor_api_urls)

    def resolved_secret_key(self) -> str:
        """SECRET_KEY, or one generated once and kept in DATA_DIR for a laptop setup."""
        if self.secret_key:
            return self.secret_key
        path = self.data_dir / "secret_key"
        if path.exists():
            return path.read_text().strip()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_hex(32)
        path.touch(mode=0o600)
        path.write_text(key)
        return key


def load_settings(**overrides: object) -> Settings:
    """Read the environment; raise ConfigError naming the first bad variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        error = exc.errors()[0]
        name = str(error["loc"][0]).upper() if error["loc"] else "settings"
        message = str(error["msg"]).removeprefix("Value error, ")
        raise ConfigError(f"{name}: {message}") from None
