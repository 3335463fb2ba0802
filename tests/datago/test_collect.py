"""datago ``collect(ctx, ...)``: a tool scans through the kernel's client resource, and its items
and progress reach whoever attached events to the call."""

from __future__ import annotations

from typing import Annotated, Any

import httpx
import msgspec
import pytest

from naramarket.datago import CLIENT, Listing, ListQuery, QuotaExceeded, client_factory, collect
from naramarket.kernel import Context, Settings, hookimpl, tool
from naramarket.kernel.host import CallEvents, Kernel, make_plugin_manager, problem

from .fakes import DECODING_KEY, ROWS, PagedServer, Row, gateway_xml

pytestmark = pytest.mark.anyio


class Search(ListQuery):
    category: Annotated[str, msgspec.Meta(min_length=1)]
    page_size: int = 100


@tool(name="rows", title=("행", "Rows"), description=("행 목록.", "Lists rows."))
async def rows(ctx: Context, p: Search) -> Listing[Row]:
    """List the fake operation through the call's client."""
    return await collect(ctx, ROWS, {"rowNm": p.category, "unused": None}, p, page_size=p.page_size)


class RowsPlugin:
    @hookimpl
    def register_tools(self, register: Any) -> None:
        register(rows)


def kernel_on(handler: Any) -> Kernel:
    settings = Settings(service_key=DECODING_KEY, rate_limit=0, api_base="https://fake.test/1230000")
    return Kernel(
        settings,
        plugin_manager=make_plugin_manager(allow=[], extra=[("rows", RowsPlugin())]),
        resources={CLIENT: client_factory(transport=httpx.MockTransport(handler))},
    )


async def test_a_listing_tool_scans_through_the_kernels_client() -> None:
    server = PagedServer(total=25)
    batches: list[int] = []
    progress: list[tuple[int, int | None]] = []

    async def on_items(items: list[Any]) -> None:
        batches.append(len(items))

    async def on_progress(done: int, total: int | None, message: str | None) -> None:
        progress.append((done, total))

    async with kernel_on(server) as kernel:
        listing = await kernel.dispatcher.call(
            "rows", {"category": "PC", "page_size": 10}, events=CallEvents(on_progress, on_items)
        )
        assert kernel.readiness()["status"] == "ready"
    assert isinstance(listing, Listing) and listing.complete is True
    assert [r.row_id for r in listing.items] == server.expected_ids()
    assert batches == [10, 10, 5] and progress == [(10, 25), (20, 25), (25, 25)]
    assert all("rowNm=PC" in q and "unused" not in q for q in server.queries)
    assert kernel.readiness()["status"] == "not_ready"  # the lifespan closed the client


async def test_an_upstream_error_passes_through_typed() -> None:
    async def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=gateway_xml("22"))

    async with kernel_on(handler) as kernel:
        with pytest.raises(QuotaExceeded) as caught:
            await kernel.dispatcher.call("rows", {"category": "PC"})
    assert problem(caught.value)["code"] == "quota_exceeded"
    assert problem(caught.value)["status"] == 429
