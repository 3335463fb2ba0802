"""The one settings object, read from the environment (``NARAMARKET_*``) and an optional TOML file."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import msgspec

__all__ = ["DEFAULT_API_BASE", "Settings"]

DEFAULT_API_BASE = "https://apis.data.go.kr/1230000"


def _default_data_dir() -> str:
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return os.path.join(base, "naramarket")


def _flag(name: str, raw: str) -> bool:
    if (text := raw.strip().lower()) in {"1", "true", "yes", "on"}:
        return True
    if text in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError(f"invalid setting: NARAMARKET_{name.upper()}={raw!r} is not a flag (use 1 or 0)")


class Settings(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Process-wide settings; environment wins over the TOML file (``NARAMARKET_CONFIG``)."""

    service_key: str | None = None
    api_base: str = DEFAULT_API_BASE
    mall_base: str = "https://shop.g2b.go.kr"  # the mall's web site: unofficial pages, not data.go.kr
    sandbox: bool = False
    max_concurrency: int = 10
    rate_limit: float = 20.0
    data_dir: str = msgspec.field(default_factory=_default_data_dir)
    auth: str | None = None  # "on" | "off"; None = on unless bound to loopback
    auth_allow_open: bool = False  # auth "off" on a non-loopback bind needs this explicit flag
    auth_password_grant: bool = False  # the legacy password grant and POST /auth/login (RFC 9700)
    auth_issuer: str | None = None  # an external IdP's issuer (its tokens are accepted too)
    auth_jwks_url: str | None = None  # that IdP's JWKS (configured here only, never from a token)
    auth_audience: str | None = None  # the audience that IdP puts in tokens for this server
    public_url: str | None = None  # external base URL (issuer, resource); None = from the request
    load_plugins: frozenset[str] | None = None  # None = every installed plugin
    allowed_hosts: frozenset[str] = frozenset()  # extra Host names every HTTP route accepts (DNS rebinding)
    cors_origins: frozenset[str] = frozenset()  # browser origins allowed to call (CORS); none by default
    timeout: float = 30.0
    call_budget: float = 25.0  # seconds one tool call may take: inside MCP clients' 60 s time-out
    call_requests: int = 200  # upstream requests one tool call may make (and date windows it may span)
    mcp_sessions_per_principal: int = 100  # open /mcp sessions one token subject may hold
    mcp_calls_per_principal: int = 20  # tool calls one token subject may have in flight on /mcp
    http_max_connections: int = 1000  # open client connections the server accepts at once
    http_header_timeout: float = 10.0  # seconds a client has to send a request's headers (slowloris)
    shutdown_grace: float = 10.0  # seconds in-flight calls get to finish when the server stops
    log_level: str = "info"
    log_format: str = "auto"  # "json" | "console" | "auto" (console on a TTY, JSON lines otherwise)
    metrics_port: int | None = None  # serve /metrics on this port instead of the main app
    metrics_token: str | None = None  # when set, /metrics needs "Authorization: Bearer <token>"
    redis_url: str | None = None  # replicas share page cache, limits, quota ledger, events
    cache_ttl: str = "list=60,detail=3600,stats=86400"  # seconds per operation kind; 0 = off
    quota_daily: int | None = None  # upstream calls per operation per key per KST day (dev keys: 1000)
    quota_reserve: int = 0  # answer quota_exceeded while this many calls are still left

    def __repr__(self) -> str:  # never print the key
        key = "set" if self.service_key else "unset"
        return f"Settings(api_base={self.api_base!r}, sandbox={self.sandbox}, service_key=<{key}>)"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Build settings from ``env`` (default ``os.environ``), the TOML file, then ``overrides``."""
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        if config_file := env.get("NARAMARKET_CONFIG"):
            import tomllib  # only when a config file is named

            with Path(config_file).open("rb") as fh:
                values.update(tomllib.load(fh))
        for field in msgspec.structs.fields(cls):
            if (raw := env.get(f"NARAMARKET_{field.name.upper()}")) is not None:
                values[field.name] = raw
        for name in ("load_plugins", "allowed_hosts", "cors_origins"):  # comma-separated lists
            if isinstance(values.get(name), str):
                values[name] = [n.strip() for n in values[name].split(",") if n.strip()]
        for field in msgspec.structs.fields(cls):  # every flag reads 1/true/yes/on the same way
            if field.type is bool and isinstance(values.get(field.name), str):
                values[field.name] = _flag(field.name, values[field.name])
        values.update({k: v for k, v in overrides.items() if v is not None})
        try:
            return msgspec.convert(values, cls, strict=False)
        except msgspec.ValidationError as exc:
            raise ValueError(f"invalid setting: {exc}") from None
