"""Date windows end to end: the engine against the sandbox, which refuses ranges over an op's limit.

Any split of a range gives exactly the records of the whole range, in order, with no duplicates;
a range wider than the operation's one-year limit is fetched in windows the gateway accepts.
"""

from __future__ import annotations

import datetime as dt

import anyio
import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from naramarket import sandbox
from naramarket.app import make_kernel
from naramarket.datago import CLIENT, RangeTooWide
from naramarket.kernel import Settings
from naramarket.kernel.host import Kernel
from naramarket.plugins.g2b_mall import MAS_PRODUCTS

START, END = dt.date(2023, 1, 1), dt.date(2025, 12, 31)  # three years: wider than the 1-year limit
QUERY = {"prdctClsfcNoNm": "노트북컴퓨터"}
CONFIG = sandbox.SandboxConfig(
    seed=3, rows={"getMASCntrctPrdctInfoList": 600}, period_start="20230101", period_end="20251231"
)


def kernel() -> Kernel:
    app = sandbox.create_app(CONFIG)
    settings = Settings.from_env(
        {},
        api_base="http://sandbox.test/1230000",
        service_key=sandbox.DEFAULT_SERVICE_KEY,
        rate_limit=0,
        load_plugins=frozenset({"g2b_mall"}),
    )
    return make_kernel(settings, transport=httpx.ASGITransport(app=app))


async def collect(start: dt.date, end: dt.date) -> list[tuple[str, str, str]]:
    async with kernel() as k:
        listing = await k.resources[CLIENT].collect(
            MAS_PRODUCTS, QUERY, window=(start, end), page_size=100, limit=10_000, order="oldest"
        )
    assert listing.complete is True
    return [(i.contract_no, i.contract_seq, i.product_id) for i in listing.items]


WHOLE = anyio.run(collect, START, END)


def test_a_range_wider_than_the_limit_is_fetched_in_accepted_windows():
    assert len(WHOLE) == 600  # every record of the three years
    assert len(set(WHOLE)) == 600

    async def one_call() -> None:
        async with kernel() as k:
            query = {**QUERY, **MAS_PRODUCTS.format_range(START, END)}
            await k.resources[CLIENT].fetch_page(MAS_PRODUCTS, query, 1, 10)

    with pytest.raises(RangeTooWide):  # the gateway itself refuses the whole range in one call
        anyio.run(one_call)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cut=st.integers(min_value=1, max_value=(END - START).days))
def test_any_split_of_the_range_gives_the_same_records(cut):
    middle = START + dt.timedelta(days=cut)
    first = anyio.run(collect, START, middle - dt.timedelta(days=1))
    second = anyio.run(collect, middle, END)
    assert set(first).isdisjoint(second)
    assert first + second == WHOLE  # merged in order


def test_each_window_of_a_multi_window_scan_gets_a_span():
    from naramarket.datago import Client, make_http_client
    from naramarket.observability import Instruments, Metrics
    from tests.observability.spans import session_spans

    spans = session_spans()
    spans.clear()

    async def scan(start: dt.date, end: dt.date) -> None:
        settings = Settings.from_env({}, api_base="http://sandbox.test/1230000")
        transport = httpx.ASGITransport(app=sandbox.create_app(CONFIG))
        async with make_http_client(settings, transport=transport) as http:
            client = Client(
                http, service_key=sandbox.DEFAULT_SERVICE_KEY, rate_limit=0, observer=Instruments(Metrics())
            )
            await client.collect(
                MAS_PRODUCTS, QUERY, window=(start, end), page_size=100, limit=100_000, order="oldest"
            )

    anyio.run(scan, START, END)
    windows = spans.named("upstream window")
    assert [
        (w.attributes["naramarket.window.start"], w.attributes["naramarket.window.end"]) for w in windows
    ] == [
        ("2023-01-01", "2023-12-31"),
        ("2024-01-01", "2024-12-31"),
        ("2025-01-01", "2025-12-31"),
    ]
    spans.clear()
    anyio.run(scan, dt.date(2024, 3, 1), dt.date(2024, 5, 31))  # one window: the tool span suffices
    assert not spans.named("upstream window")
