"""Sandbox settings: one immutable ``SandboxConfig``, patched at runtime through ``/_sandbox/config``."""

from __future__ import annotations

import datetime as dt
from typing import Literal, get_args

import msgspec

from .catalog import load_catalog

__all__ = [
    "DEFAULT_SERVICE_KEY",
    "FAULT_KINDS",
    "ConfigPatch",
    "FaultKind",
    "ItemsShape",
    "SandboxConfig",
    "apply_patch",
    "resolve_period",
]

# Fake, never a real key. It holds "+", "/" and "=" so that a client which double-encodes it
# (%252B) or sends "+" unencoded (read as a space) gets code 30, exactly as with a portal key.
DEFAULT_SERVICE_KEY = "naramarket+sandbox/key=="

FaultKind = Literal[
    "http_500",
    "http_502",
    "http_503",
    "http_429",
    "timeout",
    "reset",
    "code_22",
    "code_23",
    "code_30",
    "malformed",
    "truncated",
    "echo_key",
]
# Every kind a test may ask for; by default all but ``echo_key`` (a hostile gateway that echoes the
# request, service key included, into its error text), which only leak tests name.
FAULT_KINDS: tuple[FaultKind, ...] = tuple(k for k in get_args(FaultKind) if k != "echo_key")
_ALL_FAULT_KINDS: tuple[FaultKind, ...] = get_args(FaultKind)
ItemsShape = Literal["list", "item_list", "item_object", "object"]
_KST = dt.timezone(dt.timedelta(hours=9))


class SandboxConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Everything that shapes the sandbox's answers. All randomness derives from ``seed``."""

    seed: int = 0
    service_keys: tuple[str, ...] = (DEFAULT_SERVICE_KEY,)
    latency: float = 0.0  # seconds added to every gateway request
    jitter: float = 0.0  # up to this many extra seconds, drawn deterministically per request
    rows: dict[str, int] = msgspec.field(default_factory=dict)  # operation -> universe size
    items_shape: ItemsShape = "list"
    fault_rate: float = 0.0  # probability that a request gets one of ``faults``
    fault_seed: int = 0  # varies which requests fault without changing the records
    faults: tuple[FaultKind, ...] = FAULT_KINDS
    timeout_sleep: float = 30.0  # the "timeout" fault sleeps this long before answering
    quota: int | None = None  # calls per operation per key, then code 22
    max_tps: float | None = None  # calls per second per key, then code 23
    # Records spread over [period_start, period_end] (YYYYMMDD). None: the year up to today (KST);
    # an end after today counts as today (no record is ever stamped ahead of the clock).
    period_start: str | None = None
    period_end: str | None = None

    def __post_init__(self) -> None:
        if not 0.0 <= self.fault_rate <= 1.0:
            raise ValueError("fault_rate must be within [0, 1]")
        for name in ("latency", "jitter", "timeout_sleep"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must not be negative")
        if self.items_shape not in get_args(ItemsShape):
            raise ValueError(f"items_shape must be one of {get_args(ItemsShape)}")
        if unknown := set(self.faults) - set(_ALL_FAULT_KINDS):
            raise ValueError(f"unknown fault kinds: {sorted(unknown)}")
        if any(size < 0 for size in self.rows.values()):
            raise ValueError("rows sizes must not be negative")
        if self.rows and (unknown_ops := set(self.rows) - set(load_catalog().operations)):
            raise ValueError(f"rows names unknown operations: {sorted(unknown_ops)}")
        if self.quota is not None and self.quota < 0:
            raise ValueError("quota must not be negative")
        if self.max_tps is not None and self.max_tps <= 0:
            raise ValueError("max_tps must be positive")
        start, end = resolve_period(self)
        if start > end:
            raise ValueError("period_start is after period_end (or after today)")


class ConfigPatch(msgspec.Struct, kw_only=True, forbid_unknown_fields=True, omit_defaults=True):
    """The runtime-adjustable subset of ``SandboxConfig`` (body of ``PUT /_sandbox/config``)."""

    latency: float | msgspec.UnsetType = msgspec.UNSET
    jitter: float | msgspec.UnsetType = msgspec.UNSET
    rows: dict[str, int] | msgspec.UnsetType = msgspec.UNSET
    items_shape: ItemsShape | msgspec.UnsetType = msgspec.UNSET
    fault_rate: float | msgspec.UnsetType = msgspec.UNSET
    fault_seed: int | msgspec.UnsetType = msgspec.UNSET
    faults: tuple[FaultKind, ...] | msgspec.UnsetType = msgspec.UNSET
    timeout_sleep: float | msgspec.UnsetType = msgspec.UNSET
    quota: int | msgspec.UnsetType | None = msgspec.UNSET
    max_tps: float | msgspec.UnsetType | None = msgspec.UNSET


def apply_patch(config: SandboxConfig, patch: ConfigPatch) -> SandboxConfig:
    """Return ``config`` with the fields set in ``patch`` replaced (validated again)."""
    changes = {f: v for f in patch.__struct_fields__ if (v := getattr(patch, f)) is not msgspec.UNSET}
    return msgspec.structs.replace(config, **changes)


def resolve_period(config: SandboxConfig) -> tuple[dt.date, dt.date]:
    """The inclusive date span records are spread over; it never ends after today (KST).

    A ``period_end`` in the future is clamped to today: no record is stamped ahead of the clock
    (of today, the timeline holds only the hours before the app was created: ``timeline``).
    """
    today = dt.datetime.now(_KST).date()
    end = min(_parse_day(config.period_end), today) if config.period_end else today
    start = _parse_day(config.period_start) if config.period_start else end - dt.timedelta(days=364)
    return start, end


def _parse_day(text: str) -> dt.date:
    try:
        return dt.datetime.strptime(text, "%Y%m%d").date()
    except ValueError:
        raise ValueError(f"period dates are YYYYMMDD, got {text!r}") from None
