"""A deterministic fake of the data.go.kr gateway for the 조달청 (1230000) procurement APIs.

Public API::

    create_app(config: SandboxConfig | None = None) -> SandboxApp        # an ASGI app
    run(host="127.0.0.1", port=8089, config=None) -> None              # blocking, for the CLI
    serve(host="127.0.0.1", port=8089, config=None) -> None            # async, until cancelled
    serving(config=None, *, host="127.0.0.1", port=0)                  # async CM -> base URL
    SandboxConfig(seed=0, service_keys=(DEFAULT_SERVICE_KEY,), latency=0.0, jitter=0.0,
                  rows={}, items_shape="list", fault_rate=0.0, faults=FAULT_KINDS,
                  timeout_sleep=30.0, quota=None, max_tps=None,
                  period_start=None, period_end=None)
    DEFAULT_SERVICE_KEY = "naramarket+sandbox/key=="                    # fake; never a real key

It answers ``GET /1230000/{ad|as|ao|at}/{Service}/{operation}`` for all 191 catalogued operations
with the upstream's envelopes and error codes, serves control endpoints under ``/_sandbox/``
(``GET stats``, ``POST reset``, ``GET|PUT config``), and marks every response with the header
``X-Naramarket-Sandbox: 1``. Records are invented; nothing here is real procurement data.

Honest like the real gateway: a name search (품명, 기관명, 업체명, 공고명 …) for something the
sandbox's vocabularies do not hold answers "no data" (code 03), parts of names match (``matching``),
and no record or past event is dated after "now" (``timeline``).

Consistent across services (``entities.notice_facts``/``contract_facts``): a 입찰공고번호 fixes its
notice's title, 공고/수요기관, 업무구분, 추정가격/기초금액 and dates (공고, 마감, 개찰) wherever a
record prints it, in lists and in lookups by number; a listed number encodes its notice date
(``R{yy}BK{minute of the year}{slot}``), so it resolves by number elsewhere with the same facts. A
통합계약번호 likewise fixes its 계약체결일자, amounts, company and the notice it came from, and a
사업자등록번호 names one company everywhere. Filters still win: a list filtered by 기관/품명/공고명
prints the searched entity even where the number's own facts name another.

Deliberate deviations from the real gateway:

- Without date params an operation returns its whole record set (the real one defaults some
  operations to "today"); a demo must not come back empty.
- Past the last page the answer is code 00 with no items and the true totalCount.
- All date-range params of an operation filter one timestamp per record: the field the
  ``inqryDiv`` mode names (개찰일시 -> ``rlOpengDt``, 계약체결일자 -> ``cntrctCnclsDate`` …, as
  upstream; ``Operation.date_modes``), else the record's main date (``rgstDt``, ``bidNtceDt`` …).
  Rows come in its order, ascending.
- Codes and numbers (기관코드, 물품분류번호 …) unknown to the vocabularies still find records made up
  around them; names it has no vocabulary for (업종명, 영문품명 …) are carried as searched.
- A missing key answers 30 like a wrong one (a live probe once saw 20 SERVICE_KEY_IS_NULL).
- Malformed ``pageNo``/``numOfRows`` (or numOfRows > 9999) answer 07; the real cap is unknown.
"""

from typing import TYPE_CHECKING, Any

from .config import DEFAULT_SERVICE_KEY, FAULT_KINDS, ConfigPatch, FaultKind, ItemsShape, SandboxConfig

if TYPE_CHECKING:
    from .app import SandboxApp, create_app
    from .server import run, serve, serving

# The gateway (its vocabularies, records, fake data) loads on first use: ``naramarket serve
# --sandbox`` and ``naramarket-mcp --sandbox`` name the sandbox at start-up but reach it only
# with their first upstream request.
_LAZY = {"SandboxApp": "app", "create_app": "app", "run": "server", "serve": "server", "serving": "server"}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


__all__ = [
    "DEFAULT_SERVICE_KEY",
    "FAULT_KINDS",
    "ConfigPatch",
    "FaultKind",
    "ItemsShape",
    "SandboxApp",
    "SandboxConfig",
    "create_app",
    "run",
    "serve",
    "serving",
]
